package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runs/runstest"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/sqlite"
	"github.com/secopsdesign/secops/server"
)

// TestServeWatchesTargets: a server on a SQLite store watches the runs'
// SLA targets, and a target that passed while no server ran is
// escalated, once, by the next server at its start.
func TestServeWatchesTargets(t *testing.T) {
	plan := runstest.Plan(t)
	calls := &runstest.Calls{}
	path := filepath.Join(t.TempDir(), "runs.db")
	serve := func() (*server.Server, *httptest.Server, runstore.Store) {
		st, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := server.New(plan, st, server.WithRegistry(runstest.Registry(calls)), server.WithWatch(50*time.Millisecond),
			server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		if err != nil {
			t.Fatal(err)
		}
		return srv, httptest.NewServer(srv), st
	}
	stop := func(srv *server.Server, hs *httptest.Server, st runstore.Store) {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		hs.Close()
		st.Close()
	}
	post := func(hs *httptest.Server, alert map[string]any) string {
		body, _ := json.Marshal(alert)
		resp, err := http.Post(hs.URL+"/v1/alerts", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var rec executor.Record
		if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST /v1/alerts: %d, %v", resp.StatusCode, err)
		}
		return rec.ID
	}
	escalatedWithin := func(hs *httptest.Server, id string, d time.Duration) bool {
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			resp, err := http.Get(hs.URL + "/v1/runs/" + id)
			if err != nil {
				t.Fatal(err)
			}
			var rec executor.Record
			err = json.NewDecoder(resp.Body).Decode(&rec)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range rec.Events {
				if e.Kind == executor.EvEscalated && e.Target == executor.FirstResponseTarget {
					return true
				}
			}
		}
		return false
	}
	worm := map[string]any{"category": "worm", "host": "web-1"}

	// While serving: the 2s target passes, the pager is called.
	srv, hs, st := serve()
	id := post(hs, worm)
	if !escalatedWithin(hs, id, 20*time.Second) {
		t.Fatalf("run %s: no escalation 20s after its start (2s target)", id)
	}
	// Down when the target passes: the next server escalates at its
	// start.
	down := post(hs, worm)
	stop(srv, hs, st)
	time.Sleep(2500 * time.Millisecond)
	if n := calls.Count(executor.EscalationKey(down, executor.FirstResponseTarget)); n != 0 {
		t.Fatalf("escalated while no server ran: %d calls", n)
	}
	srv, hs, st = serve()
	defer stop(srv, hs, st)
	if !escalatedWithin(hs, down, 10*time.Second) {
		t.Fatalf("run %s: the target passed while the server was down, and the next did not escalate it", down)
	}
	for _, run := range []string{id, down} {
		if n := calls.Count(executor.EscalationKey(run, executor.FirstResponseTarget)); n != 1 {
			t.Errorf("run %s: escalation called %d times, want once", run, n)
		}
	}
}
