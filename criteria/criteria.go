package criteria

import (
	"slices"

	"github.com/invopop/jsonschema"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
)

// Criteria holds the severity levels, the triage threshold and the
// detection rules that turn alerts into incidents.
type Criteria struct {
	// Severities lists the severity levels from the most to the least
	// severe.
	Severities Severities `json:"severities" yaml:"severities" jsonschema:"required,minItems=1"`
	// TriageThreshold is the id of a severity: alerts at or above it are
	// triaged.
	TriageThreshold ident.ID `json:"triage_threshold" yaml:"triage_threshold" jsonschema:"required"`
	// Detections are tried in order; the first whose when holds turns an
	// alert into an incident of a severity.
	Detections []Detection `json:"detections,omitempty" yaml:"detections,omitempty"`
}

// Triaged reports whether an incident of severity id is at or above the
// triage threshold.
func (c Criteria) Triaged(id ident.ID) bool {
	return c.Severities.AtLeast(id, c.TriageThreshold)
}

// Action is something a severity level requires to be done.
type Action string

// The actions a severity can require.
const (
	ImpactIdentification    Action = "impact-identification"
	Containment             Action = "containment"
	CompromiseInvestigation Action = "compromise-investigation"
	Forensics               Action = "forensics"
)

// Actions lists the valid Action values.
var Actions = []Action{ImpactIdentification, Containment, CompromiseInvestigation, Forensics}

// Valid reports whether a is one of Actions.
func (a Action) Valid() bool { return slices.Contains(Actions, a) }

// JSONSchema describes Action as an enum.
func (Action) JSONSchema() *jsonschema.Schema { return ident.Enum(Actions) }

// Severity is one level of the severity scale.
type Severity struct {
	// ID identifies the level, e.g. "high".
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the level's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Description says which incidents are of this level.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Actions lists what must be done for incidents of this level.
	Actions []Action `json:"actions,omitempty" yaml:"actions,omitempty"`
	// Targets are the time limits for incidents of this level.
	Targets Targets `json:"targets,omitzero" yaml:"targets,omitzero"`
	// Escalation is what happens when a target passes with the response
	// not done: an action called and a party told. A durable executor
	// (secops worker) watches the targets with timers from the moment
	// the incident is declared, even while the run waits on a person.
	Escalation *Escalation `json:"escalation,omitempty" yaml:"escalation,omitempty"`
}

// Escalation is called when a severity's target is breached.
type Escalation struct {
	// Action is the adapter action called, as adapter.operation, e.g.
	// pager.page; its inputs are the run, incident, severity, target
	// (first_response or response), the target's duration and the party.
	Action process.Action `json:"action" yaml:"action" jsonschema:"required"`
	// Party is the id of the party escalated to, e.g. the SOC manager.
	Party ident.ID `json:"party" yaml:"party" jsonschema:"required"`
}

// Targets are the time limits that a severity level sets, counted from
// detection. A zero duration means no target.
type Targets struct {
	// FirstResponse is the time by which a first response (containment)
	// must be under way, e.g. 2h.
	FirstResponse duration.Duration `json:"first_response,omitempty" yaml:"first_response,omitempty"`
	// Response is the time by which the incident must be resolved, e.g.
	// 14d.
	Response duration.Duration `json:"response,omitempty" yaml:"response,omitempty"`
}

// Severities is the severity scale, ordered from the most to the least
// severe.
type Severities []Severity

// Index returns the position of severity id in the scale (0 is the most
// severe), or -1.
func (s Severities) Index(id ident.ID) int {
	for i := range s {
		if s[i].ID == id {
			return i
		}
	}
	return -1
}

// Get returns the severity with the given id, or nil.
func (s Severities) Get(id ident.ID) *Severity {
	if i := s.Index(id); i >= 0 {
		return &s[i]
	}
	return nil
}

// AtLeast reports whether severity a is as severe as b or more. It is
// false when either is not in the scale.
func (s Severities) AtLeast(a, b ident.ID) bool {
	i, j := s.Index(a), s.Index(b)
	return i >= 0 && j >= 0 && i <= j
}

// Detection is a rule that turns an alert into an incident.
type Detection struct {
	// ID identifies the rule.
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the rule's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Source is the id of the party that raises the alert (e.g. the SOC).
	Source ident.ID `json:"source" yaml:"source" jsonschema:"required"`
	// When is a CEL expression over alert (a map of field id to value)
	// that says whether the rule matches, e.g. alert.category == "rat".
	When string `json:"when" yaml:"when" jsonschema:"required,minLength=1"`
	// Incident is the id of the incident the alert reveals.
	Incident ident.ID `json:"incident" yaml:"incident" jsonschema:"required"`
	// Severity is the id of the incident's severity.
	Severity ident.ID `json:"severity" yaml:"severity" jsonschema:"required"`
	// Confirm, when set, runs a process first and declares the incident
	// only if its when holds.
	Confirm *Confirm `json:"confirm,omitempty" yaml:"confirm,omitempty"`
}

// Confirm is a confirmation step run before an incident is declared.
type Confirm struct {
	// Process is the id of the process that confirms the incident.
	Process ident.Number `json:"process" yaml:"process" jsonschema:"required"`
	// When is a CEL expression over fields and severity: the incident is
	// declared only if it holds, e.g. fields.confirmed.
	When string `json:"when" yaml:"when" jsonschema:"required,minLength=1"`
	// Disposition is what an alert whose confirmation does not hold
	// turned out to be; a review counts it as false-positive when it is
	// not given.
	Disposition playbook.Disposition `json:"disposition,omitempty" yaml:"disposition,omitempty"`
}
