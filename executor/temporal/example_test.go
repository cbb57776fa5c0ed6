package temporal_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/ident"
)

// A run of the reference design as a workflow, under the SDK's test
// environment: its person's tasks and its approval come as Updates.
// With a real server, register the worker with worker.New(c, queue, …)
// and use a temporal.Client to start and answer runs.
func Example() {
	d, _, _ := secops.LoadFile("../../examples/targeted-attack/design.yaml")
	plan, _ := executor.Compile(d)
	sf, _ := secops.LoadScenarioFile("../../examples/targeted-attack/scenarios.yaml")
	sc := sf.Scenarios[0]
	answer := func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		return adapters.Result{Outputs: sc.Outputs[ident.Number(req.Method)]}, nil
	}
	reg, _ := adapters.NewRegistry(adapters.Func("edr", answer), adapters.Func("threatintel", answer), adapters.Func("firewall", answer))
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}

	var ts testsuite.WorkflowTestSuite
	ts.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "run-1"})
	w.Register(env)
	var next func()
	next = func() {
		v, _ := env.QueryWorkflow(temporal.QueryRecord)
		var rec *executor.Record
		_ = v.Get(&rec)
		if rec.Status != executor.Waiting {
			return
		}
		d := temporal.Decision{Answer: executor.Answer{Approve: true, Actor: "ana"}, Party: rec.Pending.Party}
		if m := rec.Pending.Method; m != "" {
			d = temporal.Decision{Answer: executor.Answer{Outputs: map[ident.Number]map[string]any{m: sc.Outputs[m]}, Actor: "ana"}}
		}
		fmt.Println("waiting for", string(rec.Pending.Method)+string(rec.Pending.Party))
		env.UpdateWorkflow(temporal.UpdateAnswer, string(rec.Pending.Method)+"approval", &testsuite.TestUpdateCallback{
			OnAccept:   func() {},
			OnReject:   func(err error) { fmt.Println("refused:", err) },
			OnComplete: func(any, error) { env.RegisterDelayedCallback(next, time.Minute) },
		}, d)
	}
	env.RegisterDelayedCallback(next, time.Minute)
	env.ExecuteWorkflow(temporal.WorkflowName, temporal.RunInput{Design: d.Metadata.Name, DesignDigest: plan.Digest(), Alert: sc.Alert})

	var rec *executor.Record
	if err := env.GetWorkflowResult(&rec); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.ID, rec.Status, rec.Response, "approved by", rec.Approved)
	// Output:
	// waiting for 0.1.1
	// waiting for 1.4.1
	// waiting for 1.27.1
	// waiting for csirt
	// run-1 completed fr-1 approved by csirt
}
