package sqlite_test

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/sqlite"
	"github.com/secopsdesign/secops/runstore/storetest"
)

// openSQLite opens a store in a new database file in a temporary folder,
// closed when the test ends.
func openSQLite(t *testing.T, opts ...sqlite.Option) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs.db")
	return reopen(t, path, opts...), path
}

// reopen opens another handle on the database at path, as another
// process would.
func reopen(t *testing.T, path string, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) runstore.Store {
		s, _ := openSQLite(t)
		return s
	}, storetest.Options{
		ClaimsExpire: true,
		Clocked: func(t *testing.T, now func() time.Time) runstore.Store {
			s, _ := openSQLite(t, sqlite.WithClock(now))
			return s
		},
		DeadHolders: true,
	})
}

// TestOpenURL: importing the package lets runstore.Open open sqlite:PATH.
func TestOpenURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	s, err := runstore.Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*sqlite.Store); !ok {
		t.Errorf("runstore.Open(sqlite:) is a %T, want a *sqlite.Store", s)
	}
	if err := s.Create(t.Context(), storetest.Record("run-1", executor.Running, "x", "low", 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("no database at %s: %v", path, err)
	}
	if _, err := runstore.Open("sqlite::memory:"); err == nil || !strings.Contains(err.Error(), "a file name is needed") {
		t.Errorf("runstore.Open(sqlite::memory:): %v, want the store's own error", err)
	}
}

