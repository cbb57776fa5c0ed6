package sqlite_test

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/sqlite"
	"github.com/secopsdesign/secops/runstore/storetest"
)

// schemaV1 is the runs table of schema version 1, as secops wrote it
// before the rolled_back column.
const schemaV1 = `CREATE TABLE runs (
	id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL, detection TEXT NOT NULL,
	incident TEXT NOT NULL, severity TEXT NOT NULL, playbook TEXT NOT NULL, response TEXT NOT NULL,
	breached INTEGER NOT NULL, dry_run INTEGER NOT NULL, started INTEGER NOT NULL, updated INTEGER NOT NULL,
	pending TEXT, error TEXT NOT NULL, record BLOB NOT NULL)`

// TestMigrateV1: a database of schema version 1 is upgraded when opened,
// and its runs whose containment was rolled back are listed as such.
func TestMigrateV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{schemaV1,
		`CREATE TABLE claims (run_id TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, token TEXT NOT NULL, expires INTEGER NOT NULL)`,
		`PRAGMA application_id = 1397715059`, `PRAGMA user_version = 1`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	undone := storetest.Record("undone", executor.Completed, "malware", "high", 0)
	undone.Applied, undone.RolledBack = []ident.Number{"2.1", "2.2"}, []ident.Number{"2.2", "2.1"}
	partly := storetest.Record("partly", executor.Completed, "malware", "high", 1)
	partly.Applied, partly.RolledBack = []ident.Number{"2.1", "2.2"}, []ident.Number{"2.2"}
	kept := storetest.Record("kept", executor.Completed, "malware", "high", 2)
	kept.Applied = []ident.Number{"2.1"}
	for _, rec := range []*executor.Record{undone, partly, kept} {
		blob, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO runs VALUES (?, 1, ?, '', ?, ?, '', '', 0, 0, ?, ?, NULL, '', ?)`,
			rec.ID, string(rec.Status), string(rec.Incident), string(rec.Severity), rec.Started.UnixNano(), rec.Updated.UnixNano(), blob); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.List(t.Context(), runstore.Query{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range page.Runs {
		got[r.ID] = r.RolledBack
	}
	if diff := cmp.Diff(map[string]bool{"undone": true, "partly": false, "kept": false}, got); diff != "" {
		t.Errorf("rolled back after the upgrade (-want +got):\n%s", diff)
	}
	// A run rolled back from now on is listed so too.
	rec, err := s.Load(t.Context(), "kept")
	if err != nil {
		t.Fatal(err)
	}
	rec.RolledBack = []ident.Number{"2.1"}
	if err := s.Save(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	page, err = s.List(t.Context(), runstore.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Runs {
		if r.ID == "kept" && !r.RolledBack {
			t.Error("a run rolled back after the upgrade is not listed as rolled back")
		}
	}
	s2, err := sqlite.Open(path) // the upgrade is done once
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}
