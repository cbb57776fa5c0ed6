package runstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

// Two processes load the same run; the first to save wins, the other is
// told the record changed under it. Only one can hold the run's claim.
func Example() {
	ctx := context.Background()
	s := runstore.NewMemory()
	rec := &executor.Record{Format: executor.RecordFormat, ID: "run-1", Status: executor.Waiting,
		Started: time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)}
	if err := s.Create(ctx, rec); err != nil {
		fmt.Println(err)
	}
	a, _ := s.Load(ctx, "run-1")
	b, _ := s.Load(ctx, "run-1")
	a.Status = executor.Completed
	fmt.Println("a saves:", s.Save(ctx, a), "version", a.Version)
	err := s.Save(ctx, b)
	fmt.Println("b saves:", errors.Is(err, runstore.ErrConflict), err)

	claim, _ := s.Claim(ctx, "run-1", "pid 100 on soc-1", time.Minute)
	_, err = s.Claim(ctx, "run-1", "pid 200 on soc-2", time.Minute)
	fmt.Println(err)
	claim.Release(ctx)

	page, _ := s.List(ctx, runstore.Query{Status: []executor.Status{executor.Completed}})
	fmt.Println(len(page.Runs), page.Runs[0].ID, page.Runs[0].Status)
	// Output:
	// a saves: <nil> version 2
	// b saves: true run run-1: the record changed since it was read (version 1, stored 2): another process works on it
	// run run-1 is in use by another process (pid 100 on soc-1)
	// 1 run-1 completed
}
