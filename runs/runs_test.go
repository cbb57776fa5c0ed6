package runs_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runs/runstest"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/sqlite"
)

func TestConformanceMemory(t *testing.T) {
	runstest.Run(t, func(t *testing.T, plan *executor.Plan, reg *adapters.Registry) *runs.Runs {
		r, err := runs.New(plan, runstore.NewMemory(), runs.WithRegistry(reg), runs.WithWatch(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
}

func TestConformanceSQLite(t *testing.T) {
	runstest.Run(t, func(t *testing.T, plan *executor.Plan, reg *adapters.Registry) *runs.Runs {
		r, err := runs.Open(t.Context(), plan, "sqlite:"+filepath.Join(t.TempDir(), "runs.db"), runs.WithRegistry(reg), runs.WithWatch(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
}

// A target that passed while no watcher ran (serve was down) is
// escalated by the first scan of the next.
func TestBreachWhileDown(t *testing.T) {
	plan := runstest.Plan(t)
	calls := &runstest.Calls{}
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	clock := func(at time.Time) runs.Option {
		return runs.WithEngineOptions(executor.WithClock(func() time.Time { return at }))
	}
	before, err := runs.New(plan, store, runs.WithRegistry(runstest.Registry(calls)), clock(t0))
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := before.Start(t.Context(), map[string]any{"category": "worm", "host": "web-1"}, "", runs.Actor{Name: "soc"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := before.Escalate(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Escalate before the target: %v, %v; want nothing", got, err)
	}
	before.Close()

	after, err := runs.New(plan, store, runs.WithRegistry(runstest.Registry(calls)), clock(t0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	got, err := after.Escalate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]runs.Escalation{{Run: rec.ID, Target: executor.FirstResponseTarget}}, got); diff != "" {
		t.Errorf("escalated (-want +got):\n%s", diff)
	}
	if got, err := after.Escalate(t.Context()); err != nil || len(got) != 0 {
		t.Errorf("Escalate again: %v, %v; want nothing (once only)", got, err)
	}
	key := executor.EscalationKey(rec.ID, executor.FirstResponseTarget)
	if n := calls.Count(key); n != 1 {
		t.Errorf("%s called %d times, want once", key, n)
	}
}

func TestRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"claimed", &runstore.ClaimedError{ID: "r", Holder: "pid 1 on h"}, true},
		{"wrapped rule", fmt.Errorf("run r: %w", runs.ErrNotWaiting), true},
		{"wrong party", &runs.WrongPartyError{Run: "r", Party: "csirt"}, true},
		{"uncertain", &executor.UncertainError{}, true},
		{"rollback failed", fmt.Errorf("%w: firewall.unblock: 502", runs.ErrRollbackFailed), false},
		{"checkpoint", fmt.Errorf("%w: disk full", executor.ErrCheckpoint), false},
	} {
		if got := runs.Refused(c.err); got != c.want {
			t.Errorf("%s: Refused(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
