package runstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// A Location is where the record of the one run a command works on is
// kept: a record file, or a run in a store. It gives the runs service
// the record as a Store; a record file's store writes into the record
// the design it runs (see UseDesign), so that the two are found
// together later. A program gets one from NewLocation for a new run
// and from FindLocation for a run that exists.
type Location struct {
	file   *File
	store  Store
	url    string // the store's URL; "" for a record file
	id     string // the run's id in the store
	design string // the design as the record file names it
}

// NewLocation prepares where a new run id goes: in the store url
// names when url is not "" (opened with Open), else in the record file
// at path, "run-ID.json" when path is "". A record file that exists is
// refused with a *FileExistsError, unless overwrite is set: then it is
// removed.
func NewLocation(path, url, id string, overwrite bool) (*Location, error) {
	if url != "" {
		s, err := Open(url)
		if err != nil {
			return nil, err
		}
		return &Location{store: s, url: url, id: id}, nil
	}
	if path == "" {
		path = "run-" + id + ".json"
	}
	l := fileLocation(path)
	old, err := l.file.Load()
	switch {
	case errors.Is(err, ErrNotFound):
		return l, nil
	case !overwrite && err != nil:
		return nil, &FileExistsError{Path: path, Err: err}
	case !overwrite:
		return nil, &FileExistsError{Path: path, Record: old}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return l, nil
}

// FindLocation opens where the run ref names is, and loads its record:
// the run with id ref in the store url names (which must exist: see
// OpenExisting), or, when url is "", the record file ref.
func FindLocation(ctx context.Context, ref, url string) (*Location, *executor.Record, error) {
	if url != "" {
		s, err := OpenExisting(url)
		if err != nil {
			return nil, nil, err
		}
		rec, err := s.Load(ctx, ref)
		if err != nil {
			s.Close()
			return nil, nil, err
		}
		return &Location{store: s, url: url, id: ref}, rec, nil
	}
	if _, err := os.Stat(ref); err != nil {
		return nil, nil, fmt.Errorf("record: %w", err)
	}
	l := fileLocation(ref)
	rec, err := l.file.Load()
	if err != nil {
		return nil, nil, err
	}
	l.design = rec.Design
	return l, rec, nil
}

func fileLocation(path string) *Location {
	l := &Location{file: NewFile(path)}
	l.store = l.file.StoreNaming(func() string { return l.design })
	return l
}

// Store is the store that keeps the record: the run store, or the
// record file's (see File.StoreNaming).
func (l *Location) Store() Store { return l.store }

// File is the record file, or nil in a run store.
func (l *Location) File() *File { return l.file }

// URL is the run store's URL, or "" for a record file.
func (l *Location) URL() string { return l.url }

// String says where the record is, for messages: the record file's
// path, or "run ID in URL".
func (l *Location) String() string {
	if l.file != nil {
		return l.file.Path()
	}
	return fmt.Sprintf("run %s in %s", l.id, l.url)
}

// UseDesign sets the design file the runs of a record file run (see
// File.DesignName): the records it saves from now on name it. In a run
// store it does nothing.
func (l *Location) UseDesign(path string) {
	if l.file != nil {
		l.design = l.file.DesignName(path)
	}
}

// DesignPath returns the design file of rec, as its record names it,
// which must exist: a *MissingDesignError when it names none or it is
// not there.
func (l *Location) DesignPath(rec *executor.Record) (string, error) {
	p := rec.Design
	if l.file != nil {
		p = l.file.DesignPath(rec)
	}
	if p == "" {
		return "", &MissingDesignError{Where: l.String()}
	}
	if _, err := os.Stat(p); err != nil {
		return "", &MissingDesignError{Where: l.String(), Path: p, Err: err}
	}
	return p, nil
}

// Close closes the store.
func (l *Location) Close() error { return l.store.Close() }

// A FileExistsError is NewLocation's refusal to write a new run's
// record over a file: one that holds a record, or is not one.
type FileExistsError struct {
	Path string
	// Record is the record the file holds, or nil when Err says why it
	// is not one.
	Record *executor.Record
	Err    error
}

func (e *FileExistsError) Error() string {
	if e.Record == nil {
		return fmt.Sprintf("%s exists and is not a record (%v)", e.Path, e.Err)
	}
	msg := fmt.Sprintf("%s exists: it holds run %s (%s)", e.Path, e.Record.ID, e.Record.Status)
	if left := e.Record.NotRolledBack(); len(left) > 0 {
		msg += fmt.Sprintf(", whose applied containment (%s) is not rolled back", joinNumbers(left))
	}
	return msg
}

// Unwrap returns ErrExists.
func (e *FileExistsError) Unwrap() error { return ErrExists }

// A MissingDesignError says that a record names no design file, or one
// that is not there.
type MissingDesignError struct {
	Where string // where the record is (Location.String)
	Path  string // the design the record names; "" when none
	Err   error  // why Path cannot be read
}

func (e *MissingDesignError) Error() string {
	if e.Path == "" {
		return e.Where + ": the record names no design file"
	}
	return fmt.Sprintf("%s: the record names the design %s, which is not there (%s)",
		e.Where, e.Path, strings.TrimPrefix(e.Err.Error(), "stat "+e.Path+": "))
}

func (e *MissingDesignError) Unwrap() error { return e.Err }

// pathSchemes are the schemes whose path is a file or folder.
var pathSchemes = map[string]bool{"dir": true, "sqlite": true}

// OpenExisting is Open for a store that must exist already: a store of
// a file or folder (dir:, sqlite:) that is not there is an error
// wrapping ErrNotFound, not a new empty store, so that a mistyped path
// is not taken for a store without runs.
func OpenExisting(url string) (Store, error) {
	if scheme, path, ok := strings.Cut(url, ":"); ok && path != "" && pathSchemes[scheme] {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("run store %q: %s does not exist: %w", url, path, ErrNotFound)
		}
	}
	return Open(url)
}

func joinNumbers(ns []ident.Number) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}
