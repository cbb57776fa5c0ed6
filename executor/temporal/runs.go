package temporal

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runstore"
)

// Scheme is the scheme of runs.Open's URL for runs on Temporal:
// temporal://HOST:PORT?namespace=NS&queue=Q (namespace default, task
// queue DefaultTaskQueue). Importing this package registers it.
const Scheme = "temporal"

func init() { runs.Register(Scheme, runs.ConnectorFunc(openRuns)) }

// openRuns dials the Temporal frontend of raw and makes sure the
// namespace has the search attributes listings need.
func openRuns(ctx context.Context, plan *executor.Plan, raw string, c runs.Config) (runs.Driver, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q: want temporal://HOST:PORT?namespace=NS&queue=Q", raw)
	}
	ns, queue := u.Query().Get("namespace"), u.Query().Get("queue")
	if ns == "" {
		ns = "default"
	}
	cl, err := Dial(ctx, u.Host, ns, c.Logger)
	if err != nil {
		return nil, err
	}
	if _, err := RegisterSearchAttributes(ctx, cl, ns); err != nil {
		cl.Close()
		return nil, err
	}
	return &driver{c: NewClient(cl, queue), plan: plan, settle: c.Settle, own: cl}, nil
}

// NewRuns returns the runs of plan's design as Temporal workflows,
// started, answered, read and listed through c, run by secops workers
// (NewWorker) on c's task queue. The rules of package runs are checked
// twice: before an act is sent, and by the run's Update validator.
func NewRuns(plan *executor.Plan, c *Client, opts ...runs.Option) (*runs.Runs, error) {
	if plan == nil || c == nil {
		return nil, errors.New("temporal.NewRuns: a plan and a client are required")
	}
	cfg, err := runs.Configure(opts...)
	if err != nil {
		return nil, err
	}
	return runs.NewDriven(plan, &driver{c: c, plan: plan, settle: cfg.Settle}, opts...)
}

// driver is the runs.Driver of runs on Temporal.
type driver struct {
	c      *Client
	plan   *executor.Plan
	settle time.Duration
	own    client.Client // closed by Close, when opened by URL
}

func (d *driver) id(in runs.StartInput) (string, string) {
	if in.Key == "" {
		return "", ""
	}
	// The same key from the same actor is the same workflow id.
	key := in.Actor.Name + "\x00" + in.Key
	return RunID(d.plan.Design().Metadata.Name, key), key
}

func (d *driver) Start(ctx context.Context, in runs.StartInput) (*executor.Record, bool, error) {
	id, key := d.id(in)
	if id != "" {
		rec, err := d.c.Record(ctx, id)
		switch {
		case err == nil:
			if rec.Status == executor.Running {
				if r := d.wait(ctx, id); r != nil {
					rec = r
				}
			}
			if !runs.SameAlert(rec.Alert, in.Alert) {
				return rec, false, fmt.Errorf("%w (run %s): a retried request must send the same alert; use a new key for a new alert", runs.ErrKeyReused, id)
			}
			return rec, true, nil
		case !errors.Is(err, ErrUnknownRun):
			return nil, false, err
		}
	}
	id, err := d.c.Start(ctx, d.plan, in.Alert, key)
	if err != nil {
		return nil, false, err
	}
	if rec := d.wait(ctx, id); rec != nil {
		return rec, false, nil
	}
	return &executor.Record{ID: id, Status: executor.Running, Alert: in.Alert}, false, nil
}

// wait reads run id's record until the run waits, stops or ends, for at
// most the settle time or until ctx is done; it returns the last record
// read (nil if none could be).
func (d *driver) wait(ctx context.Context, id string) *executor.Record {
	ctx, cancel := context.WithTimeout(ctx, d.settle)
	defer cancel()
	var last *executor.Record
	for pause := 20 * time.Millisecond; ; pause = min(2*pause, 500*time.Millisecond) {
		if rec, err := d.c.Record(ctx, id); err == nil {
			last = rec
			if rec.Status != executor.Running {
				return rec
			}
		}
		select {
		case <-ctx.Done():
			return last
		case <-time.After(pause):
		}
	}
}

func (d *driver) Load(ctx context.Context, id string) (*executor.Record, error) {
	return d.c.Record(ctx, id)
}

func (d *driver) List(ctx context.Context, q runstore.Query) (runstore.Page, error) {
	if _, err := base64.RawURLEncoding.DecodeString(q.Cursor); err != nil {
		return runstore.Page{}, fmt.Errorf("%w: %v", runstore.ErrCursor, err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = runstore.DefaultLimit
	}
	f := Filter{Statuses: q.Status, Incident: q.Incident, Severity: q.Severity, Since: q.Since, Until: q.Until, Design: d.plan.Design().Metadata.Name}
	sums, next, err := d.c.List(ctx, f, min(limit, runstore.MaxLimit), q.Cursor)
	if err != nil {
		return runstore.Page{}, err
	}
	page := runstore.Page{Runs: make([]runstore.Summary, 0, len(sums)), Next: next}
	for _, s := range sums {
		page.Runs = append(page.Runs, runstore.Summary{ID: s.ID, Status: s.Status, Incident: s.Incident, Severity: s.Severity,
			Playbook: s.Playbook, Response: s.Response, Breached: s.Breached, RolledBack: s.RolledBack, Started: s.Started})
	}
	return page, nil
}

func (d *driver) Do(ctx context.Context, id string, a runs.Act, by runs.Actor, check func(*executor.Record, bool) error) (*executor.Record, error) {
	rec, err := d.c.Record(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := check(rec, true); err != nil {
		return rec, err
	}
	dec := Decision{Answer: a.Answer(by.Name), Rollback: a.Op == runs.OpRollback, Op: a.Op, Actor: &by}
	if rec.Pending != nil && (a.Op == runs.OpApprove || a.Op == runs.OpReject) {
		dec.Party = rec.Pending.Party
	}
	// The run goes on in its workflow; a caller that hangs up does not
	// stop it, only this wait for its record.
	got, err := d.c.Answer(context.WithoutCancel(ctx), id, dec)
	if err == nil {
		return got, nil
	}
	if now, lerr := d.c.Record(ctx, id); lerr == nil {
		rec = now
	}
	switch {
	case a.Op == runs.OpRollback && errors.Is(err, ErrUnknownRun):
		return rec, fmt.Errorf("%w: run %s ended and its workflow closed, so Temporal can no longer roll it back: start the workers with --rollback-window to keep ended runs open for a rollback, or roll it back from its record with secops rollback", runs.ErrClosed, id)
	case a.Op == runs.OpRollback && !runs.Refused(err):
		return rec, fmt.Errorf("%w: %w", runs.ErrRollbackFailed, err)
	}
	return rec, err
}

func (d *driver) Close() error {
	if d.own != nil {
		d.own.Close()
	}
	return nil
}
