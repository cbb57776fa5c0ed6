package temporal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	sdk "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/executor"
)

// Workflow is the workflow of one run: the executor's flow, driven by
// Temporal. It returns the final record.
func (w *Worker) Workflow(ctx workflow.Context, in RunInput) (*executor.Record, error) {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	eng := w.engines[in.DesignDigest]
	if eng == nil {
		return nil, sdk.NewNonRetryableApplicationError(fmt.Sprintf(
			"run %s follows design %s (digest %s), which this worker has not loaded: it runs %s; start a worker with that design",
			id, in.Design, in.DesignDigest, w.loaded), ErrTypeUnknownDesign, nil)
	}
	f := &flow{w: w, ctx: ctx}
	f.drv = eng.Driver(f)
	// Runs started before rollback windows (version 0) have none; a
	// newer run keeps the window of the worker that started it, so that
	// its history replays the same on workers configured otherwise.
	if workflow.GetVersion(ctx, "rollback-window", workflow.DefaultVersion, 1) >= 1 {
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return w.rollback }).Get(&f.window); err != nil {
			return nil, err
		}
	}
	if err := workflow.SetQueryHandler(ctx, QueryRecord, f.query); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAnswer, f.answer, workflow.UpdateHandlerOptions{Validator: f.validate}); err != nil {
		return nil, err
	}
	f.busy = true
	rec, err := f.drv.Run(context.Background(), id, in.Alert)
	f.busy = false
	if err != nil {
		// Checked before the flow starts (the client checks it too).
		return rec, sdk.NewNonRetryableApplicationError(err.Error(), ErrTypeAlert, nil)
	}
	f.rec = rec
	for {
		f.upsert()
		wait, open := f.open()
		if !open {
			break
		}
		ready := func() bool { return f.next != nil }
		if wait > 0 {
			ok, err := workflow.AwaitWithTimeout(ctx, wait, ready)
			if err != nil || !ok {
				break
			}
		} else if err := workflow.Await(ctx, ready); err != nil {
			break
		}
		d := f.next
		f.busy = true
		if d.Rollback {
			rec, f.err = f.drv.Rollback(context.Background(), f.rec)
		} else {
			rec, f.err = f.drv.Resume(context.Background(), f.rec, d.Answer)
		}
		f.busy, f.next = false, nil
		f.rec = rec
		f.handled++
	}
	f.ended = true
	if f.stopTimers != nil {
		f.stopTimers()
	}
	f.upsert()
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return f.rec, nil
}

// flow is the state of one run's workflow, and the flow's Effects.
type flow struct {
	w   *Worker
	ctx workflow.Context
	drv *executor.Driver
	rec *executor.Record
	// busy: the flow is working (the run is not waiting for anything).
	busy bool
	// next is the accepted answer the flow goes on with; handled counts
	// the answers it went on with; err is the last Resume's error.
	next    *Decision
	handled int
	err     error
	// The search attributes last upserted.
	attrs attrs
	// window is how long the workflow stays open for a rollback once
	// the run has ended with methods to undo (see Options.RollbackWindow).
	window time.Duration
	// Timers of the targets.
	timers     bool
	stopTimers workflow.CancelFunc
	ended      bool
}

var _ executor.Effects = (*flow)(nil)

// open reports whether the workflow stays open for an answer, and for how
// long (0: no limit).
func (f *flow) open() (time.Duration, bool) {
	var wait time.Duration
	switch f.rec.Status {
	case executor.Waiting:
		return 0, true
	case executor.Failed:
		if f.drv.Plan().CheckAnswer(f.rec, executor.Answer{Recover: executor.Retry}) == nil {
			wait = f.w.retention
		}
	}
	if f.window > 0 && Undoable(f.rec) {
		wait = max(wait, f.window)
	}
	return wait, wait > 0
}

// Undoable reports whether rec applied response methods (or made response
// calls of unknown outcome) that are not rolled back: what a rollback
// would undo.
func Undoable(rec *executor.Record) bool {
	for _, m := range rec.Applied {
		if !slices.Contains(rec.RolledBack, m) {
			return true
		}
	}
	for _, c := range rec.Uncertain() {
		if c.Response != "" && !c.Rollback {
			return true
		}
	}
	return false
}

func (f *flow) query() (*executor.Record, error) {
	if f.rec == nil {
		return nil, errors.New("the run has not started")
	}
	return f.rec, nil
}

