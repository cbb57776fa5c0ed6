package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/server"
)

// Embed the server in a program of one's own, with its own store and
// adapters: here a store in memory and an EDR that answers every call
// with nothing (a real program passes runstore.OpenSQLite's store and
// config.File.Registry's adapters). Without tokens every request acts as
// "local", so a real program serves that on loopback only, or passes
// server.WithTokens.
func Example() {
	d, findings, err := secops.CheckFile("../examples/targeted-attack/design.yaml")
	if err == nil && findings.HasErrors() {
		err = findings
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := executor.Compile(d)
	if err != nil {
		fmt.Println(err)
		return
	}
	noop := func(name string) adapters.Adapter {
		return adapters.Func(name, func(context.Context, adapters.Request) (adapters.Result, error) { return adapters.Result{}, nil })
	}
	reg, _ := adapters.NewRegistry(noop("edr"), noop("firewall"), noop("threatintel"))
	srv, err := server.New(plan, runstore.NewMemory(), server.WithRegistry(reg),
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		fmt.Println(err)
		return
	}
	hs := httptest.NewServer(srv) // or http.Server{Handler: srv, ...}
	defer hs.Close()
	defer srv.Shutdown(context.Background())

	post := func(path, body string) map[string]any {
		resp, err := http.Post(hs.URL+path, "application/json", bytes.NewBufferString(body))
		if err != nil {
			fmt.Println(err)
			return nil
		}
		defer resp.Body.Close()
		var v map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&v)
		if resp.StatusCode >= 300 { // a problem object (RFC 9457)
			fmt.Println(resp.StatusCode, v["title"].(string)+":", v["run_status"])
			return v
		}
		pending, _ := v["pending"].(map[string]any)
		fmt.Println(resp.StatusCode, v["status"], pending["method"])
		return v
	}
	rec := post("/v1/alerts", `{"category": "c2", "signature": "TI:APT-C2", "host": "pc-a", "dst_ip": "203.0.113.7"}`)
	id := rec["id"].(string)
	post("/v1/runs/"+id+"/answers", `{"outputs": {"0.1.1": {"confirmed": false}}}`)
	post("/v1/runs/"+id+"/approve", ``)
	// Output:
	// 201 waiting 0.1.1
	// 200 no-incident <nil>
	// 409 The run is not waiting for this: no-incident
}
