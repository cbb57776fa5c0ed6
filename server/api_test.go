package server_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/server"
)

// TestProblems checks the error replies: each an RFC 9457 problem object
// with its type, status and, where there are some, findings.
func TestProblems(t *testing.T) {
	h := newHarness(t)
	waiting := h.waitingForApproval()
	big := append([]byte(`{"category":"`), bytes.Repeat([]byte("x"), server.MaxBody)...)
	big = append(big, `"}`...)
	type got struct {
		Status   int
		Type     string
		Findings []server.ProblemFinding
	}
	tests := []struct {
		name, method, path, who string
		body                    any
		want                    got
	}{
		{"no token", "POST", "/v1/alerts", "", labAlert(t), got{Status: 401, Type: "unauthenticated"}},
		{"a token of no one", "GET", "/v1/runs", "secops_guess", nil, got{Status: 401, Type: "unauthenticated"}},
		{"read only may not post", "POST", "/v1/alerts", "reader", labAlert(t), got{Status: 403, Type: "forbidden"}},
		{"over 1 MiB", "POST", "/v1/alerts", "soc", big, got{Status: 413, Type: "too-large"}},
		{"not JSON", "POST", "/v1/alerts", "soc", []byte(`{"category":`), got{Status: 400, Type: "bad-body", Findings: []server.ProblemFinding{{}}}},
		{"not an object", "POST", "/v1/alerts", "soc", []byte(`[1]`), got{Status: 400, Type: "bad-body"}},
		{"a number out of range", "POST", "/v1/alerts", "soc", []byte(`{"port": 1e400}`), got{Status: 400, Type: "bad-body", Findings: []server.ProblemFinding{{Key: "port"}}}},
		{"more after the object", "POST", "/v1/alerts", "soc", []byte(`{} {}`), got{Status: 400, Type: "bad-body", Findings: []server.ProblemFinding{{}}}},
		{"YAML", "POST", "/v1/alerts", "soc", []byte("category: c2\n"), got{Status: 400, Type: "bad-body"}},
		{"a key written twice", "POST", "/v1/alerts", "soc", []byte(`{"category": "c2", "category": "malware"}`), got{Status: 422, Type: "duplicate-key", Findings: []server.ProblemFinding{{Key: "category"}}}},
		{"an alert that does not fit", "POST", "/v1/alerts", "soc", map[string]any{"categroy": "c2", "port": "https"},
			got{Status: 422, Type: "alert-does-not-fit", Findings: []server.ProblemFinding{
				{Key: "categroy"}, {Key: "port"}}}},
		{"no such run", "GET", "/v1/runs/nothing", "reader", nil, got{Status: 404, Type: "no-such-run"}},
		{"not a route", "GET", "/v1/nothing", "reader", nil, got{Status: 404, Type: "not-found"}},
		{"another method", "GET", "/v1/alerts", "reader", nil, got{Status: 405, Type: "method-not-allowed"}},
		{"metrics need a token", "GET", "/metrics", "", nil, got{Status: 401, Type: "unauthenticated"}},
		{"bad limit", "GET", "/v1/runs?limit=0", "reader", nil, got{Status: 400, Type: "bad-query"}},
		{"bad status", "GET", "/v1/runs?status=done", "reader", nil, got{Status: 400, Type: "bad-query"}},
		{"bad since", "GET", "/v1/runs?since=yesterday", "reader", nil, got{Status: 400, Type: "bad-query"}},
		{"bad cursor", "GET", "/v1/runs?cursor=xyz", "reader", nil, got{Status: 400, Type: "bad-query"}},
		{"outputs to a run waiting for an approval", "POST", "/v1/runs/" + waiting + "/answers", "csirt-lead", csirtAnswers, got{Status: 409, Type: "not-waiting"}},
		{"no outputs", "POST", "/v1/runs/" + waiting + "/answers", "csirt-lead", map[string]any{}, got{Status: 400, Type: "bad-body"}},
		{"recover a waiting run", "POST", "/v1/runs/" + waiting + "/recover", "admin", map[string]any{"mode": "retry"}, got{Status: 409, Type: "not-interrupted"}},
		{"bad recovery", "POST", "/v1/runs/" + waiting + "/recover", "admin", map[string]any{"mode": "guess"}, got{Status: 400, Type: "bad-body"}},
		{"nothing to roll back", "POST", "/v1/runs/" + waiting + "/rollback", "admin", nil, got{Status: 409, Type: "nothing-to-roll-back"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, tt.who, tt.body)
			p := r.problem(t)
			g := got{Status: p.Status, Type: strings.TrimPrefix(p.Type, server.ProblemBase)}
			// The keys, not the messages' words, which are the executor's.
			for _, f := range p.Findings {
				if f.Message == "" {
					t.Errorf("finding of %q has no message", f.Key)
				}
				g.Findings = append(g.Findings, server.ProblemFinding{Key: f.Key})
			}
			if r.status != p.Status {
				t.Errorf("HTTP status %d, problem status %d", r.status, p.Status)
			}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("(-want +got)\n%s\n%s", diff, r.body)
			}
			if p.Title == "" || p.Detail == "" {
				t.Errorf("no title or detail: %s", r.body)
			}
		})
	}

	// A mistaken answer is 422 and leaves the run as it was.
	r := h.do("POST", "/v1/alerts", "soc", labAlert(t))
	id := r.record(t).ID
	r = h.do("POST", "/v1/runs/"+id+"/answers", "csirt-lead", map[string]any{"outputs": map[string]any{"0.1.1": map[string]any{"confirmed": "yes"}}})
	if p := r.problem(t); p.Status != 422 || p.RunStatus != executor.Waiting {
		t.Errorf("a mistyped answer: %s", r.body)
	}
	if rec := h.do("GET", "/v1/runs/"+id, "reader", nil).record(t); rec.Status != executor.Waiting || rec.Pending.Method != "0.1.1" {
		t.Errorf("after a mistyped answer the run is %s at %+v", rec.Status, rec.Pending)
	}
}

