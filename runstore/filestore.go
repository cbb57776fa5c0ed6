package runstore

import (
	"context"
	"fmt"
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
