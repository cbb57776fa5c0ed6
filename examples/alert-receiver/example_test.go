package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
)

// The receiver runs a posted alert; the RAT alert's response needs the
// CSIRT's approval, so the run waits until it is posted.
func Example() {
	d, _ := secops.LoadFile("../targeted-attack/design.yaml")
	outputs := map[string]map[string]any{
		"1.2.2": {"service": "tcp", "port": 8443},
		"1.2.3": {"process_name": "svchost-update.exe"},
		"1.2.4": {"c2_domain": "cdn-sync.example.org", "c2_location": "unknown", "c2_registrant": "unknown"},
		"1.3.1": {"lateral_ips": []any{"10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.1.5", "10.0.1.6"}},
	}
	answer := func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		return adapters.Result{Outputs: outputs[req.Method]}, nil
	}
	reg, _ := adapters.NewRegistry(adapters.Func("edr", answer), adapters.Func("threatintel", answer), adapters.Func("firewall", answer))
	exec, _ := executor.New(executor.WithDesign(d), executor.WithRegistry(reg), executor.WithIDs(func() string { return "run-1" }))
	h := newServer(exec, exec.Plan().CheckAnswer, newMemStore())

	post := func(path, body string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		fmt.Println(w.Code, strings.Contains(w.Body.String(), `"status": "waiting"`), strings.Contains(w.Body.String(), `"status": "completed"`))
	}
	post("/alerts", `{"category": "rat", "signature": "RAT:PlugX", "host": "pc-f", "src_ip": "10.0.1.77", "dst_ip": "192.0.2.44"}`)
	post("/runs/run-1/approve", "")
	// Output:
	// 201 true false
	// 200 false true
}
