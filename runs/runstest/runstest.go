// Package runstest is the conformance suite of runs drivers: every
// driver of package runs (the in-process one over a run store, Temporal's)
// passes it, and so must one that others write.
package runstest

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runstore"
)

//go:embed design.yaml
var design []byte

// Plan returns the plan of the suite's design (design.yaml in this
// package): a malware alert whose triage is a task of the CSIRT's, and
// whose containment (edr.isolate, rolled back by edr.release) needs the
// manager's approval; a worm alert is the same with a first-response
// target of 2s, escalated by pager.page.
func Plan(t testing.TB) *executor.Plan {
	t.Helper()
	d, findings, err := secops.Check(bytes.NewReader(design), "runstest/design.yaml")
	if err != nil || findings.HasErrors() {
		t.Fatal(err, findings)
	}
	p, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Opener opens the runs under test of plan's design, calling reg's
// adapters, with their SLA targets watched (runs.WithWatch for an
// in-process driver; a durable driver's timers). Each call is for one
// subtest and must not share runs with another; the suite closes the
// runs.
type Opener func(t *testing.T, plan *executor.Plan, reg *adapters.Registry) *runs.Runs

// The suite's actors.
var (
	soc     = runs.Actor{Name: "soc-bot", Parties: []ident.ID{"soc"}}
	csirt   = runs.Actor{Name: "alice", Parties: []ident.ID{"csirt"}}
	manager = runs.Actor{Name: "bob", Parties: []ident.ID{"manager"}}
)

// Calls records the calls of the suite's adapters.
type Calls struct {
	mu    sync.Mutex
	calls []adapters.Request
}

type recorder struct {
	name string
	c    *Calls
}

func (r recorder) Name() string { return r.name }

func (r recorder) Call(_ context.Context, req adapters.Request) (adapters.Result, error) {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	r.c.calls = append(r.c.calls, req)
	return adapters.Result{Outputs: map[string]any{}}, nil
}

// Count returns how many calls carried key.
func (c *Calls) Count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, r := range c.calls {
		if r.IdempotencyKey == key {
			n++
		}
	}
	return n
}

// Of returns the operations called in run, in order.
func (c *Calls) Of(run string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, r := range c.calls {
		if r.Run == run {
			out = append(out, r.Operation)
		}
	}
	return out
}

// Registry returns adapters edr and pager recording into c.
func Registry(c *Calls) *adapters.Registry {
	reg, err := adapters.NewRegistry(recorder{"edr", c}, recorder{"pager", c})
	if err != nil {
		panic(err)
	}
	return reg
}

func malware(host string) map[string]any { return map[string]any{"category": "malware", "host": host} }

func spreading(v bool) map[ident.Number]map[string]any {
	return map[ident.Number]map[string]any{"1.1.1": {"spreading": v}}
}

type fixture struct {
	t     *testing.T
	r     *runs.Runs
	calls *Calls
	ctx   context.Context
}

func setup(t *testing.T, open Opener) *fixture {
	calls := &Calls{}
	r := open(t, Plan(t), Registry(calls))
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &fixture{t: t, r: r, calls: calls, ctx: ctx}
}

func (f *fixture) start(alert map[string]any) *executor.Record {
	f.t.Helper()
	rec, replayed, err := f.r.Start(f.ctx, alert, "", soc)
	if err != nil || rec == nil || replayed {
		f.t.Fatalf("Start: %v, %v, replayed %v", rec, err, replayed)
	}
	return rec
}

