package change

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/review"
	"github.com/secopsdesign/secops/scope"
)

// MaxExamples is how many example alerts a move lists.
const MaxExamples = 5

// The outcomes of an alert in a design.
const (
	Matched   = "matched"
	Unmatched = "unmatched"
	Invalid   = "invalid"
)

// Class is what a design makes of an alert.
type Class struct {
	// Outcome is Matched, Unmatched or Invalid.
	Outcome string `json:"outcome"`
	// Detection is the detection that takes the alert, and Incident,
	// Severity and Playbook what it declares and starts; empty unless
	// matched.
	Detection ident.ID `json:"detection,omitempty"`
	Incident  ident.ID `json:"incident,omitempty"`
	Severity  ident.ID `json:"severity,omitempty"`
	Playbook  ident.ID `json:"playbook,omitempty"`
	// Triaged is set when the severity is at or above the triage
	// threshold.
	Triaged bool `json:"triaged,omitempty"`
	// Confirm is set when the detection needs a confirmation.
	Confirm bool `json:"confirm,omitempty"`
	// FirstResponseTarget is the severity's first-response target.
	FirstResponseTarget duration.Duration `json:"first_response_target,omitempty"`
	// Parties are the parties responsible for the phases the alert goes
	// through: the detection's source, and when triaged, those of the
	// design's responsibilities.
	Parties Parties `json:"parties,omitzero"`
}

// Parties are the parties of an alert's phases.
type Parties struct {
	Detection     ident.ID `json:"detection,omitempty"`
	Triage        ident.ID `json:"triage,omitempty"`
	FirstResponse ident.ID `json:"first_response,omitempty"`
	Analysis      ident.ID `json:"analysis,omitempty"`
	Response      ident.ID `json:"response,omitempty"`
}

// Move is the alerts that go from one class to another.
type Move struct {
	From  Class `json:"from"`
	To    Class `json:"to"`
	Count int   `json:"count"`
	// Changes names what differs between From and To: outcome,
	// detection, incident, severity, playbook, triaged, confirm,
	// first_response_target, parties.PHASE.
	Changes []string `json:"changes"`
	// Examples are the first alerts of the move, at most MaxExamples.
	Examples []Example `json:"examples"`
}

// Example is an alert, by where it was read.
type Example struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// Alert is the alert as compact JSON (or why the line is no alert),
	// cut to MaxExampleText characters.
	Alert string `json:"alert"`
}

// MaxExampleText is the longest an example's Alert is.
const MaxExampleText = 200

func (e Example) String() string { return fmt.Sprintf("%s:%d", e.File, e.Line) }

// Detections is how the detections changed.
type Detections struct {
	// Added and Removed list the detections of one design only, in its
	// order.
	Added   []ident.ID `json:"added"`
	Removed []ident.ID `json:"removed"`
	// Reordered lists the detections of both designs that moved against
	// the others (those outside a longest common order), with their
	// places in each design, from 1.
	Reordered []Reorder `json:"reordered"`
	// Changed lists what changed in the detections of both designs.
	Changed []Difference `json:"changed"`
	// Shadowing lists the shadowing that changed: alerts that Detection
	// also matched but By took first, in each design.
	Shadowing []Shadowing `json:"shadowing"`
}

// Reorder is a detection that moved.
type Reorder struct {
	ID  ident.ID `json:"id"`
	Old int      `json:"old"`
	New int      `json:"new"`
}

// Shadowing is how many alerts a detection matched that an earlier one
// took, in each design.
type Shadowing struct {
	Detection ident.ID `json:"detection"`
	By        ident.ID `json:"by"`
	Old       int      `json:"old"`
	New       int      `json:"new"`
}

// Workload is the workload of the history in each design.
type Workload struct {
	Old Load `json:"old"`
	New Load `json:"new"`
}

// Load is the analyst time a history costs by a design's estimates (see
// review.Workload).
type Load struct {
	// Shortest and Longest are the totals in hours.
	Shortest float64 `json:"shortest_hours"`
	Longest  float64 `json:"longest_hours"`
	// Days counts the days with alerts; PerDayShortest and PerDayLongest
	// are the totals over them, in hours a day.
	Days           int     `json:"days"`
	PerDayShortest float64 `json:"per_day_shortest_hours"`
	PerDayLongest  float64 `json:"per_day_longest_hours"`
	// Parties is each party's share.
	Parties []review.PartyLoad `json:"parties"`
}

