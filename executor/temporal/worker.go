package temporal

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	sdk "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runs"
)

// The names the workflow, its activity, query and update are registered
// and called by.
const (
	// WorkflowName is the workflow type of a run.
	WorkflowName = "secops.run"
	// CallActivity is the activity type of an adapter call.
	CallActivity = "secops.call"
	// QueryRecord is the query that returns a run's record.
	QueryRecord = "record"
	// UpdateAnswer is the update that answers a waiting run (outputs, an
	// approval, a rejection), retries a failed one, or rolls back what a
	// run applied.
	UpdateAnswer = "answer"
	// DefaultTaskQueue is the task queue of workers and runs unless told
	// otherwise.
	DefaultTaskQueue = "secops"
)

// Error types of the application errors this package returns, for
// clients that match them.
const (
	// ErrTypeUnknownDesign: the worker has not loaded the run's design.
	ErrTypeUnknownDesign = "UnknownDesign"
	// ErrTypeAlert: the alert does not fit the design.
	ErrTypeAlert = "AlertError"
	// ErrTypeNotWaiting: the run is not waiting for this answer.
	ErrTypeNotWaiting = "NotWaiting"
	// ErrTypeWrongParty: an approval from a party the run does not wait
	// for.
	ErrTypeWrongParty = "WrongParty"
	// ErrTypeInvalidAnswer: the answer does not fit the design.
	ErrTypeInvalidAnswer = "InvalidAnswer"
	// ErrTypeNothingToUndo: a rollback of a run with nothing to undo.
	ErrTypeNothingToUndo = "NothingToUndo"
	// ErrTypeRolledBack: an act on a run whose rollback began
	// (executor.ErrRolledBack).
	ErrTypeRolledBack = "RolledBack"
	// ErrTypeRunning, ErrTypeNotInterrupted, ErrTypeFailed,
	// ErrTypeNotFailed and ErrTypeDesignChanged are the refusals of
	// runs.ErrRunning, runs.ErrNotInterrupted, runs.ErrFailed,
	// runs.ErrNotFailed and executor.ErrDesignChanged.
	ErrTypeRunning        = "Running"
	ErrTypeNotInterrupted = "NotInterrupted"
	ErrTypeFailed         = "Failed"
	ErrTypeNotFailed      = "NotFailed"
	ErrTypeDesignChanged  = "DesignChanged"
	// Adapter call errors.
	errTypeRetryable = "Retryable"
	errTypeAdapter   = "AdapterError"
	errTypeTimeout   = "Timeout"
)

// RunInput is the workflow's input: the design, pinned by its digest,
// and the alert.
type RunInput struct {
	// Design is the design's metadata.name, for messages.
	Design ident.ID `json:"design"`
	// DesignDigest is the executor.Plan.Digest of the design the run
	// follows; a worker runs only designs it loaded.
	DesignDigest string `json:"design_digest"`
	// Alert is the alert, field id to value.
	Alert map[string]any `json:"alert"`
}

// Decision is an Update's input: an answer to a waiting run (a person's
// outputs, an approval or a rejection), or a retry of a failed run.
type Decision struct {
	// Answer is the answer, as executor.Engine.Resume takes it.
	Answer executor.Answer `json:"answer"`
	// Party is the party on whose behalf an approval or rejection is
	// given: it must be the party the run waits for.
	Party ident.ID `json:"party,omitempty"`
	// Rollback, instead of an answer, undoes the response methods the
	// run applied, the latest first (executor.Engine.Rollback), in the
	// workflow: each rollback call is an activity, journaled.
	Rollback bool `json:"rollback,omitempty"`
	// Op and Actor are the act and who does it, for the rules
	// (runs.Rules.Check) the Update's validator keeps; without an Actor
	// only Party is checked, for an approval.
	Op    runs.Op     `json:"op,omitempty"`
	Actor *runs.Actor `json:"actor,omitempty"`
}

// CallInput is the activity's input: one adapter call.
type CallInput struct {
	// Adapter is the adapter's name.
	Adapter string `json:"adapter"`
	// Request carries the call's idempotency key.
	Request adapters.Request `json:"request"`
}

// CallOutput is the activity's result.
type CallOutput struct {
	// Outputs are the adapter's outputs.
	Outputs map[string]any `json:"outputs,omitempty"`
	// Attempt is the activity's attempt that succeeded, from 1.
	Attempt int `json:"attempt"`
}

