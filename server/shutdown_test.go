package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/server"
)

// TestQueueFull fills the only worker and the queue: the next alert is
// 503 with Retry-After, and is not stored.
func TestQueueFull(t *testing.T) {
	h := newHarness(t, server.WithWorkers(1), server.WithQueue(1))
	h.lab.block = "edr.file_hash" // the first call of the flow
	alert := malwareAlert(t)
	replies := make(chan reply, 3)
	go func() { replies <- h.do("POST", "/v1/alerts", "soc", alert, "Idempotency-Key", "a") }()
	<-h.lab.started // the worker is busy
	// Of two more, one waits in the queue and the other finds it full.
	go func() { replies <- h.do("POST", "/v1/alerts", "soc", alert, "Idempotency-Key", "b") }()
	go func() { replies <- h.do("POST", "/v1/alerts", "soc", alert, "Idempotency-Key", "c") }()
	r := <-replies
	p := r.problem(t)
	if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 || p.Status != 503 || p.RetryAfter != n || !strings.Contains(p.Detail, "queue is full") {
		t.Errorf("a full queue: %d, Retry-After %q: %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	h.stop() // interrupts the blocked run; the queued one is refused
	got := map[int]int{}
	for range 2 {
		got[(<-replies).status]++
	}
	if diff := cmp.Diff(map[int]int{201: 1, 503: 1}, got); diff != "" {
		t.Errorf("the replies of the running and the queued alert: (-want +got)\n%s", diff)
	}
	page, err := h.storeAfterStop().List(context.Background(), runstore.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Runs) != 1 || page.Runs[0].Status != executor.Interrupted {
		t.Errorf("stored: %+v, want the one interrupted run", page.Runs)
	}
}

// TestShutdown stops the server while a run is in an adapter call: the
// run stops at its checkpoint, interrupted, new alerts are refused, and
// after a restart on the same database it is recovered.
func TestShutdown(t *testing.T) {
	h := newHarness(t)
	h.lab.block = "edr.file_hash"
	done := make(chan reply, 1)
	go func() { done <- h.do("POST", "/v1/alerts", "soc", malwareAlert(t)) }()
	id := <-h.lab.started
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if rec := r.record(t); r.status != 201 || rec.Status != executor.Interrupted || rec.ID != id {
		t.Errorf("the run in progress: %d %s", r.status, rec.Status)
	}
	if r := h.do("POST", "/v1/alerts", "soc", labAlert(t)); r.status != 503 {
		t.Errorf("an alert after shutdown: %d", r.status)
	}
	if r := h.do("GET", "/healthz", "", nil); r.status != 503 {
		t.Errorf("healthz after shutdown: %d", r.status)
	}
	h.restart()
	h.lab.block = ""
	// The call was cut off: whether it took effect is unknown, so
	// recovering without saying how is refused with the call named.
	p := h.do("POST", "/v1/runs/"+id+"/recover", "admin", nil).problem(t)
	if p.Status != 409 || len(p.Calls) != 1 || p.Calls[0].Action != "edr.file_hash" {
		t.Errorf("recover without a mode: %+v", p)
	}
	r = h.do("POST", "/v1/runs/"+id+"/recover", "admin", map[string]any{"mode": "retry"})
	if rec := r.record(t); r.status != 200 || rec.Status != executor.Waiting || rec.Pending.Method != "1.4.1" {
		t.Errorf("recover retry: %d %s", r.status, r.body)
	}
}
