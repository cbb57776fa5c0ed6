// Package cacao converts the playbooks of a secops/v1 design to and from
// CACAO Security Playbooks v2.0 (OASIS), the JSON format for sharing
// playbooks between tools.
//
// # Export
//
// Export makes one CACAO playbook per design playbook. Every identifier
// is a UUIDv5 (RFC 9562, SHA-1) in the namespace Namespace
// (ab9be25c-53ee-519b-8077-def6fb994231, itself the UUIDv5 of
// "https://github.com/secopsdesign/secops/cacao" in the URL namespace):
// the playbook's of "playbook:<design>/<playbook>", created_by's of
// "identity:<design>", and each step's of the design, playbook, step,
// method and branch it stands for. created and modified are
// Options.Time, else DefaultTime (2000-01-01T00:00:00.000Z), so the same
// design always gives byte-identical files.
//
// A design step becomes one action step per method of its process. A
// method done by a person has a manual command carrying its procedure,
// run by the party responsible for the phase (a group agent if in-house,
// an organization if outsourced). A method with an action has a command
// of type AdapterCommand ("secops-adapter", CACAO command types are an
// open vocabulary) whose command is the action, "<adapter>.<operation>",
// run by a security-category agent (category orchestrator) named after
// the adapter. Inputs and outputs are in_args and out_args. The action
// step of a method with a when is guarded by an if-condition whose
// condition is the when, verbatim, with expression_language "cel":
// on_true runs the action, on_false skips it, and both go on to the same
// step, so that a CACAO consumer runs the method only when the
// condition holds.
//
// Branches become a chain of if-condition steps, one per conditional
// branch in order, each on_false leading to the next and the last to the
// default branch (or to an end step when there is none). Conditions are
// the CEL expressions, verbatim; since CACAO conditions are STIX patterns
// by default, each if-condition carries the secops extension
// (ExtensionID, declared in extension_definitions) with
// expression_language "cel". A response becomes its own chain of action
// steps (its processes' methods, after a manual approval step when it
// needs approval) ending in its own end step, once per place that
// responds with it, so that every branch ends in a unique end step as
// CACAO requires. Every step carries the secops extension recording
// where it comes from, which lets Import rebuild the design exactly;
// the playbook extension carries the design's fields, parties,
// responsibilities and description, and the incidents the playbook
// handles.
//
// Fields become playbook_variables named __<id>__ (a dot becomes an
// underscore): string, domain, host, user, time and cidr as string, bool
// as bool, int and port as integer, ip as ipv4-addr, url as uri, hash as
// hash; the exact types travel in the playbook extension.
//
// The CACAO JSON Schemas do not check that steps refer to steps that
// exist; Check does, with the other graph checks, and Export refuses to
// return a playbook that fails them.
//
// # Import
//
// Import makes a complete design from a CACAO playbook; see
// ImportPlaybook for the mapping. Conditions that are not CEL become a
// manual decision recorded in a field, and branches on it; a
// while-condition runs its body at most once; other loops are cut;
// parallel branches run in the order of next_steps. What cannot be
// carried over is listed in the Report, and the scope and criteria CACAO
// has no notion of are placeholders that WriteYAML marks with
// "# TODO(import)": for a playbook exported by secops, its incidents
// come back as placeholder incidents, each with a placeholder detection
// (alert.incident == "<id>") at the triage threshold, so that the
// imported playbook is reachable.
//
// Import does work bounded by the size of the workflow, whatever it
// holds: a workflow larger than MaxSteps, or whose translation would
// copy steps too many times (branches that share long tails after
// parallel steps or conditions with on_completion), is an error.
package cacao
