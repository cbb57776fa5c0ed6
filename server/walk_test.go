package server_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// TestWalk walks one alert through the API over loopback, restarting
// the server on the same database between steps: nothing is lost, the
// waiting run can be answered and approved after a restart, a party the
// design does not name is refused, containment runs once and is undone.
func TestWalk(t *testing.T) {
	h := newHarness(t)
	r := h.do("POST", "/v1/alerts", "soc", labAlert(t))
	if r.status != http.StatusCreated {
		t.Fatalf("POST /v1/alerts: %d %s", r.status, r.body)
	}
	rec := r.record(t)
	id := rec.ID
	if got, want := r.header.Get("Location"), "/v1/runs/"+id; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	// got is what a step's reply says: its status, and for a record its
	// run's status and what it waits on.
	type got = outcome
	steps := []struct {
		name, method, path, who string
		body                    any
		restart                 bool
		want                    got
	}{
		{name: "the run waits for the confirmation", method: "GET", path: "/v1/runs/" + id, who: "reader", restart: true,
			want: got{Status: 200, Run: executor.Waiting, Method: "0.1.1"}},
		{name: "the infrastructure team may not answer triage", method: "POST", path: "/v1/runs/" + id + "/answers", who: "it-ops", body: csirtAnswers,
			want: got{Status: 403, Run: executor.Waiting, Method: "0.1.1", Problem: "wrong-party"}},
		{name: "the CSIRT answers", method: "POST", path: "/v1/runs/" + id + "/answers", who: "csirt-lead", body: csirtAnswers,
			want: got{Status: 200, Run: executor.Waiting, Party: "csirt"}},
		{name: "after a restart, the infrastructure team may not approve", method: "POST", path: "/v1/runs/" + id + "/approve", who: "it-ops", restart: true,
			want: got{Status: 403, Run: executor.Waiting, Party: "csirt", Problem: "wrong-party"}},
		{name: "an ingest token may not approve", method: "POST", path: "/v1/runs/" + id + "/approve", who: "soc",
			want: got{Status: 403, Problem: "forbidden"}},
		{name: "the CSIRT approves", method: "POST", path: "/v1/runs/" + id + "/approve", who: "csirt-lead",
			want: got{Status: 200, Run: executor.Completed}},
		{name: "approving again is a conflict", method: "POST", path: "/v1/runs/" + id + "/approve", who: "csirt-lead",
			want: got{Status: 409, Run: executor.Completed, Problem: "not-waiting"}},
		{name: "rollback needs admin", method: "POST", path: "/v1/runs/" + id + "/rollback", who: "csirt-lead",
			want: got{Status: 403, Problem: "forbidden"}},
		{name: "admin rolls back", method: "POST", path: "/v1/runs/" + id + "/rollback", who: "admin",
			want: got{Status: 200, Run: executor.Completed}},
		{name: "nothing left to roll back", method: "POST", path: "/v1/runs/" + id + "/rollback", who: "admin",
			want: got{Status: 409, Run: executor.Completed, Problem: "nothing-to-roll-back"}},
	}
	for _, s := range steps {
		if s.restart {
			h.restart()
		}
		r := h.do(s.method, s.path, s.who, s.body)
		g := r.outcome(t)
		if diff := cmp.Diff(s.want, g); diff != "" {
			t.Errorf("%s: %s %s: (-want +got)\n%s\n%s", s.name, s.method, s.path, diff, r.body)
		}
	}
	rec = h.do("GET", "/v1/runs/"+id, "reader", nil).record(t)
	type outcome struct {
		Approved   string
		Applied    []ident.Number
		RolledBack []ident.Number
		Actors     []string
	}
	o := outcome{Approved: rec.Approved, Applied: rec.Applied, RolledBack: rec.RolledBack}
	for _, e := range rec.Events {
		if _, ok := h.secrets[e.Actor]; ok {
			o.Actors = append(o.Actors, string(e.Kind)+" "+e.Actor)
		}
	}
	want := outcome{Approved: "csirt", Applied: []ident.Number{"2.1.1", "2.2.1"}, RolledBack: []ident.Number{"2.2.1", "2.1.1"},
		Actors: []string{"resumed csirt-lead", "method csirt-lead", "method csirt-lead", "method csirt-lead", "resumed csirt-lead", "approval csirt-lead"}}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("the record: (-want +got)\n%s", diff)
	}

	// The metrics of the last server: the runs from the store, the calls
	// it made (the approval's containment and the rollback).
	text := string(h.do("GET", "/metrics", "reader", nil).body)
	metrics := map[string]string{}
	for _, name := range []string{
		`secops_runs{incident="targeted-attack",severity="high",status="completed"}`,
		`secops_runs{incident="targeted-attack",severity="high",status="waiting"}`,
		`secops_adapter_calls_total{action="edr.isolate_host"}`,
		`secops_adapter_calls_total{action="edr.release_host"}`,
		`secops_adapter_calls_total{action="firewall.block_ip"}`,
		`secops_first_response_seconds_count{severity="high"}`,
		`secops_runs_waiting{party="csirt"}`,
	} {
		metrics[name] = metric(text, name)
	}
	wantMetrics := map[string]string{
		`secops_runs{incident="targeted-attack",severity="high",status="completed"}`: "1",
		`secops_runs{incident="targeted-attack",severity="high",status="waiting"}`:   "0",
		`secops_adapter_calls_total{action="edr.isolate_host"}`:                      "1",
		`secops_adapter_calls_total{action="edr.release_host"}`:                      "1",
		`secops_adapter_calls_total{action="firewall.block_ip"}`:                     "1",
		`secops_first_response_seconds_count{severity="high"}`:                       "1",
		`secops_runs_waiting{party="csirt"}`:                                         "0",
	}
	if diff := cmp.Diff(wantMetrics, metrics); diff != "" {
		t.Errorf("metrics: (-want +got)\n%s", diff)
	}
	if n := h.lab.count("edr.isolate_host"); n != 1 {
		t.Errorf("edr.isolate_host called %d times, want 1", n)
	}
}
