package server

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/runstore"
)

// Card is what a person needs to decide on a run, in their words: what
// the run is about (names beside ids), where it stands, the time left
// against its severity's targets, what the earlier steps found, and, for
// a run waiting on an approval or a task, the methods it would carry out
// with the values they would act on. It is built from the plan and the
// record alone (NewCard), so that every backend's page shows the same.
type Card struct {
	// Status is the run's status in words ("Waiting for an approval").
	Status string
	// Incident, Severity, Playbook and Response are the run's, each its
	// name with its id; a zero Named when the run has none.
	Incident, Severity, Playbook, Response Named
	// Party is whom the run waits on, when it waits; the caller fills it
	// in (TaskParty, or the approval's party).
	Party Named
	// Targets are the severity's targets, the earliest first.
	Targets []TargetLeft
	// Gathered are the outputs earlier methods gave, in the order they
	// came.
	Gathered []Gathered
	// Actions are the methods of the response waiting for its approval,
	// in the order they would run; for a person's task, the task alone.
	Actions []CardAction
}

// Named is a thing of the design: its id and its name.
type Named struct {
	ID, Name string
}

// String is "Name (id)", or the id alone when the design names nothing.
func (n Named) String() string {
	switch {
	case n.ID == "":
		return ""
	case n.Name == "" || n.Name == n.ID:
		return n.ID
	}
	return n.Name + " (" + n.ID + ")"
}

// TargetLeft is the time left against one target of a run's severity.
type TargetLeft struct {
	// Target is the target's name in words ("First response").
	Target string
	// Limit is the target, as the design writes it ("2h").
	Limit string
	// Due is when it passes.
	Due time.Time
	// Left says, in words, the time left or how long ago it passed.
	Left string
	// Breached is set once the target has passed with the run not done.
	Breached bool
}

// Gathered is what one method found.
type Gathered struct {
	Method Named
	Values []Value
}

// Value is a field's value, by the field's name.
type Value struct {
	Field Named
	// Text is the value as a person reads it; lists are comma-separated.
	Text string
	// Missing is set when the run does not know the value (yet).
	Missing bool
}

// CardAction is one method a response (or a task) would carry out.
type CardAction struct {
	Method Named
	// Action is the adapter action, empty for a person's method.
	Action string
	// Procedure is what it does, in words.
	Procedure string
	// Inputs are the values it would act on, resolved from the run.
	Inputs []Value
	// Rollback and RollbackAction say how it is undone.
	Rollback, RollbackAction string
	// Condition is the method's when, as its note says it or as
	// written: it runs only if that holds. Empty for a method that
	// always runs.
	Condition string
}

// NewCard builds the card of rec, as of now, in the words of the design's
// language.
func NewCard(plan *executor.Plan, rec *executor.Record, now time.Time) Card {
	w := wordsFor(plan.Design().Metadata.Language)
	return newCard(plan, rec, now, w)
}

func newCard(plan *executor.Plan, rec *executor.Record, now time.Time, w *words) Card {
	d := plan.Design()
	c := Card{Status: w.status(rec)}
	c.Incident, c.Severity = incidentNamed(d, rec.Incident), severityNamed(d, rec.Severity)
	if id := rec.Playbook; id != "" {
		c.Playbook = Named{ID: string(id)}
		if p := d.Playbook(id); p != nil {
			c.Playbook.Name = p.Name
		}
	}
	resp := rec.Response
	if rec.Pending != nil && rec.Pending.Response != "" {
		resp = rec.Pending.Response
	}
	if resp != "" {
		c.Response = Named{ID: string(resp)}
		if r := d.Response(resp); r != nil {
			c.Response.Name = r.Name
		}
	}
	c.Targets = targetsLeft(plan, rec, now, w)
	method := func(id ident.Number) Named {
		n := Named{ID: string(id)}
		if m := plan.Method(id); m != nil {
			n.Name = m.Name
		}
		return n
	}
	for _, e := range rec.Events {
		if e.Kind != executor.EvMethod || len(e.Outputs) == 0 || e.Method == "" {
			continue
		}
		g := Gathered{Method: method(e.Method)}
		for _, k := range slices.Sorted(maps.Keys(e.Outputs)) {
			g.Values = append(g.Values, value(plan, ident.ID(k), e.Outputs[k], true, w))
		}
		c.Gathered = append(c.Gathered, g)
	}
	p := rec.Pending
	if rec.Status != executor.Waiting || p == nil {
		return c
	}
	var methods []*process.Method
	if p.Method != "" {
		if m := plan.Method(p.Method); m != nil {
			methods = append(methods, m)
		}
	} else if r := d.Response(p.Response); r != nil {
		for _, pid := range r.Processes {
			if pr := d.Process(pid); pr != nil {
				for i := range pr.Methods {
					methods = append(methods, &pr.Methods[i])
				}
			}
		}
	}
	for _, m := range methods {
		a := CardAction{Method: Named{ID: string(m.ID), Name: m.Name}, Action: string(m.Action), Procedure: strings.TrimSpace(m.Procedure)}
		for _, in := range m.Inputs {
			v, ok := rec.Fields[string(in)]
			a.Inputs = append(a.Inputs, value(plan, in, v, ok, w))
		}
		if m.Rollback != nil {
			a.Rollback, a.RollbackAction = strings.TrimSpace(m.Rollback.Procedure), string(m.Rollback.Action)
		}
		if m.When != "" {
			a.Condition = strings.TrimSpace(m.Note)
			if a.Condition == "" {
				a.Condition = strings.TrimSpace(m.When)
			}
		}
		c.Actions = append(c.Actions, a)
	}
	return c
}

