package temporal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/simulate"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/scenario"
	"github.com/secopsdesign/secops/suite"
)

// designs are the example designs with their scenario files.
var designs = []struct{ design, scenarios string }{
	{"../../examples/targeted-attack/design.yaml", "../../examples/targeted-attack/scenarios.yaml"},
	{"../../examples/targeted-attack/design.yaml", "../../examples/targeted-attack/more-scenarios.yaml"},
	{"../../examples/acme-web/design.yaml", "../../examples/acme-web/scenarios.yaml"},
}

func loadPlan(t testing.TB, path string) *executor.Plan {
	t.Helper()
	d, lf, err := secops.LoadFile(path)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	p, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// escalationPlan is the pinned reference design (testdata/design.yaml)
// with a first_response target of 3s on severity high and an escalation
// to the CSIRT's pager: a target a test can see pass. The committed
// breach history pins this design's digest.
func escalationPlan(t testing.TB) *executor.Plan {
	t.Helper()
	d, lf, err := secops.LoadFile("testdata/design.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	s := d.Criteria.Severities.Get("high")
	if s == nil {
		t.Fatal("testdata/design.yaml has no severity high")
	}
	s.Targets.FirstResponse = duration.Duration(3 * time.Second)
	s.Escalation = &criteria.Escalation{Action: "pager.page", Party: "csirt"}
	p, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadScenarios(t testing.TB, path string) []scenario.Scenario {
	t.Helper()
	f, err := secops.LoadScenarioFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f.Scenarios
}

// answerFor answers what rec waits for from the scenario: a person's
// outputs, or the approval of the party waited for.
func answerFor(sc *scenario.Scenario, rec *executor.Record) temporal.Decision {
	p := rec.Pending
	if p.Method != "" {
		out := sc.Outputs[p.Method]
		if out == nil {
			out = map[string]any{}
		}
		return temporal.Decision{Answer: executor.Answer{Outputs: map[ident.Number]map[string]any{p.Method: out}, Actor: "scenario"}}
	}
	return temporal.Decision{Answer: executor.Answer{Approve: true, Actor: "scenario"}, Party: p.Party}
}

func simulated(t testing.TB, plan *executor.Plan, sc *scenario.Scenario) *adapters.Registry {
	t.Helper()
	byID := map[string]map[string]any{}
	for id, out := range sc.Outputs {
		byID[string(id)] = out
	}
	reg, err := simulate.Registry(plan.Design(), byID)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// inProcess runs sc on the in-process driver, answering each wait as the
// Temporal test does, through Resume.
func inProcess(t *testing.T, plan *executor.Plan, sc *scenario.Scenario) *executor.Record {
	e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(simulated(t, plan, sc)), executor.WithRetry(1, 0),
		executor.WithIDs(func() string { return string(sc.ID) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec, err := e.Run(ctx, sc.Alert)
	for i := 0; err == nil && rec.Status == executor.Waiting && i < 50; i++ {
		rec, err = e.Resume(ctx, rec, answerFor(sc, rec).Answer)
	}
	if err != nil {
		t.Fatalf("in process: %v", err)
	}
	return rec
}

// env is a test environment running one workflow with a worker.
type env struct {
	*testsuite.TestWorkflowEnvironment
	t *testing.T
}

func newEnv(t *testing.T, w *temporal.Worker, id string) *env {
	var ts testsuite.WorkflowTestSuite
	ts.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	e := ts.NewTestWorkflowEnvironment()
	e.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	w.Register(e)
	return &env{e, t}
}

// record queries the running workflow's record.
func (e *env) record() *executor.Record {
	v, err := e.QueryWorkflow(temporal.QueryRecord)
	if err != nil {
		e.t.Fatalf("query: %v", err)
	}
	var rec *executor.Record
	if err := v.Get(&rec); err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// answerEach answers every wait of the run with answer, a second after
// it starts waiting, until it ends.
func (e *env) answerEach(answer func(*executor.Record) temporal.Decision) {
	n := 0
	var step func()
	step = func() {
		rec := e.record()
		if rec.Status != executor.Waiting {
			return
		}
		n++
		e.UpdateWorkflow(temporal.UpdateAnswer, fmt.Sprint("answer-", n), &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { e.t.Errorf("answer %d refused: %v", n, err) },
			OnComplete: func(_ any, err error) {
				if err != nil {
					e.t.Errorf("answer %d: %v", n, err)
				}
				e.RegisterDelayedCallback(step, time.Second)
			},
		}, answer(rec))
	}
	e.RegisterDelayedCallback(step, time.Second)
}

func (e *env) result() *executor.Record {
	e.t.Helper()
	if !e.IsWorkflowCompleted() {
		e.t.Fatal("the workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		e.t.Fatalf("workflow: %v", err)
	}
	var rec *executor.Record
	if err := e.GetWorkflowResult(&rec); err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// comparable is rec as JSON, without the times, which differ by driver.
func comparable(t *testing.T, rec *executor.Record) map[string]any {
	c := *rec
	c.Started, c.Updated, c.Elapsed = time.Time{}, time.Time{}, 0
	c.Events = append([]executor.Event(nil), rec.Events...)
	for i := range c.Events {
		c.Events[i].Time = time.Time{}
	}
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestScenariosBothDrivers runs every example scenario on both drivers:
// the records are the same but for their times, and meet the scenario's
// expectations.
func TestScenariosBothDrivers(t *testing.T) {
	for _, ds := range designs {
		plan := loadPlan(t, ds.design)
		for _, sc := range loadScenarios(t, ds.scenarios) {
			t.Run(string(sc.ID), func(t *testing.T) {
				want := inProcess(t, plan, &sc)
				w, err := temporal.NewWorker(simulated(t, plan, &sc), []*executor.Plan{plan}, temporal.Options{Engine: []executor.Option{executor.WithRetry(1, 0)}})
				if err != nil {
					t.Fatal(err)
				}
				e := newEnv(t, w, string(sc.ID))
				e.answerEach(func(rec *executor.Record) temporal.Decision { return answerFor(&sc, rec) })
				e.ExecuteWorkflow(temporal.WorkflowName, temporal.RunInput{Design: plan.Design().Metadata.Name, DesignDigest: plan.Digest(), Alert: sc.Alert})
				got := e.result()
				if diff := cmp.Diff(comparable(t, want), comparable(t, got)); diff != "" {
					t.Errorf("in-process (-) and Temporal (+) records differ:\n%s", diff)
				}
				for _, m := range suite.Compare(sc.Expect, got) {
					t.Errorf("expectation not met: %+v", m)
				}
			})
		}
	}
}

// recorder is an adapter that logs every call's key, answering from
// outputs, failing as fail says.
type recorder struct {
	name    string
	mu      sync.Mutex
	keys    []string
	outputs map[ident.Number]map[string]any
	fail    func(req adapters.Request, n int) error // n: calls with this key so far, from 1
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Call(_ context.Context, req adapters.Request) (adapters.Result, error) {
	r.mu.Lock()
	r.keys = append(r.keys, req.IdempotencyKey)
	n := 0
	for _, k := range r.keys {
		if k == req.IdempotencyKey {
			n++
		}
	}
	r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(req, n); err != nil {
			return adapters.Result{}, err
		}
	}
	return adapters.Result{Outputs: r.outputs[ident.Number(req.Method)]}, nil
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, k := range r.keys {
		if k == key {
			n++
		}
	}
	return n
}

// reference returns the reference design's plan, the scenario the
// benchmarks run, and a registry of recorders answering from it.
func reference(t testing.TB, change func(*secops.Design)) (*executor.Plan, *scenario.Scenario, map[string]*recorder, *adapters.Registry) {
	d, lf, err := secops.LoadFile("../../examples/targeted-attack/design.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(d)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	var sc *scenario.Scenario
	for _, s := range loadScenarios(t, "../../examples/targeted-attack/scenarios.yaml") {
		if s.ID == "c2-single-host-ongoing" {
			sc = &s
		}
	}
	recs := map[string]*recorder{}
	reg, _ := adapters.NewRegistry()
	for _, name := range append(plan.Adapters(), "pager") {
		if recs[name] != nil {
			continue
		}
		recs[name] = &recorder{name: name, outputs: sc.Outputs}
		if err := reg.Register(recs[name]); err != nil {
			t.Fatal(err)
		}
	}
	return plan, sc, recs, reg
}

// TestAnswersAreValidated: an approval on behalf of another party, and a
// person's outputs of the wrong type, are refused by the validator and
// the run goes on with the right answers.
func TestAnswersAreValidated(t *testing.T) {
	plan, sc, _, reg := reference(t, nil)
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, w, "validated")
	var refused []string
	n := 0
	var step func()
	step = func() {
		rec := e.record()
		if rec.Status != executor.Waiting {
			return
		}
		good := answerFor(sc, rec)
		bad := good
		if p := rec.Pending; p.Method != "" {
			out := map[string]any{}
			for _, o := range p.Outputs {
				out[string(o)] = map[string]any{"not": "a value of the field's type"}
			}
			bad = temporal.Decision{Answer: executor.Answer{Outputs: map[ident.Number]map[string]any{p.Method: out}, Actor: "x"}}
		} else {
			bad.Party = "not-" + p.Party
		}
		n++
		e.UpdateWorkflow(temporal.UpdateAnswer, fmt.Sprint("bad-", n), &testsuite.TestUpdateCallback{
			OnAccept:   func() { t.Errorf("a wrong answer was accepted while waiting for %+v", rec.Pending) },
			OnReject:   func(err error) { refused = append(refused, err.Error()) },
			OnComplete: func(any, error) {},
		}, bad)
		e.UpdateWorkflow(temporal.UpdateAnswer, fmt.Sprint("good-", n), &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { t.Errorf("refused: %v", err) },
			OnComplete: func(any, error) {
				e.RegisterDelayedCallback(step, time.Second)
			},
		}, good)
	}
	e.RegisterDelayedCallback(step, time.Second)
	e.ExecuteWorkflow(temporal.WorkflowName, temporal.RunInput{Design: plan.Design().Metadata.Name, DesignDigest: plan.Digest(), Alert: sc.Alert})
	rec := e.result()
	if rec.Status != executor.Completed || rec.Response != "fr-1" {
		t.Errorf("status %s, response %s: %s", rec.Status, rec.Response, rec.Error)
	}
	var party, typed bool
	for _, r := range refused {
		party = party || strings.Contains(r, "is csirt's") && strings.Contains(r, "not-csirt")
		typed = typed || strings.Contains(r, "output")
	}
	if !party || !typed {
		t.Errorf("want a wrong party and a wrong type refused, got %q", refused)
	}
	for _, ev := range rec.Events {
		if ev.Actor == "x" {
			t.Errorf("a refused answer is in the record: %+v", ev)
		}
	}
}

// TestTargetBreachedWhileWaiting: the first_response target passes while
// the run waits for its approval: the record says so and the escalation
// action is called once, with nobody acting; the approval then completes
// the run.
func TestTargetBreachedWhileWaiting(t *testing.T) {
	plan, sc, recs, reg := reference(t, func(d *secops.Design) {
		for i := range d.Criteria.Severities {
			s := &d.Criteria.Severities[i]
			s.Targets.FirstResponse = 10 * 60 * 1e9 // 10m
			s.Escalation = &criteria.Escalation{Action: "pager.page", Party: "csirt"}
		}
	})
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, w, "breach")
	var during *executor.Record
	var step func()
	step = func() {
		rec := e.record()
		if rec.Status != executor.Waiting {
			return
		}
		if rec.Pending.Method != "" {
			e.UpdateWorkflowNoRejection(temporal.UpdateAnswer, fmt.Sprint("p-", len(rec.Events)), t, answerFor(sc, rec))
			e.RegisterDelayedCallback(step, time.Second)
			return
		}
		// The approval: answered an hour later.
		e.RegisterDelayedCallback(func() {
			during = e.record()
			e.UpdateWorkflowNoRejection(temporal.UpdateAnswer, "approve", t, answerFor(sc, rec))
		}, time.Hour)
	}
	e.RegisterDelayedCallback(step, time.Second)
	e.ExecuteWorkflow(temporal.WorkflowName, temporal.RunInput{Design: plan.Design().Metadata.Name, DesignDigest: plan.Digest(), Alert: sc.Alert})
	rec := e.result()
	if rec.Status != executor.Completed {
		t.Fatalf("status %s: %s", rec.Status, rec.Error)
	}
	if during == nil || !during.Breached || during.Status != executor.Waiting {
		t.Fatalf("while waiting: %+v", during)
	}
	var kinds []executor.EventKind
	for _, ev := range during.Events[len(during.Events)-3:] {
		kinds = append(kinds, ev.Kind)
	}
	if diff := cmp.Diff([]executor.EventKind{executor.EvBreach, executor.EvCallStarted, executor.EvEscalated}, kinds); diff != "" {
		t.Errorf("last events while waiting (-want +got):\n%s", diff)
	}
	key := "breach/escalation/first_response"
	if n := recs["pager"].count(key); n != 1 {
		t.Errorf("pager called %d times with %s, want 1 (%v)", n, key, recs["pager"].keys)
	}
}

// TestRetries: a retryable error is retried by Temporal with the same
// key; a non-retryable one fails the run, which an Update retries.
func TestRetries(t *testing.T) {
	plan, sc, recs, reg := reference(t, nil)
	recs["threatintel"].fail = func(req adapters.Request, n int) error {
		if n < 3 {
			return adapters.Retryable(errors.New("busy"))
		}
		return nil
	}
	recs["firewall"].fail = func(req adapters.Request, n int) error {
		if n == 1 {
			return errors.New("the firewall refused the rule")
		}
		return nil
	}
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{Engine: []executor.Option{executor.WithRetry(3, time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, w, "retries")
	var failed *executor.Record
	var step func()
	step = func() {
		rec := e.record()
		var d temporal.Decision
		switch rec.Status {
		case executor.Waiting:
			d = answerFor(sc, rec)
		case executor.Failed:
			failed = rec
			d = temporal.Decision{Answer: executor.Answer{Recover: executor.Retry, Actor: "analyst"}}
		default:
			return
		}
		e.UpdateWorkflow(temporal.UpdateAnswer, fmt.Sprint("u-", len(rec.Events)), &testsuite.TestUpdateCallback{
			OnAccept:   func() {},
			OnReject:   func(err error) { t.Errorf("refused: %v", err) },
			OnComplete: func(any, error) { e.RegisterDelayedCallback(step, time.Second) },
		}, d)
	}
	e.RegisterDelayedCallback(step, time.Second)
	e.ExecuteWorkflow(temporal.WorkflowName, temporal.RunInput{Design: plan.Design().Metadata.Name, DesignDigest: plan.Digest(), Alert: sc.Alert})
	rec := e.result()
	if rec.Status != executor.Completed {
		t.Fatalf("status %s: %s", rec.Status, rec.Error)
	}
	if failed == nil || !strings.Contains(failed.Error, "the firewall refused the rule") {
		t.Fatalf("want the run failed on the firewall first, got %+v", failed)
	}
	ti := recs["threatintel"]
	for _, k := range ti.keys {
		if n := ti.count(k); n != 3 {
			t.Errorf("threatintel called %d times with %s, want 3", n, k)
		}
	}
	var attempts []int
	for _, ev := range rec.Events {
		if ev.Kind == executor.EvMethod && ev.Action != "" && strings.HasPrefix(string(ev.Action), "threatintel.") {
			attempts = append(attempts, ev.Attempt)
		}
	}
	if len(attempts) == 0 || attempts[0] != 3 {
		t.Errorf("threatintel method events' attempts %v, want 3", attempts)
	}
	for _, k := range recs["firewall"].keys {
		if n := recs["firewall"].count(k); n != 2 {
			t.Errorf("firewall called %d times with %s, want 2 (failed, then retried)", n, k)
		}
	}
}

// TestUnknownDesign: a worker refuses a run of a design it has not
// loaded, saying which it runs.
func TestUnknownDesign(t *testing.T) {
	plan, sc, _, reg := reference(t, nil)
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, w, "unknown")
	e.ExecuteWorkflow(temporal.WorkflowName, temporal.RunInput{Design: "other", DesignDigest: "sha256:0000", Alert: sc.Alert})
	err = e.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), "which this worker has not loaded: it runs "+string(plan.Design().Metadata.Name)) {
		t.Errorf("got %v", err)
	}
}

// TestRejected: a rejection fails the run, as in process, and the
// workflow closes: there is nothing to retry. Nothing of the response
// is called.
func TestRejected(t *testing.T) {
	plan, sc, recs, reg := reference(t, nil)
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, w, "rejected")
	e.answerEach(func(rec *executor.Record) temporal.Decision {
		d := answerFor(sc, rec)
		if d.Answer.Approve {
			d.Answer = executor.Answer{Reject: true, Actor: "csirt-lead"}
		}
		return d
	})
	e.ExecuteWorkflow(temporal.WorkflowName, temporal.RunInput{Design: plan.Design().Metadata.Name, DesignDigest: plan.Digest(), Alert: sc.Alert})
	rec := e.result()
	if rec.Status != executor.Failed || !strings.Contains(rec.Error, "was not approved by csirt") {
		t.Errorf("status %s: %s", rec.Status, rec.Error)
	}
	for _, r := range recs {
		for _, k := range r.keys {
			if strings.Contains(k, "/response/") {
				t.Errorf("%s called for the rejected response: %s", r.name, k)
			}
		}
	}
}

// TestDryRun: a dry run on the Temporal driver calls no adapter, as in
// process.
func TestDryRun(t *testing.T) {
	plan, sc, recs, reg := reference(t, nil)
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{Engine: []executor.Option{executor.WithDryRun(sc.Outputs)}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, w, "dry")
	e.answerEach(func(rec *executor.Record) temporal.Decision { return answerFor(sc, rec) })
	e.ExecuteWorkflow(temporal.WorkflowName, temporal.RunInput{Design: plan.Design().Metadata.Name, DesignDigest: plan.Digest(), Alert: sc.Alert})
	rec := e.result()
	if rec.Status != executor.Completed || !rec.DryRun || rec.Response != "fr-1" {
		t.Errorf("status %s, dry %v, response %s: %s", rec.Status, rec.DryRun, rec.Response, rec.Error)
	}
	for _, r := range recs {
		if len(r.keys) > 0 {
			t.Errorf("%s called in a dry run: %v", r.name, r.keys)
		}
	}
}

// TestEngineCasesBothDrivers runs engine cases beyond the scenarios on
// both drivers, each with adapters of its own, and compares the records
// but for their times: an adapter missing from the registry, an adapter
// error that is not retryable, a rejected approval, and a person's
// answer given in one go for the method waited for and a later one.
func TestEngineCasesBothDrivers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fail   map[string]func(adapters.Request, int) error
		drop   string // adapter left out of the registry
		answer func(sc *scenario.Scenario, rec *executor.Record) temporal.Decision
		status executor.Status
	}{
		{name: "missing adapter", drop: "firewall", status: executor.Failed},
		{name: "adapter error", fail: map[string]func(adapters.Request, int) error{
			"edr": func(req adapters.Request, _ int) error {
				if strings.Contains(req.IdempotencyKey, "/response/") {
					return errors.New("host not found")
				}
				return nil
			}}, status: executor.Failed},
		{name: "rejected", answer: func(sc *scenario.Scenario, rec *executor.Record) temporal.Decision {
			d := answerFor(sc, rec)
			if d.Answer.Approve {
				d.Answer = executor.Answer{Reject: true, Actor: "lead"}
			}
			return d
		}, status: executor.Failed},
		{name: "outputs ahead", answer: func(sc *scenario.Scenario, rec *executor.Record) temporal.Decision {
			d := answerFor(sc, rec)
			if rec.Pending.Method == "1.4.1" {
				d.Answer.Outputs["1.27.1"] = sc.Outputs["1.27.1"]
			}
			return d
		}, status: executor.Completed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answer := tc.answer
			if answer == nil {
				answer = answerFor
			}
			build := func() (*executor.Plan, *scenario.Scenario, *adapters.Registry) {
				plan, sc, recs, _ := reference(t, nil)
				reg, _ := adapters.NewRegistry()
				for name, r := range recs {
					r.fail = tc.fail[name]
					if name != tc.drop {
						if err := reg.Register(r); err != nil {
							t.Fatal(err)
						}
					}
				}
				return plan, sc, reg
			}
			plan, sc, reg := build()
			e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(reg), executor.WithIDs(func() string { return "case" }))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			want, err := e.Run(ctx, sc.Alert)
			for i := 0; err == nil && want.Status == executor.Waiting && i < 20; i++ {
				want, err = e.Resume(ctx, want, answer(sc, want).Answer)
			}
			if err != nil {
				t.Fatal(err)
			}
			plan, sc, reg = build()
			w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{FailedRetention: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			env := newEnv(t, w, "case")
			env.answerEach(func(rec *executor.Record) temporal.Decision { return answer(sc, rec) })
			env.ExecuteWorkflow(temporal.WorkflowName, temporal.RunInput{Design: plan.Design().Metadata.Name, DesignDigest: plan.Digest(), Alert: sc.Alert})
			got := env.result()
			if want.Status != tc.status {
				t.Errorf("in process: status %s, want %s: %s", want.Status, tc.status, want.Error)
			}
			if diff := cmp.Diff(comparable(t, want), comparable(t, got)); diff != "" {
				t.Errorf("in-process (-) and Temporal (+) records differ:\n%s", diff)
			}
		})
	}
}
