package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

// holdWrites makes s act as if a write were in progress, so that the writes
// started meanwhile queue; the returned function waits until n are
// queued and lets them go, as the end of that write would.
func holdWrites(t *testing.T, s *Store) (release func(n int)) {
	s.wmu.Lock()
	s.writing = true
	s.wmu.Unlock()
	return func(n int) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			s.wmu.Lock()
			q := len(s.queue)
			s.wmu.Unlock()
			if q >= n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d writes queued, want %d", q, n)
			}
			time.Sleep(time.Millisecond)
		}
		s.lead(&write{ctx: context.Background(), stmt: s.version, args: []any{"none"}}) // a harmless read as the ending write
	}
}

func newRecord(id string) *executor.Record {
	return &executor.Record{ID: id, Status: executor.Running, Started: time.Unix(1, 0).UTC(), Updated: time.Unix(1, 0).UTC()}
}

func openTemp(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "runs.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestGroupCommit: writes that queue while one is written commit in one
// transaction each batch, bounded by maxBatch, and each keeps its own
// outcome: a stale Save fails with a ConflictError, a Create of a run
// that exists with ErrExists, and the others land.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	const n = 100
	recs := make([]*executor.Record, n)
	for i := range recs {
		recs[i] = newRecord(fmt.Sprintf("run-%d", i))
		if err := s.Create(ctx, recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	stale := recs[0].Clone()
	if err := s.Save(ctx, recs[0]); err != nil { // now at version 2: stale is at 1
		t.Fatal(err)
	}
	commits, writes := s.commits.Load(), s.writes.Load()

	release := holdWrites(t, s)
	errs := make([]error, n+2)
	var wg sync.WaitGroup
	for i, rec := range recs {
		wg.Go(func() { rec.Error = "saved"; errs[i] = s.Save(ctx, rec) })
	}
	wg.Go(func() { errs[n] = s.Save(ctx, stale) })
	wg.Go(func() { errs[n+1] = s.Create(ctx, newRecord("run-7")) })
	release(n + 2)
	wg.Wait()

	for i, err := range errs[:n] {
		if err != nil {
			t.Errorf("save %d: %v", i, err)
		}
	}
	var ce *runstore.ConflictError
	if !errors.As(errs[n], &ce) || ce.Version != 1 || ce.Stored != 3 {
		t.Errorf("stale save: %v, want a conflict of version 1 with 3", errs[n])
	}
	if !errors.Is(errs[n+1], runstore.ErrExists) {
		t.Errorf("create of run-7 again: %v, want ErrExists", errs[n+1])
	}
	for i, rec := range recs {
		got, err := s.Load(ctx, rec.ID)
		want := int64(2)
		if i == 0 {
			want = 3
		}
		if err != nil || got.Version != want || rec.Version != want || got.Error != "saved" {
			t.Errorf("%s: stored %+v (%v), record at version %d; want version %d, saved", rec.ID, got, err, rec.Version, want)
		}
	}
	// The ending write of holdWrites leads a batch of 64, then 39 commit.
	if got, want := s.commits.Load()-commits, int64(2); got != want {
		t.Errorf("%d commits, want %d", got, want)
	}
	if got, want := s.writes.Load()-writes, int64(n+3); got != want {
		t.Errorf("%d writes, want %d", got, want)
	}
}

// TestGroupCommitCancel: a write whose context ends while it waits is
// not written and fails with the context's error; the others of its
// batch are written.
func TestGroupCommitCancel(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	a, b := newRecord("a"), newRecord("b")
	release := holdWrites(t, s)
	cctx, cancel := context.WithCancel(ctx)
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { errA = s.Create(cctx, a) })
	wg.Go(func() { errB = s.Create(ctx, b) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.wmu.Lock()
		q := len(s.queue)
		s.wmu.Unlock()
		if q == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	for {
		s.wmu.Lock()
		q := len(s.queue)
		s.wmu.Unlock()
		if q < 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	release(1)
	wg.Wait()
	if !errors.Is(errA, context.Canceled) {
		t.Errorf("create with a cancelled context: %v, want context.Canceled", errA)
	}
	if _, err := s.Load(ctx, "a"); !errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("load a: %v, want ErrNotFound", err)
	}
	if errB != nil {
		t.Errorf("create b: %v", errB)
	}
	if got, err := s.Load(ctx, "b"); err != nil || got.Version != 1 {
		t.Errorf("load b: %+v, %v", got, err)
	}
}

// TestGroupCommitFails: when the transaction of a batch cannot commit
// (here another connection holds the database's write lock past the busy
// timeout), every write of the batch fails, none is stored, the records
// keep their versions, and they save once the lock is free.
func TestGroupCommitFails(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "runs.db")
	s, err := Open(path, withBusyTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 10
	recs := make([]*executor.Record, n)
	for i := range recs {
		recs[i] = newRecord(fmt.Sprintf("run-%d", i))
		if err := s.Create(ctx, recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	abs, _ := filepath.Abs(path)
	other, err := sql.Open("sqlite", sqliteDSN(abs, busyTimeout))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.Begin() // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	release := holdWrites(t, s)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, rec := range recs {
		wg.Go(func() { rec.Error = "lost"; errs[i] = s.Save(ctx, rec) })
	}
	release(n)
	wg.Wait()
	tx.Rollback()
	for i, err := range errs {
		if err == nil {
			t.Errorf("save %d: no error while the database was locked", i)
		}
		if recs[i].Version != 1 {
			t.Errorf("save %d: version %d after a failed save, want 1", i, recs[i].Version)
		}
	}
	for _, rec := range recs {
		if got, err := s.Load(ctx, rec.ID); err != nil || got.Version != 1 || got.Error != "" {
			t.Errorf("%s: stored %+v, %v; want version 1 unchanged", rec.ID, got, err)
		}
		if err := s.Save(ctx, rec); err != nil {
			t.Errorf("%s: save after the lock is free: %v", rec.ID, err)
		}
		if got, err := s.Load(ctx, rec.ID); err != nil || got.Version != 2 || got.Error != "lost" {
			t.Errorf("%s: stored %+v, %v; want version 2", rec.ID, got, err)
		}
	}
}

// TestConcurrentSaves: saves from many goroutines at once, each of its
// own run, all land in order.
func TestConcurrentSaves(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	const runs, saves = 50, 20
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			rec := newRecord(fmt.Sprintf("run-%d", i))
			if err := s.Create(ctx, rec); err != nil {
				t.Error(err)
				return
			}
			for j := range saves {
				rec.Error = fmt.Sprint(j)
				if err := s.Save(ctx, rec); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for i := range runs {
		got, err := s.Load(ctx, fmt.Sprintf("run-%d", i))
		if err != nil || got.Version != saves+1 || got.Error != fmt.Sprint(saves-1) {
			t.Errorf("run-%d: %+v, %v", i, got, err)
		}
	}
	t.Logf("%d writes in %d commits", s.writes.Load(), s.commits.Load())
}