// validate accepts an answer only when the run waits for it, from the
// party it waits for, and of the design's types, so that no other enters
// the history.
func (f *flow) validate(_ workflow.Context, d Decision) error {
	rec := f.rec
	if rec == nil || f.busy || f.next != nil || f.ended {
		id := workflow.GetInfo(f.ctx).WorkflowExecution.ID
		return sdk.NewApplicationError(fmt.Sprintf("run %s is working, not waiting for an answer: ask again when it waits", id), ErrTypeNotWaiting)
	}
	if d.Rollback {
		if !Undoable(rec) {
			return sdk.NewApplicationError(fmt.Sprintf("run %s applied no response method that is not rolled back already", rec.ID), ErrTypeNothingToUndo)
		}
		return nil
	}
	if p := rec.Pending; p != nil && p.Party != "" && (d.Answer.Approve || d.Answer.Reject) {
		if d.Party == "" {
			return sdk.NewApplicationError(fmt.Sprintf("run %s waits for the approval of %s: say on behalf of which party you decide", rec.ID, p.Party), ErrTypeWrongParty)
		}
		if d.Party != p.Party {
			return sdk.NewApplicationError(fmt.Sprintf("run %s waits for the approval of %s, not of %s", rec.ID, p.Party, d.Party), ErrTypeWrongParty)
		}
	}
	if err := f.drv.Plan().CheckAnswer(rec, d.Answer); err != nil {
		if errors.Is(err, executor.ErrNotWaiting) {
			return sdk.NewApplicationError(err.Error(), ErrTypeNotWaiting)
		}
		return sdk.NewApplicationError(err.Error(), ErrTypeInvalidAnswer)
	}
	return nil
}

// answer hands an accepted answer to the flow and returns the record once
// the flow has gone on with it (to its end, or its next wait).
func (f *flow) answer(ctx workflow.Context, d Decision) (*executor.Record, error) {
	if f.busy || f.next != nil || f.ended {
		// Two answers accepted in one workflow task: the first wins.
		return nil, sdk.NewApplicationError("another answer came first: ask again", ErrTypeNotWaiting)
	}
	f.next = &d
	want := f.handled + 1
	if err := workflow.Await(ctx, func() bool { return f.handled >= want }); err != nil {
		return nil, err
	}
	if f.err != nil {
		return f.rec, f.err
	}
	return f.rec, nil
}

// Now is the workflow's clock.
func (f *flow) Now() time.Time { return workflow.Now(f.ctx) }

// Lookup checks the worker's adapters; every worker of a task queue has
// the same.
func (f *flow) Lookup(adapter string) error {
	if _, ok := f.w.registry.Lookup(adapter); !ok {
		return fmt.Errorf("no adapter %q is configured", adapter)
	}
	return nil
}

// Call runs the call as an activity.
func (f *flow) Call(_ context.Context, c executor.CallInput) executor.CallResult {
	return f.call(f.ctx, c)
}

func (f *flow) call(ctx workflow.Context, c executor.CallInput) executor.CallResult {
	w := f.w
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// The activity keeps the engine's time limit itself; the margin
		// lets it report a timeout as one.
		StartToCloseTimeout: w.timeout + 10*time.Second,
		HeartbeatTimeout:    w.heartbeat,
		RetryPolicy: &sdk.RetryPolicy{
			InitialInterval:        max(w.backoff, time.Millisecond),
			BackoffCoefficient:     2,
			MaximumAttempts:        int32(w.attempts),
			NonRetryableErrorTypes: []string{errTypeAdapter, errTypeTimeout},
		},
	})
	var out CallOutput
	err := workflow.ExecuteActivity(ctx, CallActivity, CallInput{Adapter: c.Adapter, Request: c.Request}).Get(ctx, &out)
	if err == nil {
		return executor.CallResult{Outputs: out.Outputs, Attempts: out.Attempt}
	}
	res := executor.CallResult{Attempts: 1}
	var app *sdk.ApplicationError
	var to *sdk.TimeoutError
	var canceled *sdk.CanceledError
	switch {
	case errors.As(err, &app):
		var attempt int
		if app.HasDetails() && app.Details(&attempt) == nil {
			res.Attempts = attempt
		}
		res.Err = errors.New(app.Message())
		res.Uncertain = app.Type() == errTypeTimeout
	case errors.As(err, &to):
		// The worker making the call stopped answering, every attempt.
		res.Attempts = w.attempts
		res.Err = fmt.Errorf("no answer from the worker making the call (%s timeout), %d attempts: whether it took effect is unknown", to.TimeoutType(), w.attempts)
		res.Uncertain = true
	case errors.As(err, &canceled):
		res.Err = errors.New("the call was cancelled: whether it took effect is unknown")
		res.Uncertain = true
	default:
		res.Err = err
	}
	return res
}

