package executor_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// A run that needs an approval waits; the record goes through JSON (a
// database, a file) and another engine resumes it.
func Example() {
	d, findings, err := secops.CheckFile("../examples/targeted-attack/design.yaml")
	if err == nil && findings.HasErrors() {
		err = findings
	}
	if err != nil {
		panic(err)
	}
	answers := map[ident.Number]map[string]any{
		"1.2.2": {"service": "tcp", "port": 8443},
		"1.2.3": {"process_name": "svchost-update.exe"},
		"1.2.4": {"c2_domain": "cdn-sync.example.org", "c2_location": "unknown", "c2_registrant": "unknown"},
		"1.3.1": {"lateral_ips": []any{"10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.1.5", "10.0.1.6"}},
	}
	answer := func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		return adapters.Result{Outputs: answers[ident.Number(req.Method)]}, nil
	}
	reg, _ := adapters.NewRegistry(adapters.Func("edr", answer), adapters.Func("threatintel", answer), adapters.Func("firewall", answer))
	e, err := executor.New(executor.WithDesign(d), executor.WithRegistry(reg))
	if err != nil {
		panic(err)
	}
	rec, _ := e.Run(context.Background(), map[string]any{
		"category": "rat", "signature": "RAT:PlugX", "host": "pc-f", "src_ip": "10.0.1.77", "dst_ip": "192.0.2.44",
	})
	fmt.Println(rec.Status, rec.Path, rec.Response, rec.Pending.Party)

	saved, _ := json.Marshal(rec)
	var loaded executor.Record
	_ = json.Unmarshal(saved, &loaded)
	rec, _ = e.Resume(context.Background(), &loaded, executor.Answer{Approve: true, Actor: "csirt-lead"})
	fmt.Println(rec.Status, rec.Applied, rec.Estimate)
	// Output:
	// waiting [c2-traffic lateral-traffic] fr-2 csirt
	// completed [2.3.1 2.2.1] 45m
}
