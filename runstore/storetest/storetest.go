// Package storetest checks that a run store keeps the contract of
// runstore.Store, as testing/fstest checks a file system. Run it on a
// store of your own:
//
//	func TestMyStore(t *testing.T) {
//		storetest.TestStore(t, func(t *testing.T) runstore.Store { return openMyStore(t) }, storetest.Options{ClaimsExpire: true})
//	}
//
// A store whose claims renew themselves while held (as SQLite's do) lets
// the suite simulate a holder that dies: its claims implement Abandoner,
// and the expiry test abandons its claim before it checks that Renew
// keeps a claim and that an unrenewed one lapses. A store that can be
// given a clock (Options.Clocked) has its expiry tested on a clock the
// suite moves, not by sleeping.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
)

// Options says what the store under test does beyond the contract's
// minimum.
type Options struct {
	// ClaimsExpire: a claim that is not renewed lapses after its ttl
	// (a lease). Stores whose claims last as long as their holder's
	// process (a file lock) leave it false. A store whose claims renew
	// themselves while held must make them Abandoners for this test.
	ClaimsExpire bool
	// Clocked, when set, opens a new empty store, as the open function
	// of TestStore does, whose claims read the time from now (as
	// runstore.WithClock and sqlite.WithClock make them): the expiry
	// test moves that clock on rather than sleep for claims to lapse.
	Clocked func(t *testing.T, now func() time.Time) runstore.Store
	// DeadHolders: a claim whose holder is a process of this host that
	// has ended (see runstore.HolderGone) is taken over at once, by one
	// of the processes that try at once. Stores whose claims are locks
	// that the operating system releases when their holder dies (Dir)
	// leave it false.
	DeadHolders bool
}

// Abandoner is implemented by the claims of a store that renews them in
// the background. Abandon stops the renewing without releasing the claim,
// as the death of its holder would: the claim then lapses after its ttl
// unless renewed by an explicit Renew. Claims that are renewed only by
// Renew need not implement it.
type Abandoner interface {
	Abandon()
}

// TestStore runs the conformance tests on stores made by open, a new
// empty store for each subtest.
func TestStore(t *testing.T, open func(t *testing.T) runstore.Store, opts Options) {
	t.Run("CreateLoad", func(t *testing.T) { testCreateLoad(t, open(t)) })
	t.Run("Save", func(t *testing.T) { testSave(t, open(t)) })
	t.Run("ConcurrentSaves", func(t *testing.T) { testConcurrentSaves(t, open(t)) })
	t.Run("List", func(t *testing.T) { testList(t, open(t)) })
	t.Run("Claim", func(t *testing.T) { testClaim(t, open(t)) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testConcurrentClaims(t, open(t)) })
	if opts.ClaimsExpire {
		t.Run("ClaimExpiry", func(t *testing.T) {
			if opts.Clocked == nil {
				testClaimExpirySleeping(t, open(t))
				return
			}
			c := &clock{t: base}
			testClaimExpiry(t, opts.Clocked(t, c.now), c)
		})
	}
	if opts.DeadHolders {
		t.Run("DeadHolder", func(t *testing.T) { testDeadHolder(t, open(t), opts.ClaimsExpire) })
	}
	t.Run("Checkpointer", func(t *testing.T) { testCheckpointer(t, open(t)) })
}

var base = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// Record returns a record like the executor's, with run id id, started
// at base plus minutes.
func Record(id string, status executor.Status, incident, severity ident.ID, minutes int) *executor.Record {
	started := base.Add(time.Duration(minutes) * time.Minute)
	return &executor.Record{
		Format: executor.RecordFormat, ID: id, Status: status, Detection: "d-" + incident, Incident: incident, Severity: severity,
		Playbook: "pb", Alert: map[string]any{"host": "pc-1", "count": 3.0},
		Fields:  map[string]any{"host": "pc-1", "count": 3.0, "iocs": []any{"203.0.113.7"}},
		Path:    []ident.ID{"s1", "s2"},
		Started: started, Updated: started.Add(time.Minute),
		Events: []executor.Event{
			{Time: started, Kind: executor.EvStarted},
			{Time: started, Kind: executor.EvCallStarted, Method: "1.1.1", Action: "edr.isolate_host", IdempotencyKey: id + "/response/fr/1.1.1", Attempt: 1,
				Inputs: map[string]any{"host": "pc-1"}},
			{Time: started.Add(time.Second), Kind: executor.EvMethod, Method: "1.1.1", Action: "edr.isolate_host", IdempotencyKey: id + "/response/fr/1.1.1", Attempt: 1,
				Outputs: map[string]any{"isolated": true}, Detail: "日本語 ok"},
		},
	}
}

