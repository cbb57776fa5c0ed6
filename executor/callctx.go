package executor

import (
	"context"
	"sync"
	"time"
)

// callCtx is the context of one adapter call: its parent's values and
// cancellation, and the engine's time limit per call.
//
// context.WithTimeout starts a timer and allocates a cancelCtx for every
// call, which costs more than a call to an in-memory adapter. callCtx
// starts neither until the adapter asks for Done or Value (the ways to
// wait on a context or to derive one from it): until then, Err compares
// the monotonic clock with the deadline. Once asked, it is backed by a
// context.WithDeadline, so an adapter that waits on Done is cut off at the
// deadline exactly as before.
type callCtx struct {
	parent context.Context
	base   *time.Time    // has a monotonic reading
	limit  time.Duration // the deadline, as time since base

	mu     sync.Mutex
	inner  context.Context // nil until Done or Value is called
	cancel context.CancelFunc
	// ended is set when the call returned while inner was nil: it says
	// what Err gave then.
	ended ending
}

// ending is what Err gave when the call returned.
type ending uint8

const (
	running   ending = iota
	cancelled        // context.Canceled: the call returned in time
	expired          // context.DeadlineExceeded
	parents          // the parent's Err
)

var _ context.Context = (*callCtx)(nil)

// newCallCtx returns the context of a call that may last timeout from
// now. base is a time with a monotonic reading (the engine's creation).
func newCallCtx(parent context.Context, base *time.Time, timeout time.Duration) *callCtx {
	return &callCtx{parent: parent, base: base, limit: time.Since(*base) + timeout}
}

// Deadline returns the earlier of the call's deadline and its parent's.
func (c *callCtx) Deadline() (time.Time, bool) {
	d := c.base.Add(c.limit)
	if pd, ok := c.parent.Deadline(); ok && pd.Before(d) {
		return pd, true
	}
	return d, true
}

// Done returns a channel closed at the deadline, when the parent is done,
// or when the call has returned.
func (c *callCtx) Done() <-chan struct{} { return c.materialize().Done() }

// Err reports why the context is done, or nil.
func (c *callCtx) Err() error {
	c.mu.Lock()
	inner, ended := c.inner, c.ended
	c.mu.Unlock()
	switch {
	case inner != nil:
		return inner.Err()
	case ended == cancelled:
		return context.Canceled
	case ended == expired:
		return context.DeadlineExceeded
	case ended == parents:
		return c.parent.Err()
	}
	return c.check()
}

// check is Err while the backing context does not exist.
func (c *callCtx) check() error {
	if err := c.parent.Err(); err != nil {
		return err
	}
	if time.Since(*c.base) >= c.limit {
		return context.DeadlineExceeded
	}
	return nil
}

// Value returns the parent's value for key. It goes through the backing
// context, so that context.Cause and contexts derived from this one see
// its cancellation.
func (c *callCtx) Value(key any) any { return c.materialize().Value(key) }

func (c *callCtx) String() string { return "executor.callCtx" }

// materialize returns the context backing c, creating it on first use:
// a context.WithDeadline while the call lasts; after it, a context done
// with the error Err gave when the call returned.
func (c *callCtx) materialize() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inner != nil {
		return c.inner
	}
	switch c.ended {
	case running:
		c.inner, c.cancel = context.WithDeadline(c.parent, c.base.Add(c.limit))
	case parents:
		// Done with the parent's error and cause.
		c.inner, c.cancel = context.WithCancel(c.parent)
	case expired:
		c.inner, c.cancel = context.WithDeadline(context.WithoutCancel(c.parent), *c.base)
	default:
		c.inner, c.cancel = context.WithCancel(context.WithoutCancel(c.parent))
		c.cancel()
	}
	return c.inner
}

// release ends the call, as the cancel of context.WithTimeout does: the
// context is done (with context.Canceled unless it was done already) and
// its timer, if any, stopped.
func (c *callCtx) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.cancel != nil:
		c.cancel()
	case c.ended != running:
	case c.parent.Err() != nil:
		c.ended = parents
	case time.Since(*c.base) >= c.limit:
		c.ended = expired
	default:
		c.ended = cancelled
	}
}
