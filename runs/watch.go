package runs

import (
	"context"
	"errors"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

// Escalation is a target escalated by Escalate.
type Escalation struct {
	// Run is the run's id; Target the target (executor.FirstResponseTarget
	// or executor.ResponseTarget).
	Run, Target string
}

// Escalate records the breach of every target of an open run that has
// passed and calls the severity's escalation for it, once
// (executor.Engine.Escalate, under the run's claim). The SLA watch
// (WithWatch) calls it on its own; a run another process holds is left
// to the next scan. A durable driver, whose runs have their own timers,
// has nothing to do here: it returns nil.
func (r *Runs) Escalate(ctx context.Context) ([]Escalation, error) {
	d, ok := r.drv.(*storeDriver)
	if !ok {
		return nil, nil
	}
	done, _, err := d.scan(ctx)
	return done, err
}

// open are the statuses of runs whose targets are watched.
var open = []executor.Status{executor.Waiting, executor.Running, executor.Interrupted, executor.Failed}

// watch scans the runs at once, then when a target falls due or every
// interval, until Close.
func (d *storeDriver) watch() {
	defer d.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	next := time.Now()
	for {
		select {
		case <-d.ctx.Done():
			return
		case due := <-d.poke:
			if due.Before(next) {
				next = due
				timer.Reset(max(time.Until(due), 0))
			}
			continue
		case <-timer.C:
		}
		done, due, err := d.scan(d.ctx)
		for _, e := range done {
			d.c.Logger.Warn("target breached: escalated", "run", e.Run, "target", e.Target)
		}
		if err != nil && d.ctx.Err() == nil {
			d.c.Logger.Error("watching the runs' targets", "error", err)
		}
		next = time.Now().Add(d.c.Watch)
		if !due.IsZero() && due.Before(next) {
			next = due
		}
		timer.Reset(max(time.Until(next), 0))
	}
}

// now is the clock of the engine's events: the watch compares targets
// with it.
func (d *storeDriver) now() time.Time { return d.base.Now() }

// scan escalates what is due among the open runs and returns the
// earliest target still to come.
func (d *storeDriver) scan(ctx context.Context) ([]Escalation, time.Time, error) {
	now := d.now()
	var done []Escalation
	var next time.Time
	seen := map[string]bool{}
	q := runstore.Query{Status: open, Limit: runstore.MaxLimit}
	var errs []error
	for {
		page, err := d.store.List(ctx, q)
		if err != nil {
			return done, next, err
		}
		for _, s := range page.Runs {
			if s.DryRun || s.Incident == "" {
				continue
			}
			due, ok := d.due(&s, now, seen)
			if !ok {
				if !due.IsZero() && (next.IsZero() || due.Before(next)) {
					next = due
				}
				continue
			}
			got, err := d.escalate(ctx, s.ID)
			if err != nil {
				if !errors.Is(err, runstore.ErrClaimed) {
					errs = append(errs, err)
				}
				// Held elsewhere, or failed: try again soon.
				if retry := now.Add(time.Second); next.IsZero() || retry.Before(next) {
					next = retry
				}
			}
			done = append(done, got...)
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	d.mu.Lock()
	for k := range d.done {
		if !seen[k] {
			delete(d.done, k)
		}
	}
	d.mu.Unlock()
	return done, next, errors.Join(errs...)
}

// due reports whether one of s's targets has passed and is not known to
// be escalated; otherwise it returns when the next falls due (zero for
// none).
func (d *storeDriver) due(s *runstore.Summary, now time.Time, seen map[string]bool) (time.Time, bool) {
	sev := d.plan.Design().Criteria.Severities.Get(s.Severity)
	if sev == nil {
		return time.Time{}, false
	}
	var next time.Time
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, t := range []struct {
		name  string
		limit time.Duration
	}{{executor.FirstResponseTarget, sev.Targets.FirstResponse.Std()}, {executor.ResponseTarget, sev.Targets.Response.Std()}} {
		if t.limit <= 0 {
			continue
		}
		k := s.ID + "/" + t.name
		seen[k] = true
		if d.done[k] {
			continue
		}
		at := s.Started.Add(t.limit)
		if !now.Before(at) {
			return at, true
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, false
}

// escalate escalates run id's due targets under its claim.
func (d *storeDriver) escalate(ctx context.Context, id string) ([]Escalation, error) {
	claim, err := d.store.Claim(ctx, id, d.c.Holder, d.c.ClaimTTL)
	if err != nil {
		return nil, err
	}
	defer d.release(claim)
	rec, err := d.store.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	e := d.base
	before, events := runstore.Summarize(rec), len(rec.Events)
	targets, err := e.Escalate(ctx, rec)
	if len(targets) > 0 {
		d.changed(&before, events, rec)
	}
	var out []Escalation
	for _, t := range targets {
		out = append(out, Escalation{Run: id, Target: t})
	}
	// What is left to escalate is what Deadlines still lists; the rest
	// is done, or never will be (the run ended, or has no such target).
	left := map[string]bool{}
	now := e.Now()
	for _, dl := range d.plan.Deadlines(rec) {
		if now.Before(dl.Due) || err != nil {
			left[dl.Target] = true
		}
	}
	d.mu.Lock()
	for _, t := range []string{executor.FirstResponseTarget, executor.ResponseTarget} {
		if !left[t] {
			d.done[id+"/"+t] = true
		}
	}
	d.mu.Unlock()
	return out, err
}
