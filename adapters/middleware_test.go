package adapters_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/secopsdesign/secops/adapters"
)

var errTransient = errors.New("transient")

// flaky fails with err for its first fails calls, then echoes its inputs.
func flaky(fails int, err error, calls *atomic.Int32) adapters.Adapter {
	return adapters.Func("edr", func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
		if int(calls.Add(1)) <= fails {
			return adapters.Result{}, err
		}
		return adapters.Result{Outputs: map[string]any{"echo": req.Inputs["host"]}}, nil
	})
}

func TestDryRun(t *testing.T) {
	var called atomic.Int32
	var log adapters.DryRunLog
	a := adapters.DryRun(&log)(flaky(0, nil, &called))
	req := adapters.Request{Operation: "isolate_host", Method: "2.2.1", Run: "r1", Inputs: map[string]any{"host": "pc-1"}}
	res, err := a.Call(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(adapters.Result{}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if called.Load() != 0 {
		t.Errorf("the adapter was called %d times", called.Load())
	}
	want := []adapters.DryRunCall{{Adapter: "edr", Operation: "isolate_host", Method: "2.2.1", Run: "r1", Inputs: map[string]any{"host": "pc-1"}}}
	if diff := cmp.Diff(want, log.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if a.Name() != "edr" {
		t.Errorf("Name() = %q, want edr", a.Name())
	}
}

func TestAudit(t *testing.T) {
	tests := []struct {
		name  string
		fails int
		err   error
		want  adapters.AuditEntry
	}{
		{"success", 0, nil, adapters.AuditEntry{Adapter: "edr", Operation: "op", Method: "1.1.1",
			Inputs: map[string]any{"host": "h"}, Outputs: map[string]any{"echo": "h"}}},
		{"error", 1, errTransient, adapters.AuditEntry{Adapter: "edr", Operation: "op", Method: "1.1.1",
			Inputs: map[string]any{"host": "h"}, Error: errTransient.Error()}},
		{"retryable error", 1, adapters.Retryable(errTransient), adapters.AuditEntry{Adapter: "edr", Operation: "op", Method: "1.1.1",
			Inputs: map[string]any{"host": "h"}, Error: errTransient.Error(), Retryable: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []adapters.AuditEntry
			var calls atomic.Int32
			a := adapters.Audit(func(e adapters.AuditEntry) { got = append(got, e) })(flaky(tt.fails, tt.err, &calls))
			before := time.Now()
			_, err := a.Call(context.Background(), adapters.Request{Operation: "op", Method: "1.1.1", Inputs: map[string]any{"host": "h"}})
			if !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff([]adapters.AuditEntry{tt.want}, got, cmpopts.IgnoreFields(adapters.AuditEntry{}, "Time", "Duration")); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if len(got) == 1 && (got[0].Time.Before(before.Add(-time.Second)) || got[0].Duration < 0) {
				t.Errorf("time %v, duration %v", got[0].Time, got[0].Duration)
			}
		})
	}
}

func TestAuditJSONConcurrent(t *testing.T) {
	var buf bytes.Buffer
	var calls atomic.Int32
	a := adapters.Audit(adapters.AuditJSON(&buf))(flaky(0, nil, &calls))
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_, _ = a.Call(context.Background(), adapters.Request{Operation: "op", Inputs: map[string]any{"host": "h"}})
		})
	}
	wg.Wait()
	dec := json.NewDecoder(&buf)
	n := 0
	for dec.More() {
		var e adapters.AuditEntry
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		n++
	}
	if n != 50 {
		t.Errorf("%d entries, want 50", n)
	}
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name      string
		attempts  int
		fails     int
		err       error
		wantCalls int32
		wantErr   bool
	}{
		{"success first time", 3, 0, nil, 1, false},
		{"retryable then success", 3, 2, adapters.Retryable(errTransient), 3, false},
		{"retryable every time", 3, 5, adapters.Retryable(errTransient), 3, true},
		{"not retryable", 3, 5, errTransient, 1, true},
		{"wrapped retryable", 2, 1, &adapters.CallError{Adapter: "edr", Err: adapters.Retryable(errTransient)}, 2, false},
		{"retry-after hint", 2, 1, adapters.RetryAfter(errTransient, time.Millisecond), 2, false},
		{"zero attempts means one", 0, 5, adapters.Retryable(errTransient), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			a := adapters.Retry(tt.attempts, time.Millisecond)(flaky(tt.fails, tt.err, &calls))
			res, err := a.Call(context.Background(), adapters.Request{Operation: "op", Inputs: map[string]any{"host": "h"}})
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errTransient) {
				t.Errorf("err = %v, want the adapter's error", err)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
			if !tt.wantErr {
				if diff := cmp.Diff(map[string]any{"echo": "h"}, res.Outputs); diff != "" {
					t.Errorf("outputs (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestRetryStopsWhenContextDone(t *testing.T) {
	var calls atomic.Int32
	// A long backoff: only cancellation can end the call promptly.
	a := adapters.Retry(10, time.Hour)(flaky(100, adapters.Retryable(errTransient), &calls))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := a.Call(ctx, adapters.Request{Operation: "op"})
		done <- err
	}()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, errTransient) {
			t.Errorf("err = %v, want the last error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Retry did not stop after the context was cancelled")
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("%d calls, want 1", got)
	}
}

func TestRecover(t *testing.T) {
	a := adapters.Recover()(adapters.Func("edr", func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
		panic("boom")
	}))
	_, err := a.Call(context.Background(), adapters.Request{Operation: "isolate_host", Method: "2.2.1"})
	var ce *adapters.CallError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *CallError", err)
	}
	if diff := cmp.Diff(adapters.CallError{Adapter: "edr", Operation: "isolate_host", Method: "2.2.1"}, *ce, cmpopts.IgnoreFields(adapters.CallError{}, "Err")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var pe *adapters.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Errorf("err = %v, want a *PanicError with value boom and a stack", err)
	}

	// Without a panic the call goes through.
	var calls atomic.Int32
	res, err := adapters.Recover()(flaky(0, nil, &calls)).Call(context.Background(), adapters.Request{Inputs: map[string]any{"host": "h"}})
	if err != nil || res.Outputs["echo"] != "h" {
		t.Errorf("got %v, %v", res, err)
	}
}

func TestRegistryWrapOrder(t *testing.T) {
	var calls atomic.Int32
	var log adapters.DryRunLog
	reg, err := adapters.NewRegistry(flaky(0, nil, &calls))
	if err != nil {
		t.Fatal(err)
	}
	var entries []adapters.AuditEntry
	w := reg.Wrap(adapters.Recover(), adapters.Audit(func(e adapters.AuditEntry) { entries = append(entries, e) }), adapters.DryRun(&log))
	a, _ := w.Lookup("edr")
	if _, err := a.Call(context.Background(), adapters.Request{Operation: "op"}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 || len(log.Calls()) != 1 || len(entries) != 1 {
		t.Errorf("calls %d, dry-run %d, audit %d; want 0, 1, 1", calls.Load(), len(log.Calls()), len(entries))
	}
}
