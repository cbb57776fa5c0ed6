package executor

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestCallCtx(t *testing.T) {
	base := time.Now()
	t.Run("no timer until Done", func(t *testing.T) {
		c := newCallCtx(context.Background(), &base, time.Hour)
		if err := c.Err(); err != nil {
			t.Errorf("Err = %v, want nil", err)
		}
		if c.inner != nil {
			t.Error("Err made a backing context")
		}
		if d, ok := c.Deadline(); !ok || time.Until(d) < 59*time.Minute {
			t.Errorf("Deadline = %v, %v; want about an hour from now", d, ok)
		}
		c.release()
		if err := c.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("Err after release = %v, want Canceled", err)
		}
		select {
		case <-c.Done():
		default:
			t.Error("Done after release is not closed")
		}
	})
	t.Run("deadline without Done", func(t *testing.T) {
		c := newCallCtx(context.Background(), &base, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Err = %v, want DeadlineExceeded", err)
		}
		select {
		case <-c.Done():
		default:
			t.Error("Done past the deadline is not closed")
		}
		if err := context.Cause(c); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Cause = %v, want DeadlineExceeded", err)
		}
		c.release()
		if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Err after release = %v, want DeadlineExceeded", err)
		}
	})
	t.Run("released past the deadline, Done asked later", func(t *testing.T) {
		c := newCallCtx(context.Background(), &base, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		c.release()
		<-c.Done()
		if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Err = %v, want DeadlineExceeded", err)
		}
	})
	t.Run("deadline with Done", func(t *testing.T) {
		c := newCallCtx(context.Background(), &base, 10*time.Millisecond)
		defer c.release()
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("Done not closed at the deadline")
		}
		if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Err = %v, want DeadlineExceeded", err)
		}
	})
	t.Run("parent cancelled", func(t *testing.T) {
		cause := errors.New("operator stopped the run")
		parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), ctxKey{}, "v"))
		c := newCallCtx(parent, &base, time.Hour)
		defer c.release()
		if v := c.Value(ctxKey{}); v != "v" {
			t.Errorf("Value = %v, want the parent's", v)
		}
		cancel(cause)
		<-c.Done()
		if err := c.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("Err = %v, want Canceled", err)
		}
		if err := context.Cause(c); err != cause {
			t.Errorf("Cause = %v, want %v", err, cause)
		}
	})
	t.Run("parent cancelled, no Done", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		c := newCallCtx(parent, &base, time.Hour)
		cancel()
		if err := c.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("Err = %v, want Canceled", err)
		}
		c.release()
		<-c.Done()
	})
	t.Run("parent deadline sooner", func(t *testing.T) {
		parent, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		pd, _ := parent.Deadline()
		c := newCallCtx(parent, &base, time.Hour)
		defer c.release()
		if d, _ := c.Deadline(); !d.Equal(pd) {
			t.Errorf("Deadline = %v, want the parent's %v", d, pd)
		}
	})
}

type ctxKey struct{}
