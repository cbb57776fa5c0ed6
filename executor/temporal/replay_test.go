package temporal_test

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/internal/temporaltest"
)

// TestReplay replays the committed workflow histories (recorded on the
// dev server with -update-histories) with today's workflow code: a change
// that makes the workflow non-deterministic fails here.
func TestReplay(t *testing.T) {
	files, err := filepath.Glob("testdata/histories/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no committed histories in testdata/histories (%v)", err)
	}
	_, _, _, reg := reference(t, nil)
	plans := []*executor.Plan{loadPlan(t, "testdata/design.yaml"), escalationPlan(t)}
	w, err := temporal.NewWorker(reg, plans, temporal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(w.Workflow, workflow.RegisterOptions{Name: temporal.WorkflowName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(temporaltest.Logger(), f); err != nil {
				t.Errorf("replaying %s: %v", f, err)
			}
		})
	}
}
