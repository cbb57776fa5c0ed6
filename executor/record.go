package executor

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/invopop/jsonschema"

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
	// Running: a run, resume or rollback is in progress, or the process
	// doing it died. A running record nobody holds (see the run stores'
	// claims) is continued with Resume, which asks how to recover a call
	// whose outcome the record does not know (see ErrUncertain).
	Running Status = "running"
	// Interrupted: the run was stopped before its end, by its context
	// being cancelled (a signal, a shutdown); Resume continues it, as it
	// continues a running record whose process died.
	Interrupted Status = "interrupted"
)

// ParseStatuses parses a comma-separated list of statuses
// ("waiting,failed"), as the CLI's --status and the server's ?status=
// take them; an unknown one is an error naming it and the known ones.
func ParseStatuses(list string) ([]Status, error) {
	var out []Status
	for st := range strings.SplitSeq(list, ",") {
		st := Status(strings.TrimSpace(st))
		if !slices.Contains(Statuses, st) {
			return nil, fmt.Errorf("status %q: want one of %v", st, Statuses)
		}
		out = append(out, st)
	}
	return out, nil
}

// Statuses lists every Status.
var Statuses = []Status{Completed, Failed, Waiting, NoIncident, NotTriaged, Running, Interrupted}

// JSONSchema describes Status as an enum.
func (Status) JSONSchema() *jsonschema.Schema { return ident.Enum(Statuses) }

// RecordFormat is the value of Record.Format: the name and version of the
// record's JSON format. Tools that store and analyse records can rely on
// the fields the README lists as stable for this format.
const RecordFormat = "secops-record/v1"

// Record is everything a run did. It is JSON-serialisable, and a waiting
// record holds all that Resume needs to continue it in another process.
type Record struct {
	// Format is RecordFormat.
	Format string `json:"format" jsonschema:"required,enum=secops-record/v1"`
	// ID identifies the run.
	ID string `json:"id" jsonschema:"required"`
	// Version is the run store's revision of the record: 0 for a record
	// never stored. A store increments it at each save and refuses a save
	// whose version is not the stored one, so that two processes cannot
	// both continue one run.
	Version int64 `json:"version,omitempty"`
	// Design is the file name of the design the run follows, when it was
	// loaded from a file; empty otherwise.
	Design string `json:"design,omitempty"`
	// DesignName is the design's metadata.name. Resume refuses a record
	// whose DesignName differs from its plan's; an empty one is not
	// checked.
	DesignName ident.ID `json:"design_name,omitempty"`
	// DesignDigest is the Plan.Digest of the design the run follows, so
	// that Resume and Rollback notice a design changed since (see
	// Plan.CheckRecord).
	DesignDigest string `json:"design_digest,omitempty"`
	// Status is where the run stands: Running while Run, Resume or
	// Rollback works on it (or after the process doing it died), then
	// Completed, Failed, Waiting, Interrupted, NoIncident or NotTriaged.
	Status Status `json:"status" jsonschema:"required"`
	// PriorStatus is the status the record had when a Rollback began; it
	// is restored when the rollback ends.
	PriorStatus Status `json:"prior_status,omitempty"`
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

	// Detection is the id of the first detection rule whose when held;
	// empty when none did (status NoIncident).
	Detection ident.ID `json:"detection,omitempty"`
	// Incident is the id of the incident declared by the detection; empty
	// until it is declared: when no detection matched, the confirmation
	// did not hold, or the run waits within the confirmation.
	Incident ident.ID `json:"incident,omitempty"`
	// Severity is the id of the declared incident's severity, set with
	// Incident.
	Severity ident.ID `json:"severity,omitempty"`
	// Playbook is the id of the playbook handling the incident; empty
	// when the incident was not declared or not triaged, or no playbook
	// handles it.
	Playbook ident.ID `json:"playbook,omitempty"`
	// Path lists the ids of the steps taken, in order.
	Path []ident.ID `json:"path,omitempty"`
	// Branches lists the branches taken, in order.
	Branches []Branch `json:"branches,omitempty"`
	// Response is the id of the response the playbook ended in; empty
	// until a step or branch leads to one.
	Response ident.ID `json:"response,omitempty"`
	// End is the reason, as the design's end gives it, when the playbook
	// ended without a response; empty otherwise.
	End string `json:"end,omitempty"`
	// Approved is the party that approved the response, once it has.
	Approved string `json:"approved,omitempty"`
	// Ran lists the numbers of the methods that ran to completion, in
	// order.
	Ran []ident.Number `json:"ran,omitempty"`
	// Skipped lists the numbers of the methods not run because their
	// when was false, in order.
	Skipped []ident.Number `json:"skipped,omitempty"`
	// Applied lists the response methods that took effect, in order: after
	// a failure inside a response, exactly the containment in place.
	Applied []ident.Number `json:"applied,omitempty"`
	// RolledBack lists the numbers of the applied methods undone by
	// Rollback, in the order undone.
	RolledBack []ident.Number `json:"rolled_back,omitempty"`
	// ManualRollback lists the rollback procedures Rollback left to a
	// person, one per applied method whose rollback is a procedure only.
	ManualRollback []Manual `json:"manual_rollback,omitempty"`

	// Started is when the run began, by the engine's clock.
	Started time.Time `json:"started" jsonschema:"required"`
	// Updated is when Run, Resume or Rollback last changed the record.
	Updated time.Time `json:"updated"`
	// Elapsed is Updated minus Started, to the second.
	Elapsed duration.Duration `json:"elapsed"`
	// Estimate is the sum of the estimates of the methods that ran.
	Estimate duration.Duration `json:"estimate"`
	// Targets are the severity's targets, set when the incident is
	// declared.
	Targets criteria.Targets `json:"targets,omitzero"`
	// Breached is set when the response completed after the target of
	// its phase (first_response or response), counted from Started; an
	// event of kind target-breached gives the time taken and the target.
	Breached bool `json:"breached,omitempty"`

	// Pending is what the run waits for.
	Pending *Pending `json:"pending,omitempty"`
	// At is where in its flow the run last stood: the stage, step or
	// response, and the method it was at. Resume continues an interrupted
	// run, or retries a failed one, from there. It is nil before the
	// incident's flow begins and once the run has ended well.
	At *Cursor `json:"at,omitempty"`
	// Events is the run's history.
	Events []Event `json:"events" jsonschema:"required"`

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
	// Step is the id of the step whose branches were tried.
	Step ident.ID `json:"step"`
	// Index is the position, from 0, of the first branch that held among
	// the step's branches.
	Index int `json:"index"`
}