// targetsLeft is the time left against each target of rec's severity that
// is still watched, and the breaches the record holds.
func targetsLeft(plan *executor.Plan, rec *executor.Record, now time.Time, w *words) []TargetLeft {
	var out []TargetLeft
	seen := map[string]bool{}
	for _, dl := range plan.Deadlines(rec) {
		t := TargetLeft{Target: w.target(dl.Target), Limit: dl.Limit.String(), Due: dl.Due}
		if left := dl.Due.Sub(now); left > 0 {
			t.Left = fmt.Sprintf(w.Left, roughly(left))
		} else {
			t.Breached, t.Left = true, fmt.Sprintf(w.BreachedAgo, roughly(-left))
		}
		seen[dl.Target] = true
		out = append(out, t)
	}
	// A target escalated already is no deadline any more: it stays
	// breached on the card.
	for _, e := range rec.Events {
		if e.Kind == executor.EvBreach && e.Target != "" && !seen[e.Target] {
			seen[e.Target] = true
			limit := rec.Targets.FirstResponse
			if e.Target == executor.ResponseTarget {
				limit = rec.Targets.Response
			}
			out = append(out, TargetLeft{Target: w.target(e.Target), Limit: limit.String(), Due: rec.Started.Add(limit.Std()),
				Breached: true, Left: fmt.Sprintf(w.BreachedAgo, roughly(now.Sub(rec.Started.Add(limit.Std()))))})
		}
	}
	if rec.Breached && len(out) == 0 {
		out = append(out, TargetLeft{Target: w.target(executor.FirstResponseTarget), Limit: rec.Targets.FirstResponse.String(), Breached: true, Left: w.BreachedLate})
	}
	slices.SortStableFunc(out, func(a, b TargetLeft) int { return a.Due.Compare(b.Due) })
	return out
}

// roughly writes d to the minute ("1h 59m", "45m", "under a minute").
func roughly(d time.Duration) string {
	d = d.Truncate(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case d < time.Minute:
		return "<1m"
	case h >= 48:
		return strconv.Itoa(h/24) + "d " + strconv.Itoa(h%24) + "h"
	case h > 0:
		return strconv.Itoa(h) + "h " + strconv.Itoa(m) + "m"
	}
	return strconv.Itoa(m) + "m"
}

// value is field id's value v as a person reads it.
func value(plan *executor.Plan, id ident.ID, v any, known bool, w *words) Value {
	out := Value{Field: Named{ID: string(id)}}
	f := plan.Design().Field(id)
	if f != nil {
		out.Field.Name = f.Name
	}
	if !known || v == nil {
		out.Missing, out.Text = true, w.NotKnown
		return out
	}
	out.Text = valueText(v, w)
	return out
}

func valueText(v any, w *words) string {
	switch v := v.(type) {
	case bool:
		if v {
			return w.Yes
		}
		return w.No
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		if len(v) == 0 {
			return w.NoneFound
		}
		var s []string
		for _, e := range v {
			s = append(s, valueText(e, w))
		}
		return strings.Join(s, ", ")
	}
	return fmt.Sprint(v)
}

// recentRow is a run of the page's list of recent runs, in words.
type recentRow struct {
	ID, Status         string
	Incident, Severity Named
	Started            time.Time
}

func newRecentRow(plan *executor.Plan, sum runstore.Summary, w *words) recentRow {
	d := plan.Design()
	status := w.statusText(sum.Status)
	if sum.RolledBack {
		status += w.RolledBack
	}
	return recentRow{ID: sum.ID, Status: status, Started: sum.Started,
		Incident: incidentNamed(d, sum.Incident), Severity: severityNamed(d, sum.Severity)}
}

func incidentNamed(d *secops.Design, id ident.ID) Named {
	if id == "" {
		return Named{}
	}
	n := Named{ID: string(id)}
	for _, i := range d.Scope.Incidents {
		if i.ID == id {
			n.Name = i.Name
		}
	}
	return n
}

func severityNamed(d *secops.Design, id ident.ID) Named {
	if id == "" {
		return Named{}
	}
	n := Named{ID: string(id)}
	if s := d.Criteria.Severities.Get(id); s != nil {
		n.Name = s.Name
	}
	return n
}

func partyNamed(d *secops.Design, id ident.ID) Named {
	if id == "" {
		return Named{}
	}
	n := Named{ID: string(id)}
	for _, p := range d.Scope.Parties {
		if p.ID == id {
			n.Name = p.Name
		}
	}
	return n
}
