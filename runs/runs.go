package runs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/scope"
)

// Actor is who acts on a run: a person, a token, a process.
type Actor struct {
	// Name is recorded in the run's events.
	Name string
	// Parties are the design's parties the actor acts for.
	Parties []ident.ID
	// AnyParty lets the actor act for every party: the operator at the
	// CLI, a server that takes no tokens.
	AnyParty bool
}

// ActsFor reports whether a acts for party.
func (a Actor) ActsFor(party ident.ID) bool {
	return a.AnyParty || slices.Contains(a.Parties, party)
}

func (a Actor) parties() string {
	if a.AnyParty {
		return "every party"
	}
	if len(a.Parties) == 0 {
		return "no party"
	}
	s := make([]string, len(a.Parties))
	for i, p := range a.Parties {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

// Op is what an act does to a run.
type Op string

// The acts.
const (
	// OpAnswer gives the outputs of the task a run waits on.
	OpAnswer Op = "answer"
	// OpApprove and OpReject decide the approval a run waits on.
	OpApprove Op = "approve"
	OpReject  Op = "reject"
	// OpRecover goes on with a run that was interrupted (its process
	// died, or it was stopped): Mode says what to make of a call whose
	// outcome is unknown.
	OpRecover Op = "recover"
	// OpRetry makes the failed method of a failed run again.
	OpRetry Op = "retry"
	// OpRollback undoes the response methods the run applied, the
	// latest first.
	OpRollback Op = "rollback"
	// OpContinue goes on with a waiting or interrupted run as it is: the
	// engine's Person and Approver (a prompt, at the CLI) answer what it
	// waits on.
	OpContinue Op = "continue"
)

// Act is an act on a run.
type Act struct {
	Op Op
	// Outputs are the outputs of the methods done by a person, by method
	// id (OpAnswer; OpRecover with ModeApplied, for a method counted as
	// applied).
	Outputs map[ident.Number]map[string]any
	// Mode is how to recover (OpRecover): executor.Retry or
	// executor.Applied; empty when no call is in doubt.
	Mode executor.Recovery
}

// Answer returns the executor's answer of a, given by actor.
func (a Act) Answer(actor string) executor.Answer {
	ans := executor.Answer{Actor: actor, Outputs: a.Outputs}
	switch a.Op {
	case OpApprove:
		ans.Approve = true
	case OpReject:
		ans.Reject = true
	case OpRecover:
		ans.Recover = a.Mode
	case OpRetry:
		ans.Recover = executor.Retry
	}
	return ans
}

// The errors of acts. Each is wrapped, with the run's id and what to do
// instead, by the error an act returns.
var (
	// ErrNotFound: there is no such run.
	ErrNotFound = runstore.ErrNotFound
	// ErrNotWaiting: the run does not wait for this answer (it waits
	// for another, or ended).
	ErrNotWaiting = executor.ErrNotWaiting
	// ErrRunning: the run is working; act when it waits or has ended.
	ErrRunning = errors.New("the run is working")
	// ErrNotInterrupted: a recovery of a run that waits; answer it.
	ErrNotInterrupted = errors.New("the run is waiting, not interrupted")
	// ErrFailed: the run failed on a method; it goes on only by a retry
	// of that method (OpRetry).
	ErrFailed = errors.New("the run failed")
	// ErrNotFailed: a retry of a run that did not fail.
	ErrNotFailed = errors.New("the run did not fail")
	// ErrNothingToUndo: a rollback of a run with no response method
	// applied and not rolled back already.
	ErrNothingToUndo = errors.New("nothing to roll back")
	// ErrRolledBack: an act other than a rollback on a run whose
	// rollback began; the run goes no further.
	ErrRolledBack = executor.ErrRolledBack
	// ErrInvalidAnswer: the answer does not fit the design (its list of
	// problems is in the error's Unwrap).
	ErrInvalidAnswer = errors.New("the answer does not fit the design")
	// ErrWrongParty is wrapped by *WrongPartyError.
	ErrWrongParty = errors.New("the actor does not act for the party the design names")
	// ErrKeyReused: a Start with an idempotency key already used for
	// another alert.
	ErrKeyReused = errors.New("the idempotency key was used for another alert")
	// ErrClosed: the run ended and its driver can no longer act on it
	// (a Temporal workflow closed past its rollback window).
	ErrClosed = errors.New("the run is closed")
	// ErrClaimed: another process works on the run; the error is a
	// *runstore.ClaimedError, which says when the claim lapses.
	ErrClaimed = runstore.ErrClaimed
)

// WrongPartyError is an act by an actor who does not act for the party
// the design names for what the run waits on.
type WrongPartyError struct {
	// Run is the run; Party the party whose act it is.
	Run   string
	Party ident.ID
	// What is what the run waits on, in words: "the approval of
	// response block-and-reset", "task 1.4.1".
	What string
	// Actor is who tried.
	Actor Actor
}

func (e *WrongPartyError) Error() string {
	return fmt.Sprintf("run %s: %s is %s's (the design names it); %s acts for %s", e.Run, e.What, e.Party, e.Actor.Name, e.Actor.parties())
}

// Is reports whether target is ErrWrongParty.
func (e *WrongPartyError) Is(target error) bool { return target == ErrWrongParty }

// answerError is a refused answer: its problems, listed.
type answerError struct{ err error }

func (e *answerError) Error() string { return e.err.Error() }

func (e *answerError) Is(target error) bool { return target == ErrInvalidAnswer }

// Unwrap returns the answer's problems.
func (e *answerError) Unwrap() []error {
	if l, ok := e.err.(interface{ Unwrap() []error }); ok {
		return l.Unwrap()
	}
	return []error{e.err}
}

// Rules are what may be done to a run, in which state, by whom: the same
// for every driver (Runs checks them before the driver acts, and a
// durable driver checks them again where the run lives, as a Temporal
// Update's validator).
type Rules struct {
	// Plan is the design's plan.
	Plan *executor.Plan
	// ChangedDesign lets a run started with another version of the
	// design go on with this one (the CLI's --force; the record notes
	// it).
	ChangedDesign bool
}

// Check reports whether by may do a to rec: nil, or an error of this
// package (see the package doc). live says whether a run in status
// running is working somewhere now; a store's run whose claim the caller
// holds is not (its process died), and goes on like an interrupted one.
func (r Rules) Check(rec *executor.Record, a Act, by Actor, live bool) error {
	id := rec.ID
	if !r.ChangedDesign {
		if err := r.Plan.CheckRecord(rec); err != nil {
			return err
		}
	}
	running := rec.Status == executor.Running && live
	if a.Op != OpRollback && rec.RollbackBegun() && !running {
		return r.Plan.CheckAnswer(rec, a.Answer(by.Name)) // wraps ErrRolledBack
	}
	switch a.Op {
	case OpRollback:
		if !rec.Undoable() {
			return fmt.Errorf("%w: run %s applied no response method that is not rolled back already", ErrNothingToUndo, id)
		}
		if running {
			return fmt.Errorf("%w: run %s: roll it back when it waits or has ended", ErrRunning, id)
		}
		return nil
	case OpRecover:
		switch {
		case rec.Status == executor.Waiting:
			return fmt.Errorf("%w: run %s waits for %s: answer or approve it instead", ErrNotInterrupted, id, rec.Pending)
		case rec.Status == executor.Failed && a.Mode != executor.Retry:
			return fmt.Errorf("%w: run %s failed: %s; it is retried from its failed method (retry)", ErrFailed, id, rec.Error)
		case a.Mode != "" && a.Mode != executor.Retry && a.Mode != executor.Applied:
			return &answerError{fmt.Errorf("recovery %q: want retry or applied", a.Mode)}
		}
	case OpRetry:
		if rec.Status != executor.Failed {
			return fmt.Errorf("%w: run %s is %s, not failed: recover an interrupted run instead", ErrNotFailed, id, rec.Status)
		}
	case OpContinue:
		if rec.Status == executor.Failed {
			return fmt.Errorf("%w: run %s failed: %s; it is retried from its failed method (retry)", ErrFailed, id, rec.Error)
		}
	case OpAnswer, OpApprove, OpReject:
	default:
		return fmt.Errorf("unknown act %q", a.Op)
	}
	if running {
		return fmt.Errorf("%w: run %s: ask again when it waits", ErrRunning, id)
	}
	if err := r.Plan.CheckAnswer(rec, a.Answer(by.Name)); err != nil {
		var ue *executor.UncertainError
		if errors.As(err, &ue) || errors.Is(err, executor.ErrNotWaiting) || errors.Is(err, executor.ErrDesignChanged) ||
			errors.Is(err, executor.ErrRolledBack) {
			return err
		}
		return &answerError{err}
	}
	return r.checkParty(rec, a, by)
}

// checkParty checks that by acts for the party the design names for what
// rec waits on: the approval's party, or the party responsible for the
// task's phase (TaskParty).
func (r Rules) checkParty(rec *executor.Record, a Act, by Actor) error {
	p := rec.Pending
	if by.AnyParty || p == nil || rec.Status != executor.Waiting {
		return nil
	}
	switch {
	case (a.Op == OpApprove || a.Op == OpReject) && p.Party != "":
		if !by.ActsFor(p.Party) {
			return &WrongPartyError{Run: rec.ID, Party: p.Party, What: "the approval of response " + string(p.Response), Actor: by}
		}
	case a.Op == OpAnswer && p.Method != "":
		if party := TaskParty(r.Plan, p); party != "" && !by.ActsFor(party) {
			return &WrongPartyError{Run: rec.ID, Party: party, What: "task " + string(p.Method) + " (its phase's responsible)", Actor: by}
		}
	}
	return nil
}

// waitsFor says what a waiting run waits for.
// TaskParty returns the party that answers a person's task pending in a
// run: the party responsible, in the design's responsibilities (RACI),
// for the phase the task belongs to. The confirmation of a detection and
// the steps of a playbook are triage; a response's methods are its
// phase's, first_response or response. It is empty when the design
// assigns the phase to no one.
func TaskParty(plan *executor.Plan, p *executor.Pending) ident.ID {
	d := plan.Design()
	phase := scope.Triage
	if p.Stage == executor.ResponseStage {
		phase = scope.FirstResponse
		if r := d.Response(p.Response); r != nil && r.Phase == response.Later {
			phase = scope.Response
		}
	}
	if a := d.Scope.Responsibilities.For(phase); a != nil {
		return a.Responsible
	}
	return ""
}

// WaitingParty is the party a waiting run waits on: the approval's, or
// for a person's task the party responsible for its phase (TaskParty).
func WaitingParty(plan *executor.Plan, p *executor.Pending) ident.ID {
	if p == nil {
		return ""
	}
	if p.Party != "" {
		return p.Party
	}
	return TaskParty(plan, p)
}

// Runs is the runs of one design, driven by a Driver, with the rules
// checked before each act.
type Runs struct {
	drv   Driver
	rules Rules
}

// Plan returns the design's plan.
func (r *Runs) Plan() *executor.Plan { return r.rules.Plan }

// InProcess reports whether the runs run in this process (New), so that
// a front end bounds how many run at once; a durable driver's run on its
// workers.
func (r *Runs) InProcess() bool {
	ip, ok := r.drv.(interface{ InProcess() bool })
	return ok && ip.InProcess()
}

// Start starts a run of alert, by by. With an idempotency key, a second
// Start with the same key from the same actor returns the first run
// (replayed true), once it waits or has ended, rather than starting
// another; the same key with another alert is ErrKeyReused. An alert that
// does not fit the design is an *executor.AlertError, and nothing runs.
//
// The run goes on in ctx: cancelled, it stops at its next checkpoint,
// interrupted. A record and an error together say that the run started
// but its record may be behind (executor.ErrCheckpoint) or it stopped.
func (r *Runs) Start(ctx context.Context, alert map[string]any, key string, by Actor) (rec *executor.Record, replayed bool, err error) {
	if err := r.rules.Plan.CheckAlert(alert); err != nil {
		return nil, false, err
	}
	return r.drv.Start(ctx, StartInput{Alert: alert, Key: key, Actor: by})
}

// Get returns the record of run id (ErrNotFound when there is none).
func (r *Runs) Get(ctx context.Context, id string) (*executor.Record, error) {
	return r.drv.Load(ctx, id)
}

// List returns a page of summaries of the runs that q selects, the
// latest started first; a cursor that is not a page's Next wraps
// runstore.ErrCursor.
func (r *Runs) List(ctx context.Context, q runstore.Query) (runstore.Page, error) {
	return r.drv.List(ctx, q)
}

// Do does a to run id, by by, once the rules allow it: it returns the
// run's record after the act (to its end or its next wait), or the
// record as it is with the error that refused the act.
func (r *Runs) Do(ctx context.Context, id string, a Act, by Actor) (*executor.Record, error) {
	return r.drv.Do(ctx, id, a, by, func(rec *executor.Record, live bool) error {
		return r.rules.Check(rec, a, by, live)
	})
}

// Answer gives the outputs of the task run id waits on.
func (r *Runs) Answer(ctx context.Context, id string, outputs map[ident.Number]map[string]any, by Actor) (*executor.Record, error) {
	return r.Do(ctx, id, Act{Op: OpAnswer, Outputs: outputs}, by)
}

// Approve approves the response run id waits on.
func (r *Runs) Approve(ctx context.Context, id string, by Actor) (*executor.Record, error) {
	return r.Do(ctx, id, Act{Op: OpApprove}, by)
}

// Reject rejects the response run id waits on.
func (r *Runs) Reject(ctx context.Context, id string, by Actor) (*executor.Record, error) {
	return r.Do(ctx, id, Act{Op: OpReject}, by)
}

// Recover goes on with interrupted run id; mode says what to make of a
// call in doubt (executor.Retry: make it again with the same idempotency
// key; executor.Applied: count it as done, with outputs).
func (r *Runs) Recover(ctx context.Context, id string, mode executor.Recovery, outputs map[ident.Number]map[string]any, by Actor) (*executor.Record, error) {
	return r.Do(ctx, id, Act{Op: OpRecover, Mode: mode, Outputs: outputs}, by)
}

// Retry makes the failed method of failed run id again.
func (r *Runs) Retry(ctx context.Context, id string, by Actor) (*executor.Record, error) {
	return r.Do(ctx, id, Act{Op: OpRetry}, by)
}

// Rollback undoes what run id applied.
func (r *Runs) Rollback(ctx context.Context, id string, by Actor) (*executor.Record, error) {
	return r.Do(ctx, id, Act{Op: OpRollback}, by)
}

// Close stops the driver (its SLA watch) and releases its resources.
func (r *Runs) Close() error { return r.drv.Close() }

// Refused reports whether err is a refusal of an act: the act was not
// done and the run is as it was (the rules refused it, another process
// holds the run, there is no such run), rather than an act that went
// wrong on the way (a failed rollback, a record that could not be saved).
func Refused(err error) bool {
	var ue *executor.UncertainError
	var ae *executor.AlertError
	if errors.As(err, &ue) || errors.As(err, &ae) {
		return true
	}
	for _, e := range []error{ErrNotFound, ErrNotWaiting, ErrRunning, ErrNotInterrupted, ErrFailed, ErrNotFailed, ErrNothingToUndo,
		ErrRolledBack, ErrInvalidAnswer, ErrWrongParty, ErrKeyReused, ErrClosed, ErrClaimed, executor.ErrDesignChanged} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
