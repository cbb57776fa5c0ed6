package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/secopsdesign/secops/adapters"
)

// Rollback undoes the response methods rec applied, the latest first: a
// method whose rollback has an action calls it (with the method's inputs
// and Request.Rollback set); one whose rollback is a procedure only is
// listed in rec.ManualRollback for a person. Methods already rolled back
// are left alone, so Rollback may be called again after a failure.
//
// A response call whose outcome the record does not know (the run was
// interrupted during it, or it timed out; see Record.Uncertain) is
// counted as applied and undone: undoing must be safe to repeat. While
// it works the record's status is running (its status before is kept in
// PriorStatus and restored at the end), and each rollback call is
// journaled as the run's calls are. A run that had not ended (it was
// interrupted, or waited for a person or an approval inside its response)
// is given up: it ends failed, with nothing pending, and goes no further
// (see ErrRolledBack).
//
// It updates rec in place, returns it, and returns an error naming every
// rollback action that failed. A record whose run started with another
// version of the design is refused, unchanged, with an error wrapping
// ErrDesignChanged, unless the engine has WithChangedDesign (see
// Plan.CheckRecord). The rollback of a dry run (Record.DryRun) calls
// nothing: its events say what would be called.
func (e *Engine) Rollback(ctx context.Context, rec *Record) (*Record, error) {
	return e.rollback(ctx, e.local, e.c.checkpoint != nil, rec)
}

// rollback is Rollback driven by fx.
func (e *Engine) rollback(ctx context.Context, fx Effects, journal bool, rec *Record) (*Record, error) {
	if rec == nil {
		return nil, errors.New("rollback: nil record")
	}
	p := e.c.plan
	r := &run{e: e, fx: fx, journal: journal, rec: rec}
	if err := r.checkDesign("rollback"); err != nil {
		return rec, err
	}
	if rec.PriorStatus == "" {
		rec.PriorStatus = rec.Status
		if rec.PriorStatus == "" {
			rec.PriorStatus = Failed
		}
	}
	rec.Status = Running
	// Calls of the response whose outcome is unknown may have taken
	// effect: undo them too.
	for _, c := range rec.Uncertain() {
		if c.Rollback || c.Response == "" || slices.Contains(rec.Applied, c.Method) {
			continue
		}
		rec.Applied = append(rec.Applied, c.Method)
		r.event(Event{Kind: EvRecovered, Method: c.Method, Action: c.Action, Response: c.Response, IdempotencyKey: c.IdempotencyKey,
			Detail: fmt.Sprintf("method %s (%s) may have taken effect (its call's outcome is unknown): counted as applied, to be undone", c.Method, c.Action)})
	}
	if !r.save() {
		return rec, r.result()
	}
	var errs []error
	for i := len(rec.Applied) - 1; i >= 0; i-- {
		id := rec.Applied[i]
		if slices.Contains(rec.RolledBack, id) {
			continue
		}
		mp := p.methods[id]
		if mp == nil {
			errs = append(errs, fmt.Errorf("method %s: not in this design", id))
			continue
		}
		m := mp.m
		if m.Rollback == nil {
			// Nothing to undo (validation requires a rollback of every
			// action in a first response).
			r.event(Event{Kind: EvRollbackManual, Method: id, Detail: "the method has no rollback"})
			continue
		}
		if m.Rollback.Action == "" {
			if !slices.ContainsFunc(rec.ManualRollback, func(mr Manual) bool { return mr.Method == id }) {
				rec.ManualRollback = append(rec.ManualRollback, Manual{Method: id, Procedure: m.Rollback.Procedure})
			}
			r.event(Event{Kind: EvRollbackManual, Method: id, Detail: m.Rollback.Procedure})
			continue
		}
		inputs := r.inputsOf(m)
		act := m.Rollback.Action
		if rec.DryRun {
			// A dry run took no action, and its rollback takes none.
			rec.RolledBack = append(rec.RolledBack, id)
			r.event(Event{Kind: EvRolledBack, Method: id, Action: act, Inputs: inputs, Actor: "dry-run", Detail: m.Rollback.Procedure, DryRun: true})
			continue
		}
		if err := ctx.Err(); err != nil {
			rec.Status = Interrupted
			r.event(Event{Kind: EvInterrupted, Method: id, Error: stopReason(ctx), Detail: fmt.Sprintf("stopped before the rollback of method %s", id)})
			r.end()
			r.save()
			return rec, errors.Join(append(errs, r.result())...)
		}
		key := Key(rec.ID, Cursor{}, "", id, true)
		_, attempt, err := r.journaledCall(ctx, nil, callSpec{method: id, action: act, adapter: act.Adapter(),
			req: adapters.Request{Operation: act.Operation(), Inputs: inputs, Method: string(id), Run: rec.ID, Rollback: true, IdempotencyKey: key},
		}, rec.lastAttempt(key)+1)
		if r.err != nil {
			return rec, r.result()
		}
		if err != nil && ctx.Err() != nil {
			// Stopped during the call: its outcome is unknown; rolling
			// back again calls it again, with the same key.
			rec.Status = Interrupted
			r.event(Event{Kind: EvInterrupted, Method: id, Error: stopReason(ctx),
				Detail: fmt.Sprintf("stopped during the rollback of method %s (%s): whether it took effect is unknown; roll back again", id, act)})
			r.end()
			r.save()
			return rec, errors.Join(append(errs, r.result())...)
		}
		if err != nil {
			var ce *adapters.CallError
			if errors.As(err, &ce) && ce.Adapter == act.Adapter() && ce.Operation == act.Operation() && ce.Err != nil {
				err = ce.Err // the message names the method and action already
			}
			msg := r.e.c.clean(fmt.Sprintf("rollback of method %s (%s): %v", id, act, err))
			r.event(Event{Kind: EvRollbackFailed, Method: id, Action: act, Inputs: inputs, Error: msg, IdempotencyKey: key, Attempt: attempt,
				Uncertain: adapters.IsOutcomeUnknown(err)})
			errs = append(errs, errors.New(msg))
		} else {
			rec.RolledBack = append(rec.RolledBack, id)
			r.event(Event{Kind: EvRolledBack, Method: id, Action: act, Inputs: inputs, Actor: act.Adapter(), Detail: m.Rollback.Procedure,
				IdempotencyKey: key, Attempt: attempt})
		}
		if !r.save() {
			return rec, errors.Join(append(errs, r.result())...)
		}
	}
	rec.Status = rec.PriorStatus
	rec.PriorStatus = ""
	switch rec.Status {
	case Running, Interrupted:
		// An interrupted run that is rolled back is given up.
		rec.Status = Failed
		if rec.Error == "" {
			rec.Error = "the run was interrupted, then rolled back"
		}
		rec.At = nil
	case Waiting:
		// So is one that waited: the rest of its response is not
		// applied, and what it waited for is asked no more.
		if rec.RollbackBegun() {
			rec.Status = Failed
			if rec.Error == "" {
				rec.Error = "rolled back while it waited for " + rec.Pending.String() + ": the run was given up"
			}
			ev := Event{Kind: EvFailed, Error: rec.Error}
			if p := rec.Pending; p != nil {
				ev.Step, ev.Method, ev.Response = p.Step, p.Method, p.Response
			}
			r.event(ev)
			rec.Pending, rec.At = nil, nil
		}
	}
	rec.Updated = fx.Now()
	r.save()
	return rec, errors.Join(append(errs, r.result())...)
}
