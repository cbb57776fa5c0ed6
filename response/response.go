package response

import (
	"slices"

	"github.com/invopop/jsonschema"
	"github.com/secopsdesign/secops/ident"
)

// Phase says whether a response is a first response (containment done
// during triage, e.g. "block the destination + isolate the host") or a
// later response.
type Phase string

// The phases a response can belong to.
const (
	FirstResponse Phase = "first_response"
	Later         Phase = "response"
)

// Phases lists the valid Phase values.
var Phases = []Phase{FirstResponse, Later}

// Valid reports whether p is one of Phases.
func (p Phase) Valid() bool { return slices.Contains(Phases, p) }

// JSONSchema describes Phase as an enum.
func (Phase) JSONSchema() *jsonschema.Schema { return ident.Enum(Phases) }

// Response is a named sequence of processes that a playbook ends in.
type Response struct {
	// ID identifies the response, e.g. "fr-1".
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the response's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Phase is first_response or response.
	Phase Phase `json:"phase" yaml:"phase" jsonschema:"required"`
	// Processes lists the ids of the processes to run, in order.
	Processes []ident.Number `json:"processes" yaml:"processes" jsonschema:"required,minItems=1"`
	// Approval is the id of the party whose approval is needed before
	// anything runs.
	Approval ident.ID `json:"approval,omitempty" yaml:"approval,omitempty"`
	// Description says when and why the response is chosen.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
}
