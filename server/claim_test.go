package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore/sqlite"
	"github.com/secopsdesign/secops/runstore/storetest"
)

// TestClaimedRun: an act on a run that another live process has claimed
// is 409 with Retry-After and when the claim lapses; one on a run whose
// claim a killed process of this host left (serve killed during a call)
// goes through at once.
func TestClaimedRun(t *testing.T) {
	h := newHarness(t)
	id := h.waitingForApproval()
	other, err := sqlite.Open(h.db) // another process on the same database
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	const ttl = time.Minute
	live, err := other.Claim(t.Context(), id, "pid 1 on another-host", ttl)
	if err != nil {
		t.Fatal(err)
	}
	r := h.do("POST", "/v1/runs/"+id+"/approve", "csirt-lead", nil)
	p := r.problem(t)
	wait, err := strconv.Atoi(r.header.Get("Retry-After"))
	if r.status != http.StatusConflict || !strings.HasSuffix(p.Type, ":claimed") || err != nil || wait < int(ttl.Seconds())-5 || wait > int(ttl.Seconds()) ||
		!strings.Contains(p.Detail, "pid 1 on another-host") || !strings.Contains(p.Detail, "lapses at") {
		t.Errorf("approve of a run another process claimed: %d, Retry-After %q: %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if err := live.Release(t.Context()); err != nil {
		t.Fatal(err)
	}

	left, err := other.Claim(t.Context(), id, storetest.DeadHolder(t), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	left.(storetest.Abandoner).Abandon()
	r = h.do("POST", "/v1/runs/"+id+"/approve", "csirt-lead", nil)
	if rec := r.record(t); r.status != http.StatusOK || rec.Status != executor.Completed {
		t.Errorf("approve of a run whose claim a killed process left: %d %s", r.status, r.body)
	}
}
