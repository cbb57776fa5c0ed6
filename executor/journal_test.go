package executor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/schema"
)

// failing is a journal to a memory store that fails its nth checkpoint
// and every one after (the store is gone).
type failing struct {
	store *runstore.Memory
	cp    executor.Checkpointer
	n, at int
}

func newFailing(n int) *failing {
	m := runstore.NewMemory()
	return &failing{store: m, cp: runstore.Checkpointer(m), n: n}
}

func (f *failing) Checkpoint(ctx context.Context, rec *executor.Record) error {
	f.at++
	if f.n > 0 && f.at >= f.n {
		return fmt.Errorf("disk full (checkpoint %d)", f.at)
	}
	return f.cp.Checkpoint(ctx, rec)
}

// saved returns the stored record as another process would read it,
// through JSON; nil when nothing was saved.
func (f *failing) saved(t *testing.T, id string) *executor.Record {
	t.Helper()
	rec, err := f.store.Load(context.Background(), id)
	if errors.Is(err, runstore.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return roundTrip(t, rec)
}

// TestCheckpointFailures stops a run at each of its checkpoints in turn
// and recovers it from what was saved, both ways: no action is ever called
// twice except as a retry with its own idempotency key, and no response
// method that took effect is lost.
func TestCheckpointFailures(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)[benchScenario]
	newEngine := func(f *fakes, cp executor.Checkpointer) *executor.Engine {
		e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()),
			executor.WithApprover(executor.AutoApprove("csirt-lead")), executor.WithIDs(func() string { return "run-1" }),
			executor.WithCheckpoint(cp))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	// A run that fails no checkpoint, to count them.
	count := newFailing(0)
	rec, err := newEngine(&fakes{outputs: s.Outputs}, count).Run(context.Background(), s.Alert)
	if err != nil || rec.Status != executor.Completed {
		t.Fatalf("run: %v, %s", err, rec.Status)
	}
	total := count.at
	if total < 20 || rec.Version != int64(total) {
		t.Fatalf("%d checkpoints, version %d: want one save per checkpoint, and at least two per call", total, rec.Version)
	}
	wantApplied := rec.Applied
	for n := 1; n <= total; n++ {
		for _, how := range []executor.Recovery{executor.Applied, executor.Retry} {
			t.Run(fmt.Sprintf("checkpoint %d, recover %s", n, how), func(t *testing.T) {
				f := &fakes{outputs: s.Outputs}
				journal := newFailing(n)
				_, err := newEngine(f, journal).Run(context.Background(), s.Alert)
				if !errors.Is(err, executor.ErrCheckpoint) {
					t.Fatalf("run with checkpoint %d failing: %v, want ErrCheckpoint", n, err)
				}
				callsAtStop := len(f.log())
				saved := journal.saved(t, "run-1")
				if saved == nil {
					if n != 1 || callsAtStop != 0 {
						t.Fatalf("nothing saved, but %d calls made", callsAtStop)
					}
					return
				}
				if saved.Status != executor.Running {
					t.Errorf("saved status %s, want running", saved.Status)
				}
				// Each call the fakes saw is journaled as started.
				started := map[string]int{}
				for _, ev := range saved.Events {
					if ev.Kind == executor.EvCallStarted {
						started[ev.IdempotencyKey]++
					}
				}
				for _, c := range f.log() {
					if started[c.Key] == 0 {
						t.Errorf("call %s (%s) was made without a journaled call-started", c.Method, c.Key)
					}
				}
				// Recover in a new process, with a store that works.
				store := runstore.NewMemory()
				if err := store.Create(context.Background(), cloneAsNew(saved)); err != nil {
					t.Fatal(err)
				}
				rec, _ := store.Load(context.Background(), "run-1")
				e := newEngine(f, runstore.Checkpointer(store))
				unc := rec.Uncertain()
				ans := executor.Answer{Actor: "oncall"}
				if len(unc) > 0 {
					before := len(rec.Events)
					if _, err := e.Resume(context.Background(), rec, ans); !errors.Is(err, executor.ErrUncertain) {
						t.Fatalf("resume with %d calls in doubt and no recovery: %v, want ErrUncertain", len(unc), err)
					}
					if len(rec.Events) != before || len(f.log()) != callsAtStop {
						t.Fatal("a refused resume changed the record or called something")
					}
					ans.Recover = how
					if m := plan.Method(unc[0].Method); how == executor.Applied && len(m.Outputs) > 0 {
						ans.Outputs = map[ident.Number]map[string]any{m.ID: s.Outputs[m.ID]}
					}
				}
				rec, err = e.Resume(context.Background(), rec, ans)
				if err != nil || rec.Status != executor.Completed {
					t.Fatalf("resume: %v, status %s (%s)", err, rec.Status, rec.Error)
				}
				if diff := cmp.Diff(wantApplied, rec.Applied); diff != "" {
					t.Errorf("applied (-want +got):\n%s", diff)
				}
				// No call is repeated, but a retry of the call in doubt,
				// with its key.
				seen := map[string]int{}
				for _, c := range f.log() {
					seen[c.Key]++
				}
				for key, times := range seen {
					want := 1
					if len(unc) > 0 && how == executor.Retry && key == unc[0].IdempotencyKey {
						want = 2
					}
					if times != want {
						t.Errorf("call %s made %d times, want %d", key, times, want)
					}
				}
				if len(unc) > 0 && how == executor.Applied && seen[unc[0].IdempotencyKey] != 1 {
					t.Errorf("the call counted as applied was made %d times", seen[unc[0].IdempotencyKey])
				}
				if len(rec.Uncertain()) != 0 {
					t.Errorf("calls still in doubt: %+v", rec.Uncertain())
				}
			})
		}
	}
}

