// Package secops loads, validates and describes security-operations
// designs written in the secops/v1 format.
//
// A Design is one YAML or JSON document: the scope (package scope), the
// severity criteria and detection rules (package criteria), the typed
// fields and the process table (package process), the responses (package
// response), the triage playbooks (package playbook) and the
// organisation's own policies. Load and LoadFile read a design and report
// unknown keys and malformed values with their positions; Validate checks
// references, expressions (CEL, package expr), the playbook graphs, the
// data flow, coverage, rollbacks and time budgets, and returns every
// finding at once (package finding).
package secops
