package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
)

// claimTTL returns how long a store claim lasts unless renewed (stores
// renew the claims they give while they are held): after a process that
// held a run dies, others wait this long before they can take the run.
// SECOPS_CLAIM_TTL (a duration such as 10s) changes it; the default is
// 30s.
func claimTTL() time.Duration {
	if v := os.Getenv("SECOPS_CLAIM_TTL"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return 30 * time.Second
}

// target is where a command keeps the record of the run it works on: a
// record file (--record) or a run store (--store), as a runstore.Store
// for the runs service, which takes the run's claim for each act.
type target struct {
	// name says where the record is, for messages.
	name string
	// file is the record file, without a store.
	file *runstore.File
	// store is the run store, or the record file's; spec how it was
	// named.
	store runstore.Store
	spec  string
	// designName is the design as the record file names it (see
	// design).
	designName string
}

// openStore opens a run store named as sqlite:PATH or dir:FOLDER.
func openStore(spec string) (runstore.Store, error) {
	s, err := runstore.Open(spec)
	if err != nil {
		return nil, usageError("--store %s: %v", spec, strings.TrimPrefix(err.Error(), fmt.Sprintf("run store %q: ", spec)))
	}
	return s, nil
}

// openExistingStore opens a run store that must exist already: a
// mistyped path is an error, not a new empty store.
func openExistingStore(spec string) (runstore.Store, error) {
	if kind, path, ok := strings.Cut(spec, ":"); ok && path != "" && (kind == "dir" || kind == "sqlite") {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, usageError("--store %s: %s does not exist (a new store is made only by secops run)", spec, path)
		}
	}
	return openStore(spec)
}

// openTarget prepares where a new run's record goes.
func openTarget(record, spec, id string, force bool, d *secops.Design) (*target, error) {
	if spec != "" {
		s, err := openStore(spec)
		if err != nil {
			return nil, err
		}
		return &target{name: fmt.Sprintf("run %s in %s", id, spec), store: s, spec: spec}, nil
	}
	if record == "" {
		record = "run-" + id + ".json"
	}
	t := fileTarget(record)
	t.design(d)
	old, err := t.file.Load()
	switch {
	case errors.Is(err, runstore.ErrNotFound):
		return t, nil
	case err != nil && !force:
		return nil, usageError("%s exists and is not a record (%v): give another --record, or --force to write over it", record, err)
	case err == nil && !force:
		msg := fmt.Sprintf("%s exists: it holds run %s (%s)", record, old.ID, old.Status)
		if left := notRolledBack(old); len(left) > 0 {
			msg += fmt.Sprintf(", whose applied containment (%s) is not rolled back", joinNumbers(left))
		}
		return nil, usageError("%s; give another --record, or --force to write over it", msg)
	}
	if err := os.Remove(record); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, usageError("%v", err)
	}
	return t, nil
}

// fileTarget is the record file at path.
func fileTarget(path string) *target {
	t := &target{name: path, file: runstore.NewFile(path)}
	t.store = t.file.StoreNaming(func() string { return t.designName })
	return t
}

// notRolledBack lists the applied methods of rec not rolled back.
func notRolledBack(rec *executor.Record) []ident.Number {
	var left []ident.Number
	for _, m := range rec.Applied {
		if !slices.Contains(rec.RolledBack, m) {
			left = append(left, m)
		}
	}
	return left
}

// loadRecord reads the record ref names: a file, or with a store spec
// a run id. The runs service claims it for the act.
func loadRecord(ctx context.Context, ref, spec string) (*target, *executor.Record, error) {
	if spec != "" {
		s, err := openExistingStore(spec)
		if err != nil {
			return nil, nil, err
		}
		t := &target{name: fmt.Sprintf("run %s in %s", ref, spec), store: s, spec: spec}
		rec, err := s.Load(ctx, ref)
		if err != nil {
			t.close()
			return nil, nil, usageError("%s: %v", spec, err)
		}
		return t, rec, nil
	}
	if _, err := os.Stat(ref); err != nil {
		return nil, nil, usageError("record: %v", err)
	}
	t := fileTarget(ref)
	rec, err := t.file.Load()
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	t.designName = rec.Design
	return t, rec, nil
}

func claimError(path string, err error) error {
	var ce *runstore.ClaimedError
	if errors.As(err, &ce) {
		msg := fmt.Sprintf("%s is in use by another secops process (%s): wait for it to finish, or stop it", path, ce.Holder)
		if !ce.Expires.IsZero() {
			msg += fmt.Sprintf("; if that process is gone, its claim lapses at %s", ce.Expires.Local().Format(time.TimeOnly))
		}
		return usageError("%s", msg)
	}
	return usageError("%s: %v", path, err)
}

// design sets the design a record file names (see
// runstore.File.DesignName).
func (t *target) design(d *secops.Design) {
	if t.file != nil {
		t.designName = t.file.DesignName(d.Source())
	}
}

// designPath returns the design file of rec: override, or the one the
// record names.
func (t *target) designPath(rec *executor.Record, override string) (string, error) {
	if override != "" {
		return override, nil
	}
	p := rec.Design
	if t.file != nil {
		p = t.file.DesignPath(rec)
	}
	if p == "" {
		return "", usageError("%s: the record names no design file: give it with --design FILE", t.name)
	}
	if _, err := os.Stat(p); err != nil {
		return "", usageError("%s: the record names the design %s, which is not there (%s): if it moved, point at it with --design FILE",
			t.name, p, strings.TrimPrefix(err.Error(), "stat "+p+": "))
	}
	return p, nil
}

// ref returns what names the run to later commands: the record file, or
// the run id and the store.
func (t *target) ref(id string) string {
	if t.file != nil {
		return t.file.Path()
	}
	return id + " --store " + t.spec
}

func (t *target) close() {
	if t.store != nil {
		_ = t.store.Close()
	}
}
