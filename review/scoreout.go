package review

import (
	"fmt"
	"maps"
	"slices"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/scope"
)

// scoreTable is one table of the scorecard: a header and rows of cells.
type scoreTable struct {
	title, note string
	header      []string
	rows        [][]string
}

// detectionOrder lists the scored detections in design order, then any
// the design does not have, sorted.
func (r *Report) detectionOrder() []ident.ID {
	var out []ident.ID
	for _, id := range r.detectionIDs {
		if r.Detections[id] != nil {
			out = append(out, id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(r.Detections)) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func scoreRow(label string, s *Score, source bool) []string {
	row := []string{label}
	if source {
		row = append(row, string(s.Source))
	}
	row = append(row, fmt.Sprint(s.Runs), fmt.Sprint(s.Asked), fmt.Sprint(s.Confirmed), fmt.Sprint(s.Refuted))
	for _, d := range playbook.Dispositions {
		row = append(row, fmt.Sprintf("%d (%s)", s.Dispositions[d], pct(s.Rates[d])))
	}
	return append(row, fmt.Sprint(s.Undisposed))
}

// scorecard is the scorecard's tables, in the order the reports show
// them; tables without rows are left out.
func (r *Report) scorecard() []scoreTable {
	var out []scoreTable
	disp := []string{}
	for _, d := range playbook.Dispositions {
		disp = append(disp, string(d))
	}
	dets := scoreTable{title: "Detections: confirmations and dispositions",
		note:   "Per detection: the runs its alerts started, the confirmations asked, those that held and those that did not, and how the runs ended (the disposition of the end they took, with its share of the runs that have one).",
		header: append(append([]string{"detection", "source", "runs", "confirmations", "confirmed", "refuted"}, disp...), "undisposed")}
	for _, id := range r.detectionOrder() {
		dets.rows = append(dets.rows, scoreRow(string(id), r.Detections[id], true))
	}
	srcs := scoreTable{title: "Sources", note: "The same per source party of the detections.",
		header: append(append([]string{"source", "runs", "confirmations", "confirmed", "refuted"}, disp...), "undisposed")}
	for _, id := range slices.Sorted(maps.Keys(r.Sources)) {
		srcs.rows = append(srcs.rows, scoreRow(string(id), r.Sources[id], false))
	}
	parties := scoreTable{title: "Parties",
		note:   "Per party: the person's tasks and approvals it answered, the runs that waited on it, the waits, and the runs whose target passed while they waited on it.",
		header: []string{"party", "sourcing", "tasks", "approvals", "runs", "median wait", "P90 wait", "breaches", "breach rate"}}
	for _, id := range slices.Sorted(maps.Keys(r.Parties)) {
		p := r.Parties[id]
		if p.Tasks+p.Approvals == 0 {
			continue
		}
		parties.rows = append(parties.rows, []string{string(id), string(p.Sourcing), fmt.Sprint(p.Tasks), fmt.Sprint(p.Approvals),
			fmt.Sprint(p.Runs), p.Waiting.Median.String(), p.Waiting.P90.String(), fmt.Sprint(p.Breaches), pct(p.BreachRate)})
	}
	outs := scoreTable{title: "Outsourced responsibilities", note: "What the design hands each outsourced party, against what the runs show.",
		header: []string{"phase", "party", "the design", "the runs"}}
	for _, o := range r.Outsourced {
		outs.rows = append(outs.rows, []string{string(o.Phase), string(o.Party), o.designText(), o.runsText()})
	}
	notify := scoreTable{title: "Time to notify", note: "From the source's own detection (the alert's " + r.detectedKey + ") to the start of the run, per source.",
		header: []string{"source", "alerts", "median", "P90", "max"}}
	for _, id := range slices.Sorted(maps.Keys(r.Notify)) {
		w := r.Notify[id]
		notify.rows = append(notify.rows, []string{string(id), fmt.Sprint(w.Count), w.Median.String(), w.P90.String(), w.Max.String()})
	}
	for _, t := range []scoreTable{dets, srcs, parties, outs, notify} {
		if len(t.rows) > 0 {
			out = append(out, t)
		}
	}
	return out
}

func (o Outsourced) designText() string {
	if o.Phase == scope.Detection {
		return plural(o.Designed, "detection") + " name it as their source"
	}
	if o.Designed == 0 {
		return "no task of a person in the flows"
	}
	return plural(o.Designed, "task") + " of a person"
}

func (o Outsourced) runsText() string {
	if o.Phase == scope.Detection {
		return fmt.Sprintf("%s from its alerts, %d refuted", plural(o.Runs, "run"), o.Refuted)
	}
	if o.Runs == 0 {
		return "no run gave it a task"
	}
	return fmt.Sprintf("%s answered in %s", plural(o.Tasks, "task"), plural(o.Runs, "run"))
}