// TestIdempotentPost posts one alert with one Idempotency-Key again, and
// at once from many clients: one run is stored, and each reply names it.
func TestIdempotentPost(t *testing.T) {
	h := newHarness(t)
	alert := labAlert(t)
	first := h.do("POST", "/v1/alerts", "soc", alert, "Idempotency-Key", "mssp-4711")
	again := h.do("POST", "/v1/alerts", "soc", alert, "Idempotency-Key", "mssp-4711")
	type got struct {
		Status   int
		ID       string
		Replayed string
	}
	want := []got{{201, first.record(t).ID, ""}, {200, first.record(t).ID, "true"}}
	gots := []got{{first.status, first.record(t).ID, first.header.Get("Idempotent-Replayed")}, {again.status, again.record(t).ID, again.header.Get("Idempotent-Replayed")}}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	other := labAlert(t)
	other["host"] = "pc-b"
	if p := h.do("POST", "/v1/alerts", "soc", other, "Idempotency-Key", "mssp-4711").problem(t); p.Status != 422 {
		t.Errorf("the key of another alert: %+v", p)
	}

	// Twenty clients retry one new alert at once: each gets the run (the
	// first waits for the CSIRT within milliseconds, so none is told to
	// come back: only a run still running gives 409); one run is stored.
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = h.do("POST", "/v1/alerts", "soc", alert, "Idempotency-Key", "mssp-4712").status
		})
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case 201:
			created++
		case 200:
		default:
			t.Errorf("status %d, want 201 once and 200 for the retries", s)
		}
	}
	if created != 1 {
		t.Errorf("%d runs created, want 1: %v", created, statuses)
	}
	page, err := h.store.List(context.Background(), runstore.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Runs) != 2 {
		t.Errorf("%d runs stored, want 2", len(page.Runs))
	}
}