// Difference is one difference between the two designs.
type Difference struct {
	// Kind is what differs: detection, severity, criteria, response,
	// method or playbook.
	Kind string `json:"kind"`
	// ID is its id (a method's number).
	ID string `json:"id"`
	// What is the part that differs (added, removed, when, approval,
	// actions, rollbacks, targets, steps...).
	What string `json:"what"`
	// Old and New are the part in each design, as short text.
	Old string `json:"old"`
	New string `json:"new"`
	// Path is where it is in the new design (in the old one when
	// removed), and Position its place in the file.
	Path     string           `json:"path"`
	Position finding.Position `json:"position"`
}

// Report is a plan: what changing the old design into the new one
// changes.
type Report struct {
	// Old and New are the designs' file names.
	Old string `json:"old"`
	New string `json:"new"`
	// Alerts counts the alerts replayed.
	Alerts int `json:"alerts"`
	// Changed counts the alerts whose class changed.
	Changed int `json:"changed"`
	// Moves lists the moves, largest first.
	Moves []Move `json:"moves"`
	// Detections is how the detections changed.
	Detections Detections `json:"detections"`
	// Workload is the history's workload in each design.
	Workload Workload `json:"workload"`
	// NewlyUnmatched counts the alerts the old design matched and the
	// new one does not; NewlyMatched the other way round.
	NewlyUnmatched int `json:"newly_unmatched"`
	NewlyMatched   int `json:"newly_matched"`
	// Design lists the differences of responses, severities, methods and
	// playbooks: they change runs whether or not an alert moves.
	Design []Difference `json:"design"`
	// Findings are the findings of the replay through the new design
	// that the old one did not have, at the new design's positions.
	Findings finding.List `json:"findings"`

	// OldReplay and NewReplay are the replays of the history through
	// each design.
	OldReplay *review.ReplayReport `json:"-"`
	NewReplay *review.ReplayReport `json:"-"`
}

// Empty reports whether the plan changes nothing.
func (r *Report) Empty() bool {
	d := &r.Detections
	return r.Changed == 0 && len(d.Added)+len(d.Removed)+len(d.Reordered)+len(d.Changed)+len(d.Shadowing) == 0 &&
		len(r.Design) == 0 && slices.Equal(r.Workload.Old.Parties, r.Workload.New.Parties) &&
		r.Workload.Old.Shortest == r.Workload.New.Shortest && r.Workload.Old.Longest == r.Workload.New.Longest
}

// pair counts the alerts taken by detection i of the old design and j
// of the new (or review.NotMatched, review.NotValid).
type pair struct {
	count    int
	examples []Example
}

// Plan replays alerts through old and new at once, as review.Replay
// does each (opts apply to both), and reports what the change of design
// changes. alerts yields the alerts (see review.ReadAlerts); an error
// from it, or ctx being done, ends the plan with that error.
func Plan(ctx context.Context, old, new *executor.Plan, alerts iter.Seq2[review.Alert, error], opts ...review.ReplayOption) (*Report, error) {
	if old == nil || new == nil {
		return nil, errors.New("plan: nil plan")
	}
	ro, err := review.NewReplayer(old, opts...)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	rn, err := review.NewReplayer(new, opts...)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	od, nd := old.Design(), new.Design()
	no, nn := len(od.Criteria.Detections)+2, len(nd.Criteria.Detections)+2
	pairs := make([]pair, no*nn)
	n := 0
	for a, err := range alerts {
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		if n++; n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("plan: %w", err)
			}
		}
		i, j := ro.Add(ctx, a)+2, rn.Add(ctx, a)+2
		p := &pairs[i*nn+j]
		p.count++
		if len(p.examples) < MaxExamples {
			p.examples = append(p.examples, Example{a.File, a.Line, exampleText(a)})
		}
	}
	rep := &Report{Old: od.Source(), New: nd.Source(), Alerts: n, OldReplay: ro.Report(), NewReplay: rn.Report(), Moves: []Move{}}
	for i := range no {
		for j := range nn {
			p := &pairs[i*nn+j]
			if p.count == 0 {
				continue
			}
			from, to := classOf(od, i-2), classOf(nd, j-2)
			if from.Outcome == Matched && to.Outcome != Matched {
				rep.NewlyUnmatched += p.count
			}
			if from.Outcome != Matched && to.Outcome == Matched {
				rep.NewlyMatched += p.count
			}
			if from == to {
				continue
			}
			rep.Changed += p.count
			rep.Moves = append(rep.Moves, Move{From: from, To: to, Count: p.count, Changes: changes(from, to), Examples: p.examples})
		}
	}
	slices.SortStableFunc(rep.Moves, func(a, b Move) int { return cmp.Compare(b.Count, a.Count) })
	rep.Detections = detections(od, nd, rep.OldReplay, rep.NewReplay)
	rep.Workload = Workload{load(rep.OldReplay), load(rep.NewReplay)}
	rep.Design = designDifferences(od, nd)
	rep.Findings = newFindings(od, nd, rep.OldReplay.Findings, rep.NewReplay.Findings)
	return rep, nil
}

