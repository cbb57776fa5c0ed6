package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/duration"
)

// The targets a severity sets, by the names the record and the
// escalation's inputs use.
const (
	FirstResponseTarget = "first_response"
	ResponseTarget      = "response"
)

// Deadline is a target of a run's severity that has not passed yet, or
// has passed without being escalated: when it falls due, the run is in
// breach and the severity's escalation is called (Escalate).
type Deadline struct {
	// Target is FirstResponseTarget or ResponseTarget.
	Target string
	// Limit is the target's duration, counted from the run's start.
	Limit duration.Duration
	// Due is when it passes: the run's start plus Limit.
	Due time.Time
}

// Watched reports whether rec's targets are watched: its incident is
// declared and it has not completed, nor ended for good. A waiting,
// running or interrupted run is watched, and a failed one while it can
// be retried from its failed method; every driver watches the same runs
// (the in-process one with a watcher of the run store, the durable one
// with timers).
func (p *Plan) Watched(rec *Record) bool {
	if rec == nil || rec.Incident == "" || rec.DryRun || rec.PriorStatus != "" {
		return false
	}
	switch rec.Status {
	case Waiting, Running, Interrupted:
		return true
	case Failed:
		return p.CheckAnswer(rec, Answer{Recover: Retry}) == nil
	}
	return false
}

// Deadlines returns the targets of rec's severity that are still to
// escalate, the earliest first: none when rec is not watched (see
// Watched). A target whose breach was recorded but whose escalation call
// has no known outcome (the process died during it) is still listed:
// Escalate calls it again, with the same idempotency key.
func (p *Plan) Deadlines(rec *Record) []Deadline {
	if !p.Watched(rec) {
		return nil
	}
	var out []Deadline
	for _, t := range []struct {
		name  string
		limit duration.Duration
	}{{FirstResponseTarget, rec.Targets.FirstResponse}, {ResponseTarget, rec.Targets.Response}} {
		if t.limit <= 0 || rec.escalated(t.name) {
			continue
		}
		out = append(out, Deadline{Target: t.name, Limit: t.limit, Due: rec.Started.Add(t.limit.Std())})
	}
	slices.SortStableFunc(out, func(a, b Deadline) int { return a.Due.Compare(b.Due) })
	return out
}

// EscalationKey returns the idempotency key of the escalation call of
// run's target: RUN/escalation/TARGET.
func EscalationKey(run, target string) string { return run + "/escalation/" + target }

func isEscalationKey(k string) bool {
	i := strings.IndexByte(k, '/')
	return i >= 0 && strings.HasPrefix(k[i+1:], "escalation/")
}

// escalated reports whether the breach of target is recorded and its
// escalation, if the severity has one, has a known outcome.
func (r *Record) escalated(target string) bool {
	breached := false
	key := EscalationKey(r.ID, target)
	started, done := false, false
	for i := range r.Events {
		e := &r.Events[i]
		switch {
		case e.Kind == EvBreach && e.Target == target:
			breached = true
		case e.IdempotencyKey != key:
		case e.Kind == EvCallStarted:
			started, done = true, false
		case e.Kind == EvEscalated:
			done = true
		}
	}
	return breached && (!started || done)
}

// Escalate records the breach of each target of rec that is due by the
// driver's clock and not escalated yet (see Deadlines) and calls the
// severity's escalation action for it, once: the call is journaled as
// the run's calls are (a call-started event checkpointed before it), with
// the key EscalationKey(run, target); a call whose outcome a crash left
// unknown is made again with the same key. It returns the targets it
// escalated. A target breached while the run waits or works is an
// event of the run (target-breached, then escalated); the run itself
// goes on as it was.
//
// The caller holds the run's claim, as for Resume. The record is
// changed in place and checkpointed.
func (e *Engine) Escalate(ctx context.Context, rec *Record) ([]string, error) {
	return e.escalate(ctx, e.local, e.c.checkpoint != nil, rec, "")
}

// Escalate is Engine.Escalate driven by the driver's Effects; with a
// target, only that target is considered (a durable driver has a timer
// for each).
func (d *Driver) Escalate(ctx context.Context, rec *Record, target string) ([]string, error) {
	return d.e.escalate(ctx, d.fx, true, rec, target)
}

func (e *Engine) escalate(ctx context.Context, fx Effects, journal bool, rec *Record, only string) ([]string, error) {
	if rec == nil {
		return nil, errors.New("escalate: nil record")
	}
	r := &run{e: e, fx: fx, journal: journal, rec: rec}
	now := fx.Now()
	var done []string
	for _, d := range e.c.plan.Deadlines(rec) {
		if (only != "" && d.Target != only) || now.Before(d.Due) {
			continue
		}
		if !slices.ContainsFunc(rec.Events, func(ev Event) bool { return ev.Kind == EvBreach && ev.Target == d.Target }) {
			rec.Breached = true
			r.event(Event{Kind: EvBreach, Response: rec.Response, Target: d.Target,
				Detail: fmt.Sprintf("%s target %v passed with the response not done (status %s)", d.Target, d.Limit, rec.Status)})
		}
		r.escalation(ctx, d)
		if !r.save() {
			return done, r.result()
		}
		done = append(done, d.Target)
	}
	return done, nil
}

// escalation calls the escalation action of d's target, if the severity
// has one, journaled.
func (r *run) escalation(ctx context.Context, d Deadline) {
	rec := r.rec
	sev := r.e.c.plan.Design().Criteria.Severities.Get(rec.Severity)
	if sev == nil || sev.Escalation == nil {
		return
	}
	esc := sev.Escalation
	key := EscalationKey(rec.ID, d.Target)
	inputs := map[string]any{"run": rec.ID, "incident": string(rec.Incident), "severity": string(rec.Severity),
		"target": d.Target, "after": d.Limit.String(), "party": string(esc.Party)}
	ev := Event{Kind: EvEscalated, Action: esc.Action, Inputs: inputs, Actor: string(esc.Party), IdempotencyKey: key, Target: d.Target}
	adapter := esc.Action.Adapter()
	outputs, attempt, err := r.journaledCall(ctx, nil, callSpec{action: esc.Action, adapter: adapter,
		req: adapters.Request{Operation: esc.Action.Operation(), Inputs: inputs, Method: "escalation", Run: rec.ID, IdempotencyKey: key},
	}, rec.lastAttempt(key)+1)
	if r.err != nil {
		return
	}
	ev.Attempt = max(attempt, 1)
	ev.Outputs = outputs
	if err != nil {
		ev.Error = fmt.Sprintf("escalation to %s (%s): %v", esc.Party, esc.Action, err)
		ev.Uncertain = adapters.IsOutcomeUnknown(err)
	} else {
		ev.Detail = fmt.Sprintf("%s target %v breached: escalated to %s", d.Target, d.Limit, esc.Party)
	}
	r.event(ev)
}
