package runstore_test

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
	"github.com/secopsdesign/secops/runstore/storetest"
)

// openSQLite opens a store in a new database file in a temporary folder,
// closed when the test ends.
func openSQLite(t *testing.T) (*runstore.SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs.db")
	return reopen(t, path), path
}

// reopen opens another handle on the database at path, as another
// process would.
func reopen(t *testing.T, path string) *runstore.SQLite {
	t.Helper()
	s, err := runstore.OpenSQLite(path)
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
	}, storetest.Options{ClaimsExpire: true})
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
		s := []*runstore.SQLite{a, b}[i%2]
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

// TestOpenSQLiteRefuses: what is not a run store of this version is
// refused at open with a message that says what it is.
func TestOpenSQLiteRefuses(t *testing.T) {
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
			s, err := runstore.OpenSQLite(path)
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
			s, err := runstore.OpenSQLite(path)
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

// TestSQLiteClaimRenews: a claim renews itself while held, lapses once
// its holder stops renewing it (it died: here, its store is closed), and
// is free at once when released.
func TestSQLiteClaimRenews(t *testing.T) {
	a, path := openSQLite(t)
	b := reopen(t, path)
	ctx := t.Context()
	const ttl = 300 * time.Millisecond
	held, err := a.Claim(ctx, "run-1", "process a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * ttl)
	if c, err := b.Claim(ctx, "run-1", "process b", ttl); !errors.Is(err, runstore.ErrClaimed) {
		if c != nil {
			c.Release(ctx)
		}
		t.Fatalf("Claim of a claim held past its ttl: %v, want ErrClaimed", err)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	cb, err := b.Claim(ctx, "run-1", "process b", ttl)
	if err != nil {
		t.Fatalf("Claim after a release: %v", err)
	}
	// Process b dies with the claim held.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Claim(ctx, "run-1", "process a", ttl); !errors.Is(err, runstore.ErrClaimed) {
		t.Errorf("Claim at once after the holder died: %v, want ErrClaimed until the claim lapses", err)
	}
	time.Sleep(ttl + ttl/2)
	ca, err := a.Claim(ctx, "run-1", "process a", ttl)
	if err != nil {
		t.Fatalf("Claim after the dead holder's claim lapsed: %v", err)
	}
	if err := ca.Release(ctx); err != nil {
		t.Fatal(err)
	}
	_ = cb // its store is closed: it can do nothing more

	// A holder that stopped renewing and comes back after its claim was
	// taken over neither renews nor releases the new holder's claim.
	c := reopen(t, path)
	old, err := a.Claim(ctx, "run-2", "process a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	old.(storetest.Abandoner).Abandon()
	time.Sleep(ttl + ttl/2)
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
