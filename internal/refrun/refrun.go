package refrun

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// Scenario is the scenario of the reference run.
const Scenario = "c2-single-host-ongoing"

// example returns the path of a file of the targeted-attack example, in
// the module this file is in.
func example(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "examples", "targeted-attack", name)
}

// Engine returns an engine on the reference design journaling to cp,
// and the scenario's alert. Every run has a new id, bench-N.
func Engine(tb testing.TB, cp executor.Checkpointer) (*executor.Engine, map[string]any) {
	tb.Helper()
	d, findings, err := secops.LoadFile(example("design.yaml"))
	if err == nil {
		err = findings.Err()
	}
	if err != nil {
		tb.Fatal(err)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := secops.LoadScenarioFile(example("scenarios.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	var outputs map[ident.Number]map[string]any
	var alert map[string]any
	for _, s := range f.Scenarios {
		if s.ID == Scenario {
			outputs, alert = s.Outputs, s.Alert
		}
	}
	if alert == nil {
		tb.Fatalf("no scenario %s in %s", Scenario, example("scenarios.yaml"))
	}
	noop := func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		return adapters.Result{Outputs: outputs[ident.Number(req.Method)]}, nil
	}
	reg, err := adapters.NewRegistry(adapters.Func("edr", noop), adapters.Func("threatintel", noop), adapters.Func("firewall", noop))
	if err != nil {
		tb.Fatal(err)
	}
	person := executor.PersonFunc(func(_ context.Context, t executor.Task) (executor.Done, error) {
		return executor.Done{Outputs: outputs[t.Method.ID]}, nil
	})
	var n atomic.Int64
	e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(reg), executor.WithPerson(person),
		executor.WithApprover(executor.AutoApprove("csirt")), executor.WithCheckpoint(cp),
		executor.WithIDs(func() string { return fmt.Sprintf("bench-%d", n.Add(1)) }))
	if err != nil {
		tb.Fatal(err)
	}
	return e, alert
}

// Run runs the reference playbook once on e and checks that it ended as
// it should: completed, with first response fr-1.
func Run(tb testing.TB, e *executor.Engine, alert map[string]any) *executor.Record {
	tb.Helper()
	rec, err := e.Run(context.Background(), alert)
	if err != nil || rec.Status != executor.Completed || rec.Response != "fr-1" {
		tb.Fatalf("status %s, response %s: %v", rec.Status, rec.Response, err)
	}
	return rec
}
