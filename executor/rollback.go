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
// are left alone, so Rollback may be called again after a failure. It
// updates rec in place, returns it, and returns an error naming every
// rollback action that failed. A record whose run started with another
// version of the design is refused, unchanged, with an error wrapping
// ErrDesignChanged, unless the engine has WithChangedDesign (see
// Plan.CheckRecord). The rollback of a dry run (Record.DryRun) calls
// nothing: its events say what would be called.
func (e *Engine) Rollback(ctx context.Context, rec *Record) (*Record, error) {
	if rec == nil {
		return nil, errors.New("rollback: nil record")
	}
	p := e.c.plan
	r := &run{e: e, rec: rec}
	if err := r.checkDesign("rollback"); err != nil {
		return rec, err
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
		inputs := make(map[string]any, len(m.Inputs))
		for _, in := range m.Inputs {
			if v, ok := rec.Fields[string(in)]; ok {
				inputs[string(in)] = v
			}
		}
		act := m.Rollback.Action
		if rec.DryRun {
			// A dry run took no action, and its rollback takes none.
			rec.RolledBack = append(rec.RolledBack, id)
			r.event(Event{Kind: EvRolledBack, Method: id, Action: act, Inputs: inputs, Actor: "dry-run", Detail: m.Rollback.Procedure, DryRun: true})
			continue
		}
		err := ctx.Err()
		if err == nil {
			a, ok := e.c.registry.Lookup(act.Adapter())
			if !ok {
				err = fmt.Errorf("no adapter %q is configured", act.Adapter())
			} else {
				req := adapters.Request{Operation: act.Operation(), Inputs: inputs, Method: string(id), Run: rec.ID, Rollback: true}
				backoff := e.c.backoff
				for attempt := 1; ; attempt++ {
					_, err = e.callOnce(ctx, a, req)
					if err == nil || !adapters.IsRetryable(err) || attempt >= e.c.attempts || !sleep(ctx, backoff) {
						break
					}
					backoff *= 2
				}
			}
		}
		if err != nil {
			var ce *adapters.CallError
			if errors.As(err, &ce) && ce.Adapter == act.Adapter() && ce.Operation == act.Operation() && ce.Err != nil {
				err = ce.Err // the message names the method and action already
			}
			msg := fmt.Sprintf("rollback of method %s (%s): %v", id, act, err)
			r.event(Event{Kind: EvRollbackFailed, Method: id, Action: act, Inputs: inputs, Error: msg})
			errs = append(errs, errors.New(msg))
			continue
		}
		rec.RolledBack = append(rec.RolledBack, id)
		r.event(Event{Kind: EvRolledBack, Method: id, Action: act, Inputs: inputs, Actor: act.Adapter(), Detail: m.Rollback.Procedure})
	}
	rec.Updated = e.c.clock()
	return rec, errors.Join(errs...)
}
