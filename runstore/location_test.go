package runstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/storetest"
)

// TestNewLocation: a new run's record file is never written over
// without overwrite, and the refusal says what the file holds.
func TestNewLocation(t *testing.T) {
	dir := t.TempDir()
	held := filepath.Join(dir, "held.json")
	rec := storetest.Record("run-1", executor.Completed, "x", "low", 0)
	rec.Applied = []ident.Number{"2.1", "2.2"}
	rec.RolledBack = []ident.Number{"2.1"}
	if err := runstore.NewFile(held).Create(rec); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.json")
	if err := os.WriteFile(junk, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		overwrite  bool
		want       string // the error; "" for none
	}{
		{"new file", filepath.Join(dir, "new.json"), false, ""},
		{"holds a record", held, false, held + " exists: it holds run run-1 (completed), whose applied containment (2.2) is not rolled back"},
		{"not a record", junk, false, "exists and is not a record"},
		{"overwrite", junk, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := runstore.NewLocation(tc.path, "", "run-2", tc.overwrite)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				if _, err := os.Stat(tc.path); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s is still there: %v", tc.path, err)
				}
				if l.String() != tc.path || l.File() == nil || l.URL() != "" {
					t.Errorf("location %s, file %v, url %q", l, l.File(), l.URL())
				}
				return
			}
			var fe *runstore.FileExistsError
			if !errors.As(err, &fe) || !errors.Is(err, runstore.ErrExists) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want a FileExistsError with %q", err, tc.want)
			}
		})
	}
}

// TestFindLocation: a record file names its design relative to itself,
// so that the two move together; a run in a store is found by id; a
// store of a path that is not there is not made.
func TestFindLocation(t *testing.T) {
	dir := t.TempDir()
	design := filepath.Join(dir, "design.yaml")
	if err := os.WriteFile(design, []byte("format: secops/v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "run.json")
	l, err := runstore.NewLocation(path, "", "run-1", false)
	if err != nil {
		t.Fatal(err)
	}
	l.UseDesign(design)
	if err := l.Store().Create(t.Context(), storetest.Record("run-1", executor.Waiting, "x", "low", 0)); err != nil {
		t.Fatal(err)
	}
	l.Close()

	got, rec, err := runstore.FindLocation(t.Context(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if rec.Design != "design.yaml" {
		t.Errorf("the record names the design %q, want design.yaml", rec.Design)
	}
	if p, err := got.DesignPath(rec); err != nil || p != design {
		t.Errorf("design path %q, %v; want %s", p, err, design)
	}
	rec.Design = "moved.yaml"
	var me *runstore.MissingDesignError
	if _, err := got.DesignPath(rec); !errors.As(err, &me) || me.Path != filepath.Join(dir, "moved.yaml") {
		t.Errorf("a design that is not there: %v", err)
	}
	rec.Design = ""
	if _, err := got.DesignPath(rec); !errors.As(err, &me) || me.Path != "" || me.Error() != path+": the record names no design file" {
		t.Errorf("no design: %v", err)
	}

	url := "dir:" + filepath.Join(dir, "runs")
	if _, _, err := runstore.FindLocation(t.Context(), "run-1", url); !errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("a store that is not there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("FindLocation made the store: %v", err)
	}
	s, err := runstore.NewLocation("", url, "run-3", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store().Create(t.Context(), storetest.Record("run-3", executor.Waiting, "x", "low", 0)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	found, rec, err := runstore.FindLocation(t.Context(), "run-3", url)
	if err != nil {
		t.Fatal(err)
	}
	defer found.Close()
	if diff := cmp.Diff([]string{"run run-3 in " + url, "run-3", url}, []string{found.String(), rec.ID, found.URL()}); diff != "" || found.File() != nil {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, _, err := runstore.FindLocation(t.Context(), "run-9", url); !errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("a run that is not there: %v", err)
	}
}
