package runstore_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/internal/refrun"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/storetest"
)

func TestMemory(t *testing.T) {
	storetest.TestStore(t, func(*testing.T) runstore.Store { return runstore.NewMemory() }, storetest.Options{
		ClaimsExpire: true,
		Clocked: func(_ *testing.T, now func() time.Time) runstore.Store {
			return runstore.NewMemory(runstore.WithClock(now))
		},
		DeadHolders: true,
	})
}

// TestMemoryReadWhileJournaling loads and lists the runs of a Memory store
// while runs journal to it, as a server's readers do, a load starting
// right after every checkpoint: run with -race, it shows that what the
// store keeps is not changed under its readers (the engine alternates a
// run's Fields between two maps).
func TestMemoryReadWhileJournaling(t *testing.T) {
	store := runstore.NewMemory()
	ctx := context.Background()
	var readers sync.WaitGroup
	read := func(id string) {
		rec, err := store.Load(ctx, id)
		if err != nil {
			t.Error(err)
			return
		}
		if _, err := json.Marshal(rec); err != nil {
			t.Error(err)
		}
		// A field is the alert's or an output its events record: a
		// field set after the checkpoint loaded is not in it.
		for k := range rec.Fields {
			_, given := rec.Alert[k]
			for i := 0; !given && i < len(rec.Events); i++ {
				_, given = rec.Events[i].Outputs[k]
			}
			if !given {
				t.Errorf("run %s version %d: field %s is in no event of the record", rec.ID, rec.Version, k)
			}
		}
	}
	journal := runstore.Checkpointer(store)
	e, alert := refrun.Engine(t, executor.CheckpointFunc(func(ctx context.Context, rec *executor.Record) error {
		if err := journal.Checkpoint(ctx, rec); err != nil {
			return err
		}
		readers.Go(func() { read(rec.ID) })
		return nil
	}))
	var runs sync.WaitGroup
	for range 4 {
		runs.Go(func() {
			for range 10 {
				refrun.Run(t, e, alert)
			}
		})
	}
	readers.Go(func() {
		for range 20 {
			page, err := store.List(ctx, runstore.Query{Limit: 1000})
			if err != nil {
				t.Error(err)
				return
			}
			for _, s := range page.Runs {
				read(s.ID)
			}
		}
	})
	runs.Wait()
	readers.Wait()
	page, err := store.List(ctx, runstore.Query{Limit: 1000})
	if err != nil || len(page.Runs) != 40 {
		t.Fatalf("%d runs listed (%v), want 40", len(page.Runs), err)
	}
}