// asJSON is v as JSON values, to compare records across stores that
// keep them as JSON.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func ctx(t *testing.T) context.Context { return t.Context() }

func testCreateLoad(t *testing.T, s runstore.Store) {
	defer s.Close()
	rec := Record("run-1", executor.Running, "targeted-attack", "high", 0)
	if err := s.Create(ctx(t), rec); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if rec.Version != 1 {
		t.Errorf("after Create, version %d, want 1", rec.Version)
	}
	got, err := s.Load(ctx(t), "run-1")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if diff := cmp.Diff(asJSON(t, rec), asJSON(t, got)); diff != "" {
		t.Errorf("Load after Create (-want +got):\n%s", diff)
	}
	// The stored record is the store's: changing the caller's record as
	// the executor does (new fields, appended events) changes nothing
	// stored.
	rec.Fields = map[string]any{"host": "changed"}
	rec.Status = executor.Failed
	rec.Events = append(rec.Events, executor.Event{Kind: executor.EvFailed})
	got2, _ := s.Load(ctx(t), "run-1")
	if got2.Fields["host"] != "pc-1" || len(got2.Events) != 3 || got2.Status != executor.Running {
		t.Errorf("the stored record changed with the caller's: host %v, %d events, status %s", got2.Fields["host"], len(got2.Events), got2.Status)
	}
	// A loaded record is the caller's own.
	got2.Fields["host"] = "mine"
	got2.Events[0].Kind = executor.EvFailed
	if got3, _ := s.Load(ctx(t), "run-1"); got3.Fields["host"] != "pc-1" || got3.Events[0].Kind != executor.EvStarted {
		t.Errorf("changing a loaded record changed the stored one")
	}
	if err := s.Create(ctx(t), Record("run-1", executor.Running, "x", "low", 1)); !errors.Is(err, runstore.ErrExists) {
		t.Errorf("Create of an existing id: %v, want ErrExists", err)
	}
	again := Record("run-2", executor.Running, "x", "low", 1)
	again.Version = 3
	if err := s.Create(ctx(t), again); err == nil {
		t.Error("Create of a record with a version: no error")
	}
	if _, err := s.Load(ctx(t), "nosuch"); !errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("Load of an unknown id: %v, want ErrNotFound", err)
	}
}

func testSave(t *testing.T, s runstore.Store) {
	defer s.Close()
	rec := Record("run-1", executor.Running, "targeted-attack", "high", 0)
	if err := s.Create(ctx(t), rec); err != nil {
		t.Fatal(err)
	}
	stale, _ := s.Load(ctx(t), "run-1")
	rec.Status = executor.Completed
	rec.Events = append(rec.Events, executor.Event{Time: base, Kind: executor.EvCompleted})
	if err := s.Save(ctx(t), rec); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if rec.Version != 2 {
		t.Errorf("after Save, version %d, want 2", rec.Version)
	}
	got, _ := s.Load(ctx(t), "run-1")
	if diff := cmp.Diff(asJSON(t, rec), asJSON(t, got)); diff != "" {
		t.Errorf("Load after Save (-want +got):\n%s", diff)
	}
	stale.Status = executor.Failed
	err := s.Save(ctx(t), stale)
	var ce *runstore.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, runstore.ErrConflict) || ce.Version != 1 || ce.Stored != 2 {
		t.Errorf("Save of a stale version: %v, want a *ConflictError of version 1, stored 2", err)
	}
	if stale.Version != 1 {
		t.Errorf("a refused Save changed the version to %d", stale.Version)
	}
	if got, _ := s.Load(ctx(t), "run-1"); got.Status != executor.Completed {
		t.Errorf("a refused Save changed the stored record: status %s", got.Status)
	}
	unknown := Record("nosuch", executor.Running, "x", "low", 0)
	unknown.Version = 1
	if err := s.Save(ctx(t), unknown); !errors.Is(err, runstore.ErrNotFound) {
		t.Errorf("Save of an unknown run: %v, want ErrNotFound", err)
	}
}

