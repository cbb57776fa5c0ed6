package review_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/scenario"
)

// The records of the review tests come from real engine runs of the
// reference design's scenarios under a fake clock: every adapter call and
// every person's task moves the clock on by a known duration, so the
// durations in the records are known.

var base = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// clock is a fake clock that calls move on.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) move(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// took is how long each method takes in the tests: its estimate, unless
// slow says otherwise.
func (r *runner) took(m ident.Number) time.Duration {
	if d, ok := r.slow[m]; ok {
		return d
	}
	return r.d.Method(m).Estimate.Std()
}

// targetedSlow: in the reference design, 1.5.1 (historical search,
// estimate 15m) takes 45m, and 1.2.4 (threat intelligence, estimate 5m)
// takes 1m.
var targetedSlow = map[ident.Number]time.Duration{"1.5.1": 45 * time.Minute, "1.2.4": time.Minute}

// approvalWait is how long the CSIRT takes to approve, in process.
const approvalWait = 20 * time.Minute

// runner runs scenarios through an engine on a fake clock.
type runner struct {
	t      testing.TB
	d      *secops.Design
	plan   *executor.Plan
	clk    *clock
	sc     map[ident.ID]*scenario.Scenario
	n      int
	fail   map[ident.Number]error // a method's action fails with this
	failed map[ident.Number]bool  // the first call has failed already
	slow   map[ident.Number]time.Duration
	// notified, when set, is the time before the run's start at which
	// the source detected the alert of run n (from 1): the runs put it
	// in the alert, under timeKey.
	notified func(n int) time.Duration
	timeKey  string
}

func newRunner(t testing.TB) *runner {
	t.Helper()
	r := newRunnerFor(t, targetedDesign, "../examples/targeted-attack/scenarios.yaml")
	r.slow = targetedSlow
	return r
}

// newRunnerFor runs the scenarios of the files through design, each
// method taking its estimate.
func newRunnerFor(t testing.TB, design string, scenarios ...string) *runner {
	t.Helper()
	p := plan(t, design)
	r := &runner{t: t, d: p.Design(), plan: p, clk: &clock{t: base}, sc: map[ident.ID]*scenario.Scenario{}, fail: map[ident.Number]error{}, failed: map[ident.Number]bool{}}
	for _, path := range scenarios {
		f, err := secops.LoadScenarioFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range f.Scenarios {
			r.sc[f.Scenarios[i].ID] = &f.Scenarios[i]
		}
	}
	return r
}

