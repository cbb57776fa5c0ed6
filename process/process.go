package process

import (
	"strings"

	"github.com/invopop/jsonschema"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/ident"
)

// Process is a row group of the process table: a numbered process such
// as "1.2 C&C/malware traffic" and the methods that carry it out, in
// order.
type Process struct {
	// ID is the process number, e.g. "1.2".
	ID ident.Number `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the process's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Description says what the process is for.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Methods run in order when the process runs.
	Methods []Method `json:"methods,omitempty" yaml:"methods,omitempty"`
}

// Method is one way of carrying out a process: a procedure for a person,
// or an action an adapter performs.
type Method struct {
	// ID is the method number, prefixed by its process number: "1.2.3".
	ID ident.Number `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the method's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Procedure says what a person does, in words.
	Procedure string `json:"procedure" yaml:"procedure" jsonschema:"required,minLength=1"`
	// Note qualifies the procedure, e.g. when it applies.
	Note string `json:"note,omitempty" yaml:"note,omitempty"`
	// When is a CEL expression over fields and severity; the method is
	// skipped when it is false. By default the method runs.
	When string `json:"when,omitempty" yaml:"when,omitempty"`
	// Inputs lists the ids of the fields the method needs.
	Inputs []ident.ID `json:"inputs,omitempty" yaml:"inputs,omitempty"`
	// Outputs lists the ids of the fields the method produces.
	Outputs []ident.ID `json:"outputs,omitempty" yaml:"outputs,omitempty"`
	// Action is the adapter operation that performs the method, as
	// adapter.operation (e.g. edr.isolate_host). Without it a person does
	// the method.
	Action Action `json:"action,omitempty" yaml:"action,omitempty"`
	// Rollback says how to undo the method.
	Rollback *Rollback `json:"rollback,omitempty" yaml:"rollback,omitempty"`
	// Estimate is how long the method takes, e.g. 10m.
	Estimate duration.Duration `json:"estimate,omitempty" yaml:"estimate,omitempty"`
}

// Manual reports whether a person performs the method.
func (m Method) Manual() bool { return m.Action == "" }

// Rollback says how to undo a method.
type Rollback struct {
	// Procedure says what a person does to undo the method.
	Procedure string `json:"procedure" yaml:"procedure" jsonschema:"required,minLength=1"`
	// Action is the adapter operation that undoes the method.
	Action Action `json:"action,omitempty" yaml:"action,omitempty"`
}

// Action names an adapter operation: adapter.operation, such as
// firewall.block_ip.
type Action string

// ActionPattern is the regular expression every Action matches.
const ActionPattern = `^[a-z0-9][a-z0-9_-]*\.[a-z0-9_][a-z0-9_.-]*$`

// Adapter returns the part of a before the first dot.
func (a Action) Adapter() string {
	s, _, _ := strings.Cut(string(a), ".")
	return s
}

// Operation returns the part of a after the first dot.
func (a Action) Operation() string {
	_, s, _ := strings.Cut(string(a), ".")
	return s
}

// Valid reports whether a has the form adapter.operation.
func (a Action) Valid() bool {
	ad, op, ok := strings.Cut(string(a), ".")
	return ok && ident.ID(ad).Valid() && op != "" && !strings.ContainsAny(ad, ".") && ident.ID(strings.ToLower(op)).Valid() && !strings.ContainsAny(op, " \t")
}

// JSONSchema describes an Action for the exported JSON Schema.
func (Action) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: ActionPattern}
}

// Estimate returns the sum of the estimates of p's methods, and whether
// every method has one.
func (p Process) Estimate() (total duration.Duration, complete bool) {
	complete = true
	for _, m := range p.Methods {
		if m.Estimate == 0 {
			complete = false
		}
		total += m.Estimate
	}
	return total, complete
}
