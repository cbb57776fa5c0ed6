package scope

import (
	"slices"

	"github.com/invopop/jsonschema"
	"github.com/secopsdesign/secops/ident"
)

// Phase is a phase of incident handling.
type Phase string

// The phases of incident handling, in order.
const (
	Detection     Phase = "detection"
	Triage        Phase = "triage"
	FirstResponse Phase = "first_response"
	Analysis      Phase = "analysis"
	Response      Phase = "response"
)

// Phases lists every phase in order.
var Phases = []Phase{Detection, Triage, FirstResponse, Analysis, Response}

// Valid reports whether p is one of Phases.
func (p Phase) Valid() bool { return slices.Contains(Phases, p) }

// JSONSchema describes Phase as an enum.
func (Phase) JSONSchema() *jsonschema.Schema { return ident.Enum(Phases) }

// Assignment says who does a phase, in the RACI manner.
type Assignment struct {
	// Responsible is the id of the party that does the work.
	Responsible ident.ID `json:"responsible" yaml:"responsible" jsonschema:"required"`
	// Accountable is the id of the party that answers for it, when not
	// the responsible one.
	Accountable ident.ID `json:"accountable,omitempty" yaml:"accountable,omitempty"`
	// Consulted lists the ids of parties asked before decisions.
	Consulted []ident.ID `json:"consulted,omitempty" yaml:"consulted,omitempty"`
	// Informed lists the ids of parties kept informed.
	Informed []ident.ID `json:"informed,omitempty" yaml:"informed,omitempty"`
}

// Responsibilities assigns every phase of incident handling.
type Responsibilities struct {
	// Detection: who watches the alerts.
	Detection *Assignment `json:"detection,omitempty" yaml:"detection,omitempty"`
	// Triage: who decides whether an alert is an incident and how bad.
	Triage *Assignment `json:"triage,omitempty" yaml:"triage,omitempty"`
	// FirstResponse: who contains (blocks, isolates).
	FirstResponse *Assignment `json:"first_response,omitempty" yaml:"first_response,omitempty"`
	// Analysis: who investigates (forensics, malware analysis).
	Analysis *Assignment `json:"analysis,omitempty" yaml:"analysis,omitempty"`
	// Response: who recovers and closes the incident.
	Response *Assignment `json:"response,omitempty" yaml:"response,omitempty"`
}

// For returns the assignment of phase p, or nil if it has none.
func (r Responsibilities) For(p Phase) *Assignment {
	switch p {
	case Detection:
		return r.Detection
	case Triage:
		return r.Triage
	case FirstResponse:
		return r.FirstResponse
	case Analysis:
		return r.Analysis
	case Response:
		return r.Response
	}
	return nil
}
