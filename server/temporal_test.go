package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/internal/temporaltest"
	"github.com/secopsdesign/secops/server"
)

// temporalHarness is a server backed by Temporal's development server,
// with an in-process secops worker on the same task queue calling the
// lab's adapters.
func temporalHarness(t *testing.T, queue string) *harness {
	t.Helper()
	dev := temporaltest.New(t)
	c := dev.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := temporal.RegisterSearchAttributes(ctx, c, client.DefaultNamespace); err != nil {
		t.Fatal(err)
	}
	toks, secrets := testTokens(t)
	h := &harness{t: t, lab: newLab(t), tokens: toks, secrets: secrets, client: &http.Client{Timeout: 2 * time.Minute}}
	w, err := temporal.NewWorker(h.lab.registry(t), []*executor.Plan{testPlan(t)}, temporal.Options{RollbackWindow: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	wk := worker.New(c, queue, worker.Options{})
	w.Register(wk)
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wk.Stop)
	r, err := temporal.NewRuns(testPlan(t), temporal.NewClient(c, queue))
	if err != nil {
		t.Fatal(err)
	}
	h.srv, err = server.NewRuns(r, server.WithTokens(toks),
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.hs = httptest.NewServer(h.srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.srv.Shutdown(ctx)
		h.hs.Close()
	})
	return h
}

// listed polls GET /v1/runs?query until it lists id (visibility is
// eventually consistent).
func (h *harness) listed(query, id string) bool { return h.listedWithin(query, id, 30*time.Second) }

// listedWithin is listed polling for d (once with 0).
func (h *harness) listedWithin(query, id string, d time.Duration) bool {
	h.t.Helper()
	for end := time.Now().Add(d); ; time.Sleep(200 * time.Millisecond) {
		r := h.do("GET", "/v1/runs?"+query, "reader", nil)
		if r.status != http.StatusOK {
			h.t.Fatalf("GET /v1/runs?%s: %d %s", query, r.status, r.body)
		}
		var page struct {
			Runs []struct {
				ID string `json:"id"`
			} `json:"runs"`
		}
		if err := jsonUnmarshal(r.body, &page); err != nil {
			h.t.Fatal(err)
		}
		if slices.ContainsFunc(page.Runs, func(s struct {
			ID string `json:"id"`
		}) bool {
			return s.ID == id
		}) {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// TestTemporalWalk walks one alert through the API of a server backed by
// the real Temporal development server: the alert starts a workflow (a
// retry with its Idempotency-Key finds it), answers and approvals are
// Updates (a party the design does not name refused with 403, a wrong
// answer with 422, a second approval with 409), records are the Query,
// listings come from visibility; containment runs once.
func TestTemporalWalk(t *testing.T) {
	h := temporalHarness(t, "serve-walk")
	alert := labAlert(t)
	r := h.do("POST", "/v1/alerts", "soc", alert, "Idempotency-Key", "walk-1")
	if r.status != http.StatusCreated {
		t.Fatalf("POST /v1/alerts: %d %s", r.status, r.body)
	}
	id := r.record(t).ID
	if got, want := r.header.Get("Location"), "/v1/runs/"+id; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	again := h.do("POST", "/v1/alerts", "soc", alert, "Idempotency-Key", "walk-1")
	if again.status != http.StatusOK || again.header.Get("Idempotent-Replayed") != "true" || again.record(t).ID != id {
		t.Errorf("a retry with the same key: %d %v %s; want 200, replayed, run %s", again.status, again.header, again.body, id)
	}
	other := malwareAlert(t)
	if r := h.do("POST", "/v1/alerts", "soc", other, "Idempotency-Key", "walk-1"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("the same key for another alert: %d %s; want 422", r.status, r.body)
	}
	if r := h.do("POST", "/v1/alerts", "soc", map[string]any{"no-such-field": 1}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("an alert that does not fit: %d %s; want 422", r.status, r.body)
	}
	type got = outcome
	badAnswer := map[string]any{"outputs": map[string]any{"0.1.1": map[string]any{"confirmed": "yes"}}}
	steps := []struct {
		name, method, path, who string
		body                    any
		want                    got
	}{
		{name: "the run waits for the confirmation", method: "GET", path: "/v1/runs/" + id, who: "reader",
			want: got{Status: 200, Run: executor.Waiting, Method: "0.1.1"}},
		{name: "the infrastructure team may not answer triage", method: "POST", path: "/v1/runs/" + id + "/answers", who: "it-ops", body: csirtAnswers,
			want: got{Status: 403, Run: executor.Waiting, Method: "0.1.1", Problem: "wrong-party"}},
		{name: "an answer of the wrong type", method: "POST", path: "/v1/runs/" + id + "/answers", who: "csirt-lead", body: badAnswer,
			want: got{Status: 422, Run: executor.Waiting, Method: "0.1.1", Problem: "bad-answer"}},
		{name: "the CSIRT answers", method: "POST", path: "/v1/runs/" + id + "/answers", who: "csirt-lead", body: csirtAnswers,
			want: got{Status: 200, Run: executor.Waiting, Party: "csirt"}},
		{name: "the infrastructure team may not approve", method: "POST", path: "/v1/runs/" + id + "/approve", who: "it-ops",
			want: got{Status: 403, Run: executor.Waiting, Party: "csirt", Problem: "wrong-party"}},
		{name: "an ingest token may not approve", method: "POST", path: "/v1/runs/" + id + "/approve", who: "soc",
			want: got{Status: 403, Problem: "forbidden"}},
		{name: "a waiting run is not recovered", method: "POST", path: "/v1/runs/" + id + "/recover", who: "admin",
			want: got{Status: 409, Run: executor.Waiting, Party: "csirt", Problem: "not-interrupted"}},
	}
	check := func(steps []struct {
		name, method, path, who string
		body                    any
		want                    got
	}) {
		for _, s := range steps {
			r := h.do(s.method, s.path, s.who, s.body)
			g := r.outcome(t)
			if diff := cmp.Diff(s.want, g); diff != "" {
				t.Errorf("%s: %s %s: (-want +got)\n%s\n%s", s.name, s.method, s.path, diff, r.body)
			}
		}
	}
	check(steps)
	if !h.listed("status=waiting,running", id) {
		t.Errorf("GET /v1/runs?status=waiting does not list run %s", id)
	}
	check([]struct {
		name, method, path, who string
		body                    any
		want                    got
	}{
		{name: "the CSIRT approves", method: "POST", path: "/v1/runs/" + id + "/approve", who: "csirt-lead",
			want: got{Status: 200, Run: executor.Completed}},
		{name: "approving again is a conflict", method: "POST", path: "/v1/runs/" + id + "/approve", who: "csirt-lead",
			want: got{Status: 409, Run: executor.Completed, Problem: "not-waiting"}},
		{name: "the completed run", method: "GET", path: "/v1/runs/" + id, who: "reader",
			want: got{Status: 200, Run: executor.Completed}},
		{name: "no such run", method: "GET", path: "/v1/runs/0123456789abcdef", who: "reader",
			want: got{Status: 404, Problem: "no-such-run"}},
		{name: "rollback needs admin", method: "POST", path: "/v1/runs/" + id + "/rollback", who: "csirt-lead",
			want: got{Status: 403, Problem: "forbidden"}},
		{name: "admin rolls back, in the workflow", method: "POST", path: "/v1/runs/" + id + "/rollback", who: "admin",
			want: got{Status: 200, Run: executor.Completed}},
		{name: "nothing left to roll back", method: "POST", path: "/v1/runs/" + id + "/rollback", who: "admin",
			want: got{Status: 409, Run: executor.Completed, Problem: "nothing-to-roll-back"}},
	})
	if !h.listed("status=completed", id) {
		t.Errorf("GET /v1/runs?status=completed does not list run %s", id)
	}
	if h.listedWithin("status=completed&until=2000-01-01T00:00:00Z", id, 0) {
		t.Errorf("GET /v1/runs?until=2000-01-01T00:00:00Z lists run %s", id)
	}
	if r := h.do("GET", "/v1/runs?cursor=!!", "reader", nil); r.status != http.StatusBadRequest {
		t.Errorf("a bad cursor: %d %s; want 400", r.status, r.body)
	}
	rec := h.do("GET", "/v1/runs/"+id, "reader", nil).record(t)
	if rec.Approved != "csirt" || !slices.Equal(rec.Applied, []ident.Number{"2.1.1", "2.2.1"}) ||
		!slices.Equal(rec.RolledBack, []ident.Number{"2.2.1", "2.1.1"}) {
		t.Errorf("the record: approved %q, applied %v, rolled back %v", rec.Approved, rec.Applied, rec.RolledBack)
	}
	for _, action := range []string{"edr.isolate_host", "edr.release_host", "firewall.block_ip"} {
		if n := h.lab.count(action); n != 1 {
			t.Errorf("%s called %d times, want 1", action, n)
		}
	}
}

// TestTemporalConcurrentApprovals: ten approvals of one run waiting on
// Temporal at once are one 200 and nine 409s, and the containment runs
// once.
func TestTemporalConcurrentApprovals(t *testing.T) {
	h := temporalHarness(t, "serve-concurrent")
	r := h.do("POST", "/v1/alerts", "soc", labAlert(t))
	if r.status != http.StatusCreated {
		t.Fatalf("POST /v1/alerts: %d %s", r.status, r.body)
	}
	id := r.record(t).ID
	if r := h.do("POST", "/v1/runs/"+id+"/answers", "csirt-lead", csirtAnswers); r.status != http.StatusOK || r.record(t).Pending == nil || r.record(t).Pending.Party != "csirt" {
		t.Fatalf("answers: %d %s", r.status, r.body)
	}
	// The page lists the run, through visibility, to the CSIRT, and not
	// to the infrastructure team.
	page := func(who string) string {
		t.Helper()
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.PostForm(h.hs.URL+"/signin", url.Values{"token": {h.secrets[who]}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		req, _ := http.NewRequest("GET", h.hs.URL+"/", nil)
		for _, c := range resp.Cookies() {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		resp, err = noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the page for %s: %d %s", who, resp.StatusCode, b)
		}
		return string(b)
	}
	if !h.listed("status=waiting", id) {
		t.Fatalf("run %s is not listed as waiting", id)
	}
	if p := page("csirt-lead"); !strings.Contains(p, "/runs/"+id+"/approve") {
		t.Errorf("the CSIRT's page has no approval of run %s:\n%s", id, p)
	}
	if p := page("it-ops"); strings.Contains(p, "/runs/"+id+"/approve") {
		t.Errorf("the infrastructure team's page offers the approval of run %s", id)
	}
	const n = 10
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- h.do("POST", "/v1/runs/"+id+"/approve", "csirt-lead", nil).status
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != n-1 {
		t.Errorf("%d approvals at once: %v; want one 200 and %d 409s", n, count, n-1)
	}
	if rec := h.do("GET", "/v1/runs/"+id, "reader", nil).record(t); rec.Status != executor.Completed {
		t.Errorf("the run: %s, want completed", rec.Status)
	}
	if c := h.lab.count("edr.isolate_host"); c != 1 {
		t.Errorf("edr.isolate_host called %d times, want 1", c)
	}
}