// TestConcurrentApprovals approves one run from 20 clients at once: one
// approval counts, the others are 409, and the containment runs once;
// approvals of different runs at once all count.
func TestConcurrentApprovals(t *testing.T) {
	h := newHarness(t)
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = h.waitingForApproval()
	}
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Go(func() { statuses[i] = h.do("POST", "/v1/runs/"+ids[0]+"/approve", "csirt-lead", nil).status })
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if diff := cmp.Diff(map[int]int{200: 1, 409: 19}, count); diff != "" {
		t.Errorf("20 approvals of one run: (-want +got)\n%s", diff)
	}
	if n := h.lab.count("edr.isolate_host"); n != 1 {
		t.Errorf("edr.isolate_host called %d times, want 1", n)
	}
	others := make([]int, 3)
	for i := range others {
		wg.Go(func() { others[i] = h.do("POST", "/v1/runs/"+ids[i+1]+"/approve", "csirt-lead", nil).status })
	}
	wg.Wait()
	if diff := cmp.Diff([]int{200, 200, 200}, others); diff != "" {
		t.Errorf("approvals of three runs at once: (-want +got)\n%s", diff)
	}
	if n := h.lab.count("edr.isolate_host"); n != 4 {
		t.Errorf("edr.isolate_host called %d times, want 4", n)
	}
}

// TestConcurrentAlerts posts alerts from many clients at once: each is a
// run of its own, stored once.
func TestConcurrentAlerts(t *testing.T) {
	h := newHarness(t)
	const clients, each = 8, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				r := h.do("POST", "/v1/alerts", "soc", labAlert(t), "Idempotency-Key", fmt.Sprintf("c%d-%d", c, i))
				if r.status != 201 {
					t.Errorf("status %d: %s", r.status, r.body)
					return
				}
				mu.Lock()
				ids[r.record(t).ID] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	page, err := h.store.List(context.Background(), runstore.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != clients*each || len(page.Runs) != clients*each {
		t.Errorf("%d distinct runs replied, %d stored; want %d", len(ids), len(page.Runs), clients*each)
	}
}

// TestPaging pages through 1,000 runs, 97 at a time, following the next
// cursors, and with a status filter.
func TestPaging(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i := range 1000 {
		st := executor.Completed
		if i%4 == 0 {
			st = executor.Waiting
		}
		rec := &executor.Record{Format: executor.RecordFormat, ID: fmt.Sprintf("run-%04d", i), Status: st, Started: base.Add(time.Duration(i) * time.Second),
			Incident: "malware", Severity: "medium", Alert: map[string]any{"category": "rat"}, Events: []executor.Event{}}
		if err := h.store.Create(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(query string) (ids []string, pages int) {
		path := "/v1/runs?limit=97" + query
		for {
			r := h.do("GET", path, "reader", nil)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			var page runstore.Page
			if err := jsonUnmarshal(r.body, &page); err != nil {
				t.Fatal(err)
			}
			pages++
			for _, s := range page.Runs {
				ids = append(ids, s.ID)
			}
			if page.Next == "" {
				if r.header.Get("Link") != "" {
					t.Errorf("a Link on the last page")
				}
				return ids, pages
			}
			if !strings.Contains(r.header.Get("Link"), `rel="next"`) {
				t.Errorf("no Link to the next page")
			}
			path = "/v1/runs?limit=97&cursor=" + page.Next + query
		}
	}
	var want []string
	for i := 999; i >= 0; i-- {
		want = append(want, fmt.Sprintf("run-%04d", i))
	}
	ids, pages := walk("")
	if diff := cmp.Diff(want, ids); diff != "" || pages != 11 {
		t.Errorf("all runs in %d pages: (-want +got)\n%s", pages, diff)
	}
	var waiting []string
	for i := 996; i >= 0; i -= 4 {
		waiting = append(waiting, fmt.Sprintf("run-%04d", i))
	}
	ids, _ = walk("&status=waiting&incident=malware&since=2026-11-20T09:00:00Z")
	if diff := cmp.Diff(waiting, ids); diff != "" {
		t.Errorf("the waiting runs: (-want +got)\n%s", diff)
	}
}