// classOf is the class of the alerts that detection i of d takes
// (review.NotMatched, review.NotValid for none).
func classOf(d *secops.Design, i int) Class {
	switch i {
	case review.NotMatched:
		return Class{Outcome: Unmatched}
	case review.NotValid:
		return Class{Outcome: Invalid}
	}
	det := &d.Criteria.Detections[i]
	c := Class{Outcome: Matched, Detection: det.ID, Incident: det.Incident, Severity: det.Severity,
		Triaged: d.Criteria.Triaged(det.Severity), Confirm: det.Confirm != nil, Parties: Parties{Detection: det.Source}}
	if sev := d.Criteria.Severities.Get(det.Severity); sev != nil {
		c.FirstResponseTarget = sev.Targets.FirstResponse
	}
	if !c.Triaged {
		return c
	}
	if pb := d.PlaybookFor(det.Incident); pb != nil {
		c.Playbook = pb.ID
	}
	r := &d.Scope.Responsibilities
	for _, x := range []struct {
		ph scope.Phase
		to *ident.ID
	}{{scope.Triage, &c.Parties.Triage}, {scope.FirstResponse, &c.Parties.FirstResponse}, {scope.Analysis, &c.Parties.Analysis}, {scope.Response, &c.Parties.Response}} {
		if a := r.For(x.ph); a != nil {
			*x.to = a.Responsible
		}
	}
	return c
}

// changes names the parts of a class that differ.
func changes(a, b Class) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("outcome", a.Outcome != b.Outcome)
	add("detection", a.Detection != b.Detection)
	add("incident", a.Incident != b.Incident)
	add("severity", a.Severity != b.Severity)
	add("playbook", a.Playbook != b.Playbook)
	add("triaged", a.Triaged != b.Triaged)
	add("confirm", a.Confirm != b.Confirm)
	add("first_response_target", a.FirstResponseTarget != b.FirstResponseTarget)
	add("parties.detection", a.Parties.Detection != b.Parties.Detection)
	add("parties.triage", a.Parties.Triage != b.Parties.Triage)
	add("parties.first_response", a.Parties.FirstResponse != b.Parties.FirstResponse)
	add("parties.analysis", a.Parties.Analysis != b.Parties.Analysis)
	add("parties.response", a.Parties.Response != b.Parties.Response)
	return out
}

// load is a replay's workload.
func load(r *review.ReplayReport) Load {
	l := Load{Shortest: r.Workload.Shortest, Longest: r.Workload.Longest, Days: len(r.PerDay), Parties: r.Workload.Parties}
	if l.Days > 0 {
		var lo, hi float64
		for _, d := range r.PerDay {
			lo, hi = lo+d.Shortest, hi+d.Longest
		}
		l.PerDayShortest, l.PerDayLongest = round2(lo/float64(l.Days)), round2(hi/float64(l.Days))
	}
	return l
}

func round2(f float64) float64 {
	var r float64
	fmt.Sscanf(fmt.Sprintf("%.2f", f), "%g", &r)
	return r
}

// newFindings are the findings of the new replay that the old one does
// not have: a detection's finding is the same when it is of the same
// code on the detection of the same id; an alert line's when it is of
// the same file and line.
func newFindings(od, nd *secops.Design, old, new finding.List) finding.List {
	key := func(d *secops.Design, f finding.Finding) string {
		if id := detectionAt(d, f.Path); id != "" {
			return string(f.Code) + " detection " + string(id)
		}
		if f.Path == "" {
			return string(f.Code) + " " + f.Position.String()
		}
		return string(f.Code) + " " + f.Path
	}
	seen := map[string]bool{}
	for _, f := range old {
		seen[key(od, f)] = true
	}
	out := finding.List{}
	for _, f := range new {
		if !seen[key(nd, f)] {
			out = append(out, f)
		}
	}
	return out
}

// detectionAt is the id of the detection path leads into in d, or "".
func detectionAt(d *secops.Design, path string) ident.ID {
	var i int
	if _, err := fmt.Sscanf(path, "criteria.detections[%d]", &i); err != nil || i < 0 || i >= len(d.Criteria.Detections) {
		return ""
	}
	return d.Criteria.Detections[i].ID
}

// exampleText is an alert as an example shows it.
func exampleText(a review.Alert) string {
	s := a.Invalid
	if s == "" {
		b, err := json.Marshal(a.Fields)
		if err != nil {
			return ""
		}
		s = string(b)
	}
	if r := []rune(s); len(r) > MaxExampleText {
		return string(r[:MaxExampleText-1]) + "…"
	}
	return s
}

// short cuts s to a length a table can hold.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}