// testConcurrentSaves: writers that all read one version race to save
// it; exactly one wins. Then writers that retry on conflict each get
// their change in, none lost.
func testConcurrentSaves(t *testing.T, s runstore.Store) {
	defer s.Close()
	if err := s.Create(ctx(t), Record("run-1", executor.Running, "x", "low", 0)); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	var wg sync.WaitGroup
	results := make([]error, writers)
	recs := make([]*executor.Record, writers)
	for i := range recs {
		r, err := s.Load(ctx(t), "run-1")
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = r
	}
	for i := range writers {
		wg.Go(func() {
			recs[i].Error = fmt.Sprintf("writer %d", i)
			results[i] = s.Save(ctx(t), recs[i])
		})
	}
	wg.Wait()
	won := 0
	for i, err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, runstore.ErrConflict):
			t.Errorf("writer %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d writers saved version 1, want exactly 1", won)
	}

	const each = 5
	for i := range writers {
		wg.Go(func() {
			for n := 0; n < each; {
				r, err := s.Load(ctx(t), "run-1")
				if err != nil {
					t.Error(err)
					return
				}
				r.Events = append(r.Events, executor.Event{Time: base, Kind: executor.EvStep, Detail: fmt.Sprintf("%d/%d", i, n)})
				switch err := s.Save(ctx(t), r); {
				case err == nil:
					n++
				case !errors.Is(err, runstore.ErrConflict):
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Load(ctx(t), "run-1")
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
	if len(seen) != writers*each || got.Version != 2+writers*each {
		t.Errorf("%d changes kept, version %d; want %d changes, version %d", len(seen), got.Version, writers*each, 2+writers*each)
	}
}

func testList(t *testing.T, s runstore.Store) {
	defer s.Close()
	statuses := []executor.Status{executor.Completed, executor.Failed, executor.Waiting, executor.Running, executor.NoIncident}
	incidents := []ident.ID{"targeted-attack", "ransomware", "ddos"}
	severities := []ident.ID{"high", "medium", "low", "critical"}
	var all []*executor.Record
	for i := range 37 {
		// Every fourth pair starts at the same minute, so that ties are
		// broken by id.
		r := Record(fmt.Sprintf("run-%02d", i), statuses[i%len(statuses)], incidents[i%len(incidents)], severities[i%len(severities)], i-i%2)
		if err := s.Create(ctx(t), r); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	want := func(q runstore.Query) []string {
		var ids []string
		for i := len(all) - 1; i >= 0; i-- { // latest first, then id descending
			sum := runstore.Summarize(all[i])
			if q.Matches(&sum) {
				ids = append(ids, all[i].ID)
			}
		}
		return ids
	}
	since, until := base.Add(10*time.Minute), base.Add(30*time.Minute)
	queries := []struct {
		name string
		q    runstore.Query
	}{
		{"all", runstore.Query{}},
		{"status", runstore.Query{Status: []executor.Status{executor.Waiting}}},
		{"two statuses", runstore.Query{Status: []executor.Status{executor.Failed, executor.Running}}},
		{"incident", runstore.Query{Incident: "ransomware"}},
		{"severity", runstore.Query{Severity: "critical"}},
		{"incident and severity", runstore.Query{Incident: "ddos", Severity: "high"}},
		{"time range", runstore.Query{Since: since, Until: until}},
		{"since", runstore.Query{Since: since, Status: []executor.Status{executor.Completed}}},
		{"nothing", runstore.Query{Incident: "nosuch"}},
	}
	for _, tt := range queries {
		for _, limit := range []int{0, 1, 7, 100} {
			t.Run(fmt.Sprintf("%s/limit=%d", tt.name, limit), func(t *testing.T) {
				q := tt.q
				q.Limit = limit
				var got []string
				for pages := 0; ; pages++ {
					if pages > 100 {
						t.Fatal("the listing does not end")
					}
					p, err := s.List(ctx(t), q)
					if err != nil {
						t.Fatal(err)
					}
					if limit > 0 && len(p.Runs) > limit || len(p.Runs) > runstore.DefaultLimit {
						t.Errorf("page of %d runs, limit %d", len(p.Runs), limit)
					}
					for _, r := range p.Runs {
						got = append(got, r.ID)
						if r.Version != 1 || r.Started.IsZero() || r.Status == "" {
							t.Errorf("summary %+v: version, started or status missing", r)
						}
					}
					if p.Next == "" {
						break
					}
					q.Cursor = p.Next
				}
				if diff := cmp.Diff(want(tt.q), got); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
			})
		}
	}
	if _, err := s.List(ctx(t), runstore.Query{Cursor: "not a cursor!"}); !errors.Is(err, runstore.ErrCursor) {
		t.Errorf("List with a bad cursor: %v, want ErrCursor", err)
	}
}

func testClaim(t *testing.T, s runstore.Store) {
	defer s.Close()
	a, err := s.Claim(ctx(t), "run-1", "holder a", time.Minute)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	_, err = s.Claim(ctx(t), "run-1", "holder b", time.Minute)
	var ce *runstore.ClaimedError
	if !errors.As(err, &ce) || !errors.Is(err, runstore.ErrClaimed) || ce.Holder != "holder a" {
		t.Errorf("second Claim: %v, want a *ClaimedError naming holder a", err)
	}
	other, err := s.Claim(ctx(t), "run-2", "holder b", time.Minute)
	if err != nil {
		t.Errorf("Claim of another run: %v", err)
	} else {
		defer other.Release(ctx(t))
	}
	if err := a.Renew(ctx(t)); err != nil {
		t.Errorf("Renew of a held claim: %v", err)
	}
	if err := a.Release(ctx(t)); err != nil {
		t.Errorf("Release: %v", err)
	}
	if err := a.Release(ctx(t)); err != nil {
		t.Errorf("second Release: %v", err)
	}
	b, err := s.Claim(ctx(t), "run-1", "holder b", time.Minute)
	if err != nil {
		t.Fatalf("Claim after Release: %v", err)
	}
	// A released claim cannot be renewed over its successor.
	if err := a.Renew(ctx(t)); !errors.Is(err, runstore.ErrClaimed) {
		t.Errorf("Renew of a released claim: %v, want ErrClaimed", err)
	}
	b.Release(ctx(t))
	for _, bad := range []struct {
		id, holder string
		ttl        time.Duration
	}{{"", "h", time.Minute}, {"r", "", time.Minute}, {"r", "h", 0}} {
		if c, err := s.Claim(ctx(t), bad.id, bad.holder, bad.ttl); err == nil {
			c.Release(ctx(t))
			t.Errorf("Claim(%q, %q, %v): no error", bad.id, bad.holder, bad.ttl)
		}
	}
}

func testConcurrentClaims(t *testing.T, s runstore.Store) {
	defer s.Close()
	for round := range 5 {
		id := fmt.Sprintf("run-%d", round)
		const n = 8
		claims := make([]runstore.Claim, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { claims[i], errs[i] = s.Claim(ctx(t), id, fmt.Sprintf("holder %d", i), time.Minute) })
		}
		wg.Wait()
		won := 0
		for i := range n {
			switch {
			case errs[i] == nil:
				won++
				defer claims[i].Release(ctx(t))
			case !errors.Is(errs[i], runstore.ErrClaimed):
				t.Errorf("claim %d: %v", i, errs[i])
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d holders got the claim, want 1", round, won)
		}
	}
}

// clock is a clock that moves when told to.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testClaimExpiry: a claim renewed holds for its ttl from the renewal,
// one not renewed lapses when its ttl is up, to the nanosecond, and its
// Renew then fails.
func testClaimExpiry(t *testing.T, s runstore.Store, c *clock) {
	defer s.Close()
	// Long enough that a store's own renewing (every ttl/3 of real time,
	// for SQLite) does not start before the claim is abandoned.
	const ttl = time.Minute
	a, err := s.Claim(ctx(t), "run-1", "holder a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	// From here on, only the explicit Renew below keeps the claim; when
	// it is not called, the holder is as good as dead.
	if ab, ok := a.(Abandoner); ok {
		ab.Abandon()
	}
	c.advance(ttl / 2)
	if err := a.Renew(ctx(t)); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	expires := c.now().Add(ttl)
	c.advance(ttl * 3 / 4) // past the first ttl, within the renewed one
	_, err = s.Claim(ctx(t), "run-1", "holder b", ttl)
	var ce *runstore.ClaimedError
	if !errors.As(err, &ce) || ce.Holder != "holder a" || !ce.Expires.Equal(expires) {
		t.Fatalf("Claim of a renewed claim: %v (expires %v), want a *ClaimedError naming holder a, expiring at %v", err, expiresOf(ce), expires)
	}
	// Holder a dies: it renews no more. Its claim holds until it
	// expires, and not a nanosecond longer.
	c.advance(expires.Sub(c.now()) - time.Nanosecond)
	if b, err := s.Claim(ctx(t), "run-1", "holder b", ttl); !errors.Is(err, runstore.ErrClaimed) {
		if err == nil {
			b.Release(ctx(t))
		}
		t.Fatalf("Claim a nanosecond before the claim lapses: %v, want ErrClaimed", err)
	}
	c.advance(time.Nanosecond)
	b, err := s.Claim(ctx(t), "run-1", "holder b", ttl)
	if err != nil {
		t.Fatalf("Claim when the claim lapsed: %v", err)
	}
	defer b.Release(ctx(t))
	if err := a.Renew(ctx(t)); !errors.Is(err, runstore.ErrClaimed) {
		t.Errorf("Renew of a lapsed claim taken over: %v, want ErrClaimed", err)
	}
	c.advance(ttl - time.Nanosecond) // b's claim was not renewed either, but is not up
	if _, err := s.Claim(ctx(t), "run-1", "holder c", ttl); !errors.As(err, &ce) || ce.Holder != "holder b" {
		t.Errorf("Claim of a live claim taken over: %v, want a *ClaimedError naming holder b", err)
	}
}

func expiresOf(ce *runstore.ClaimedError) any {
	if ce == nil {
		return "none"
	}
	return ce.Expires
}

// testClaimExpirySleeping is testClaimExpiry for a store whose clock
// cannot be set: it sleeps.
func testClaimExpirySleeping(t *testing.T, s runstore.Store) {
	defer s.Close()
	const ttl = 400 * time.Millisecond
	a, err := s.Claim(ctx(t), "run-1", "holder a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	// From here on, only the explicit Renew below keeps the claim; when
	// it is not called, the holder is as good as dead.
	if ab, ok := a.(Abandoner); ok {
		ab.Abandon()
	}
	time.Sleep(ttl / 2)
	if err := a.Renew(ctx(t)); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	time.Sleep(ttl * 3 / 4) // past the first ttl, within the renewed one
	if c, err := s.Claim(ctx(t), "run-1", "holder b", ttl); err == nil {
		c.Release(ctx(t))
		t.Fatal("a renewed claim was taken over")
	}
	// Holder a dies: it renews no more.
	time.Sleep(ttl + ttl/4)
	b, err := s.Claim(ctx(t), "run-1", "holder b", time.Minute)
	if err != nil {
		t.Fatalf("Claim after the claim lapsed: %v", err)
	}
	defer b.Release(ctx(t))
	if err := a.Renew(ctx(t)); !errors.Is(err, runstore.ErrClaimed) {
		t.Errorf("Renew of a lapsed claim taken over: %v, want ErrClaimed", err)
	}
}

func testCheckpointer(t *testing.T, s runstore.Store) {
	defer s.Close()
	cp := runstore.Checkpointer(s)
	rec := Record("run-1", executor.Running, "x", "low", 0)
	for i := range 3 {
		rec.Events = append(rec.Events, executor.Event{Time: base, Kind: executor.EvStep, Detail: fmt.Sprint(i)})
		if err := cp.Checkpoint(ctx(t), rec); err != nil {
			t.Fatalf("checkpoint %d: %v", i, err)
		}
		if rec.Version != int64(i+1) {
			t.Errorf("after checkpoint %d, version %d", i, rec.Version)
		}
	}
	got, err := s.Load(ctx(t), "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(asJSON(t, rec), asJSON(t, got)); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
}

// DeadHolder returns the name of a claim holder, as runstore.Holder
// names them, of a process of this host that has ended: a process it
// started, killed and waited for. It skips the test where no process
// can be started (failing it when the environment variable CI is true),
// or where the end of a process cannot be told (runstore.HolderGone is
// false for it: on systems other than unix).
func DeadHolder(t *testing.T) string {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		skip("no sleep command to start a process with: %v", err)
	}
	cmd := exec.Command(sleep, "60")
	if err := cmd.Start(); err != nil {
		skip("start %s: %v", sleep, err)
	}
	pid := cmd.Process.Pid
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill process %d: %v", pid, err)
	}
	_ = cmd.Wait() // killed; waited for, so that no zombie keeps the pid
	me := runstore.Holder()
	holder := strings.Replace(me, fmt.Sprintf("pid %d ", os.Getpid()), fmt.Sprintf("pid %d ", pid), 1)
	if holder == me {
		t.Fatalf("runstore.Holder() = %q: not pid N on HOST", me)
	}
	if !runstore.HolderGone(holder) {
		skip("the end of process %d cannot be told here (runstore.HolderGone(%q) is false)", pid, holder)
	}
	return holder
}

// testDeadHolder: the claim of a process of this host that has ended is
// taken over at once, by one of those trying at once; the claims of live
// processes of this host, and of processes of other hosts, are not.
func testDeadHolder(t *testing.T, s runstore.Store, expire bool) {
	defer s.Close()
	dead := DeadHolder(t)
	// The dead process's claims, as it left them (written here in its
	// name, and no longer renewed).
	claimDead := func(id string) runstore.Claim {
		t.Helper()
		c, err := s.Claim(ctx(t), id, dead, time.Hour)
		if err != nil {
			t.Fatalf("Claim in the name of %s: %v", dead, err)
		}
		if ab, ok := c.(Abandoner); ok {
			ab.Abandon()
		}
		return c
	}
	old := claimDead("run-1")
	b, err := s.Claim(ctx(t), "run-1", "holder b", time.Minute)
	if err != nil {
		t.Fatalf("Claim of a claim whose holder (%s) has ended: %v, want it taken over at once", dead, err)
	}
	defer b.Release(ctx(t))
	var ce *runstore.ClaimedError
	if _, err := s.Claim(ctx(t), "run-1", "holder c", time.Minute); !errors.As(err, &ce) || ce.Holder != "holder b" {
		t.Errorf("Claim after the takeover: %v, want a *ClaimedError naming holder b", err)
	}
	if err := old.Renew(ctx(t)); !errors.Is(err, runstore.ErrClaimed) {
		t.Errorf("Renew of the dead holder's claim taken over: %v, want ErrClaimed", err)
	}
	if err := old.Release(ctx(t)); err != nil {
		t.Errorf("Release of the dead holder's claim taken over: %v", err)
	}
	if _, err := s.Claim(ctx(t), "run-1", "holder c", time.Minute); !errors.As(err, &ce) || ce.Holder != "holder b" {
		t.Errorf("Claim after the dead holder's claim released: %v, want a *ClaimedError naming holder b", err)
	}

	// Of holders taking one dead holder's claim over at once, one does.
	claimDead("run-2")
	const n = 8
	errs := make([]error, n)
	claims := make([]runstore.Claim, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { claims[i], errs[i] = s.Claim(ctx(t), "run-2", fmt.Sprintf("holder %d", i), time.Minute) })
	}
	wg.Wait()
	won := 0
	for i := range n {
		switch {
		case errs[i] == nil:
			won++
			defer claims[i].Release(ctx(t))
		case !errors.Is(errs[i], runstore.ErrClaimed):
			t.Errorf("holder %d: %v", i, errs[i])
		}
	}
	if won != 1 {
		t.Errorf("%d holders took the dead holder's claim over, want 1", won)
	}

	// A live process of this host (this one), and a process of another
	// host with the dead pid, keep their claims.
	for _, holder := range []string{runstore.Holder(), strings.Replace(dead, " on ", " on elsewhere.invalid.", 1)} {
		live, err := s.Claim(ctx(t), "run-3", holder, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Claim(ctx(t), "run-3", "holder b", time.Minute)
		if !errors.As(err, &ce) || ce.Holder != holder || expire && ce.Expires.IsZero() {
			t.Errorf("Claim of %s's claim: %v, want a *ClaimedError naming it, with when it lapses", holder, err)
		}
		live.Release(ctx(t))
	}
}