// cloneAsNew returns rec ready to be created in a new store.
func cloneAsNew(rec *executor.Record) *executor.Record {
	c := *rec
	c.Version = 0
	return &c
}

// TestRetryFailedMethod: a run that failed on an adapter error is retried
// from that method, with the same idempotency key, keeping what ran.
func TestRetryFailedMethod(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)[benchScenario]
	down := true
	f := &fakes{outputs: s.Outputs, override: map[ident.Number]func(context.Context) (adapters.Result, error){
		"2.2.1": func(context.Context) (adapters.Result, error) {
			if down {
				return adapters.Result{}, errors.New("EDR console unreachable")
			}
			return adapters.Result{Outputs: s.Outputs["2.2.1"]}, nil
		},
	}}
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()),
		executor.WithApprover(executor.AutoApprove("csirt-lead")))
	rec, _ := e.Run(context.Background(), s.Alert)
	if rec.Status != executor.Failed || rec.At == nil || rec.At.Method != "2.2.1" {
		t.Fatalf("status %s at %+v: %s", rec.Status, rec.At, rec.Error)
	}
	rec = roundTrip(t, rec)
	if _, err := e.Resume(context.Background(), rec, executor.Answer{}); !errors.Is(err, executor.ErrNotWaiting) {
		t.Errorf("resume of a failed run without retry: %v, want ErrNotWaiting", err)
	}
	down = false
	before := len(f.log())
	rec, err := e.Resume(context.Background(), rec, executor.Answer{Recover: executor.Retry, Actor: "oncall"})
	if err != nil || rec.Status != executor.Completed || rec.Error != "" {
		t.Fatalf("retry: %v, %s: %s", err, rec.Status, rec.Error)
	}
	got := f.log()[before:]
	if len(got) != 1 || got[0].Method != "2.2.1" || got[0].Key != rec.ID+"/response/fr-1/2.2.1" {
		t.Errorf("retry called %+v, want 2.2.1 once with its key", got)
	}
	if diff := cmp.Diff([]ident.Number{"2.1.1", "2.2.1"}, rec.Applied); diff != "" {
		t.Errorf("applied (-want +got):\n%s", diff)
	}
	var attempts []int
	for _, ev := range rec.Events {
		if ev.Kind == executor.EvCallStarted && ev.Method == "2.2.1" {
			attempts = append(attempts, ev.Attempt)
		}
	}
	if diff := cmp.Diff([]int{1, 2}, attempts); diff != "" {
		t.Errorf("attempts of 2.2.1 (-want +got):\n%s", diff)
	}
}

// TestBadReplyTookEffect: an adapter that acted but replied with the
// wrong outputs fails the method, but its effect stays on record and is
// undone by rollback.
func TestBadReplyTookEffect(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)[benchScenario]
	for name, reply := range map[string]map[string]any{
		"undeclared output": {"nosuch": true},
		"wrong type":        {"blocked": "yes"},
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakes{outputs: merged(s.Outputs, map[ident.Number]map[string]any{"2.1.1": reply})}
			e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()),
				executor.WithApprover(executor.AutoApprove("csirt-lead")))
			rec, _ := e.Run(context.Background(), s.Alert)
			if rec.Status != executor.Failed || !slices.Equal(rec.Applied, []ident.Number{"2.1.1"}) ||
				!strings.Contains(rec.Error, "its effect stands") || !strings.Contains(rec.Error, "already applied: 2.1.1") {
				t.Fatalf("status %s, applied %v, error %q", rec.Status, rec.Applied, rec.Error)
			}
			rec, err := e.Rollback(context.Background(), rec)
			if err != nil || !slices.Equal(rec.RolledBack, []ident.Number{"2.1.1"}) || rec.Status != executor.Failed {
				t.Errorf("rollback: %v, rolled back %v, status %s", err, rec.RolledBack, rec.Status)
			}
		})
	}
}

// TestMissingOutput: an adapter reply without a declared output fails
// the method, as a person's answer without one is refused.
func TestMissingOutput(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)[benchScenario]
	f := &fakes{outputs: merged(s.Outputs, map[ident.Number]map[string]any{"1.1.3": {}})}
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()))
	rec, _ := e.Run(context.Background(), s.Alert)
	if rec.Status != executor.Failed || !strings.Contains(rec.Error, "method 1.1.3 (edr.process_by_ip): the reply leaves out process_name") {
		t.Errorf("status %s, error %q", rec.Status, rec.Error)
	}
}

