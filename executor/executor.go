package executor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

// Executor runs alerts through a design. Tools embed it: a chat bot, an
// in-house SOAR, a SIEM webhook receiver.
//
// The outcome of a run is in its Record: a run that fails, waits, is
// interrupted or finds no incident still returns a record and a nil
// error. The error is for calls that could not start at all (an alert
// that does not fit the design, an answer the run is not waiting for),
// and for a record that could not be checkpointed (ErrCheckpoint).
type Executor interface {
	// Run runs alert (field id to value) through the design. An alert
	// with a key that is not a field, or a value of the wrong type, is
	// refused with an *AlertError before anything runs.
	Run(ctx context.Context, alert map[string]any) (*Record, error)
	// Resume continues a waiting run with answer, an interrupted one
	// (status running or interrupted) from where it stopped, or, with
	// answer.Recover set to Retry, a failed one from its failed method.
	// A record holding a call whose outcome it does not know is refused
	// with an error wrapping ErrUncertain unless answer.Recover says how
	// to go on. It updates rec in place and returns it. A record whose
	// run started with another version of the design is refused with an
	// error wrapping ErrDesignChanged (see Plan.CheckRecord).
	Resume(ctx context.Context, rec *Record, answer Answer) (*Record, error)
	// Rollback undoes the response methods applied by rec, latest first,
	// and lists the rollback procedures left to a person. It updates rec
	// in place and returns it.
	Rollback(ctx context.Context, rec *Record) (*Record, error)
}

var _ Executor = (*Engine)(nil)

// ErrWaiting is returned by a Person or an Approver that has no answer
// yet: the run stops in status waiting, and Resume continues it.
var ErrWaiting = errors.New("waiting for an answer")

// Task is a method done by a person.
type Task struct {
	// Run is the id of the run (Record.ID).
	Run string
	// Stage is the part of the run the method belongs to: ConfirmStage,
	// StepStage or ResponseStage.
	Stage Stage
	// Step is the id of the playbook step running the method; empty
	// outside StepStage.
	Step ident.ID
	// Method is the design's method to carry out, with its procedure
	// and the ids of its declared outputs.
	Method *process.Method
	// Inputs are the values of the method's inputs known so far.
	Inputs map[string]any
}

// Done is a person's answer to a Task.
type Done struct {
	// Outputs maps the method's output field ids to their values.
	Outputs map[string]any
	// Actor is who did it.
	Actor string
}

// Person carries out the methods that have no action. Perform returns
// ErrWaiting when the answer will come later.
type Person interface {
	Perform(ctx context.Context, t Task) (Done, error)
}

// PersonFunc makes a function a Person.
type PersonFunc func(ctx context.Context, t Task) (Done, error)

// Perform calls f.
func (f PersonFunc) Perform(ctx context.Context, t Task) (Done, error) { return f(ctx, t) }

// Approval asks a party to approve a response.
type Approval struct {
	// Run is the id of the run (Record.ID).
	Run string
	// Response is the id of the response awaiting approval; none of its
	// methods has run yet.
	Response ident.ID
	// Party is the id of the party whose approval the response requires.
	Party ident.ID
	// Incident is the id of the incident the run declared.
	Incident ident.ID
	// Severity is the id of the incident's severity.
	Severity ident.ID
}

// Decision is an approver's answer.
type Decision struct {
	// Approved grants the approval; false rejects the response, and the
	// run fails.
	Approved bool
	// Actor is who decided.
	Actor string
}

// Approver decides on approvals. Approve returns ErrWaiting when the
// decision will come later.
type Approver interface {
	Approve(ctx context.Context, a Approval) (Decision, error)
}

// ApproverFunc makes a function an Approver.
type ApproverFunc func(ctx context.Context, a Approval) (Decision, error)

// Approve calls f.
func (f ApproverFunc) Approve(ctx context.Context, a Approval) (Decision, error) { return f(ctx, a) }

// AutoApprove returns an Approver that approves everything as actor.
func AutoApprove(actor string) Approver {
	return ApproverFunc(func(context.Context, Approval) (Decision, error) {
		return Decision{Approved: true, Actor: actor}, nil
	})
}

// Answer is what Resume continues a run with: a waiting run's approval
// or outputs, or how to recover an interrupted or failed one.
type Answer struct {
	// Approve grants the pending approval.
	Approve bool
	// Reject declines it; the run fails.
	Reject bool
	// Outputs holds, by method id, the outputs of methods done by a
	// person; the pending method and any later one found here take their
	// outputs from it. When the record is a dry run, methods with an
	// action take their outputs from it too. See Plan.CheckAnswer.
	Outputs map[ident.Number]map[string]any
	// Actor is who answered.
	Actor string
	// Recover says how to go on with a run that was interrupted during an
	// adapter call whose outcome the record does not know (Retry or
	// Applied; see Record.Uncertain), or, with Retry, with a run that
	// failed on a method: the method is called again with the same
	// idempotency key, and what completed before it is kept.
	Recover Recovery
}

// Option configures an Engine.
type Option func(*config) error

