package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/secopsdesign/secops/runstore/sqlite"
)

// The program's server on a SQLite store: a RAT alert's containment
// waits for the CSIRT's approval, then runs through the program's own
// adapters.
func Example() {
	dir, _ := os.MkdirTemp("", "alert-receiver")
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(filepath.Join(dir, "runs.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	srv, err := newServer("../targeted-attack/design.yaml", store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(context.Background())
	hs := httptest.NewServer(srv)
	defer hs.Close()

	post := func(path, body string) string {
		resp, err := http.Post(hs.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		id, _, _ := strings.Cut(strings.TrimPrefix(string(b), `{"format":"secops-record/v1","id":"`), `"`)
		fmt.Println(resp.StatusCode, strings.Contains(string(b), `"status":"waiting"`), strings.Contains(string(b), `"status":"completed"`))
		return id
	}
	id := post("/v1/alerts", `{"category": "rat", "signature": "RAT:PlugX", "host": "pc-f", "src_ip": "10.0.1.77", "dst_ip": "192.0.2.44"}`)
	post("/v1/runs/"+id+"/answers", `{"outputs": {"1.4.1": {"iocs": ["192.0.2.44"]}}}`)
	post("/v1/runs/"+id+"/approve", "")
	// Output:
	// 201 true false
	// 200 true false
	// 200 false true
}
