package runstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/secopsdesign/secops/executor"
)

// Dir is a Store of record files in one folder, ID.json each (see File
// for how they are written and claimed). Listing reads every record, so
// it suits the runs of a team's week; for many runs use SQLite. Claims
// are file locks: they last until released or until the holding process
// ends, and ttl is not used.
type Dir struct {
	dir string
}

var _ Store = (*Dir)(nil)

// OpenDir returns the store in folder dir, creating it (mode 0700) if
// needed.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &Dir{dir: dir}, nil
}

// File returns the record file of run id.
func (d *Dir) File(id string) (*File, error) {
	if err := checkFileID(id); err != nil {
		return nil, err
	}
	return NewFile(filepath.Join(d.dir, id+".json")), nil
}

// checkFileID refuses run ids that are not safe as file names.
func checkFileID(id string) error {
	switch {
	case id == "":
		return errors.New("no run id")
	case len(id) > 200:
		return fmt.Errorf("run id %.20q… is longer than 200 bytes", id)
	case strings.ContainsAny(id, `/\`+"\x00") || strings.HasPrefix(id, "."):
		return fmt.Errorf("run id %q cannot name a file: it has a slash or starts with a dot", id)
	}
	return nil
}

// Create stores a new record. See Store.
func (d *Dir) Create(_ context.Context, rec *executor.Record) error {
	if err := CheckNew(rec); err != nil {
		return err
	}
	f, err := d.File(rec.ID)
	if err != nil {
		return err
	}
	return f.Create(rec)
}

// Load reads the record of run id. See Store.
func (d *Dir) Load(_ context.Context, id string) (*executor.Record, error) {
	f, err := d.File(id)
	if err != nil {
		return nil, err
	}
	return f.Load()
}

// Save replaces the record if its version is the stored one. See Store.
func (d *Dir) Save(_ context.Context, rec *executor.Record) error {
	if rec == nil {
		return errors.New("save: nil record")
	}
	f, err := d.File(rec.ID)
	if err != nil {
		return err
	}
	return f.Save(rec)
}

// List reads the records and returns a page of summaries. Files that are
// not records are skipped. See Store.
func (d *Dir) List(_ context.Context, q Query) (Page, error) {
	after, err := ParseCursor(q.Cursor)
	if err != nil {
		return Page{}, err
	}
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return Page{}, err
	}
	var all []Summary
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		rec, err := NewFile(filepath.Join(d.dir, name)).Load()
		if err != nil {
			continue // removed meanwhile, or not a record
		}
		s := Summarize(rec)
		if q.Matches(&s) && (after == nil || after.After(&s)) {
			all = append(all, s)
		}
	}
	return page(all, q.PageSize()), nil
}

// Claim takes the claim on run id: a lock on its record file's lock
// file. See Store and File.Claim.
func (d *Dir) Claim(_ context.Context, id, holder string, ttl time.Duration) (Claim, error) {
	if err := CheckClaim(id, holder, ttl); err != nil {
		return nil, err
	}
	f, err := d.File(id)
	if err != nil {
		return nil, err
	}
	c, err := f.Claim(holder)
	var ce *ClaimedError
	if errors.As(err, &ce) {
		ce.ID = id
	}
	return c, err
}

// Close does nothing.
func (d *Dir) Close() error { return nil }
