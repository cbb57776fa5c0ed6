package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

// Checkpointer keeps a run's record durable as the engine works on it:
// the write-ahead journal of the run. The engine hands it the record
// before every adapter call that can take effect (with a call-started
// event last), right after each outcome, and when the run waits, resumes,
// is approved, enters a step or response, and ends. Checkpoint returns
// only once the record is stored; an error stops the run before anything
// else is called (see ErrCheckpoint).
//
// The record is the engine's own and changes after Checkpoint returns,
// in these ways only: its scalar fields, Pending and At are set anew, its
// lists are appended to, and its Fields alternate between two maps. No
// element of its lists and no map in them or in Alert is changed in
// place. The map given as Fields to one checkpoint stays as it is until a
// later checkpoint of the run has returned nil with the other map; only
// then may the engine change it (to bring it up to date with the keys it
// missed and make it Fields again). A Checkpointer that keeps only the
// last record it stored, replacing it at each checkpoint, can therefore
// keep a Record.Snapshot, which shares the maps and the lists' elements;
// one that keeps older records too, or does not know where a record
// comes from, keeps a Record.Clone. The run stores of package runstore
// are Checkpointers.
type Checkpointer interface {
	Checkpoint(ctx context.Context, rec *Record) error
}

// CheckpointFunc makes a function a Checkpointer.
type CheckpointFunc func(ctx context.Context, rec *Record) error

// Checkpoint calls f.
func (f CheckpointFunc) Checkpoint(ctx context.Context, rec *Record) error { return f(ctx, rec) }

// WithCheckpoint makes the engine journal every run, resume and rollback
// to c. Without it the record lives only in memory until Run, Resume or
// Rollback returns, and a process that dies in between loses it.
func WithCheckpoint(c Checkpointer) Option {
	return func(cfg *config) error { cfg.checkpoint = c; return nil }
}

// ErrCheckpoint is wrapped by the error Run, Resume and Rollback return
// when the record could not be checkpointed. The run stopped at once:
// if the failed checkpoint came before an adapter call, the call was not
// made; if it came after one, the stored record still shows the call as
// started with no outcome, so that recovering from it (Resume with
// Answer.Recover) asks whether the call took effect. The record returned
// is the engine's state when it stopped, which may be ahead of the stored
// one.
var ErrCheckpoint = errors.New("the run's record could not be saved")

// CheckpointError is a failed checkpoint.
type CheckpointError struct {
	// Run is the id of the run.
	Run string
	// Err is the Checkpointer's error.
	Err error
}

func (e *CheckpointError) Error() string {
	return fmt.Sprintf("run %s stopped: its record could not be saved: %v", e.Run, e.Err)
}

// Unwrap returns e.Err.
func (e *CheckpointError) Unwrap() error { return e.Err }

// Is reports whether target is ErrCheckpoint.
func (e *CheckpointError) Is(target error) bool { return target == ErrCheckpoint }

// Recovery says how Resume goes on past a call whose outcome the record
// does not know, or past a failed method.
type Recovery string

// The ways to recover.
const (
	// Retry calls the method again with the same idempotency key, so
	// that an integration that honours the key does not act twice. For a
	// failed run, it runs the failed method again and goes on.
	Retry Recovery = "retry"
	// Applied counts the call as done and goes on with the next method:
	// a person checked that it took effect. A response method counts as
	// applied (and is undone by Rollback); a method that declares
	// outputs takes them from Answer.Outputs.
	Applied Recovery = "applied"
)

// ErrUncertain is wrapped by the error of Resume (and CheckAnswer) for a
// record that holds calls whose outcome it does not know — the process
// running them died, or they were interrupted — when the answer does not
// say how to recover (Answer.Recover). See UncertainError.
var ErrUncertain = errors.New("the outcome of a call is unknown")

// UncertainError names the calls whose outcome a record does not know.
type UncertainError struct {
	// Run is the id of the run.
	Run string
	// Calls are the calls, in the order they started.
	Calls []UncertainCall
}

func (e *UncertainError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %s was interrupted during ", e.Run)
	for i, c := range e.Calls {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "method %s (%s)", c.Method, c.Action)
	}
	b.WriteString(": whether it took effect is unknown; recover with retry (call again with the same idempotency key) or applied (count it as done)")
	return b.String()
}

// Is reports whether target is ErrUncertain.
func (e *UncertainError) Is(target error) bool { return target == ErrUncertain }

// UncertainCall is an adapter call whose outcome a record does not know.
type UncertainCall struct {
	// IdempotencyKey is the call's key.
	IdempotencyKey string `json:"idempotency_key"`
	// Method is the number of the method; Action the action called.
	Method ident.Number   `json:"method"`
	Action process.Action `json:"action"`
	// Step and Response place the call, as in Event.
	Step     ident.ID `json:"step,omitempty"`
	Response ident.ID `json:"response,omitempty"`
	// Inputs are the values the call was made with.
	Inputs map[string]any `json:"inputs,omitempty"`
	// Attempt is the attempt that has no known outcome.
	Attempt int `json:"attempt"`
	// Rollback is set for a rollback action.
	Rollback bool `json:"rollback,omitempty"`
	// Started is when the call started.
	Started time.Time `json:"started"`
	// TimedOut is set when the call returned a timeout, rather than no
	// outcome at all.
	TimedOut bool `json:"timed_out,omitempty"`
}

