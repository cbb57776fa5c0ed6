package server_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/server"
)

// TestMetricsBreach runs an alert whose response completes after its
// severity's first_response target (2h: the engine's clock moves 10
// minutes each time it is read): the breach is counted, and the
// first-response time observed.
func TestMetricsBreach(t *testing.T) {
	opts, alert := benchSetup(t)
	var ticks atomic.Int64
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * 10 * time.Minute) }
	h := newHarness(t, server.WithEngineOptions(append(opts, executor.WithClock(clock))...))
	r := h.do("POST", "/v1/alerts", "soc", alert)
	rec := r.record(t)
	if r.status != 201 || rec.Status != executor.Completed || !rec.Breached {
		t.Fatalf("%d %s, breached %v: %s", r.status, rec.Status, rec.Breached, r.body)
	}
	text := string(h.do("GET", "/metrics", "reader", nil).body)
	got := map[string]bool{}
	sum, _ := strconv.ParseFloat(metric(text, `secops_first_response_seconds_sum{severity="high"}`), 64)
	got["breach counted"] = metric(text, `secops_target_breaches_total{severity="high"}`) == "1"
	got["first response observed"] = metric(text, `secops_first_response_seconds_count{severity="high"}`) == "1"
	got["first response over 2h"] = sum > 7200
	want := map[string]bool{"breach counted": true, "first response observed": true, "first response over 2h": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