// Cursor is a place in a run's flow.
type Cursor struct {
	// Stage is ConfirmStage, StepStage or ResponseStage.
	Stage Stage `json:"stage"`
	// Step is the id of the step, in StepStage.
	Step ident.ID `json:"step,omitempty"`
	// Response is the id of the response, in ResponseStage.
	Response ident.ID `json:"response,omitempty"`
	// Method is the number of the method the run is at: about to be run,
	// or running. Empty when every method of the stage is done.
	Method ident.Number `json:"method,omitempty"`
}

// String says in words what p waits for: "method 1.4.1", "the approval
// of csirt for response fr-1", or "an answer" when p is nil.
func (p *Pending) String() string {
	switch {
	case p != nil && p.Method != "":
		return "method " + string(p.Method)
	case p != nil && p.Party != "":
		return fmt.Sprintf("the approval of %s for response %s", p.Party, p.Response)
	}
	return "an answer"
}

// Manual is a rollback procedure a person has to carry out.
type Manual struct {
	// Method is the number of the applied method to undo.
	Method ident.Number `json:"method"`
	// Procedure is the method's rollback procedure: what the person has
	// to do.
	Procedure string `json:"procedure"`
}

// Stage names the part of a run a pending method belongs to.
type Stage string

// The stages of a run.
const (
	ConfirmStage  Stage = "confirm"
	StepStage     Stage = "step"
	ResponseStage Stage = "response"
)

// Stages lists every Stage.
var Stages = []Stage{ConfirmStage, StepStage, ResponseStage}

// JSONSchema describes Stage as an enum.
func (Stage) JSONSchema() *jsonschema.Schema { return ident.Enum(Stages) }

// Pending is what a waiting run waits for: a person's task (Method set)
// or an approval (Party set).
type Pending struct {
	// Stage is the part of the run that waits: ConfirmStage, StepStage
	// or ResponseStage (always so for an approval).
	Stage Stage `json:"stage"`
	// Step is the id of the step that waits; empty outside StepStage.
	Step ident.ID `json:"step,omitempty"`
	// Response is the id of the response that waits; empty outside
	// ResponseStage.
	Response ident.ID `json:"response,omitempty"`
	// Method is the number of the method waiting for a person; empty
	// when the run waits for an approval.
	Method ident.Number `json:"method,omitempty"`
	// Procedure is what the person has to do; empty for an approval.
	Procedure string `json:"procedure,omitempty"`
	// Outputs lists the ids of the fields the method declares as outputs:
	// the answer must give every one of them.
	Outputs []ident.ID `json:"outputs,omitempty"`
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
	// EvCallStarted is written, and checkpointed, before every adapter
	// call that can take effect: a method's action, a rollback action.
	// The call's outcome follows as an event with the same
	// IdempotencyKey (method, method-failed, retry, rolled-back or
	// rollback-failed); a call-started with none is a call whose effect
	// is unknown (see Record.Uncertain).
	EvCallStarted EventKind = "call-started"
	// EvInterrupted: the run stopped before its end because its context
	// was cancelled; Error says why, Detail what was in progress.
	EvInterrupted EventKind = "interrupted"
	// EvRecovered: Resume decided the outcome of a call the record did
	// not know, as its answer said (Detail: retried or counted as
	// applied), or Rollback counted such a call as applied to undo it.
	EvRecovered EventKind = "recovered"
	// EvEscalated: a severity's target passed with the response not
	// done, and its escalation action was called for its party (Actor);
	// Error says why the call failed, if it did. A durable driver's
	// timers write it, even while the run waits.
	EvEscalated EventKind = "escalated"
)