// Sleep is a durable timer.
func (f *flow) Sleep(_ context.Context, d time.Duration) bool {
	return workflow.Sleep(f.ctx, d) == nil
}

// Perform waits: a person's outputs come as an Update.
func (f *flow) Perform(context.Context, executor.Task) (executor.Done, error) {
	return executor.Done{}, executor.ErrWaiting
}

// Approve waits: a decision comes as an Update.
func (f *flow) Approve(context.Context, executor.Approval) (executor.Decision, error) {
	return executor.Decision{}, executor.ErrWaiting
}

// Checkpoint keeps the record for the query and starts the targets'
// timers once the incident is declared. Temporal's history is the
// journal: nothing is lost. The search attributes are upserted where the
// run stops to wait or ends (and on a breach), not at every checkpoint:
// each upsert is a write to visibility, and a run that works between
// two waits is listed by where it last waited.
func (f *flow) Checkpoint(_ context.Context, rec *executor.Record) error {
	f.rec = rec
	f.startTimers()
	return nil
}

// startTimers starts a durable timer for each target of the declared
// incident's severity, counted from the run's start.
func (f *flow) startTimers() {
	rec := f.rec
	if f.timers || rec.Incident == "" || f.ended {
		return
	}
	f.timers = true
	sev := f.drv.Plan().Design().Criteria.Severities.Get(rec.Severity)
	if sev == nil {
		return
	}
	var tctx workflow.Context
	tctx, f.stopTimers = workflow.WithCancel(f.ctx)
	for _, t := range []struct {
		phase  string
		target duration.Duration
	}{{"first_response", sev.Targets.FirstResponse}, {"response", sev.Targets.Response}} {
		if t.target <= 0 {
			continue
		}
		workflow.Go(tctx, func(ctx workflow.Context) {
			if wait := rec.Started.Add(t.target.Std()).Sub(workflow.Now(ctx)); wait > 0 {
				if err := workflow.NewTimer(ctx, wait).Get(ctx, nil); err != nil {
					return // cancelled: the run ended
				}
			}
			if f.ended || f.rec.Status == executor.Completed {
				return
			}
			f.breach(ctx, t.phase, t.target, sev.Escalation)
		})
	}
}

// breach records that a target passed with the response not done, and
// calls the escalation action.
func (f *flow) breach(ctx workflow.Context, phase string, target duration.Duration, esc *criteria.Escalation) {
	rec := f.rec
	rec.Breached = true
	f.drv.Note(rec, executor.Event{Kind: executor.EvBreach, Response: rec.Response,
		Detail: fmt.Sprintf("%s target %v passed with the response not done (status %s)", phase, target, rec.Status)})
	f.upsert()
	if esc == nil {
		return
	}
	key := rec.ID + "/escalation/" + phase
	inputs := map[string]any{"run": rec.ID, "incident": string(rec.Incident), "severity": string(rec.Severity),
		"target": phase, "after": target.String(), "party": string(esc.Party)}
	adapter := esc.Action.Adapter()
	ev := executor.Event{Kind: executor.EvEscalated, Action: esc.Action, Inputs: inputs, Actor: string(esc.Party), IdempotencyKey: key, Attempt: 1}
	if err := f.Lookup(adapter); err != nil {
		ev.Error = fmt.Sprintf("escalation to %s (%s): %v", esc.Party, esc.Action, err)
		f.drv.Note(rec, ev)
		return
	}
	f.drv.Note(rec, executor.Event{Kind: executor.EvCallStarted, Action: esc.Action, Inputs: inputs, Actor: adapter, IdempotencyKey: key, Attempt: 1})
	res := f.call(ctx, executor.CallInput{Adapter: adapter, Request: adapters.Request{Operation: esc.Action.Operation(), Inputs: inputs,
		Method: "escalation", Run: rec.ID, IdempotencyKey: key}})
	ev.Attempt = max(res.Attempts, 1)
	ev.Outputs = res.Outputs
	if res.Err != nil {
		ev.Error = fmt.Sprintf("escalation to %s (%s): %v", esc.Party, esc.Action, res.Err)
	} else {
		ev.Detail = fmt.Sprintf("%s target %v breached: escalated to %s", phase, target, esc.Party)
	}
	f.drv.Note(rec, ev)
}
