package adapters_test

import (
	"context"
	"fmt"
	"time"

	"github.com/secopsdesign/secops/adapters"
)

func ExampleDryRun() {
	edr := adapters.Func("edr", func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
		panic("not called in a dry run")
	})
	var log adapters.DryRunLog
	reg, _ := adapters.NewRegistry(edr)
	dry := reg.Wrap(adapters.DryRun(&log))

	a, _ := dry.Lookup("edr")
	_, err := a.Call(context.Background(), adapters.Request{Operation: "isolate_host", Method: "2.2.1", Inputs: map[string]any{"host": "pc-042"}})
	fmt.Println(err)
	for _, c := range log.Calls() {
		fmt.Println(c.Adapter, c.Operation, c.Method, c.Inputs)
	}
	// Output:
	// <nil>
	// edr isolate_host 2.2.1 map[host:pc-042]
}

func ExampleRetry() {
	tries := 0
	firewall := adapters.Func("firewall", func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
		tries++
		if tries < 3 {
			return adapters.Result{}, adapters.Retryable(fmt.Errorf("503 service unavailable"))
		}
		return adapters.Result{Outputs: map[string]any{"rule_id": "r-17"}}, nil
	})
	a := adapters.Retry(5, time.Millisecond)(firewall)
	res, err := a.Call(context.Background(), adapters.Request{Operation: "block_ip"})
	fmt.Println(res.Outputs, err, tries)
	// Output: map[rule_id:r-17] <nil> 3
}

func ExampleRecover() {
	broken := adapters.Func("ticket", func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
		var m map[string]int
		m["x"] = 1 // panics
		return adapters.Result{}, nil
	})
	_, err := adapters.Recover()(broken).Call(context.Background(), adapters.Request{Operation: "open", Method: "3.1.1"})
	fmt.Println(err)
	// Output: adapter "ticket": operation "open" (method 3.1.1): panic: assignment to entry in nil map
}

func ExampleAudit() {
	edr := adapters.Func("edr", func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
		return adapters.Result{Outputs: map[string]any{"isolated": true}}, nil
	})
	a := adapters.Audit(func(e adapters.AuditEntry) {
		fmt.Println(e.Adapter, e.Operation, e.Method, e.Inputs, e.Outputs, e.Error == "")
	})(edr)
	_, _ = a.Call(context.Background(), adapters.Request{Operation: "isolate_host", Method: "2.2.1", Inputs: map[string]any{"host": "pc-042"}})
	// Output: edr isolate_host 2.2.1 map[host:pc-042] map[isolated:true] true
}