// EventKinds lists every EventKind.
var EventKinds = []EventKind{EvStarted, EvDetected, EvNotMatched, EvNoDetection, EvConfirmed, EvNotConfirmed, EvNotTriaged,
	EvStep, EvMethod, EvSkipped, EvMethodFailed, EvRetry, EvWaiting, EvResumed, EvDesignChanged, EvBranch, EvApproval,
	EvRejected, EvResponse, EvResponseFailed, EvEnd, EvBreach, EvCompleted, EvFailed, EvRolledBack, EvRollbackFailed,
	EvRollbackManual, EvResponseComplete, EvCallStarted, EvInterrupted, EvRecovered, EvEscalated}

// JSONSchema describes EventKind as an enum.
func (EventKind) JSONSchema() *jsonschema.Schema { return ident.Enum(EventKinds) }

// Event is one thing that happened in a run.
type Event struct {
	// Time is when it happened, by the engine's clock.
	Time time.Time `json:"time"`
	// Kind is what happened: one of the Ev constants.
	Kind EventKind `json:"kind"`
	// Step is the id of the step concerned, for a step's events (step,
	// branch, end) and those of its methods; empty otherwise.
	Step ident.ID `json:"step,omitempty"`
	// Method is the number of the method concerned, for events about a
	// method or its rollback; empty otherwise.
	Method ident.Number `json:"method,omitempty"`
	// Action is the adapter action of the method concerned, or for
	// rollback events the rollback action; empty when there is none, as
	// for a method done by a person.
	Action process.Action `json:"action,omitempty"`
	// Response is the id of the response concerned, for a response's
	// events and those of the methods it ran; empty otherwise.
	Response ident.ID `json:"response,omitempty"`
	// Inputs are the values passed to the method or rollback, by field
	// id.
	Inputs map[string]any `json:"inputs,omitempty"`
	// Outputs are the values the method gave, by field id.
	Outputs map[string]any `json:"outputs,omitempty"`
	// Error says what went wrong, for events of failure, retry or a
	// detection that did not match; empty otherwise.
	Error string `json:"error,omitempty"`
	// Actor is who did it: the adapter, a person, an approver.
	Actor string `json:"actor,omitempty"`
	// Detail says more in words: the branch taken, the reason for an end.
	Detail string `json:"detail,omitempty"`
	// IdempotencyKey is the key of the adapter call concerned, for
	// call-started events and the events of its outcome: the same for
	// every attempt of one logical call (see adapters.Request).
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Attempt counts the attempts of the call with IdempotencyKey, from 1.
	Attempt int `json:"attempt,omitempty"`
	// Uncertain is set on the method-failed and rollback-failed events
	// of a call that timed out: it may have taken effect.
	Uncertain bool `json:"uncertain,omitempty"`
	// Target names the target concerned (first_response or response),
	// for the target-breached and escalated events of a target that
	// passed while the run waited or worked.
	Target string `json:"target,omitempty"`
	// DryRun is set on the method, rollback and response-completed
	// events of a dry run: the action was not called, and its outputs, if
	// any, were given with the dry run.
	DryRun bool `json:"dry_run,omitempty"`
	// Run is the id of the run, for event sinks; it is not serialised
	// (the record holds it).
	Run string `json:"-"`
}

// Clone returns a copy of r: of the record, its Fields, Pending and At.
// Its lists share their elements with r up to their current length (the
// engine only ever appends to a record's lists), so that neither r's
// later appends nor the clone's show in the other.
func (r *Record) Clone() *Record {
	if r == nil {
		return nil
	}
	c := r.Snapshot()
	c.Fields = maps.Clone(r.Fields)
	return c
}

// Snapshot returns a copy of r that shares Fields with it, as well as the
// elements of its lists: what a Checkpointer that keeps only the last
// record it stored keeps of a record the engine hands it, since the
// engine leaves that Fields map as it is until a later checkpoint has
// succeeded, and only appends to lists (see Checkpointer). Anyone else
// changing r's Fields in place changes the snapshot's too: use Clone.
func (r *Record) Snapshot() *Record {
	if r == nil {
		return nil
	}
	c := *r
	if r.Pending != nil {
		p := *r.Pending
		c.Pending = &p
	}
	if r.At != nil {
		a := *r.At
		c.At = &a
	}
	c.Path = r.Path[:len(r.Path):len(r.Path)]
	c.Branches = r.Branches[:len(r.Branches):len(r.Branches)]
	c.Ran = r.Ran[:len(r.Ran):len(r.Ran)]
	c.Skipped = r.Skipped[:len(r.Skipped):len(r.Skipped)]
	c.Applied = r.Applied[:len(r.Applied):len(r.Applied)]
	c.RolledBack = r.RolledBack[:len(r.RolledBack):len(r.RolledBack)]
	c.ManualRollback = r.ManualRollback[:len(r.ManualRollback):len(r.ManualRollback)]
	c.Events = r.Events[:len(r.Events):len(r.Events)]
	return &c
}
