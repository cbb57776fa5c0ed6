package temporal_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runs/runstest"
)

var queues atomic.Int64

// The runs of package runs on Temporal pass the drivers' conformance
// suite, as the in-process runs over a store do.
func TestRunsConformance(t *testing.T) {
	runstest.Run(t, func(t *testing.T, plan *executor.Plan, reg *adapters.Registry) *runs.Runs {
		w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{RollbackWindow: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		_, tc := devWorker(t, fmt.Sprintf("runstest-%d", queues.Add(1)), w)
		r, err := temporal.NewRuns(plan, tc, runs.WithSettle(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
}
