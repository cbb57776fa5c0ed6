package runstore

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/secopsdesign/secops/executor"
)

// Store returns a Store of the one record f holds: Create writes it (any
// id), Load and Save read and replace it, List lists it, Claim is f's
// claim (its ttl unused). It is how the runs of package runs keep a
// record file (secops run --record) as they keep a store's.
func (f *File) Store() Store { return fileStore{f} }

type fileStore struct{ f *File }

func (s fileStore) Create(_ context.Context, rec *executor.Record) error { return s.f.Create(rec) }

func (s fileStore) Load(_ context.Context, id string) (*executor.Record, error) {
	rec, err := s.f.Load()
	if err != nil {
		return nil, err
	}
	if rec.ID != id {
		return nil, fmt.Errorf("%s holds run %s, not %s: %w", s.f.Path(), rec.ID, id, ErrNotFound)
	}
	return rec, nil
}

func (s fileStore) Save(_ context.Context, rec *executor.Record) error { return s.f.Save(rec) }

func (s fileStore) List(_ context.Context, q Query) (Page, error) {
	if _, err := ParseCursor(q.Cursor); err != nil {
		return Page{}, err
	}
	rec, err := s.f.Load()
	if err != nil || q.Cursor != "" {
		return Page{}, nil
	}
	sum := Summarize(rec)
	if !q.Matches(&sum) {
		return Page{}, nil
	}
	return Page{Runs: []Summary{sum}}, nil
}

func (s fileStore) Claim(_ context.Context, id, holder string, ttl time.Duration) (Claim, error) {
	if id == "" || holder == "" || ttl <= 0 {
		return nil, fmt.Errorf("claim: an id, a holder and a ttl above 0 are needed")
	}
	return s.f.Claim(holder)
}

func (s fileStore) Close() error { return nil }

// StoreNaming is Store, writing into each record it creates or saves the
// design as design() names it then (see DesignName), so that the record
// and its design can be found together.
func (f *File) StoreNaming(design func() string) Store { return namingStore{fileStore{f}, design} }

type namingStore struct {
	fileStore
	design func() string
}

func (s namingStore) Create(ctx context.Context, rec *executor.Record) error {
	rec.Design = s.design()
	return s.fileStore.Create(ctx, rec)
}

func (s namingStore) Save(ctx context.Context, rec *executor.Record) error {
	rec.Design = s.design()
	return s.fileStore.Save(ctx, rec)
}

// DesignName is how a record in f names the design file at path:
// relative to f's folder when the design is in it, below it or one
// folder up, so that the two can move together; otherwise path made
// absolute.
func (f *File) DesignName(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if dir, err := filepath.Abs(filepath.Dir(f.path)); err == nil {
		rel, err := filepath.Rel(dir, abs)
		if err == nil && !strings.HasPrefix(strings.TrimPrefix(filepath.ToSlash(rel), "../"), "../") {
			return rel
		}
	}
	return abs
}

// DesignPath is the design file a record of f names (rec.Design): a
// relative name is from f's folder. It is "" when the record names none.
func (f *File) DesignPath(rec *executor.Record) string {
	if rec.Design == "" || filepath.IsAbs(rec.Design) {
		return rec.Design
	}
	return filepath.Join(filepath.Dir(f.path), rec.Design)
}
