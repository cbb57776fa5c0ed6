package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/sqlite"
)

// A service keeps its runs in one SQLite file: it claims a run while it
// works on it, and the engine journals the run to the store.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "runs")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	s, err := sqlite.Open(filepath.Join(dir, "runs.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ctx := context.Background()

	claim, err := s.Claim(ctx, "run-1", "worker-a", time.Minute)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer claim.Release(ctx)
	_, err = s.Claim(ctx, "run-1", "worker-b", time.Minute)
	fmt.Println(err)

	// What executor.WithCheckpoint(runstore.Checkpointer(s)) does as a
	// run goes: create the record, then save it at every step.
	journal := runstore.Checkpointer(s)
	rec := &executor.Record{Format: executor.RecordFormat, ID: "run-1", Status: executor.Running, Started: time.Unix(0, 0)}
	for _, status := range []executor.Status{executor.Running, executor.Completed} {
		rec.Status = status
		rec.Events = append(rec.Events, executor.Event{Kind: executor.EvStep})
		if err := journal.Checkpoint(ctx, rec); err != nil {
			fmt.Println(err)
			return
		}
	}
	page, err := s.List(ctx, runstore.Query{Status: []executor.Status{executor.Completed}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range page.Runs {
		fmt.Println(r.ID, r.Status, "version", r.Version)
	}
	// Output:
	// run run-1 is in use by another process (worker-a)
	// run-1 completed version 2
}