// TestSQLiteTwoHandles: two handles on one file, as two processes, see
// each other's records, versions and claims.
func TestSQLiteTwoHandles(t *testing.T) {
	a, path := openSQLite(t)
	b := reopen(t, path)
	ctx := t.Context()

	rec := storetest.Record("run-1", executor.Running, "targeted-attack", "high", 0)
	if err := a.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	got, err := b.Load(ctx, "run-1")
	if err != nil {
		t.Fatalf("Load from the second handle: %v", err)
	}
	if got.Version != 1 || got.Status != executor.Running || len(got.Events) != 3 {
		t.Errorf("the second handle loaded version %d, status %s, %d events", got.Version, got.Status, len(got.Events))
	}
	if err := b.Create(ctx, storetest.Record("run-1", executor.Running, "x", "low", 0)); !errors.Is(err, runstore.ErrExists) {
		t.Errorf("Create of the same id from the second handle: %v, want ErrExists", err)
	}
	got.Status = executor.Completed
	if err := b.Save(ctx, got); err != nil {
		t.Fatalf("Save from the second handle: %v", err)
	}
	var ce *runstore.ConflictError
	if err := a.Save(ctx, rec); !errors.As(err, &ce) || ce.Stored != 2 {
		t.Errorf("Save of the stale record from the first handle: %v, want a conflict with stored version 2", err)
	}
	p, err := a.List(ctx, runstore.Query{Status: []executor.Status{executor.Completed}})
	if err != nil || len(p.Runs) != 1 || p.Runs[0].Version != 2 {
		t.Errorf("the first handle lists %+v, %v; want run-1 at version 2", p.Runs, err)
	}

	ca, err := a.Claim(ctx, "run-1", "process a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var cl *runstore.ClaimedError
	if _, err := b.Claim(ctx, "run-1", "process b", time.Minute); !errors.As(err, &cl) || cl.Holder != "process a" || cl.Expires.IsZero() {
		t.Errorf("Claim from the second handle: %v, want a *ClaimedError naming process a, with its expiry", err)
	}
	if err := ca.Release(ctx); err != nil {
		t.Fatal(err)
	}
	cb, err := b.Claim(ctx, "run-1", "process b", time.Minute)
	if err != nil {
		t.Fatalf("Claim from the second handle after the release: %v", err)
	}
	if err := ca.Renew(ctx); !errors.As(err, &cl) || cl.Holder != "process b" {
		t.Errorf("Renew of the released claim: %v, want a *ClaimedError naming process b", err)
	}
	if err := cb.Release(ctx); err != nil {
		t.Error(err)
	}
}

// TestSQLiteConcurrentHandles: writers on two handles on one file save
// one run, retrying on conflict, and create runs of their own; no write
// fails with the database busy, and no change is lost.
func TestSQLiteConcurrentHandles(t *testing.T) {
	a, path := openSQLite(t)
	b := reopen(t, path)
	ctx := t.Context()
	if err := a.Create(ctx, storetest.Record("shared", executor.Running, "x", "low", 0)); err != nil {
		t.Fatal(err)
	}
	const writers, each = 6, 10
	var wg sync.WaitGroup
	for i := range writers {
		s := []*sqlite.Store{a, b}[i%2]
		wg.Go(func() {
			for n := range each {
				if err := s.Create(ctx, storetest.Record(fmt.Sprintf("own-%d-%d", i, n), executor.Running, "x", "low", n)); err != nil {
					t.Errorf("writer %d: Create: %v", i, err)
					return
				}
				for saved := false; !saved; {
					r, err := s.Load(ctx, "shared")
					if err != nil {
						t.Errorf("writer %d: Load: %v", i, err)
						return
					}
					r.Events = append(r.Events, executor.Event{Kind: executor.EvStep, Detail: fmt.Sprintf("%d/%d", i, n)})
					switch err := s.Save(ctx, r); {
					case err == nil:
						saved = true
					case !errors.Is(err, runstore.ErrConflict): // a conflict: load again
						t.Errorf("writer %d: Save: %v", i, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	got, err := b.Load(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range got.Events {
		if e.Kind == executor.EvStep {
			if seen[e.Detail] {
				t.Errorf("change %s saved twice", e.Detail)
			}
			seen[e.Detail] = true
		}
	}
	if len(seen) != writers*each || got.Version != 1+writers*each {
		t.Errorf("%d changes kept, version %d; want %d, version %d", len(seen), got.Version, writers*each, 1+writers*each)
	}
	p, err := a.List(ctx, runstore.Query{Limit: runstore.MaxLimit})
	if err != nil || len(p.Runs) != 1+writers*each {
		t.Errorf("List: %d runs, %v; want %d", len(p.Runs), err, 1+writers*each)
	}
}

// TestOpenRefuses: what is not a run store of this version is
// refused at open with a message that says what it is.
func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	// raw runs SQL on a new database at path, with the store's driver.
	raw := func(t *testing.T, path string, stmts ...string) {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name string
		// setup makes the file at path.
		setup func(t *testing.T, path string)
		want  string
	}{
		{"memory", nil, "a file name is needed"},
		{"text file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 200)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "not an SQLite database"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "cannot be opened"},
		{"another application's database", func(t *testing.T, path string) {
			raw(t, path, `CREATE TABLE accounts (id INTEGER PRIMARY KEY)`)
		}, "not a secops run store"},
		{"newer schema", func(t *testing.T, path string) {
			s, err := sqlite.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			raw(t, path, `PRAGMA user_version = 99`)
		}, "schema version 99, newer than this secops knows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ":memory:"
			if tt.setup != nil {
				path = filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
				tt.setup(t, path)
			}
			s, err := sqlite.Open(path)
			if err == nil {
				s.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q: want one naming %s and saying %q", err, path, tt.want)
			}
		})
	}
}

// TestSQLiteFile: the database file is created with mode 0600, under a
// name that would be a query in a URI, and a record that does not decode
// is an error naming its run.
func TestSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs?mode=ro#1%.db")
	s := reopen(t, path)
	ctx := t.Context()
	if err := s.Create(ctx, storetest.Record("run-1", executor.Running, "x", "low", 0)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the database is not at %s: %v", path, err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	raw, err := sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Dir(path))+"/runs%3Fmode=ro%231%25.db")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE runs SET record = '{"id": "run-1", "events": [' WHERE id = 'run-1'`); err != nil {
		t.Fatal(err)
	}
	_, err = s.Load(ctx, "run-1")
	if err == nil || !strings.Contains(err.Error(), "run-1") || errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("Load of a record that does not decode: %v, want an error naming run-1", err)
	}
	if _, err := raw.Exec(`UPDATE runs SET record = '{"id": "run-2", "events": []}' WHERE id = 'run-1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, "run-1"); err == nil || !strings.Contains(err.Error(), `"run-2"`) {
		t.Errorf("Load of a record of another run: %v, want an error naming both", err)
	}
}

// TestSQLiteSummaries: a listing gives the summary of each record as
// Summarize does.
func TestSQLiteSummaries(t *testing.T) {
	s, _ := openSQLite(t)
	ctx := t.Context()
	waiting := storetest.Record("run-w", executor.Waiting, "targeted-attack", "high", 2)
	waiting.Pending = &executor.Pending{Stage: executor.ResponseStage, Response: "fr-1", Party: "csirt"}
	waiting.Response, waiting.Breached, waiting.DryRun = "fr-1", true, true
	failed := storetest.Record("run-f", executor.Failed, "ransomware", "low", 1)
	failed.Error = "edr.isolate_host: 503"
	var want []runstore.Summary
	for _, r := range []*executor.Record{waiting, failed} {
		if err := s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		want = append(want, runstore.Summarize(r))
	}
	p, err := s.List(ctx, runstore.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, p.Runs); diff != "" {
		t.Errorf("summaries (-want +got):\n%s", diff)
	}
}

// clock is a clock that moves when told to, shared by the handles of a
// test, as processes on one host share its clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// expiry returns the expiry of the claim on run id stored in the
// database at path, read as another process would.
func expiry(t *testing.T, path, id string) time.Time {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(`SELECT expires FROM claims WHERE run_id = ?`, id).Scan(&n); err != nil {
		t.Fatalf("the claim on %s: %v", id, err)
	}
	return time.Unix(0, n)
}

// TestSQLiteClaimRenews: a claim renews itself while held, lapses once
// its holder stops renewing it (it died: here, its store is closed), and
// is free at once when released.
func TestSQLiteClaimRenews(t *testing.T) {
	clk := newClock()
	a, path := openSQLite(t, sqlite.WithClock(clk.now))
	b := reopen(t, path, sqlite.WithClock(clk.now))
	ctx := t.Context()
	// The claims renew themselves every ttl/3 of real time; the ttl is
	// up in the clock's time, which moves only when told to.
	const ttl = 60 * time.Millisecond
	held, err := a.Claim(ctx, "run-1", "process a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	// Time passes, past the ttl; before another process asks for the
	// run, the holder renews the claim on its own.
	clk.advance(3 * ttl)
	for deadline := time.Now().Add(10 * time.Second); !expiry(t, path, "run-1").After(clk.now()); {
		if time.Now().After(deadline) {
			t.Fatal("the claim was not renewed in 10 s")
		}
		time.Sleep(ttl / 3)
	}
	if c, err := b.Claim(ctx, "run-1", "process b", ttl); !errors.Is(err, runstore.ErrClaimed) {
		if c != nil {
			c.Release(ctx)
		}
		t.Fatalf("Claim of a claim held past its ttl: %v, want ErrClaimed", err)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Claim(ctx, "run-1", "process b", ttl); err != nil {
		t.Fatalf("Claim after a release: %v", err)
	}
	// Process b dies with the claim held: it renews no more.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Claim(ctx, "run-1", "process a", ttl); !errors.Is(err, runstore.ErrClaimed) {
		t.Errorf("Claim at once after the holder died: %v, want ErrClaimed until the claim lapses", err)
	}
	clk.advance(ttl)
	ca, err := a.Claim(ctx, "run-1", "process a", ttl)
	if err != nil {
		t.Fatalf("Claim after the dead holder's claim lapsed: %v", err)
	}
	if err := ca.Release(ctx); err != nil {
		t.Fatal(err)
	}

	// A holder that stopped renewing and comes back after its claim was
	// taken over neither renews nor releases the new holder's claim.
	c := reopen(t, path, sqlite.WithClock(clk.now))
	old, err := a.Claim(ctx, "run-2", "process a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	old.(storetest.Abandoner).Abandon()
	clk.advance(ttl)
	if _, err := c.Claim(ctx, "run-2", "process c", time.Minute); err != nil {
		t.Fatalf("Claim of a lapsed claim: %v", err)
	}
	var cl *runstore.ClaimedError
	if err := old.Renew(ctx); !errors.As(err, &cl) || cl.Holder != "process c" {
		t.Errorf("Renew of a claim taken over: %v, want a *ClaimedError naming process c", err)
	}
	if err := old.Release(ctx); err != nil {
		t.Errorf("Release of a claim taken over: %v", err)
	}
	if _, err := a.Claim(ctx, "run-2", "process a", ttl); !errors.As(err, &cl) || cl.Holder != "process c" {
		t.Errorf("Claim after the old holder released: %v, want a *ClaimedError naming process c", err)
	}
}

// TestSQLiteDeadHolderTwoHandles: the claim a process of this host left
// when it was killed is taken over at once by another process (here a
// handle of its own), and only by one of two trying at once.
func TestSQLiteDeadHolderTwoHandles(t *testing.T) {
	dead := storetest.DeadHolder(t)
	a, path := openSQLite(t)
	ctx := t.Context()
	left, err := a.Claim(ctx, "run-1", dead, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	left.(storetest.Abandoner).Abandon()
	others := []*sqlite.Store{reopen(t, path), reopen(t, path)}
	errs := make([]error, len(others))
	var wg sync.WaitGroup
	for i, s := range others {
		wg.Go(func() { _, errs[i] = s.Claim(ctx, "run-1", fmt.Sprintf("process %d", i), time.Minute) })
	}
	wg.Wait()
	won := 0
	var cl *runstore.ClaimedError
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.As(err, &cl) || cl.Holder == dead || cl.Expires.IsZero():
			t.Errorf("process %d: %v, want the claim or a *ClaimedError naming the other process, with when it lapses", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d processes took the dead holder's claim over, want 1", won)
	}
}
