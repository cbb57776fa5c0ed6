package playbook

import (
	"slices"

	"github.com/invopop/jsonschema"
	"github.com/secopsdesign/secops/ident"
)

// Playbook is a triage flow: steps that each run a process and then go on
// to another step, end in a response, or end.
type Playbook struct {
	// ID identifies the playbook.
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the playbook's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Description says what the playbook is for.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Incidents lists the ids of the incidents the playbook handles.
	Incidents []ident.ID `json:"incidents,omitempty" yaml:"incidents,omitempty"`
	// Inputs lists the ids of the fields an alert supplies.
	Inputs []ident.ID `json:"inputs,omitempty" yaml:"inputs,omitempty"`
	// Start is the id of the first step.
	Start ident.ID `json:"start" yaml:"start" jsonschema:"required"`
	// Steps are the steps of the flow.
	Steps []Step `json:"steps" yaml:"steps" jsonschema:"required,minItems=1"`
}

// Step returns the step with the given id, or nil.
func (p *Playbook) Step(id ident.ID) *Step {
	for i := range p.Steps {
		if p.Steps[i].ID == id {
			return &p.Steps[i]
		}
	}
	return nil
}

// Handles reports whether the playbook handles incident id.
func (p *Playbook) Handles(id ident.ID) bool { return slices.Contains(p.Incidents, id) }

// Target says where a step looks: at the alerted host, or at the other
// hosts of the fleet.
type Target string

// The targets of a step.
const (
	Host  Target = "host"
	Fleet Target = "fleet"
)

// Targets lists the valid Target values.
var Targets = []Target{Host, Fleet}

// Valid reports whether t is one of Targets.
func (t Target) Valid() bool { return slices.Contains(Targets, t) }

// JSONSchema describes Target as an enum.
func (Target) JSONSchema() *jsonschema.Schema { return ident.Enum(Targets) }

// Disposition is what an alert turned out to be, as a playbook's end (or
// a failed confirmation) says: the verdict that measures a detection.
type Disposition string

// The dispositions of an alert.
const (
	// TruePositive: the alert was the incident its detection declared.
	TruePositive Disposition = "true-positive"
	// Benign: the alert saw something real that is no incident
	// (authorised activity, a test, a blocked attempt of no consequence).
	Benign Disposition = "benign"
	// FalsePositive: the alert was wrong; what it reported did not
	// happen.
	FalsePositive Disposition = "false-positive"
)

// Dispositions lists the valid Disposition values.
var Dispositions = []Disposition{TruePositive, Benign, FalsePositive}

// Valid reports whether d is one of Dispositions.
func (d Disposition) Valid() bool { return slices.Contains(Dispositions, d) }

// JSONSchema describes Disposition as an enum.
func (Disposition) JSONSchema() *jsonschema.Schema { return ident.Enum(Dispositions) }

// Ends reports whether a way of this kind ends the playbook: a response
// or an end, where a disposition may be given.
func (k WayKind) Ends() bool { return k == Respond || k == End }

// Step runs one process, then goes on in exactly one way: Next, Respond,
// End or Branches.
type Step struct {
	// ID identifies the step within its playbook.
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the step's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Target is host (the alerted host) or fleet (the other hosts).
	Target Target `json:"target,omitempty" yaml:"target,omitempty"`
	// Process is the id of the process the step runs.
	Process ident.Number `json:"process" yaml:"process" jsonschema:"required"`
	// Next is the id of the step that follows.
	Next ident.ID `json:"next,omitempty" yaml:"next,omitempty"`
	// Respond is the id of the response the playbook ends in.
	Respond ident.ID `json:"respond,omitempty" yaml:"respond,omitempty"`
	// End ends the playbook with no response; its value is the reason.
	End string `json:"end,omitempty" yaml:"end,omitempty"`
	// Disposition is what an alert that ends the playbook here turned
	// out to be; only on a step that ends it (respond or end).
	Disposition Disposition `json:"disposition,omitempty" yaml:"disposition,omitempty"`
	// Branches are tried in order; the first whose when holds is taken.
	Branches []Branch `json:"branches,omitempty" yaml:"branches,omitempty"`
}

// Branch is one way on from a step.
type Branch struct {
	// When is a CEL expression over fields and severity. A branch without
	// when is the default and must be the last.
	When string `json:"when,omitempty" yaml:"when,omitempty"`
	// Goto is the id of the step to go to.
	Goto ident.ID `json:"goto,omitempty" yaml:"goto,omitempty"`
	// Respond is the id of the response the playbook ends in.
	Respond ident.ID `json:"respond,omitempty" yaml:"respond,omitempty"`
	// End ends the playbook with no response; its value is the reason.
	End string `json:"end,omitempty" yaml:"end,omitempty"`
	// Disposition is what an alert that ends the playbook by this branch
	// turned out to be; only on a branch that ends it (respond or end).
	Disposition Disposition `json:"disposition,omitempty" yaml:"disposition,omitempty"`
}

// Way is where a step or branch leads.
type Way struct {
	// Kind is what kind of way it is.
	Kind WayKind
	// To is the step id (Goto) or response id (Respond); for End it is
	// the reason.
	To string
}

// WayKind is the kind of a Way.
type WayKind int

// The kinds of way on from a step or branch.
const (
	None WayKind = iota
	Goto
	Respond
	End
	Branches
)

// Ways returns every way the step declares; a valid step has exactly one.
// Branches count as one way of kind Branches.
func (s *Step) Ways() []Way {
	var ways []Way
	if s.Next != "" {
		ways = append(ways, Way{Goto, string(s.Next)})
	}
	if s.Respond != "" {
		ways = append(ways, Way{Respond, string(s.Respond)})
	}
	if s.End != "" {
		ways = append(ways, Way{End, s.End})
	}
	if len(s.Branches) > 0 {
		ways = append(ways, Way{Kind: Branches})
	}
	return ways
}

// Ways returns every way the branch declares; a valid branch has exactly
// one.
func (b *Branch) Ways() []Way {
	var ways []Way
	if b.Goto != "" {
		ways = append(ways, Way{Goto, string(b.Goto)})
	}
	if b.Respond != "" {
		ways = append(ways, Way{Respond, string(b.Respond)})
	}
	if b.End != "" {
		ways = append(ways, Way{End, b.End})
	}
	return ways
}

// Way returns the single way of b, or a Way of kind None.
func (b *Branch) Way() Way {
	if w := b.Ways(); len(w) == 1 {
		return w[0]
	}
	return Way{}
}