type config struct {
	plan     *Plan
	registry *adapters.Registry
	person   Person
	approver Approver
	clock    func() time.Time
	sink     func(Event)
	timeout  time.Duration
	attempts int
	backoff  time.Duration
	newID    func() string
	isolate  bool
	dryRun   bool
	dryOuts  map[ident.Number]map[string]any
	// changedDesign: Resume and Rollback go on with a record of another
	// version of the design.
	changedDesign bool
	checkpoint    Checkpointer
	redact        *strings.Replacer // nil: no secrets
	secrets       []string
	grace         time.Duration
}

// WithDesign makes the engine run d, compiling it. d should have been
// validated; see Compile.
func WithDesign(d *secops.Design) Option {
	return func(c *config) error {
		p, err := Compile(d)
		c.plan = p
		return err
	}
}

// WithPlan makes the engine run an already compiled design, so that many
// engines share one compilation.
func WithPlan(p *Plan) Option {
	return func(c *config) error { c.plan = p; return nil }
}

// WithRegistry sets the adapters the actions call.
func WithRegistry(r *adapters.Registry) Option {
	return func(c *config) error { c.registry = r; return nil }
}

// WithPerson sets who carries out the methods without an action. Without
// one, such a method makes the run wait.
func WithPerson(p Person) Option {
	return func(c *config) error { c.person = p; return nil }
}

// WithApprover sets who approves responses. Without one, an approval
// makes the run wait.
func WithApprover(a Approver) Option {
	return func(c *config) error { c.approver = a; return nil }
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error { c.clock = now; return nil }
}

// WithEvents sets a function called with every event as it happens, e.g.
// to show progress. It is called from the goroutine running the run.
func WithEvents(sink func(Event)) Option {
	return func(c *config) error { c.sink = sink; return nil }
}

// WithTimeout sets the time limit of each adapter call (default 60s).
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("timeout must be positive, not %v", d)
		}
		c.timeout = d
		return nil
	}
}

// WithRetry sets how often a call that fails with an error marked
// adapters.Retryable is made in all (default 3), and the wait before the
// first retry (default 200ms), doubled for each further one.
func WithRetry(attempts int, backoff time.Duration) Option {
	return func(c *config) error {
		if attempts < 1 || backoff < 0 {
			return fmt.Errorf("retry: want attempts >= 1 and backoff >= 0, got %d, %v", attempts, backoff)
		}
		c.attempts, c.backoff = attempts, backoff
		return nil
	}
}

// WithGrace sets how long, once a call's context is done, the engine
// waits for an isolated call (WithIsolation) to return before it
// abandons it (default 5s): time for a command adapter to kill its
// process group, so that an interrupted containment does not go on after
// the record says it stopped. A call that returns success in that time
// took effect, and the record says so.
func WithGrace(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("grace must not be negative, not %v", d)
		}
		c.grace = d
		return nil
	}
}

// WithIsolation runs each adapter call in a goroutine of its own, so that
// an adapter that ignores its context's deadline or cancellation cannot
// hold up a run: the run goes on (or stops) when the context is done, and
// the call is abandoned. It costs a goroutine per call; without it, calls
// are made in the run's goroutine and rely on the adapter honouring its
// context, as the adapters.Adapter contract requires. Panics are turned
// into errors either way.
func WithIsolation() Option {
	return func(c *config) error { c.isolate = true; return nil }
}

// WithDryRun makes the engine call no adapter: each method with an
// action is recorded as the call it would make (an event with DryRun set)
// and answers with outputs[method id], or with no outputs when outputs
// has none for it. outputs also answers the methods done by a person
// (before the Person is asked), so that a dry run can walk a whole flow.
// Records of dry runs have DryRun set; Resume and Rollback keep them dry.
//
// A dry run has no real outputs: when a when or a branch reads a field
// that no output has given, the run stops in status failed with an error
// naming the step or method, the expression and the missing field, and
// the method that would have given it. New reports outputs for unknown
// methods, of undeclared fields or of the wrong type as an error.
func WithDryRun(outputs map[ident.Number]map[string]any) Option {
	return func(c *config) error { c.dryRun, c.dryOuts = true, outputs; return nil }
}

// WithIDs sets the function that names new runs (default: 16 random hex
// digits).
func WithIDs(newID func() string) Option {
	return func(c *config) error { c.newID = newID; return nil }
}

// Engine is the default, in-process Executor. It is safe for concurrent
// use: each run has its own state.
type Engine struct {
	c    config
	base time.Time // when the engine was made, for per-call deadlines
	// The initial capacities of a record's lists, learnt from earlier
	// runs so that a run allocates each once.
	eventCap, pathCap, branchCap, ranCap, skipCap, appliedCap atomic.Int32
}

// New returns an engine. WithDesign or WithPlan is required.
func New(opts ...Option) (*Engine, error) {
	c := config{clock: time.Now, timeout: 60 * time.Second, attempts: 3, backoff: 200 * time.Millisecond, newID: randomID, grace: 5 * time.Second}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.plan == nil {
		return nil, errors.New("executor: no design: use WithDesign or WithPlan")
	}
	if c.dryRun {
		if err := c.plan.CheckOutputs(c.dryOuts); err != nil {
			return nil, fmt.Errorf("executor: dry-run outputs: %w", err)
		}
	}
	e := &Engine{c: c, base: time.Now()}
	e.eventCap.Store(16)
	return e, nil
}

// Plan returns the compiled design the engine runs.
func (e *Engine) Plan() *Plan { return e.c.plan }

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
