package executor

import (
	"time"

	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

// Status is where a run stands.
type Status string

// The statuses of a run.
const (
	// Completed: the playbook ran to its end or its response.
	Completed Status = "completed"
	// Failed: something went wrong; Record.Error says what.
	Failed Status = "failed"
	// Waiting: a person or an approver has not answered yet; Resume
	// continues the run.
	Waiting Status = "waiting"
	// NoIncident: no detection matched, or the confirmation did not hold.
	NoIncident Status = "no-incident"
	// NotTriaged: the incident is below the triage threshold.
	NotTriaged Status = "not-triaged"
)

// Record is everything a run did. It is JSON-serialisable, and a waiting
// record holds all that Resume needs to continue it in another process.
type Record struct {
	// ID identifies the run.
	ID string `json:"id"`
	// Design is the file name of the design the run follows, when it was
	// loaded from a file; DesignName is its metadata.name.
	Design     string   `json:"design,omitempty"`
	DesignName ident.ID `json:"design_name,omitempty"`
	// DesignDigest is the Plan.Digest of the design the run follows, so
	// that Resume and Rollback notice a design changed since (see
	// Plan.CheckRecord).
	DesignDigest string `json:"design_digest,omitempty"`
	Status       Status `json:"status"`
	// DryRun is set for a run made with WithDryRun: no adapter was
	// called. Resume and Rollback of such a record call no adapter
	// either, whatever the engine's options, so that continuing a dry
	// run never takes real action.
	DryRun bool `json:"dry_run,omitempty"`
	// Error says why a failed run failed.
	Error string `json:"error,omitempty"`
	// Alert is the alert the run started from.
	Alert map[string]any `json:"alert"`
	// Fields are the values known: the alert's plus every output so far.
	Fields map[string]any `json:"fields,omitempty"`

	Detection ident.ID `json:"detection,omitempty"`
	Incident  ident.ID `json:"incident,omitempty"`
	Severity  ident.ID `json:"severity,omitempty"`
	Playbook  ident.ID `json:"playbook,omitempty"`
	// Path lists the ids of the steps taken, in order.
	Path []ident.ID `json:"path,omitempty"`
	// Branches lists the branches taken, in order.
	Branches []Branch `json:"branches,omitempty"`
	// Response is the response the playbook ended in; End the reason
	// when it ended without one.
	Response ident.ID `json:"response,omitempty"`
	End      string   `json:"end,omitempty"`
	// Approved is the party that approved the response, once it has.
	Approved string `json:"approved,omitempty"`
	// Ran lists the methods that ran to completion, in order; Skipped
	// those whose when was false.
	Ran     []ident.Number `json:"ran,omitempty"`
	Skipped []ident.Number `json:"skipped,omitempty"`
	// Applied lists the response methods that took effect, in order: after
	// a failure inside a response, exactly the containment in place.
	Applied []ident.Number `json:"applied,omitempty"`
	// RolledBack lists the applied methods undone by Rollback, and
	// ManualRollback the rollback procedures left to a person.
	RolledBack     []ident.Number `json:"rolled_back,omitempty"`
	ManualRollback []Manual       `json:"manual_rollback,omitempty"`

	// Started is when the run began; Updated when it last changed.
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
	// Elapsed is Updated minus Started, to the second.
	Elapsed duration.Duration `json:"elapsed"`
	// Estimate is the sum of the estimates of the methods that ran.
	Estimate duration.Duration `json:"estimate"`
	// Targets are the severity's targets; Breached is set when the
	// elapsed time passed the target of the response's phase.
	Targets  criteria.Targets `json:"targets,omitzero"`
	Breached bool             `json:"breached,omitempty"`

	// Pending is what the run waits for.
	Pending *Pending `json:"pending,omitempty"`
	// Events is the run's history.
	Events []Event `json:"events"`

	// cursor is where a waiting run continues; it is kept in Pending.
}

// WithinTarget reports whether the estimates of what ran fit the
// severity's first_response target (true when there is no target).
func (r *Record) WithinTarget() bool {
	return r.Targets.FirstResponse == 0 || r.Estimate <= r.Targets.FirstResponse
}

// Branch is a branch taken: its step and its index among the step's
// branches.
type Branch struct {
	Step  ident.ID `json:"step"`
	Index int      `json:"index"`
}

// Manual is a rollback procedure a person has to carry out.
type Manual struct {
	Method    ident.Number `json:"method"`
	Procedure string       `json:"procedure"`
}

// Stage names the part of a run a pending method belongs to.
type Stage string

// The stages of a run.
const (
	ConfirmStage  Stage = "confirm"
	StepStage     Stage = "step"
	ResponseStage Stage = "response"
)

// Pending is what a waiting run waits for: a person's task (Method set)
// or an approval (Party set).
type Pending struct {
	Stage    Stage        `json:"stage"`
	Step     ident.ID     `json:"step,omitempty"`
	Response ident.ID     `json:"response,omitempty"`
	Method   ident.Number `json:"method,omitempty"`
	// Procedure is what the person has to do; Outputs the fields the
	// answer must give.
	Procedure string     `json:"procedure,omitempty"`
	Outputs   []ident.ID `json:"outputs,omitempty"`
	// Party is whose approval is needed.
	Party ident.ID `json:"party,omitempty"`
}

// EventKind says what happened.
type EventKind string

// The kinds of events.
const (
	EvStarted  EventKind = "started"
	EvDetected EventKind = "detected"
	// EvNotMatched: a detection's when read a key the alert does not
	// have, so the detection does not match and the next is tried.
	EvNotMatched   EventKind = "not-matched"
	EvNoDetection  EventKind = "no-detection"
	EvConfirmed    EventKind = "confirmed"
	EvNotConfirmed EventKind = "not-confirmed"
	EvNotTriaged   EventKind = "not-triaged"
	EvStep         EventKind = "step"
	EvMethod       EventKind = "method"
	EvSkipped      EventKind = "skipped"
	EvMethodFailed EventKind = "method-failed"
	EvRetry        EventKind = "retry"
	EvWaiting      EventKind = "waiting"
	EvResumed      EventKind = "resumed"
	// EvDesignChanged: Resume or Rollback went on (WithChangedDesign)
	// with a design other than the one the run started with.
	EvDesignChanged    EventKind = "design-changed"
	EvBranch           EventKind = "branch"
	EvApproval         EventKind = "approval"
	EvRejected         EventKind = "rejected"
	EvResponse         EventKind = "response"
	EvResponseFailed   EventKind = "response-failed"
	EvEnd              EventKind = "end"
	EvBreach           EventKind = "target-breached"
	EvCompleted        EventKind = "completed"
	EvFailed           EventKind = "failed"
	EvRolledBack       EventKind = "rolled-back"
	EvRollbackFailed   EventKind = "rollback-failed"
	EvRollbackManual   EventKind = "rollback-manual"
	EvResponseComplete EventKind = "response-completed"
)

// Event is one thing that happened in a run.
type Event struct {
	Time     time.Time      `json:"time"`
	Kind     EventKind      `json:"kind"`
	Step     ident.ID       `json:"step,omitempty"`
	Method   ident.Number   `json:"method,omitempty"`
	Action   process.Action `json:"action,omitempty"`
	Response ident.ID       `json:"response,omitempty"`
	Inputs   map[string]any `json:"inputs,omitempty"`
	Outputs  map[string]any `json:"outputs,omitempty"`
	Error    string         `json:"error,omitempty"`
	// Actor is who did it: the adapter, a person, an approver.
	Actor string `json:"actor,omitempty"`
	// Detail says more in words: the branch taken, the reason for an end.
	Detail string `json:"detail,omitempty"`
	// DryRun is set on the method, rollback and response-completed
	// events of a dry run: the action was not called, and its outputs, if
	// any, were given with the dry run.
	DryRun bool `json:"dry_run,omitempty"`
	// Run is the id of the run, for event sinks; it is not serialised
	// (the record holds it).
	Run string `json:"-"`
}
