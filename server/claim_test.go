package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/sqlite"
	"github.com/secopsdesign/secops/runstore/storetest"
	"github.com/secopsdesign/secops/server"
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

// claimTTLs is a store that notes the ttl of each claim taken.
type claimTTLs struct {
	runstore.Store
	mu   sync.Mutex
	ttls []time.Duration
}

func (s *claimTTLs) Claim(ctx context.Context, id, holder string, ttl time.Duration) (runstore.Claim, error) {
	s.mu.Lock()
	s.ttls = append(s.ttls, ttl)
	s.mu.Unlock()
	return s.Store.Claim(ctx, id, holder, ttl)
}

// TestClaimTTL: the server's claims last ClaimTTL, or what WithClaimTTL
// says (secops serve gives SECOPS_CLAIM_TTL); 0 is refused.
func TestClaimTTL(t *testing.T) {
	l := newLab(t)
	for _, tc := range []struct {
		opts []server.Option
		want time.Duration
	}{
		{nil, server.ClaimTTL},
		{[]server.Option{server.WithClaimTTL(time.Hour)}, time.Hour},
	} {
		st := &claimTTLs{Store: runstore.NewMemory()}
		srv, err := server.New(testPlan(t), st, append([]server.Option{server.WithRegistry(l.registry(t)),
			server.WithLogger(slog.New(slog.DiscardHandler))}, tc.opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv)
		body, _ := json.Marshal(labAlert(t))
		resp, err := http.Post(hs.URL+"/v1/alerts", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		hs.Close()
		_ = srv.Shutdown(t.Context())
		st.mu.Lock()
		if len(st.ttls) == 0 || slices.ContainsFunc(st.ttls, func(d time.Duration) bool { return d != tc.want }) {
			t.Errorf("claims of %v, want each %v (alert: %s)", st.ttls, tc.want, resp.Status)
		}
		st.mu.Unlock()
	}
	if _, err := server.New(testPlan(t), runstore.NewMemory(), server.WithClaimTTL(0)); err == nil {
		t.Error("a claim ttl of 0 taken")
	}
}
