package executor_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// keeper is a Checkpointer that keeps the last record it was given as a
// Record.Snapshot, as runstore.Memory does, and checks at each checkpoint
// that the Fields it kept are as they were when it got them: the engine
// changes a map handed to a checkpoint only once a later checkpoint has
// succeeded (see executor.Checkpointer). With failAt, the failAt-th
// checkpoint and every one after fail.
type keeper struct {
	t      *testing.T
	failAt int
	n      int
	kept   *executor.Record // the last record checkpointed successfully
	keptAt int
	want   map[string]any // its Fields when it was checkpointed
}

func (k *keeper) Checkpoint(_ context.Context, rec *executor.Record) error {
	k.n++
	k.check(fmt.Sprintf("at checkpoint %d", k.n))
	if k.failAt > 0 && k.n >= k.failAt {
		return errors.New("disk full")
	}
	k.kept, k.keptAt, k.want = rec.Snapshot(), k.n, maps.Clone(rec.Fields)
	return nil
}

func (k *keeper) check(when string) {
	k.t.Helper()
	if k.kept == nil {
		return
	}
	if d := cmp.Diff(k.want, k.kept.Fields); d != "" {
		k.t.Errorf("%s, the Fields handed to checkpoint %d had changed (-then +now):\n%s", when, k.keptAt, d)
	}
}

// TestCheckpointFieldsKept runs every reference scenario, straight
// through and waiting for each person's answer, rolls back what it
// applied, and fails each checkpoint in turn: a Checkpointer keeping a
// Snapshot never sees the Fields it keeps change under it.
func TestCheckpointFieldsKept(t *testing.T) {
	plan := loadPlan(t)
	scenarios := loadScenarios(t)
	for _, id := range slices.Sorted(maps.Keys(scenarios)) {
		s := scenarios[id]
		for _, waits := range []bool{false, true} {
			run := func(t *testing.T, k *keeper) *executor.Record {
				f := &fakes{outputs: s.Outputs}
				opts := []executor.Option{executor.WithPlan(plan), executor.WithRegistry(f.registry(t)),
					executor.WithApprover(executor.AutoApprove("csirt-lead")), executor.WithCheckpoint(k)}
				if !waits {
					opts = append(opts, executor.WithPerson(f.person()))
				}
				e, err := executor.New(opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				rec, err := e.Run(ctx, s.Alert)
				for i := 0; err == nil && rec.Status == executor.Waiting && i < 50; i++ {
					m := rec.Pending.Method
					rec, err = e.Resume(ctx, rec, executor.Answer{Outputs: map[ident.Number]map[string]any{m: s.Outputs[m]}, Actor: "analyst"})
				}
				if err == nil && len(rec.Applied) > 0 {
					rec, err = e.Rollback(ctx, rec)
				}
				if k.failAt == 0 && err != nil {
					t.Fatalf("%s: %v", rec.Status, err)
				}
				k.check("after the run")
				return rec
			}
			name := fmt.Sprintf("%s, person answers at once", id)
			if waits {
				name = fmt.Sprintf("%s, resumed with each answer", id)
			}
			t.Run(name, func(t *testing.T) {
				all := &keeper{t: t}
				run(t, all)
				if all.n < 2 {
					t.Fatalf("%d checkpoints", all.n)
				}
				for n := 1; n <= all.n; n++ {
					run(t, &keeper{t: t, failAt: n})
				}
			})
		}
	}
}