// TestAlertChecked: an alert that does not fit the design runs nothing.
func TestAlertChecked(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)[benchScenario]
	f := &fakes{outputs: s.Outputs}
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()),
		executor.WithApprover(executor.AutoApprove("csirt-lead")))
	alert := map[string]any{}
	for k, v := range s.Alert {
		alert[k] = v
	}
	alert["hots"] = alert["host"]
	delete(alert, "host")
	alert["dst_ip"] = "not an ip"
	rec, err := e.Run(context.Background(), alert)
	var ae *executor.AlertError
	if rec != nil || !errors.As(err, &ae) || !errors.Is(err, executor.ErrInvalidAlert) {
		t.Fatalf("run: %v, %v; want an *AlertError and no record", rec, err)
	}
	var got []string
	for _, p := range ae.Problems {
		got = append(got, p.Key)
	}
	if diff := cmp.Diff([]string{"dst_ip", "hots"}, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "hots: not a field of the design (did you mean host?)") {
		t.Errorf("error %q", err)
	}
	if len(f.log()) != 0 {
		t.Errorf("calls made: %v", f.log())
	}
}

// TestMissingInputInResponse: containment never runs without an input it
// declares.
func TestMissingInputInResponse(t *testing.T) {
	d := loadDesign(t)
	d.Fields = append(d.Fields, process.Field{ID: "ticket", Name: "ticket", Type: process.String})
	for i := range d.Processes {
		for j := range d.Processes[i].Methods {
			if m := &d.Processes[i].Methods[j]; m.ID == "2.2.1" {
				m.Inputs = append(m.Inputs, "ticket")
			}
		}
	}
	plan, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	s := loadScenarios(t)[benchScenario]
	f := &fakes{outputs: s.Outputs}
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()),
		executor.WithApprover(executor.AutoApprove("csirt-lead")))
	rec, err := e.Run(context.Background(), s.Alert)
	if err != nil {
		t.Fatal(err)
	}
	// Refused at the response's start: no containment half applied.
	if rec.Status != executor.Failed || !strings.Contains(rec.Error, "method 2.2.1 (edr.isolate_host) needs ticket") ||
		!strings.HasSuffix(rec.Error, "nothing took effect") || len(rec.Applied) != 0 {
		t.Errorf("status %s, applied %v, error %q", rec.Status, rec.Applied, rec.Error)
	}
	if _, ok := rec.FailedMethod(); ok {
		t.Error("a retry is offered, though no method failed")
	}
	for _, c := range f.log() {
		if c.Method == "2.2.1" || c.Method == "2.1.1" {
			t.Errorf("%s was called", c.Method)
		}
	}
}

// TestRedaction: secrets never reach the record.
func TestRedaction(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)[benchScenario]
	const secret = "s3cr3t-token-value"
	f := &fakes{outputs: s.Outputs, override: map[ident.Number]func(context.Context) (adapters.Result, error){
		"2.1.1": func(context.Context) (adapters.Result, error) {
			return adapters.Result{}, errors.New("401 Unauthorized: Authorization: Bearer " + secret + "; " + strings.Repeat("x", 10<<20))
		},
	}}
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()),
		executor.WithApprover(executor.AutoApprove("csirt-lead")), executor.WithSecrets(secret, ""))
	rec, _ := e.Run(context.Background(), s.Alert)
	b, _ := json.Marshal(rec)
	if strings.Contains(string(b), secret) || !strings.Contains(string(b), "Bearer [redacted]") {
		t.Error("the secret is in the record, or the redaction mark is not")
	}
	if len(b) > 64<<10 {
		t.Errorf("record of %d bytes: error texts are not capped", len(b))
	}
}

// TestRecordSchema: records of real runs — completed, waiting, failed,
// interrupted, rolled back — fit the committed secops-record/v1 schema.
func TestRecordSchema(t *testing.T) {
	b, err := schema.Get(schema.Record)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsv.NewCompiler()
	if err := c.AddResource("record.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("record.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	plan := loadPlan(t)
	s := loadScenarios(t)[benchScenario]
	check := func(name string, rec *executor.Record) {
		t.Helper()
		js, _ := json.Marshal(rec)
		inst, err := jsv.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s record does not fit the schema: %v", name, err)
		}
	}
	f := &fakes{outputs: s.Outputs}
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()))
	rec, _ := e.Run(context.Background(), s.Alert)
	check("waiting", rec)
	rec, _ = e.Resume(context.Background(), roundTrip(t, rec), executor.Answer{Approve: true, Actor: "csirt"})
	check("completed", rec)
	rec, _ = e.Rollback(context.Background(), rec)
	check("rolled back", rec)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec, _ = e.Run(ctx, s.Alert)
	check("interrupted", rec)
}