// engine makes an engine answering from scenario s; people and approvers
// answer in process unless waiting.
func (r *runner) engine(s *scenario.Scenario, waiting bool) *executor.Engine {
	var as []adapters.Adapter
	var names []string
	for i := range r.d.Processes {
		for _, m := range r.d.Processes[i].Methods {
			for _, a := range []string{string(m.Action), rollbackAction(m.Rollback)} {
				if n, _, ok := strings.Cut(a, "."); ok && !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
	}
	for _, name := range names {
		as = append(as, adapters.Func(name, func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
			m := ident.Number(req.Method)
			if req.Rollback {
				r.clk.move(time.Minute)
				return adapters.Result{}, nil
			}
			r.clk.move(r.took(m))
			if err := r.fail[m]; err != nil && !(adapters.IsRetryable(err) && r.failed[m]) {
				r.failed[m] = true
				return adapters.Result{}, err
			}
			return adapters.Result{Outputs: s.Outputs[m]}, nil
		}))
	}
	reg, err := adapters.NewRegistry(as...)
	if err != nil {
		r.t.Fatal(err)
	}
	opts := []executor.Option{executor.WithPlan(r.plan), executor.WithRegistry(reg), executor.WithClock(r.clk.now),
		executor.WithRetry(2, 0), executor.WithIDs(func() string { r.n++; return fmt.Sprintf("run-%03d", r.n) })}
	if !waiting {
		opts = append(opts,
			executor.WithPerson(executor.PersonFunc(func(_ context.Context, t executor.Task) (executor.Done, error) {
				r.clk.move(r.took(t.Method.ID))
				return executor.Done{Outputs: s.Outputs[t.Method.ID], Actor: "analyst"}, nil
			})),
			executor.WithApprover(executor.ApproverFunc(func(context.Context, executor.Approval) (executor.Decision, error) {
				r.clk.move(approvalWait)
				return executor.Decision{Approved: true, Actor: "csirt-lead"}, nil
			})))
	}
	e, err := executor.New(opts...)
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

// run runs scenario id, the clock starting an hour after the last run.
// Waiting runs have no person nor approver: the person answers after
// personWait with every output at once, the approval comes approvalWait2
// after it is asked.
func (r *runner) run(id ident.ID, waiting bool) *executor.Record {
	r.t.Helper()
	s := r.sc[id]
	if s == nil {
		r.t.Fatalf("no scenario %s", id)
	}
	r.clk.move(time.Hour)
	e := r.engine(s, waiting)
	ctx := context.Background()
	alert := s.Alert
	if r.notified != nil {
		alert = maps.Clone(s.Alert)
		alert[r.timeKey] = r.clk.now().Add(-r.notified(r.n + 1)).Format(time.RFC3339)
	}
	rec, err := e.Run(ctx, alert)
	if err != nil {
		r.t.Fatal(err)
	}
	for rec.Status == executor.Waiting {
		var a executor.Answer
		if rec.Pending.Method != "" {
			r.clk.move(personWait)
			people := map[ident.Number]map[string]any{}
			for m, o := range s.Outputs {
				if r.d.Method(m).Manual() && !slices.Contains(rec.Ran, m) {
					people[m] = o
				}
			}
			if _, ok := people[rec.Pending.Method]; !ok {
				people[rec.Pending.Method] = map[string]any{} // a task with no outputs
			}
			a = executor.Answer{Outputs: people, Actor: "analyst"}
		} else {
			r.clk.move(approvalWait2)
			a = executor.Answer{Approve: true, Actor: "csirt-lead"}
		}
		if rec, err = e.Resume(ctx, roundTrip(r.t, rec), a); err != nil {
			r.t.Fatal(err)
		}
	}
	return roundTrip(r.t, rec)
}

const (
	personWait    = 30 * time.Minute
	approvalWait2 = 40 * time.Minute
)

// roundTrip passes rec through JSON, as a record file does.
func roundTrip(t testing.TB, rec *executor.Record) *executor.Record {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var out executor.Record
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// records is the set the review tests work out by hand:
//
//   - 4 runs of c2-single-host-ongoing (high, target 2h) in process:
//     confirm 10m, exfil-data 20m (1.1.1-1.1.3), c2-traffic 16m (1.2.1-3
//     5m each, 1.2.4 1m), lateral 10m, aggregate 5m, offer-report 5m,
//     search-others 45m, continuity-host 10m, approval 20m, fr-1 20m:
//     2h41m to the first response each;
//   - 2 runs of it waiting for people: the confirmation is answered after
//     30m with every output (the later person tasks take none), the
//     approval after 40m: 30+20+16+10+0+0+45+10+40+20 = 3h11m;
//   - 6 runs of worm-lateral (medium, 2h) in process: c2-traffic 11m
//     (1.2.1 skipped), lateral 10m, approval 20m, fr-2 20m: 1h1m;
//   - 5 runs of ransomware-contained-host (critical, 2h) in process:
//     16m, 10m, aggregate 5m, search-others 45m, approval 20m, fr-3 10m:
//     1h46m.
func records(t testing.TB) []*executor.Record {
	r := newRunner(t)
	var out []*executor.Record
	for range 4 {
		out = append(out, r.run("c2-single-host-ongoing", false))
	}
	for range 2 {
		out = append(out, r.run("c2-single-host-ongoing", true))
	}
	for range 6 {
		out = append(out, r.run("worm-lateral", false))
	}
	for range 5 {
		out = append(out, r.run("ransomware-contained-host", false))
	}
	return out
}

func seq(recs []*executor.Record) func(func(*executor.Record, error) bool) {
	return func(yield func(*executor.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

var errTest = errors.New("test")

func rollbackAction(rb *process.Rollback) string {
	if rb == nil {
		return ""
	}
	return string(rb.Action)
}
