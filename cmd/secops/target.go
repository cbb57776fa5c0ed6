package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/secopsdesign/secops/executor"
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

// storeError words a failure to open the store of --store spec.
func storeError(spec string, err error) error {
	msg, opening := strings.CutPrefix(err.Error(), fmt.Sprintf("run store %q: ", spec))
	if opening && errors.Is(err, runstore.ErrNotFound) {
		msg = strings.TrimSuffix(msg, ": "+runstore.ErrNotFound.Error()) + " (a new store is made only by secops run)"
	}
	return usageError("--store %s: %s", spec, msg)
}

// openStore opens a run store named as sqlite:PATH or dir:FOLDER; with
// existing, it must exist already.
func openStore(spec string, existing bool) (runstore.Store, error) {
	open := runstore.Open
	if existing {
		open = runstore.OpenExisting
	}
	s, err := open(spec)
	if err != nil {
		return nil, storeError(spec, err)
	}
	return s, nil
}

// newLocation prepares where a new run's record goes (see
// runstore.NewLocation), in the words of the flags.
func newLocation(record, spec, id string, force bool, design string) (*runstore.Location, error) {
	l, err := runstore.NewLocation(record, spec, id, force)
	var fe *runstore.FileExistsError
	switch {
	case errors.As(err, &fe):
		return nil, usageError("%v; give another --record, or --force to write over it", err)
	case err != nil && spec != "":
		return nil, storeError(spec, err)
	case err != nil:
		return nil, usageError("%v", err)
	}
	l.UseDesign(design)
	return l, nil
}

// findLocation opens the record ref names: a file, or with a store spec
// a run id (see runstore.FindLocation).
func findLocation(ctx context.Context, ref, spec string) (*runstore.Location, *executor.Record, error) {
	l, rec, err := runstore.FindLocation(ctx, ref, spec)
	if err != nil && spec != "" {
		return nil, nil, storeError(spec, err)
	}
	if err != nil {
		return nil, nil, usageError("%v", err)
	}
	return l, rec, nil
}

// ref returns what names the run to later commands: the record file, or
// the run id and the store.
func ref(l *runstore.Location, id string) string {
	if f := l.File(); f != nil {
		return f.Path()
	}
	return id + " --store " + l.URL()
}
