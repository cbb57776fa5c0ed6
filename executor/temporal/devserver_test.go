package temporal_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/internal/temporaltest"
)

var updateHistories = flag.Bool("update-histories", false, "write the workflow histories of the dev-server tests to testdata/histories")

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	temporaltest.StopShared()
	os.Exit(code)
}

// devWorker starts a worker for plan on the shared dev server, on a task
// queue of its own, and returns a client for it.
func devWorker(t *testing.T, queue string, w *temporal.Worker) (client.Client, *temporal.Client) {
	srv := temporaltest.Need(t)
	c := srv.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := temporal.RegisterSearchAttributes(ctx, c, client.DefaultNamespace); err != nil {
		t.Fatal(err)
	}
	wk := worker.New(c, queue, worker.Options{})
	w.Register(wk)
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wk.Stop)
	return c, temporal.NewClient(c, queue)
}

// until polls f until it holds, failing after d.
func until(t *testing.T, d time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// saveHistory writes run id's history to testdata/histories/name.json
// with -update-histories, for TestReplay.
func saveHistory(t *testing.T, c client.Client, id, name string) {
	if !*updateHistories {
		return
	}
	ctx := context.Background()
	it := c.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historyJSON
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		b, err := protojson.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, b)
	}
	if err := os.MkdirAll("testdata/histories", 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("{\"events\": [\n")
	for i, e := range h.Events {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.Write(e)
	}
	b.WriteString("\n]}\n")
	if err := os.WriteFile(filepath.Join("testdata/histories", name+".json"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

type historyJSON struct{ Events [][]byte }

// TestDevServerApproval: on the real server, a run is started from an
// alert with an idempotency key (a second start finds the same run),
// answered through Updates (a wrong party refused), read through the
// Query, and listed by status through visibility.
func TestDevServerApproval(t *testing.T) {
	plan := loadPlan(t, "testdata/design.yaml")
	_, sc, recs, reg := reference(t, nil)
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, tc := devWorker(t, "approval", w)
	ctx := context.Background()
	key := fmt.Sprint("alert-", time.Now().UnixNano())
	id, err := tc.Start(ctx, plan, sc.Alert, key)
	if err != nil {
		t.Fatal(err)
	}
	again, err := tc.Start(ctx, plan, sc.Alert, key)
	if err != nil || again != id {
		t.Fatalf("a second start with the same key: %q, %v; want %q", again, err, id)
	}
	var rec *executor.Record
	for i := 0; ; i++ {
		until(t, 30*time.Second, "the run waits", func() bool {
			rec, err = tc.Record(ctx, id)
			return err == nil && rec.Status != executor.Running
		})
		if rec.Status != executor.Waiting {
			break
		}
		d := answerFor(sc, rec)
		if rec.Pending.Party != "" {
			list, _, err := tc.List(ctx, temporal.Filter{Status: executor.Waiting, Design: plan.Design().Metadata.Name}, 100, "")
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, s := range list {
				found = found || s.ID == id && s.Incident == "targeted-attack" && s.Playbook == rec.Playbook
			}
			if !found {
				t.Errorf("run %s waiting for approval is not listed as waiting: %+v", id, list)
			}
			if _, err := tc.Approve(ctx, id, "it", "mallory"); !errors.Is(err, temporal.ErrWrongParty) {
				t.Errorf("approval by the wrong party: %v", err)
			}
		}
		if rec, err = tc.Answer(ctx, id, d); err != nil {
			t.Fatal(err)
		}
		if i > 10 {
			t.Fatal("too many waits")
		}
	}
	if rec.Status != executor.Completed || rec.Response != "fr-1" || rec.Approved != "csirt" {
		t.Fatalf("status %s, response %s, approved %q: %s", rec.Status, rec.Response, rec.Approved, rec.Error)
	}
	if _, err := tc.Answer(ctx, id, temporal.Decision{Answer: executor.Answer{Approve: true}}); err == nil {
		t.Error("an answer to a completed run was accepted")
	}
	for _, r := range recs {
		for _, k := range r.keys {
			if n := r.count(k); n != 1 {
				t.Errorf("%s called %d times with %s", r.name, n, k)
			}
		}
	}
	until(t, 30*time.Second, "the run is listed as completed", func() bool {
		list, _, err := tc.List(ctx, temporal.Filter{Status: executor.Completed, Response: "fr-1"}, 1000, "")
		for _, s := range list {
			if err == nil && s.ID == id && !s.Open {
				return true
			}
		}
		return false
	})
	saveHistory(t, c, id, "approval")
}

// TestDevServerBreach: on the real server, a run waiting for its
// approval past a short first_response target records the breach and
// calls the escalation action once, with nobody acting.
func TestDevServerBreach(t *testing.T) {
	plan := escalationPlan(t)
	_, sc, recs, reg := reference(t, nil)
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, tc := devWorker(t, "breach", w)
	ctx := context.Background()
	id, err := tc.Start(ctx, plan, sc.Alert, "")
	if err != nil {
		t.Fatal(err)
	}
	var rec *executor.Record
	for {
		until(t, 30*time.Second, "the run waits", func() bool {
			rec, err = tc.Record(ctx, id)
			return err == nil && rec.Status == executor.Waiting
		})
		if rec.Pending.Party != "" {
			break
		}
		if _, err := tc.Answer(ctx, id, answerFor(sc, rec)); err != nil {
			t.Fatal(err)
		}
	}
	key := id + "/escalation/first_response"
	until(t, 30*time.Second, "the escalation is called", func() bool { return recs["pager"].count(key) > 0 })
	until(t, 10*time.Second, "the record says so", func() bool {
		rec, err = tc.Record(ctx, id)
		return err == nil && rec.Breached && rec.Events[len(rec.Events)-1].Kind == executor.EvEscalated
	})
	if rec.Status != executor.Waiting {
		t.Errorf("status %s, want still waiting", rec.Status)
	}
	breached := true
	until(t, 30*time.Second, "the run is listed as breached", func() bool {
		list, _, err := tc.List(ctx, temporal.Filter{Status: executor.Waiting, Breached: &breached}, 100, "")
		for _, s := range list {
			if err == nil && s.ID == id && s.Breached {
				return true
			}
		}
		return false
	})
	if rec, err = tc.Approve(ctx, id, rec.Pending.Party, "analyst"); err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Completed {
		t.Fatalf("status %s: %s", rec.Status, rec.Error)
	}
	if n := recs["pager"].count(key); n != 1 {
		t.Errorf("pager called %d times", n)
	}
	saveHistory(t, c, id, "breach")
}

// TestDevServerManyRuns: 1,000 runs are listed by status through
// visibility, page by page with the cursor.
func TestDevServerManyRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 runs on the dev server: skipped with -short")
	}
	plan := loadPlan(t, "testdata/design.yaml")
	_, sc, _, reg := reference(t, nil)
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, tc := devWorker(t, "many", w)
	ctx := context.Background()
	// Each run waits for the person's task of its confirmation.
	const n = 1000
	ids := map[string]bool{}
	batch := fmt.Sprint(time.Now().UnixNano())
	errs := make(chan error, n)
	idc := make(chan string, n)
	sem := make(chan struct{}, 20)
	for i := range n {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			id, err := tc.Start(ctx, plan, sc.Alert, fmt.Sprintf("%s-%d", batch, i))
			errs <- err
			idc <- id
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		ids[<-idc] = true
	}
	if len(ids) != n {
		t.Fatalf("%d distinct ids for %d keys", len(ids), n)
	}
	var seen map[string]bool
	until(t, 3*time.Minute, "every run listed as waiting", func() bool {
		seen = map[string]bool{}
		cursor := ""
		for {
			page, next, err := tc.List(ctx, temporal.Filter{Status: executor.Waiting, Design: plan.Design().Metadata.Name}, 200, cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				if ids[s.ID] && s.Status == executor.Waiting {
					seen[s.ID] = true
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
		return len(seen) == n
	})
}

// TestDevServerRollback: on the real server, a worker with a rollback
// window keeps a completed run's workflow open; a Rollback Update undoes
// what it applied in the workflow (the rollback calls are activities),
// a second finds nothing to undo, and the workflow then closes.
func TestDevServerRollback(t *testing.T) {
	plan := loadPlan(t, "testdata/design.yaml")
	_, sc, _, reg := reference(t, nil)
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{RollbackWindow: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c, tc := devWorker(t, "rollback", w)
	ctx := context.Background()
	id, err := tc.Start(ctx, plan, sc.Alert, "")
	if err != nil {
		t.Fatal(err)
	}
	var rec *executor.Record
	for i := 0; ; i++ {
		until(t, 30*time.Second, "the run waits", func() bool {
			rec, err = tc.Record(ctx, id)
			return err == nil && rec.Status != executor.Running
		})
		if rec.Status != executor.Waiting {
			break
		}
		if rec, err = tc.Answer(ctx, id, answerFor(sc, rec)); err != nil {
			t.Fatal(err)
		}
		if i > 10 {
			t.Fatal("too many waits")
		}
	}
	if rec.Status != executor.Completed || len(rec.Applied) == 0 {
		t.Fatalf("status %s, applied %v: %s", rec.Status, rec.Applied, rec.Error)
	}
	rec, err = tc.Rollback(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Completed || len(rec.RolledBack) != len(rec.Applied) {
		t.Errorf("after the rollback: status %s, applied %v, rolled back %v", rec.Status, rec.Applied, rec.RolledBack)
	}
	if _, err := tc.Rollback(ctx, id); !errors.Is(err, temporal.ErrNothingToUndo) && !errors.Is(err, temporal.ErrUnknownRun) && !errors.Is(err, executor.ErrNotWaiting) {
		t.Errorf("a second rollback: %v; want nothing to undo, or the workflow closed", err)
	}
	until(t, 30*time.Second, "the workflow closes", func() bool {
		list, _, err := tc.List(ctx, temporal.Filter{Status: executor.Completed, Response: rec.Response}, 1000, "")
		for _, s := range list {
			if err == nil && s.ID == id && !s.Open {
				return true
			}
		}
		return false
	})
	got, err := tc.Record(ctx, id)
	if err != nil || len(got.RolledBack) != len(got.Applied) {
		t.Errorf("the record of the closed run: %v, %+v", err, got)
	}
	saveHistory(t, c, id, "rollback")
}