// Options configure a Worker.
type Options struct {
	// Engine are the engine's options: time limit (executor.WithTimeout),
	// retries (executor.WithRetry), secrets (executor.WithSecrets), dry
	// run. Every worker of a task queue must be given the same.
	Engine []executor.Option
	// Heartbeat is how long a call may go without a heartbeat from its
	// worker before Temporal counts the attempt as lost (its worker
	// died) and retries it, with the same idempotency key, on another
	// (default 10s).
	Heartbeat time.Duration
	// FailedRetention is how long the workflow of a run that failed on a
	// method stays open for a retry (an Update with Recover: Retry)
	// before it closes (default 7 days).
	FailedRetention time.Duration
	// RollbackWindow is how long the workflow of a run that ended
	// (completed, failed or rejected) with response methods applied and
	// not rolled back stays open for a rollback (an Update with
	// Rollback); 0, the default, closes it when the run ends, and only a
	// run still open (waiting, or failed and open for a retry) can be
	// rolled back through Temporal. A run keeps the window it started
	// with.
	RollbackWindow time.Duration
}

// Worker runs the workflows of the designs it loaded and their adapter
// calls. Register it with a Temporal worker (Register), or use Run.
type Worker struct {
	engines   map[string]*executor.Engine // by design digest
	loaded    string                      // for messages
	registry  *adapters.Registry
	timeout   time.Duration
	attempts  int
	backoff   time.Duration
	heartbeat time.Duration
	retention time.Duration
	rollback  time.Duration
}

// NewWorker returns a worker for plans, calling the adapters of registry.
func NewWorker(registry *adapters.Registry, plans []*executor.Plan, o Options) (*Worker, error) {
	if registry == nil {
		return nil, errors.New("temporal: no adapter registry")
	}
	if len(plans) == 0 {
		return nil, errors.New("temporal: no design to run")
	}
	w := &Worker{engines: map[string]*executor.Engine{}, registry: registry, heartbeat: o.Heartbeat, retention: o.FailedRetention,
		rollback: max(o.RollbackWindow, 0)}
	if w.heartbeat <= 0 {
		w.heartbeat = 10 * time.Second
	}
	if w.retention <= 0 {
		w.retention = 7 * 24 * time.Hour
	}
	var names []string
	for _, p := range plans {
		opts := append([]executor.Option{executor.WithPlan(p), executor.WithRegistry(registry)}, o.Engine...)
		e, err := executor.New(opts...)
		if err != nil {
			return nil, fmt.Errorf("temporal: design %s: %w", p.Design().Metadata.Name, err)
		}
		if _, dup := w.engines[p.Digest()]; dup {
			continue
		}
		w.engines[p.Digest()] = e
		w.timeout = e.Timeout()
		w.attempts, w.backoff = e.RetryPolicy()
		names = append(names, fmt.Sprintf("%s (%s)", p.Design().Metadata.Name, p.Digest()))
	}
	sort.Strings(names)
	w.loaded = strings.Join(names, ", ")
	return w, nil
}

// Register registers the workflow and the activity with r (a
// worker.Worker, or a test environment).
func (w *Worker) Register(r worker.Registry) {
	r.RegisterWorkflowWithOptions(w.Workflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(w.Call, activity.RegisterOptions{Name: CallActivity})
}

// Designs says which designs the worker runs: name (digest), comma-separated.
func (w *Worker) Designs() string { return w.loaded }

// Call is the activity: one adapter call, with the engine's time limit,
// heartbeating so that a worker that dies is noticed. A retryable error
// (adapters.Retryable) is left to Temporal's retry policy; any other is
// a non-retryable application error; a call that exceeds the time limit
// is one of type Timeout: it may have taken effect.
func (w *Worker) Call(ctx context.Context, in CallInput) (CallOutput, error) {
	attempt := int(activity.GetInfo(ctx).Attempt)
	a, ok := w.registry.Lookup(in.Adapter)
	if !ok {
		return CallOutput{}, sdk.NewNonRetryableApplicationError(fmt.Sprintf("no adapter %q is configured on this worker", in.Adapter), errTypeAdapter, nil, attempt)
	}
	cctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(w.heartbeat / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	res, err := protectedCall(cctx, a, in.Request)
	if err == nil {
		return CallOutput{Outputs: res.Outputs, Attempt: attempt}, nil
	}
	if ctx.Err() != nil {
		return CallOutput{}, err // cancelled by the workflow, or lost
	}
	if cctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
		return CallOutput{}, sdk.NewNonRetryableApplicationError(fmt.Sprintf("timed out after %v (it may have taken effect)", w.timeout), errTypeTimeout, nil, attempt)
	}
	var ce *adapters.CallError
	if errors.As(err, &ce) && ce.Adapter == in.Adapter && ce.Operation == in.Request.Operation && ce.Err != nil {
		err = ce.Err // the flow's message names the method and action
	}
	if adapters.IsRetryable(err) {
		return CallOutput{}, sdk.NewApplicationError(err.Error(), errTypeRetryable, attempt)
	}
	return CallOutput{}, sdk.NewNonRetryableApplicationError(err.Error(), errTypeAdapter, nil, attempt)
}

func protectedCall(ctx context.Context, a adapters.Adapter, req adapters.Request) (res adapters.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = adapters.Result{}, fmt.Errorf("adapter panicked: %v\n%s", v, debug.Stack())
		}
	}()
	return a.Call(ctx, req)
}
