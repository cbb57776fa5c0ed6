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
// A design step becomes one action step per method of its process,
// chained by on_completion. A method done by a person has a manual
// command carrying its procedure, run by the party responsible for the
// phase (a group agent if in-house, an organization if outsourced). A
// method with an action has, without Options.Adapters, a command of type
// AdapterCommand ("secops-adapter", CACAO command types are an open
// vocabulary) whose command is the action, "<adapter>.<operation>", run
// by a security-category agent (category orchestrator) named after the
// adapter; only the secops executor can run it. Inputs and outputs are
// in_args and out_args.
//
// # Block structure
//
// CACAO 2.0 conditions are block-structured: the on_true and on_false
// of an if-condition each start a branch sub-workflow that ends in an
// end step of its own, after which the executor goes on at the
// if-condition's on_completion. Export writes them so:
//
//   - A method with a when is an if-condition whose on_true branch is
//     the method's action step alone, closed by an end step (end_of
//     "when" in the secops step extension); it has no on_false, and its
//     on_completion is the next method's step.
//   - The branches of a design step are nested if-conditions, one per
//     conditional branch in order: branch i's on_true is the flow of the
//     branch, its on_false the if-condition of the next conditional
//     branch (or, for the last, the default branch's flow; with no
//     default, an end step marked end_of "no-match"), and its
//     on_completion an end step of its own (end_of "branches"): design
//     branches never come back, so on_completion only closes the block.
//   - A response is its own chain of action steps (after a manual
//     approval step when it needs approval) ending in its own end step,
//     written once for each place that responds with it. The end step
//     of a response, and that of a design end, carries the disposition
//     of the step or branch that ends there (the disposition property of
//     the step extension), so that Import gives it back.
//   - Branches of a design can re-join or jump ahead: two branches going
//     to the same step, or a goto into steps another way also reaches.
//     CACAO branches cannot, so Export writes a design step, and all
//     that follows it, once for each way into it: the first way into a
//     step (in the order of next, then branches, depth first from
//     start) keeps the plain ids, and every further one has ids derived
//     from the way in ("via/<step>/branch/<i>/" or "via/<step>/next/"
//     before the keys of the steps it copies). This keeps each playbook
//     one self-contained file that any executor runs without calling
//     other playbooks, at the cost of size where a design re-joins
//     often: MaxExportSteps bounds it, and a design whose copies would
//     exceed it is an error. (Playbook-action steps calling a playbook
//     per shared tail would avoid the copies, but need the callee
//     deployed beside the caller and pass variables in and out, which
//     executors handle unevenly.) Import makes the copies one step
//     again, by the design step their extension names.
//
// Branches are never written as a switch-condition: design branches are
// ordered boolean conditions, not the values of one variable, and
// SOARCA, the open-source Go executor, does not run switch-condition
// steps (it goes on at on_completion without taking a case), while every
// executor runs if-conditions.
//
// Check makes the checks the CACAO schemas cannot make, the block rules
// among them: every condition and parallel step has on_completion, and
// every branch sub-workflow runs to an end step of its own without
// leading into the steps of another block. Export refuses to return a
// playbook that fails them.
//
// # Conditions
//
// CACAO conditions are STIX patterning by default. A design condition
// (CEL over fields and severity) that has a STIX comparison form is
// written as one over the playbook variables: a bool field as
// __x__:value = true, its negation as = false, == and != with a literal
// of the field's type as = and != (strings in single quotes, ' and \
// escaped), <, <=, >, >= of int and port fields with whole numbers, in a
// list of literals as IN ('a', 'b'), && as AND, and has(fields.x) beside
// comparisons of x left out (a STIX comparison of a variable with no
// value is false). severity is the variable SeverityVariable. The CEL
// is kept beside it in the step extension (condition, or when for a
// method's when), so that Import restores it exactly. Any other
// condition stays CEL in the condition property, with
// expression_language "cel" in the step extension, and is listed in
// File.Notes with its step.
//
// # Variables
//
// Fields become playbook_variables named __<id>__ (a dot becomes an
// underscore): string, domain, host, user, time and cidr as string, bool
// as bool, int and port as integer, ip as ipv4-addr, url as uri, hash as
// hash; the exact types travel in the playbook extension. The playbook's
// inputs, the alert fields, are external.
//
// # Adapters
//
// With Options.Adapters (the adapter file secops run takes), actions are
// commands an executor can call, each step's agent named after the
// SOARCA capability that runs its commands (see Executors):
//
//   - a webhook adapter's method is an http-api command "POST <path>
//     HTTP/1.1", where path is the path and query of the adapter's URL,
//     run by the agent soarca-http-api (type soarca) on an http-api
//     target whose address url is the URL's scheme and host: executors
//     send the command to the address followed by the path. The CACAO
//     schema's url pattern wants a host name with a dot and a top-level
//     domain; an adapter at an IP address (http://10.0.0.5/…,
//     http://127.0.0.1:8080/…) or at localhost is exported all the same,
//     with a note naming the adapter and the target: validators of the
//     schema, SOARCA's among them, refuse such a playbook until the
//     address is a host name, or an ipv4 address and a port (SOARCA then
//     sends https, or http on ports 80 and 8080).
//     Its content is the JSON the webhook adapter sends,
//     {"operation", "inputs", "method", "run", "idempotency_key"}, with
//     each input a variable reference ("__x__:value" in quotes for
//     string-valued variables, bare for bool, integer and list ones,
//     whose value is then JSON text; a variable with no value is what
//     the executor makes of it, where the webhook adapter leaves the
//     input out). The reply is the adapter's, {"outputs": {"x": …}}:
//     output x is the out_arg __x__. The run id is the external
//     variable RunVariable (__secops_run__), which the caller sets per
//     execution; the Idempotency-Key header and idempotency_key are
//     __secops_run__:value/step/<step>/<method> or
//     __secops_run__:value/response/<response>/<method>, the key the
//     secops executor sends for the same call (executor.Key), once the
//     executor puts the run id in.
//     Headers without ${VAR} are copied; the secret ones are
//     authentication_info of the target without their values: a bearer
//     token as oauth2 whose token is an external variable
//     (__secops_secret_<var>__), others as type AuthHeaders listing
//     each header with its template. The adapter's timeout is the
//     step's timeout.
//   - an openc2 adapter's method is an openc2-http command "POST <path>
//     HTTP/1.1" run by the agent soarca-openc2-http on the same kind of
//     http-api target, with the content type
//     application/openc2+json;version=1.0 and the Idempotency-Key; its
//     content is the OpenC2 command the adapter's mapping makes
//     ({"action": "deny", "target": {"ipv4_connection": {"dst_addr":
//     "__dst_ip__:value"}}, "args": {"response_requested": "complete"}}),
//     the method's inputs as variables. Import makes such a command the
//     action of an openc2 adapter at the target, the command its
//     mapping (a target value that is no variable is noted: a mapping
//     takes values from inputs only); a rollback, which a playbook
//     carries only in the secops extension, gets the adapter's default
//     mapping for its operation.
//   - a command adapter's method is a bash command: printf '%s'
//     '<the JSON above>' | <the command line, quoted> (after cd <dir>
//     when it has one), run by the security-category agent named after
//     the adapter, the secops executor, with a note: it runs where
//     secops runs, which no SOARCA capability does (soarca-ssh runs
//     commands on an ssh target). Paths are as the adapter file writes
//     them; secops resolves relative ones against that file's
//     directory, where the command must run. Its environment is not
//     written (it may hold secrets).
//   - a method done by a person (and an approval) is a manual command
//     run by the agent soarca-manual (type soarca) whose target is the
//     party responsible for the phase (a group or an organization), so
//     that executors that ask someone for manual steps ask that party.
//     Without Options.Adapters the party is the step's agent instead.
//
// An adapter the file does not configure leaves an AdapterCommand, with
// a note.
//
// # Executors
//
// The export follows the CACAO 2.0 specification and, where it leaves a
// choice, the conventions of SOARCA (COSSAS/SOARCA), the open-source Go
// executor, which TestSOARCA builds and runs: SOARCA runs an action step
// with the capability its agent names (soarca-http-api, soarca-manual,
// soarca-ssh, soarca-openc2-http, soarca-powershell; see Capability) and
// sends each command to each of the step's targets, so every exported
// command step has a target; it builds the URL of an http-api command
// from the target's address and the command's path, and it asks people
// for manual steps through its manual API (GET /manual/ lists what
// waits, POST /manual/continue answers a step, with values for its
// out_args). What SOARCA does not do, and so where a playbook stops in
// it:
//
//   - conditions: SOARCA evaluates a condition that is one comparison
//     of a variable with a literal (__x__:value = true, __n__:value >=
//     80); a CEL condition, and AND of comparisons, fail the step, and it
//     compares a string with a quoted literal quotes included, so that =
//     'text' never holds. The conditions of a design that read only
//     bool and number fields, one at a time, run.
//   - outputs of calls: of an http-api command SOARCA keeps the reply
//     only as __soarca_http_api_result__, not as the out_args of the
//     step, so the outputs of a webhook adapter have no value in SOARCA
//     and a condition comparing one fails. The outputs people give
//     through the manual API do have values: branches on what a person
//     finds run.
//   - approvals: an approval is a manual step, answered through the
//     manual API; SOARCA goes on whatever response_status the answer
//     has, so a rejection is not answering: the step then fails when its
//     timeout passes (one minute when the step has none, as exported
//     manual steps have not), and the playbook with it.
//   - command adapters: see above.
//
// The design's metadata.tlp is a TLP 2.0 marking (marking-tlp) in
// data_marking_definitions, named in markings.
//
// # Import
//
// Import makes a complete design from a CACAO playbook; see
// ImportPlaybook for the mapping. The http-api commands of a step whose
// agent is SOARCA's soarca-http-api capability become actions of a
// webhook adapter named after the step's target, at the target's
// address ("POST /api/v1/block HTTP/1.1" to target fw is the action
// fw.post_api_v1_block), the request kept in the method's note; those of
// exported steps are the actions they were. Report.Adapters lists these
// webhook adapters, for the design's adapters file. Manual commands
// (SOARCA's soarca-manual) are methods done by a person. It follows the flow from
// workflow_start whatever that step is (with a note when it is not a
// start step, as the spec requires one). Conditions that are not CEL
// and not a secops STIX translation become a manual decision recorded
// in a field, and branches on it; a while-condition runs its body at
// most once; other loops are cut; parallel branches run one after
// another in the order of next_steps, every branch kept. TLP 2.0
// markings become metadata.tlp; external_references text in the
// playbook description and url: references of its incidents; a step
// timeout the method's estimate; agents and targets the method's note.
// Everything else that cannot be carried over is listed in the Report,
// each property Import has no place for with its JSON path
// ($.workflow["action--…"].delay). Malformed input is an error in the
// terms of the format with the JSON path ("workflow: want an object of
// steps, got an array"). The scope and criteria CACAO has no notion of
// are placeholders that WriteYAML marks with "# TODO(import)": for a
// playbook exported by secops, its incidents come back as placeholder
// incidents, each with a placeholder detection
// (alert.incident == "<id>") at the triage threshold, so that the
// imported playbook is reachable.
//
// Import does work bounded by the size of the workflow, whatever it
// holds: a workflow larger than MaxSteps, or whose translation would
// copy steps too many times (branches that share long tails after
// parallel steps or conditions with on_completion), is an error.
package cacao
