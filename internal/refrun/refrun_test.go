package refrun_test

import (
	"context"
	"testing"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/internal/refrun"
)

// TestRun: the reference run completes with fr-1, journaling every
// step, and every run has an id of its own.
func TestRun(t *testing.T) {
	checkpoints := 0
	cp := executor.CheckpointFunc(func(context.Context, *executor.Record) error {
		checkpoints++
		return nil
	})
	e, alert := refrun.Engine(t, cp)
	first := refrun.Run(t, e, alert)
	if checkpoints < 10 {
		t.Errorf("%d checkpoints in the reference run, want at least 10", checkpoints)
	}
	if second := refrun.Run(t, e, alert); second.ID == first.ID {
		t.Errorf("two runs with id %s", first.ID)
	}
}
