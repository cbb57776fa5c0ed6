package runs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runstore"
)

// TestRollbackWhileWaiting rolls back a run that waits on a person's task
// inside its response, after the response applied an action: the run is
// given up (failed, nothing pending), and no act but a rollback takes it
// further, so the rest of the response is never applied.
func TestRollbackWhileWaiting(t *testing.T) {
	src := strings.Replace(design, `        rollback: {procedure: Release the host., action: edr.release}
        estimate: 1m`, `        rollback: {procedure: Release the host., action: edr.release}
        estimate: 1m
      - {id: "2.1.2", name: Tell the user, procedure: Call the user of the host., inputs: [host], outputs: [told], estimate: 5m}
      - {id: "2.1.3", name: Block the hash, procedure: Block the hash., inputs: [host], action: edr.block, rollback: {procedure: Unblock., action: edr.unblock}, estimate: 1m}`, 1)
	src = strings.Replace(src, "  - {id: spreading, name: Spreading, type: bool}", "  - {id: spreading, name: Spreading, type: bool}\n  - {id: told, name: Told, type: bool}", 1)
	d, findings, err := secops.Check(strings.NewReader(src), "design.yaml")
	if err != nil || findings.HasErrors() {
		t.Fatal(err, findings)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	reg, err := adapters.NewRegistry(adapters.Func("edr", func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		calls = append(calls, req.Operation)
		return adapters.Result{}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	r, err := runs.New(plan, runstore.NewMemory(), runs.WithRegistry(reg))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	csirt := runs.Actor{Name: "alice", Parties: []ident.ID{"csirt"}}
	manager := runs.Actor{Name: "bob", Parties: []ident.ID{"manager"}}
	rec, _, err := r.Start(ctx, map[string]any{"category": "malware", "host": "pc-042"}, "", csirt)
	if err != nil {
		t.Fatal(err)
	}
	if rec, err = r.Answer(ctx, rec.ID, map[ident.Number]map[string]any{"1.1.1": {"spreading": true}}, csirt); err != nil {
		t.Fatal(err)
	}
	if rec, err = r.Approve(ctx, rec.ID, manager); err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Waiting || rec.Pending == nil || rec.Pending.Method != "2.1.2" {
		t.Fatalf("after the approval: %s, pending %+v; want waiting for 2.1.2", rec.Status, rec.Pending)
	}
	if rec, err = r.Rollback(ctx, rec.ID, csirt); err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Failed || rec.Pending != nil || rec.At != nil {
		t.Errorf("after the rollback: %s, pending %+v, at %+v; want failed, nothing pending", rec.Status, rec.Pending, rec.At)
	}
	if !strings.Contains(rec.Error, "rolled back while it waited for method 2.1.2") {
		t.Errorf("error %q does not say the run was rolled back while it waited", rec.Error)
	}
	told := map[ident.Number]map[string]any{"2.1.2": {"told": true}}
	for name, act := range map[string]func() (*executor.Record, error){
		"answer":  func() (*executor.Record, error) { return r.Answer(ctx, rec.ID, told, csirt) },
		"retry":   func() (*executor.Record, error) { return r.Retry(ctx, rec.ID, csirt) },
		"recover": func() (*executor.Record, error) { return r.Recover(ctx, rec.ID, executor.Retry, nil, csirt) },
		"approve": func() (*executor.Record, error) { return r.Approve(ctx, rec.ID, manager) },
	} {
		if _, err := act(); !errors.Is(err, runs.ErrRolledBack) || !runs.Refused(err) {
			t.Errorf("%s after the rollback: %v, want a refusal wrapping ErrRolledBack", name, err)
		}
	}
	if _, err := r.Rollback(ctx, rec.ID, csirt); !errors.Is(err, runs.ErrNothingToUndo) {
		t.Errorf("second rollback: %v, want ErrNothingToUndo", err)
	}
	if diff := cmp.Diff([]string{"isolate", "release"}, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	// The engine refuses too, for callers of the executor itself.
	if err := plan.CheckAnswer(rec, executor.Answer{Outputs: told}); !errors.Is(err, executor.ErrRolledBack) {
		t.Errorf("CheckAnswer after the rollback: %v, want ErrRolledBack", err)
	}
}
