package executor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secopsdesign/secops/adapters"
)

// Effects are what the engine's flow needs from the world: adapter calls,
// people, approvers, the clock and the journal. The flow itself —
// detection, confirmation, steps, branches, responses, approvals, the
// record and its events — is deterministic given what Effects return, so
// that one flow has several drivers: the Engine's own, in process, and a
// durable one (package executor/temporal runs it as a Temporal workflow),
// the way net/http separates a Handler from the server calling it.
//
// A driver passes its Effects to Engine.Driver. The flow calls them from
// one goroutine at a time.
type Effects interface {
	// Now is the time, for events and targets.
	Now() time.Time
	// Lookup reports an error when no adapter of that name is
	// configured; the flow then fails the method without calling it.
	Lookup(adapter string) error
	// Call makes one attempt of an adapter call (more, when the driver
	// retries by itself: CallResult.Attempts says how many). It never
	// panics.
	Call(ctx context.Context, c CallInput) CallResult
	// Sleep waits for d before the flow retries a call, reporting false
	// if ctx was done first.
	Sleep(ctx context.Context, d time.Duration) bool
	// Perform asks a person to do a task; ErrWaiting when the answer
	// will come later (the run waits).
	Perform(ctx context.Context, t Task) (Done, error)
	// Approve asks for an approval; ErrWaiting when the decision will
	// come later (the run waits).
	Approve(ctx context.Context, a Approval) (Decision, error)
	// Checkpoint makes the record durable (see Checkpointer); an error
	// stops the run (ErrCheckpoint).
	Checkpoint(ctx context.Context, rec *Record) error
}

// CallInput is one adapter call: the adapter's name and the request,
// which carries the call's idempotency key.
type CallInput struct {
	// Adapter is the adapter's name, as the action names it.
	Adapter string
	// Request is the request, with Request.IdempotencyKey set.
	Request adapters.Request
}

// CallResult is the outcome of a call.
type CallResult struct {
	// Outputs are the adapter's outputs, when Err is nil.
	Outputs map[string]any
	// Err is the call's error; a retryable one (adapters.Retryable) is
	// retried by the flow with the engine's policy.
	Err error
	// Uncertain is set when the call's outcome is unknown: it timed out,
	// or its reply was lost, and it may have taken effect (see
	// adapters.OutcomeUnknown).
	Uncertain bool
	// Attempts is how many attempts the driver made itself, when it
	// retries by its own policy; 0 counts as 1.
	Attempts int
}

// Driver runs the engine's flow with Effects supplied by another driver
// than the Engine's own: the same flow, the same records.
type Driver struct {
	e  *Engine
	fx Effects
}

// Driver returns the engine's flow driven by fx. The engine's Person,
// Approver, Checkpointer, clock and adapters are not used: fx supplies
// them. Its design, dry run, secrets, time limit and retry policy are.
func (e *Engine) Driver(fx Effects) *Driver { return &Driver{e: e, fx: fx} }

// Run runs alert as run id. See Executor.Run.
func (d *Driver) Run(ctx context.Context, id string, alert map[string]any) (*Record, error) {
	if id == "" {
		return nil, errors.New("run: no run id")
	}
	return d.e.run(ctx, d.fx, true, func() string { return id }, alert)
}

// Resume continues rec with answer. See Executor.Resume.
func (d *Driver) Resume(ctx context.Context, rec *Record, answer Answer) (*Record, error) {
	return d.e.resume(ctx, d.fx, true, rec, answer)
}

// Rollback undoes what rec applied. See Executor.Rollback.
func (d *Driver) Rollback(ctx context.Context, rec *Record) (*Record, error) {
	return d.e.rollback(ctx, d.fx, true, rec)
}

// Timeout is the time limit of one adapter call (WithTimeout).
func (e *Engine) Timeout() time.Duration { return e.c.timeout }

// RetryPolicy returns how often a retryable call is made in all, and the
// wait before the first retry, doubled for each further one (WithRetry).
func (e *Engine) RetryPolicy() (attempts int, backoff time.Duration) {
	return e.c.attempts, e.c.backoff
}

// local is the Engine's own driver: adapters from its registry, in this
// process, with its time limit; its Person, Approver, clock and
// Checkpointer.
type local struct{ e *Engine }

var _ Effects = local{}

func (l local) Now() time.Time { return l.e.c.clock() }

func (l local) Lookup(adapter string) error {
	if _, ok := l.e.c.registry.Lookup(adapter); !ok {
		return fmt.Errorf("no adapter %q is configured", adapter)
	}
	return nil
}

func (l local) Call(ctx context.Context, c CallInput) CallResult {
	a, ok := l.e.c.registry.Lookup(c.Adapter)
	if !ok {
		return CallResult{Err: fmt.Errorf("no adapter %q is configured", c.Adapter)}
	}
	res, err := l.e.callOnce(ctx, a, c.Request)
	// IsOutcomeUnknown allocates: only on the error path.
	return CallResult{Outputs: res.Outputs, Err: err, Uncertain: err != nil && adapters.IsOutcomeUnknown(err)}
}

func (l local) Sleep(ctx context.Context, d time.Duration) bool { return sleep(ctx, d) }

func (l local) Perform(ctx context.Context, t Task) (d Done, err error) {
	p := l.e.c.person
	if p == nil {
		return Done{}, ErrWaiting
	}
	defer func() {
		if v := recover(); v != nil {
			d, err = Done{}, fmt.Errorf("person handler panicked: %v", v)
		}
	}()
	return p.Perform(ctx, t)
}

func (l local) Approve(ctx context.Context, a Approval) (Decision, error) {
	if l.e.c.approver == nil {
		return Decision{}, ErrWaiting
	}
	return l.e.c.approver.Approve(ctx, a)
}

func (l local) Checkpoint(ctx context.Context, rec *Record) error {
	return l.e.c.checkpoint.Checkpoint(ctx, rec)
}

// Note appends e to rec as the flow appends its events: timed by the
// driver's clock, its texts and values redacted. A driver notes what
// happens beside the flow, such as a target breached while the run waits
// on a person.
func (d *Driver) Note(rec *Record, e Event) {
	r := run{e: d.e, fx: d.fx, rec: rec}
	r.event(e)
	rec.Updated = e.Time
	if n := len(rec.Events); n > 0 {
		rec.Updated = rec.Events[n-1].Time
	}
}

// Plan returns the compiled design the driver runs.
func (d *Driver) Plan() *Plan { return d.e.c.plan }

// Now is the engine's clock (WithClock), by which its events are timed
// and targets pass.
func (e *Engine) Now() time.Time { return e.c.clock() }
