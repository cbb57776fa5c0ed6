package adapters

import (
	"errors"
	"fmt"
	"time"
)

// CallError is a failed call of an adapter operation. Built-in adapters
// and middleware return it so that a caller can tell, without reading the
// message, which adapter, operation and method failed.
type CallError struct {
	// Adapter is the name of the adapter called.
	Adapter string
	// Operation is the operation called.
	Operation string
	// Method is the id of the method the call was made for; it may be
	// empty.
	Method string
	// Err says what went wrong.
	Err error
}

// Error prints `adapter "edr": operation "isolate_host" (method 2.2.1): …`.
func (e *CallError) Error() string {
	s := fmt.Sprintf("adapter %q: operation %q", e.Adapter, e.Operation)
	if e.Method != "" {
		s += fmt.Sprintf(" (method %s)", e.Method)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns e.Err.
func (e *CallError) Unwrap() error { return e.Err }

// NewCallError returns a CallError for a call of adapter with req that
// failed with err, keeping err's Retryable mark visible to IsRetryable.
func NewCallError(adapter string, req Request, err error) error {
	return &CallError{Adapter: adapter, Operation: req.Operation, Method: req.Method, Err: err}
}

// retryAfter is a retryable error that carries the wait a system asked
// for (an HTTP Retry-After).
type retryAfter struct {
	err   error
	after time.Duration
}

func (r retryAfter) Error() string { return r.err.Error() }
func (r retryAfter) Unwrap() error { return r.err }

// RetryAfter marks err as Retryable and records that the system asked for
// the call not to be made again before d has passed. Retry waits at least
// d (up to MaxBackoff) before the next attempt.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return retryAfter{err: Retryable(err), after: d}
}

// RetryAfterHint returns the wait recorded by RetryAfter in err or an
// error it wraps, and whether there was one.
func RetryAfterHint(err error) (time.Duration, bool) {
	var r retryAfter
	if errors.As(err, &r) {
		return r.after, true
	}
	return 0, false
}
