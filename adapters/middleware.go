package adapters

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"
)

// DryRunCall is one call DryRun recorded instead of making it.
type DryRunCall struct {
	// Adapter is the name of the adapter that would have been called,
	// e.g. edr for edr.isolate_host.
	Adapter string `json:"adapter"`
	// Operation is the operation that would have been called, e.g.
	// isolate_host; see Request.Operation.
	Operation string `json:"operation"`
	// Method is the id of the method being run, e.g. "2.2.1"; empty if
	// the request had none.
	Method string `json:"method,omitempty"`
	// Run is the id of the run the call belongs to; empty if the request
	// had none.
	Run string `json:"run,omitempty"`
	// Rollback is set when the call would have undone an earlier action.
	Rollback bool `json:"rollback,omitempty"`
	// Inputs is a copy of the request's inputs, field id to value; nil if
	// it had none.
	Inputs map[string]any `json:"inputs,omitempty"`
}

// DryRunLog collects the calls DryRun would have made. The zero value is
// ready to use, and it is safe for concurrent use.
type DryRunLog struct {
	mu    sync.Mutex
	calls []DryRunCall
}

func (l *DryRunLog) add(c DryRunCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

// Calls returns the calls recorded so far, in the order they were made.
func (l *DryRunLog) Calls() []DryRunCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]DryRunCall(nil), l.calls...)
}

// DryRun returns middleware that records in rec what would be called
// (adapter, operation, method, run, inputs) and calls nothing: each call
// returns an empty Result and no error. rec may be nil to record nothing.
func DryRun(rec *DryRunLog) Middleware {
	return func(a Adapter) Adapter {
		name := a.Name()
		return Func(name, func(ctx context.Context, req Request) (Result, error) {
			if rec != nil {
				rec.add(DryRunCall{Adapter: name, Operation: req.Operation, Method: req.Method,
					Run: req.Run, Rollback: req.Rollback, Inputs: maps.Clone(req.Inputs)})
			}
			return Result{}, nil
		})
	}
}

// AuditEntry is the record of one adapter call.
type AuditEntry struct {
	// Time is when the call started.
	Time time.Time `json:"time"`
	// Adapter is the name of the adapter called, e.g. edr for
	// edr.isolate_host.
	Adapter string `json:"adapter"`
	// Operation is the operation called, e.g. isolate_host; see
	// Request.Operation.
	Operation string `json:"operation"`
	// Method is the id of the method being run, e.g. "2.2.1"; empty if
	// the request had none.
	Method string `json:"method,omitempty"`
	// Run is the id of the run the call belongs to; empty if the request
	// had none.
	Run string `json:"run,omitempty"`
	// Rollback is set when the call undid an earlier action.
	Rollback bool `json:"rollback,omitempty"`
	// Inputs is a copy of the request's inputs, field id to value; nil if
	// it had none.
	Inputs map[string]any `json:"inputs,omitempty"`
	// Outputs is a copy of the result's outputs, field id to value; nil
	// if there were none.
	Outputs map[string]any `json:"outputs,omitempty"`
	// Error is the call's error message, empty when it succeeded.
	Error string `json:"error,omitempty"`
	// Retryable reports that the error was marked Retryable.
	Retryable bool `json:"retryable,omitempty"`
	// Duration is how long the call took.
	Duration time.Duration `json:"duration"`
}

// Audit returns middleware that makes every call and then passes its
// record to record. Calls to record from all the adapters the middleware
// wraps are made one at a time, so record need not be safe for
// concurrent use.
func Audit(record func(AuditEntry)) Middleware {
	var mu sync.Mutex
	return func(a Adapter) Adapter {
		name := a.Name()
		return Func(name, func(ctx context.Context, req Request) (Result, error) {
			start := time.Now()
			res, err := a.Call(ctx, req)
			e := AuditEntry{Time: start, Adapter: name, Operation: req.Operation, Method: req.Method,
				Run: req.Run, Rollback: req.Rollback, Inputs: maps.Clone(req.Inputs),
				Outputs: maps.Clone(res.Outputs), Duration: time.Since(start)}
			if err != nil {
				e.Error, e.Retryable = err.Error(), IsRetryable(err)
			}
			mu.Lock()
			defer mu.Unlock()
			record(e)
			return res, err
		})
	}
}

// AuditJSON returns a record function for Audit that writes each entry
// to w as one line of JSON. Write errors are ignored: auditing never
// fails a call.
func AuditJSON(w io.Writer) func(AuditEntry) {
	enc := json.NewEncoder(w)
	return func(e AuditEntry) {
		if err := enc.Encode(e); err != nil {
			// Inputs or outputs that JSON cannot hold: keep the rest.
			e.Inputs, e.Outputs = nil, nil
			e.Error = fmt.Sprintf("%s (audit: %v)", e.Error, err)
			_ = enc.Encode(e)
		}
	}
}

// MaxBackoff caps the wait between two attempts of Retry.
const MaxBackoff = 30 * time.Second

// Retry returns middleware that makes each call up to attempts times in
// all, trying again only after an error marked Retryable. The wait before
// the n-th retry is base·2ⁿ⁻¹ with up to 20% random jitter, capped at
// MaxBackoff, and at least what a RetryAfter error asked for (also capped
// at MaxBackoff). Retry stops as soon as ctx is done, returning the last
// error of the call. After the last attempt the error is returned as it
// is, still marked Retryable, so a caller can tell it was transient.
func Retry(attempts int, base time.Duration) Middleware {
	if attempts < 1 {
		attempts = 1
	}
	if base <= 0 {
		base = 100 * time.Millisecond
	}
	return func(a Adapter) Adapter {
		return Func(a.Name(), func(ctx context.Context, req Request) (Result, error) {
			wait := base
			for n := 1; ; n++ {
				res, err := a.Call(ctx, req)
				if err == nil || !IsRetryable(err) || n >= attempts || ctx.Err() != nil {
					return res, err
				}
				d := wait + time.Duration(rand.Int64N(int64(wait)/5+1))
				if hint, ok := RetryAfterHint(err); ok && hint > d {
					d = hint
				}
				d = min(d, MaxBackoff)
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return res, err
				case <-t.C:
				}
				wait = min(wait*2, MaxBackoff)
			}
		})
	}
}

// PanicError is the error Recover returns for a panic inside an adapter.
type PanicError struct {
	// Value is what the adapter panicked with.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

// Error says what the adapter panicked with.
func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Recover returns middleware that turns a panic inside an adapter's Call
// into an error: a *CallError naming the adapter, operation and method,
// wrapping a *PanicError.
func Recover() Middleware {
	return func(a Adapter) Adapter {
		name := a.Name()
		return Func(name, func(ctx context.Context, req Request) (res Result, err error) {
			defer func() {
				if v := recover(); v != nil {
					res, err = Result{}, NewCallError(name, req, &PanicError{Value: v, Stack: debug.Stack()})
				}
			}()
			return a.Call(ctx, req)
		})
	}
}
