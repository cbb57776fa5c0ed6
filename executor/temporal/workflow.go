package temporal

import (
	"context"
	"errors"
	"fmt"
	"time"

	sdk "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runs"
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
	if f.window > 0 && f.rec.Undoable() {
		wait = max(wait, f.window)
	}
	return wait, wait > 0
}

func (f *flow) query() (*executor.Record, error) {
	if f.rec == nil {
		return nil, errors.New("the run has not started")
	}
	return f.rec, nil
}

// validate accepts an act only when the run waits for it, by an actor
// of the party it waits for, and of the design's types (the rules of
// package runs), so that no other enters the history.
func (f *flow) validate(_ workflow.Context, d Decision) error {
	rec := f.rec
	if rec == nil || f.busy || f.next != nil || f.ended {
		id := workflow.GetInfo(f.ctx).WorkflowExecution.ID
		return sdk.NewApplicationError(fmt.Sprintf("run %s is working, not waiting for an answer: ask again when it waits", id), ErrTypeNotWaiting)
	}
	act, by := d.act()
	if act.Op != runs.OpRollback && d.Actor == nil {
		// A Decision of a client without actors: the party it names.
		if p := rec.Pending; p != nil && p.Party != "" && (d.Answer.Approve || d.Answer.Reject) {
			if d.Party == "" {
				return sdk.NewApplicationError(fmt.Sprintf("run %s waits for the approval of %s: say on behalf of which party you decide", rec.ID, p.Party), ErrTypeWrongParty)
			}
			by = runs.Actor{Name: d.Answer.Actor, Parties: []ident.ID{d.Party}}
		}
	}
	if err := (runs.Rules{Plan: f.drv.Plan()}).Check(rec, act, by, false); err != nil {
		return sdk.NewApplicationError(err.Error(), errType(err))
	}
	return nil
}

// act is the act of d and who does it.
func (d Decision) act() (runs.Act, runs.Actor) {
	by := runs.Actor{Name: d.Answer.Actor, AnyParty: true}
	if d.Actor != nil {
		by = *d.Actor
	}
	a := runs.Act{Op: d.Op, Outputs: d.Answer.Outputs, Mode: d.Answer.Recover}
	if a.Op != "" {
		return a, by
	}
	switch {
	case d.Rollback:
		a.Op = runs.OpRollback
	case d.Answer.Approve:
		a.Op = runs.OpApprove
	case d.Answer.Reject:
		a.Op = runs.OpReject
	case d.Answer.Recover == executor.Retry:
		a.Op = runs.OpRetry
	case d.Answer.Recover != "":
		a.Op = runs.OpRecover
	default:
		a.Op = runs.OpAnswer
	}
	return a, by
}

// errType is the application error type of a refusal of the rules.
func errType(err error) string {
	for _, t := range []struct {
		err  error
		name string
	}{
		{runs.ErrWrongParty, ErrTypeWrongParty}, {runs.ErrNothingToUndo, ErrTypeNothingToUndo}, {runs.ErrRunning, ErrTypeRunning},
		{runs.ErrNotInterrupted, ErrTypeNotInterrupted}, {runs.ErrFailed, ErrTypeFailed}, {runs.ErrNotFailed, ErrTypeNotFailed},
		{executor.ErrDesignChanged, ErrTypeDesignChanged}, {executor.ErrNotWaiting, ErrTypeNotWaiting},
		{executor.ErrRolledBack, ErrTypeRolledBack},
	} {
		if errors.Is(err, t.err) {
			return t.name
		}
	}
	return ErrTypeInvalidAnswer
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
func (f *flow) Call(ctx context.Context, c executor.CallInput) executor.CallResult {
	return f.call(f.wctx(ctx), c)
}

// wctxKey carries the workflow context of a coroutine other than the
// workflow's own (a target's timer) through the core's context.Context.
type wctxKey struct{}

// wctx is the workflow context the core's call runs in: the timer's when
// the call is an escalation, otherwise the workflow's.
func (f *flow) wctx(ctx context.Context) workflow.Context {
	if w, ok := ctx.Value(wctxKey{}).(workflow.Context); ok {
		return w
	}
	return f.ctx
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
func (f *flow) Sleep(ctx context.Context, d time.Duration) bool {
	return workflow.Sleep(f.wctx(ctx), d) == nil
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
	if rec.Breached != f.attrs.breached && f.attrs.set {
		// A breach is listed at once (runs in breach are what a
		// watcher of the runs looks for).
		f.upsert()
	}
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
	}{{executor.FirstResponseTarget, sev.Targets.FirstResponse}, {executor.ResponseTarget, sev.Targets.Response}} {
		if t.target <= 0 {
			continue
		}
		workflow.Go(tctx, func(ctx workflow.Context) {
			if wait := rec.Started.Add(t.target.Std()).Sub(workflow.Now(ctx)); wait > 0 {
				if err := workflow.NewTimer(ctx, wait).Get(ctx, nil); err != nil {
					return // cancelled: the run ended
				}
			}
			if f.ended {
				return
			}
			f.breach(ctx, t.phase)
		})
	}
}

// breach escalates the target: the core's Escalate, its call an
// activity, its checkpoints this flow's.
func (f *flow) breach(ctx workflow.Context, target string) {
	if _, err := f.drv.Escalate(context.WithValue(context.Background(), wctxKey{}, ctx), f.rec, target); err != nil {
		workflow.GetLogger(ctx).Warn("escalating", "target", target, "error", err)
	}
}