// refused checks that err is want, and that the record it came with is
// the run unchanged.
func (f *fixture) refused(what string, before, rec *executor.Record, err, want error) {
	f.t.Helper()
	if !errors.Is(err, want) {
		f.t.Errorf("%s: error %v, want %v", what, err, want)
		return
	}
	if rec == nil {
		f.t.Errorf("%s: no record beside the error", what)
		return
	}
	if rec.Status != before.Status || len(rec.Events) != len(before.Events) {
		f.t.Errorf("%s changed the run: status %s → %s, %d → %d events", what, before.Status, rec.Status, len(before.Events), len(rec.Events))
	}
}

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	t.Run("StartGetList", func(t *testing.T) {
		f := setup(t, open)
		rec := f.start(malware("web-1"))
		if rec.Status != executor.Waiting || rec.Pending == nil || rec.Pending.Method != "1.1.1" {
			t.Fatalf("started run: status %s, pending %+v; want waiting on task 1.1.1", rec.Status, rec.Pending)
		}
		got, err := f.r.Get(f.ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rec.Events, got.Events); diff != "" {
			t.Errorf("Get: events (-Start +Get):\n%s", diff)
		}
		page, err := f.r.List(f.ctx, runstore.Query{Status: []executor.Status{executor.Waiting}})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range page.Runs {
			found = found || s.ID == rec.ID && s.Status == executor.Waiting && s.Incident == "malware"
		}
		if !found {
			t.Errorf("List of waiting runs %+v lacks run %s", page.Runs, rec.ID)
		}
		if _, err := f.r.Get(f.ctx, "no-such-run"); !errors.Is(err, runs.ErrNotFound) {
			t.Errorf("Get of no run: %v, want ErrNotFound", err)
		}
		if _, err := f.r.Approve(f.ctx, "no-such-run", manager); !errors.Is(err, runs.ErrNotFound) {
			t.Errorf("Approve of no run: %v, want ErrNotFound", err)
		}
	})

	t.Run("AlertDoesNotFit", func(t *testing.T) {
		f := setup(t, open)
		_, _, err := f.r.Start(f.ctx, map[string]any{"category": 7.0, "host": "web-1"}, "", soc)
		var ae *executor.AlertError
		if !errors.As(err, &ae) {
			t.Errorf("Start of an alert with a number for a string: %v, want an *executor.AlertError", err)
		}
	})

	t.Run("IdempotencyKey", func(t *testing.T) {
		f := setup(t, open)
		first, replayed, err := f.r.Start(f.ctx, malware("web-2"), "k-1", soc)
		if err != nil || replayed {
			t.Fatalf("first Start: %v, replayed %v", err, replayed)
		}
		again, replayed, err := f.r.Start(f.ctx, malware("web-2"), "k-1", soc)
		if err != nil || !replayed || again.ID != first.ID {
			t.Errorf("second Start with the key: run %v, replayed %v, %v; want run %s replayed", again, replayed, err, first.ID)
		}
		if _, _, err := f.r.Start(f.ctx, malware("web-3"), "k-1", soc); !errors.Is(err, runs.ErrKeyReused) {
			t.Errorf("Start of another alert with the key: %v, want ErrKeyReused", err)
		}
		// Retries at once of one request: one run, and every one of
		// them answered with it (none told to come back: it waits).
		const n = 10
		ids := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				rec, _, err := f.r.Start(f.ctx, malware("web-4"), "k-2", soc)
				errs[i] = err
				if rec != nil {
					ids[i] = rec.ID
				}
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || ids[i] != ids[0] || ids[0] == "" {
				t.Errorf("concurrent Start %d: run %q, %v; want run %q", i, ids[i], errs[i], ids[0])
			}
		}
	})

	t.Run("Refusals", func(t *testing.T) {
		f := setup(t, open)
		rec := f.start(malware("web-5"))
		for _, c := range []struct {
			name string
			do   func() (*executor.Record, error)
			want error
		}{
			{"the task answered by the manager", func() (*executor.Record, error) { return f.r.Answer(f.ctx, rec.ID, spreading(true), manager) }, runs.ErrWrongParty},
			{"a string for a bool", func() (*executor.Record, error) {
				return f.r.Answer(f.ctx, rec.ID, map[ident.Number]map[string]any{"1.1.1": {"spreading": "yes"}}, csirt)
			}, runs.ErrInvalidAnswer},
			{"an approval while a task waits", func() (*executor.Record, error) { return f.r.Approve(f.ctx, rec.ID, manager) }, runs.ErrNotWaiting},
			{"a recovery of a waiting run", func() (*executor.Record, error) { return f.r.Recover(f.ctx, rec.ID, executor.Retry, nil, manager) }, runs.ErrNotInterrupted},
			{"a retry of a run that did not fail", func() (*executor.Record, error) { return f.r.Retry(f.ctx, rec.ID, manager) }, runs.ErrNotFailed},
			{"a rollback before containment", func() (*executor.Record, error) { return f.r.Rollback(f.ctx, rec.ID, manager) }, runs.ErrNothingToUndo},
		} {
			got, err := c.do()
			f.refused(c.name, rec, got, err, c.want)
		}
		var wp *runs.WrongPartyError
		if _, err := f.r.Answer(f.ctx, rec.ID, spreading(true), manager); !errors.As(err, &wp) || wp.Party != "csirt" {
			t.Errorf("answer by the wrong party: %v, want a *WrongPartyError naming csirt", err)
		}
	})

	t.Run("ApproveAndRollBack", func(t *testing.T) {
		f := setup(t, open)
		rec := f.start(malware("web-6"))
		rec, err := f.r.Answer(f.ctx, rec.ID, spreading(true), csirt)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != executor.Waiting || rec.Pending == nil || rec.Pending.Party != "manager" {
			t.Fatalf("after the answer: status %s, pending %+v; want waiting for the manager's approval", rec.Status, rec.Pending)
		}
		got, err := f.r.Approve(f.ctx, rec.ID, csirt)
		f.refused("an approval by the CSIRT", rec, got, err, runs.ErrWrongParty)
		if rec, err = f.r.Approve(f.ctx, rec.ID, manager); err != nil {
			t.Fatal(err)
		}
		if rec.Status != executor.Completed {
			t.Fatalf("after the approval: status %s, want completed (%s)", rec.Status, rec.Error)
		}
		if diff := cmp.Diff([]string{"isolate"}, f.calls.Of(rec.ID)); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
		if rec, err = f.r.Rollback(f.ctx, rec.ID, manager); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]ident.Number{"2.1.1"}, rec.RolledBack); diff != "" {
			t.Errorf("rolled back (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"isolate", "release"}, f.calls.Of(rec.ID)); diff != "" {
			t.Errorf("calls after the rollback (-want +got):\n%s", diff)
		}
		// The listing says so (a driver's listing may lag its records
		// by a moment, as Temporal's visibility does).
		listed := false
		for end := time.Now().Add(10 * time.Second); !listed && time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			page, err := f.r.List(f.ctx, runstore.Query{Incident: rec.Incident, Limit: runstore.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page.Runs {
				listed = listed || s.ID == rec.ID && s.RolledBack
			}
		}
		if !listed {
			t.Errorf("run %s is not listed as rolled back", rec.ID)
		}
		got, err = f.r.Rollback(f.ctx, rec.ID, manager)
		f.refused("a second rollback", rec, got, err, runs.ErrNothingToUndo)
	})

	t.Run("Reject", func(t *testing.T) {
		f := setup(t, open)
		rec := f.start(malware("web-7"))
		rec, err := f.r.Answer(f.ctx, rec.ID, spreading(true), csirt)
		if err != nil {
			t.Fatal(err)
		}
		if rec, err = f.r.Reject(f.ctx, rec.ID, manager); err != nil {
			t.Fatal(err)
		}
		if rec.Status == executor.Waiting || rec.Status == executor.Running || len(rec.Applied) > 0 {
			t.Errorf("after the rejection: status %s, applied %v; want ended, nothing applied", rec.Status, rec.Applied)
		}
		if calls := f.calls.Of(rec.ID); len(calls) > 0 {
			t.Errorf("a rejected response called %v", calls)
		}
	})

	t.Run("Breach", func(t *testing.T) {
		f := setup(t, open)
		rec := f.start(map[string]any{"category": "worm", "host": "web-8"})
		key := executor.EscalationKey(rec.ID, executor.FirstResponseTarget)
		deadline := time.Now().Add(30 * time.Second)
		var got *executor.Record
		for {
			var err error
			if got, err = f.r.Get(f.ctx, rec.ID); err != nil {
				t.Fatal(err)
			}
			if escalated(got) || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !got.Breached || !escalated(got) {
			t.Fatalf("30s after the start, 2s target: breached %v, events %v; want target-breached and escalated", got.Breached, kinds(got))
		}
		if n := f.calls.Count(key); n != 1 {
			t.Errorf("the escalation %s was called %d times, want once", key, n)
		}
		if got.Status != executor.Waiting {
			t.Errorf("a breach changed the run's status to %s", got.Status)
		}
		// The run goes on as before the breach.
		if got, err := f.r.Answer(f.ctx, rec.ID, spreading(false), csirt); err != nil || got.Status != executor.Completed {
			t.Errorf("answer after the breach: %v, %v; want completed", got, err)
		}
		if n := f.calls.Count(key); n != 1 {
			t.Errorf("after the run went on, the escalation was called %d times, want once", n)
		}
	})
}

func escalated(rec *executor.Record) bool {
	breach, esc := false, false
	for _, e := range rec.Events {
		breach = breach || e.Kind == executor.EvBreach && e.Target == executor.FirstResponseTarget
		esc = esc || e.Kind == executor.EvEscalated && e.Target == executor.FirstResponseTarget && e.Error == ""
	}
	return breach && esc
}

func kinds(rec *executor.Record) []string {
	var out []string
	for _, e := range rec.Events {
		out = append(out, fmt.Sprint(e.Kind))
	}
	return out
}
