package runstore

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/secopsdesign/secops/executor"
)

// Memory is a Store that keeps records in memory, for tests and for
// tools that keep records elsewhere themselves. Create and Save keep a
// snapshot of the record (executor.Record.Snapshot), which shares its
// Fields map and the elements of its lists, until the next save of the
// record replaces it: the executor leaves a Fields map it handed to a
// checkpoint as it is until a later checkpoint has succeeded, and only
// appends to lists, so journaling a run costs a small copy per
// checkpoint. A caller that changes a saved record's Fields in place
// before saving it again must save a Clone instead. Load returns a copy
// of its own. The zero value is ready to use; it is safe for concurrent
// use.
type Memory struct {
	mu     sync.Mutex
	recs   map[string]*executor.Record
	claims map[string]*memClaim
	now    func() time.Time // the clock of claims; nil for time.Now
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory store.
func NewMemory(opts ...MemoryOption) *Memory {
	m := &Memory{}
	for _, o := range opts {
		o(m)
	}
	return m
}

// A MemoryOption sets how a Memory store works.
type MemoryOption func(*Memory)

// WithClock makes the store read the time from now, not time.Now, to
// tell when claims lapse: a test moves it on rather than sleep. (The
// SQLite store has the same option, sqlite.WithClock.)
func WithClock(now func() time.Time) MemoryOption {
	return func(m *Memory) { m.now = now }
}

func (m *Memory) clock() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

// Create stores a new record. See Store.
func (m *Memory) Create(_ context.Context, rec *executor.Record) error {
	if err := CheckNew(rec); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recs == nil {
		m.recs = map[string]*executor.Record{}
	}
	if _, ok := m.recs[rec.ID]; ok {
		return fmt.Errorf("run %s: %w", rec.ID, ErrExists)
	}
	rec.Version = 1
	m.recs[rec.ID] = rec.Snapshot()
	return nil
}

// Load returns a copy of the record of run id. See Store.
func (m *Memory) Load(_ context.Context, id string) (*executor.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return nil, fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	return deepCopy(r), nil
}

// deepCopy returns a copy of r sharing nothing a caller could change in
// place with it (values inside maps and events stay shared: the
// executor never changes them).
func deepCopy(r *executor.Record) *executor.Record {
	c := r.Clone()
	c.Alert = maps.Clone(r.Alert)
	c.Path = slices.Clone(r.Path)
	c.Branches = slices.Clone(r.Branches)
	c.Ran = slices.Clone(r.Ran)
	c.Skipped = slices.Clone(r.Skipped)
	c.Applied = slices.Clone(r.Applied)
	c.RolledBack = slices.Clone(r.RolledBack)
	c.ManualRollback = slices.Clone(r.ManualRollback)
	c.Events = slices.Clone(r.Events)
	return c
}

// Save replaces the record if its version is the stored one. See Store.
func (m *Memory) Save(_ context.Context, rec *executor.Record) error {
	if rec == nil || rec.ID == "" {
		return fmt.Errorf("save: a record with an id is needed")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.recs[rec.ID]
	if !ok {
		return fmt.Errorf("run %s: %w", rec.ID, ErrNotFound)
	}
	if old.Version != rec.Version {
		return &ConflictError{ID: rec.ID, Version: rec.Version, Stored: old.Version}
	}
	rec.Version++
	// The stored snapshot is the store's alone (Load copies): update it
	// in place rather than allocate another per checkpoint.
	// Its lists keep their length, whatever the caller appends later.
	at, pend := old.At, old.Pending
	*old = *rec
	old.At = copyTo(at, rec.At)
	old.Pending = copyTo(pend, rec.Pending)
	return nil
}

// List returns a page of summaries. See Store.
func (m *Memory) List(_ context.Context, q Query) (Page, error) {
	after, err := ParseCursor(q.Cursor)
	if err != nil {
		return Page{}, err
	}
	m.mu.Lock()
	var all []Summary
	for _, r := range m.recs {
		s := Summarize(r)
		if q.Matches(&s) && (after == nil || after.After(&s)) {
			all = append(all, s)
		}
	}
	m.mu.Unlock()
	return page(all, q.PageSize()), nil
}

// page sorts summaries in listing order and cuts a page of limit.
func page(all []Summary, limit int) Page {
	slices.SortFunc(all, func(a, b Summary) int {
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	var p Page
	if len(all) > limit {
		all = all[:limit]
		p.Next = CursorAfter(&all[limit-1])
	}
	p.Runs = all
	if p.Runs == nil {
		p.Runs = []Summary{}
	}
	return p
}

type memClaim struct {
	m       *Memory
	id      string
	holder  string
	ttl     time.Duration
	expires time.Time
}

// Claim takes the claim on run id. See Store. A claim of a process of
// this host that has ended (see HolderGone) is taken over at once.
func (m *Memory) Claim(_ context.Context, id, holder string, ttl time.Duration) (Claim, error) {
	if err := CheckClaim(id, holder, ttl); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	if c, ok := m.claims[id]; ok && c.live(now) {
		return nil, &ClaimedError{ID: id, Holder: c.holder, Expires: c.expires}
	}
	if m.claims == nil {
		m.claims = map[string]*memClaim{}
	}
	c := &memClaim{m: m, id: id, holder: holder, ttl: ttl, expires: now.Add(ttl)}
	m.claims[id] = c
	return c, nil
}

// live reports whether the claim holds at now: not lapsed, and its
// holder not a process known to have ended.
func (c *memClaim) live(now time.Time) bool {
	return now.Before(c.expires) && !HolderGone(c.holder)
}

func (c *memClaim) Renew(context.Context) error {
	m := c.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claims[c.id] != c {
		return c.lost()
	}
	c.expires = m.clock().Add(c.ttl)
	return nil
}

// Abandon does nothing: a memory claim is renewed only by Renew. It is
// here for storetest.Abandoner.
func (c *memClaim) Abandon() {}

func (c *memClaim) lost() error {
	if other := c.m.claims[c.id]; other != nil && other.live(c.m.clock()) {
		return &ClaimedError{ID: c.id, Holder: other.holder, Expires: other.expires}
	}
	return fmt.Errorf("run %s: the claim was released or taken over: %w", c.id, ErrClaimed)
}

func (c *memClaim) Release(context.Context) error {
	m := c.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claims[c.id] == c {
		delete(m.claims, c.id)
	}
	return nil
}

// Close does nothing.
func (m *Memory) Close() error { return nil }

// copyTo returns a copy of *src in dst (allocated when nil), or nil.
func copyTo[T any](dst, src *T) *T {
	if src == nil {
		return nil
	}
	if dst == nil {
		dst = new(T)
	}
	*dst = *src
	return dst
}