// Uncertain returns the adapter calls whose outcome the record does not
// know: started (a call-started event) with no outcome after it, or whose
// last outcome was a timeout. A record journaled by a process that died
// during a call holds one. Escalation calls are not listed: they change
// nothing a rollback undoes, and Escalate makes one in doubt again with
// its key (see Deadlines).
func (r *Record) Uncertain() []UncertainCall {
	if r == nil {
		return nil
	}
	var out []UncertainCall
	for i := range r.Events {
		e := &r.Events[i]
		if e.IdempotencyKey == "" || isEscalationKey(e.IdempotencyKey) {
			continue
		}
		j := -1
		for k := range out {
			if out[k].IdempotencyKey == e.IdempotencyKey {
				j = k
				break
			}
		}
		switch {
		case e.Kind == EvCallStarted:
			c := UncertainCall{IdempotencyKey: e.IdempotencyKey, Method: e.Method, Action: e.Action, Step: e.Step,
				Response: e.Response, Inputs: e.Inputs, Attempt: e.Attempt, Started: e.Time, Rollback: isRollbackKey(e.IdempotencyKey)}
			if j < 0 {
				out = append(out, c)
			} else {
				out[j] = c
			}
		case j < 0:
		case e.Uncertain:
			out[j].TimedOut = true
		default:
			out = append(out[:j], out[j+1:]...)
		}
	}
	return out
}

// Undoable reports whether rec applied response methods, or made response
// calls of unknown outcome, that are not rolled back: what a rollback
// would undo.
func (r *Record) Undoable() bool {
	if len(r.NotRolledBack()) > 0 {
		return true
	}
	for _, c := range r.Uncertain() {
		if c.Response != "" && !c.Rollback {
			return true
		}
	}
	return false
}

// RollbackBegun reports whether a rollback of r was started: it undid,
// listed for a person, or tried to undo a response method. A run whose
// rollback began does not go on (see ErrRolledBack); only a rollback
// again, to undo what is left.
func (r *Record) RollbackBegun() bool {
	if len(r.RolledBack) > 0 || len(r.ManualRollback) > 0 {
		return true
	}
	for i := range r.Events {
		switch e := &r.Events[i]; e.Kind {
		case EvRolledBack, EvRollbackFailed, EvRollbackManual:
			return true
		case EvCallStarted:
			if isRollbackKey(e.IdempotencyKey) {
				return true
			}
		}
	}
	return false
}

// NotRolledBack lists the applied response methods of r that are not
// rolled back, in the order they were applied.
func (r *Record) NotRolledBack() []ident.Number {
	var left []ident.Number
	for _, m := range r.Applied {
		if !slices.Contains(r.RolledBack, m) {
			left = append(left, m)
		}
	}
	return left
}

// Undone reports whether r applied response methods and every one is
// rolled back: a rollback undid the run's containment.
func (r *Record) Undone() bool { return len(r.Applied) > 0 && len(r.NotRolledBack()) == 0 }

// lastAttempt returns the highest attempt journaled for the call with
// key, or 0.
func (r *Record) lastAttempt(key string) int {
	n := 0
	for i := range r.Events {
		if e := &r.Events[i]; e.Kind == EvCallStarted && e.IdempotencyKey == key {
			n = max(n, e.Attempt)
		}
	}
	return n
}

// Key returns the idempotency key of a call:
// RUN/STAGE/STEP-OR-DETECTION-OR-RESPONSE/METHOD (the step in StepStage,
// the detection in ConfirmStage, the response in ResponseStage), or
// RUN/rollback/METHOD for a rollback. It is the same for every attempt of
// the call, in this process or another that resumes the run.
func Key(run string, at Cursor, detection ident.ID, method ident.Number, rollback bool) string {
	var b strings.Builder
	b.Grow(len(run) + len(at.Step) + len(detection) + len(method) + 24)
	b.WriteString(run)
	b.WriteByte('/')
	if rollback {
		b.WriteString("rollback/")
		b.WriteString(string(method))
		return b.String()
	}
	b.WriteString(string(at.Stage))
	b.WriteByte('/')
	switch at.Stage {
	case StepStage:
		b.WriteString(string(at.Step))
		b.WriteByte('/')
	case ConfirmStage:
		b.WriteString(string(detection))
		b.WriteByte('/')
	case ResponseStage:
		b.WriteString(string(at.Response))
		b.WriteByte('/')
	}
	b.WriteString(string(method))
	return b.String()
}

func isRollbackKey(k string) bool {
	i := strings.IndexByte(k, '/')
	return i >= 0 && strings.HasPrefix(k[i+1:], "rollback/")
}
