package runs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

// New returns the runs of plan's design kept in store and driven in this
// process: each act loads the run under its claim (runstore.Store.Claim),
// checks the rules, and resumes or rolls the run back with the
// executor's engine, journaled into store; the claim is released after.
// With WithWatch the runs' SLA targets are watched (see Runs.Escalate).
// Close stops the watch; the store stays the caller's.
func New(plan *executor.Plan, store runstore.Store, opts ...Option) (*Runs, error) {
	if plan == nil || store == nil {
		return nil, errors.New("runs.New: a plan and a store are required")
	}
	c, err := Configure(opts...)
	if err != nil {
		return nil, err
	}
	return newStore(plan, store, false, c)
}

func newStore(plan *executor.Plan, store runstore.Store, own bool, c Config) (*Runs, error) {
	d := &storeDriver{plan: plan, store: store, own: own, c: c, poke: make(chan time.Time, 1), done: map[string]bool{}}
	base, err := d.engine("")
	if err != nil {
		if own {
			_ = store.Close()
		}
		return nil, err
	}
	d.base = base
	d.ctx, d.cancel = context.WithCancel(context.Background())
	if c.Watch > 0 {
		d.wg.Add(1)
		go d.watch()
	}
	return &Runs{drv: d, rules: Rules{Plan: plan, ChangedDesign: c.ChangedDesign}}, nil
}

// storeDriver drives runs in this process over a run store.
type storeDriver struct {
	plan  *executor.Plan
	store runstore.Store
	own   bool
	c     Config
	base  *executor.Engine // acts' and escalations' engine

	ctx    context.Context // the watch's
	cancel context.CancelFunc
	wg     sync.WaitGroup
	poke   chan time.Time // a target falls due then

	mu   sync.Mutex
	done map[string]bool // RUN/TARGET escalated: not to be loaded again
}

func (d *storeDriver) InProcess() bool { return true }

func (d *storeDriver) engine(id string) (*executor.Engine, error) {
	opts := []executor.Option{executor.WithPlan(d.plan), executor.WithRegistry(d.c.Registry),
		executor.WithCheckpoint(runstore.Checkpointer(d.store))}
	if id != "" {
		opts = append(opts, executor.WithIDs(func() string { return id }))
	}
	if d.c.ChangedDesign {
		opts = append(opts, executor.WithChangedDesign())
	}
	return executor.New(append(opts, d.c.Engine...)...)
}

// KeyID is the run id of an alert started with an idempotency key: the
// same for the same key from the same actor, so that the store itself
// remembers the key, across restarts, and its claim makes two retries at
// once start one run.
func KeyID(actor, key string) string {
	sum := sha256.Sum256([]byte("secops-idempotency\x00" + actor + "\x00" + key))
	return hex.EncodeToString(sum[:8])
}

// NewID returns a new random run id: 16 hex digits.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// replayWait is how long a Start with a key waits for the first run of
// that key, still running, to wait or end.
const replayWait = 5 * time.Second

func (d *storeDriver) Start(ctx context.Context, in StartInput) (*executor.Record, bool, error) {
	id := d.c.NewID()
	if in.Key != "" {
		id = KeyID(in.Actor.Name, in.Key)
	}
	var claim runstore.Claim
	deadline := time.Now().Add(replayWait)
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
		var err error
		claim, err = d.store.Claim(ctx, id, d.c.Holder, d.c.ClaimTTL)
		if err == nil {
			break
		}
		if in.Key == "" || !errors.Is(err, runstore.ErrClaimed) {
			return nil, false, err
		}
		// Another Start with this key is at it: once its run waits or
		// ends (it may still hold the claim a moment), it is the answer.
		if rec, lerr := d.store.Load(ctx, id); lerr == nil && rec.Status != executor.Running {
			return replay(rec, in)
		}
		if time.Now().After(deadline) {
			return nil, false, err
		}
		select {
		case <-ctx.Done():
			return nil, false, err
		case <-time.After(pause):
		}
	}
	defer d.release(claim)
	if in.Key != "" {
		rec, err := d.store.Load(ctx, id)
		if err == nil {
			return replay(rec, in)
		}
		if !errors.Is(err, runstore.ErrNotFound) {
			return nil, false, err
		}
	}
	e, err := d.engine(id)
	if err != nil {
		return nil, false, err
	}
	rec, err := e.Run(ctx, in.Alert)
	d.changed(nil, 0, rec)
	return rec, false, err
}

// replay is the answer to a Start whose key started rec.
func replay(rec *executor.Record, in StartInput) (*executor.Record, bool, error) {
	if !SameAlert(rec.Alert, in.Alert) {
		return rec, false, fmt.Errorf("%w (run %s): a retried request must send the same alert; use a new key for a new alert", ErrKeyReused, rec.ID)
	}
	return rec, true, nil
}

// SameAlert reports whether a retried Start's alert is the one its key
// started with (the same JSON).
func SameAlert(stored, posted map[string]any) bool {
	a, err1 := json.Marshal(stored)
	b, err2 := json.Marshal(posted)
	return err1 == nil && err2 == nil && string(a) == string(b)
}

func (d *storeDriver) Load(ctx context.Context, id string) (*executor.Record, error) {
	return d.store.Load(ctx, id)
}

func (d *storeDriver) List(ctx context.Context, q runstore.Query) (runstore.Page, error) {
	return d.store.List(ctx, q)
}

func (d *storeDriver) Do(ctx context.Context, id string, a Act, by Actor, check func(*executor.Record, bool) error) (*executor.Record, error) {
	claim, err := d.store.Claim(ctx, id, d.c.Holder, d.c.ClaimTTL)
	if err != nil {
		rec, _ := d.store.Load(ctx, id)
		return rec, err
	}
	defer d.release(claim)
	rec, err := d.store.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	// The claim is ours: a run left running is one whose process died.
	if err := check(rec, false); err != nil {
		return rec, err
	}
	e := d.base
	before, events := runstore.Summarize(rec), len(rec.Events)
	if a.Op == OpRollback {
		rec, err = e.Rollback(ctx, rec)
		if err != nil && !errors.Is(err, executor.ErrCheckpoint) && ctx.Err() == nil {
			err = fmt.Errorf("%w: %w", ErrRollbackFailed, err)
		}
	} else {
		rec, err = e.Resume(ctx, rec, a.Answer(by.Name))
	}
	d.changed(&before, events, rec)
	return rec, err
}

// ErrRollbackFailed is wrapped by the error of a rollback whose actions
// did not all succeed; the record says which, and a rollback again goes
// on with those left.
var ErrRollbackFailed = errors.New("the rollback did not finish")

// changed tells the observer of a change and the watch of rec's next
// target.
func (d *storeDriver) changed(before *runstore.Summary, events int, rec *executor.Record) {
	if rec == nil || rec.Version == 0 {
		return
	}
	if d.c.Observe != nil {
		d.c.Observe(before, events, rec)
	}
	if d.c.Watch > 0 {
		if dl := d.plan.Deadlines(rec); len(dl) > 0 {
			select {
			case d.poke <- dl[0].Due:
			default:
				// A poke is pending already; the watch rescans then.
			}
		}
	}
}

func (d *storeDriver) release(c runstore.Claim) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Release(ctx); err != nil {
		d.c.Logger.Warn("releasing a claim", "error", err)
	}
}

func (d *storeDriver) Close() error {
	d.cancel()
	d.wg.Wait()
	if d.own {
		return d.store.Close()
	}
	return nil
}
