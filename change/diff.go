package change

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/review"
)

// detections compares the detections of the two designs and their
// shadowing in the two replays.
func detections(od, nd *secops.Design, ro, rn *review.ReplayReport) Detections {
	out := Detections{Added: []ident.ID{}, Removed: []ident.ID{}, Reordered: []Reorder{}, Changed: []Difference{}, Shadowing: []Shadowing{}}
	oi, ni := map[ident.ID]int{}, map[ident.ID]int{}
	for i := range od.Criteria.Detections {
		oi[od.Criteria.Detections[i].ID] = i
	}
	for i := range nd.Criteria.Detections {
		ni[nd.Criteria.Detections[i].ID] = i
	}
	var oc, nc []ident.ID // the common ones, in each order
	for i := range od.Criteria.Detections {
		id := od.Criteria.Detections[i].ID
		if _, ok := ni[id]; ok {
			oc = append(oc, id)
		} else {
			out.Removed = append(out.Removed, id)
		}
	}
	for i := range nd.Criteria.Detections {
		id := nd.Criteria.Detections[i].ID
		if _, ok := oi[id]; ok {
			nc = append(nc, id)
		} else {
			out.Added = append(out.Added, id)
		}
	}
	kept := lcs(oc, nc)
	for _, id := range nc {
		if !kept[id] {
			out.Reordered = append(out.Reordered, Reorder{ID: id, Old: oi[id] + 1, New: ni[id] + 1})
		}
	}
	for _, id := range nc {
		o, n := &od.Criteria.Detections[oi[id]], &nd.Criteria.Detections[ni[id]]
		p := finding.NewPath("criteria", "detections").Index(ni[id])
		diff := func(what string, a, b any) {
			if as, bs := text(a), text(b); as != bs {
				out.Changed = append(out.Changed, difference(nd, "detection", string(id), what, as, bs, p.Child(what)))
			}
		}
		diff("when", o.When, n.When)
		diff("incident", o.Incident, n.Incident)
		diff("severity", o.Severity, n.Severity)
		diff("source", o.Source, n.Source)
		diff("confirm", o.Confirm, n.Confirm)
	}
	// Shadowing, by the ids of both detections.
	type key struct{ det, by string }
	counts := map[key][2]int{}
	var order []key
	for k, r := range []*review.ReplayReport{ro, rn} {
		for _, dc := range r.Detections {
			for _, c := range dc.ShadowedBy {
				x := key{string(dc.ID), c.ID}
				v, ok := counts[x]
				if !ok {
					order = append(order, x)
				}
				v[k] = c.Count
				counts[x] = v
			}
		}
	}
	for _, x := range order {
		if v := counts[x]; v[0] != v[1] {
			out.Shadowing = append(out.Shadowing, Shadowing{Detection: ident.ID(x.det), By: ident.ID(x.by), Old: v[0], New: v[1]})
		}
	}
	return out
}

// lcs returns the members of a longest common subsequence of a and b,
// which hold the same ids in two orders.
func lcs(a, b []ident.ID) map[ident.ID]bool {
	n, m := len(a), len(b)
	t := make([][]int, n+1)
	for i := range t {
		t[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	out := map[ident.ID]bool{}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			out[a[i]] = true
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}

// designDifferences lists the differences of the parts of the two
// designs that change runs: the triage threshold, the severities'
// targets, the responses, the methods and the playbooks.
func designDifferences(od, nd *secops.Design) []Difference {
	out := []Difference{}
	if o, n := od.Criteria.TriageThreshold, nd.Criteria.TriageThreshold; o != n {
		out = append(out, difference(nd, "criteria", "triage_threshold", "triage_threshold", string(o), string(n), finding.NewPath("criteria", "triage_threshold")))
	}
	// Severities: their targets.
	sevs := func(d *secops.Design) []item {
		var it []item
		for i := range d.Criteria.Severities {
			s := &d.Criteria.Severities[i]
			it = append(it, item{string(s.ID), finding.NewPath("criteria", "severities").Index(i), map[string]string{"targets": text(s.Targets)}})
		}
		return it
	}
	out = compare(out, od, nd, "severity", sevs(od), sevs(nd))
	// Responses: their processes, the actions of their methods, the
	// approval and the rollbacks.
	resps := func(d *secops.Design) []item {
		var it []item
		for i := range d.Responses {
			r := &d.Responses[i]
			var actions, rollbacks []string
			for _, id := range r.Processes {
				if pr := d.Process(id); pr != nil {
					for k := range pr.Methods {
						mt := &pr.Methods[k]
						actions = append(actions, methodDoing(mt))
						if mt.Rollback != nil {
							rollbacks = append(rollbacks, string(mt.ID)+" "+rollbackDoing(mt.Rollback))
						}
					}
				}
			}
			it = append(it, item{string(r.ID), finding.NewPath("responses").Index(i), map[string]string{
				"phase": string(r.Phase), "processes": text(r.Processes), "approval": string(r.Approval),
				"actions": strings.Join(actions, ", "), "rollbacks": strings.Join(rollbacks, ", ")}})
		}
		return it
	}
	out = compare(out, od, nd, "response", resps(od), resps(nd))
	// Methods: what does them, when, their rollback and estimate.
	methods := func(d *secops.Design) []item {
		var it []item
		for i := range d.Processes {
			for k := range d.Processes[i].Methods {
				mt := &d.Processes[i].Methods[k]
				rb := ""
				if mt.Rollback != nil {
					rb = rollbackDoing(mt.Rollback)
				}
				it = append(it, item{string(mt.ID), finding.NewPath("processes").Index(i).Child("methods").Index(k), map[string]string{
					"action": methodDoing(mt), "when": mt.When, "rollback": rb, "estimate": mt.Estimate.String(),
					"inputs": text(mt.Inputs), "outputs": text(mt.Outputs)}})
			}
		}
		return it
	}
	out = compare(out, od, nd, "method", methods(od), methods(nd))
	// Playbooks: the incidents they handle and their start; their steps:
	// the process, the ways on and the disposition.
	pbs := func(d *secops.Design) []item {
		var it []item
		for i := range d.Playbooks {
			pb := &d.Playbooks[i]
			it = append(it, item{string(pb.ID), finding.NewPath("playbooks").Index(i), map[string]string{
				"incidents": text(pb.Incidents), "start": string(pb.Start)}})
		}
		return it
	}
	out = compare(out, od, nd, "playbook", pbs(od), pbs(nd))
	steps := func(d *secops.Design) []item {
		var it []item
		for i := range d.Playbooks {
			pb := &d.Playbooks[i]
			for j := range pb.Steps {
				st := &pb.Steps[j]
				it = append(it, item{string(pb.ID) + "/" + string(st.ID), finding.NewPath("playbooks").Index(i).Child("steps").Index(j), map[string]string{
					"process": string(st.Process), "next": string(st.Next), "respond": string(st.Respond), "end": st.End,
					"disposition": string(st.Disposition), "branches": text(st.Branches)}})
			}
		}
		return it
	}
	return compare(out, od, nd, "step", steps(od), steps(nd))
}

// item is a part of a design compared by id: its path and its aspects.
type item struct {
	id      string
	path    *finding.Path
	aspects map[string]string
}

// compare appends the differences of kind between the items of the old
// and the new design: added, removed, and each aspect that differs.
func compare(out []Difference, od, nd *secops.Design, kind string, old, new []item) []Difference {
	byID := func(its []item, id string) *item {
		for i := range its {
			if its[i].id == id {
				return &its[i]
			}
		}
		return nil
	}
	for _, n := range new {
		o := byID(old, n.id)
		if o == nil {
			out = append(out, difference(nd, kind, n.id, "added", "", n.id, n.path))
			continue
		}
		keys := make([]string, 0, len(n.aspects))
		for k := range n.aspects {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if o.aspects[k] != n.aspects[k] {
				out = append(out, difference(nd, kind, n.id, k, o.aspects[k], n.aspects[k], n.path.Child(k)))
			}
		}
	}
	for _, o := range old {
		if byID(new, o.id) == nil {
			out = append(out, difference(od, kind, o.id, "removed", o.id, "", o.path))
		}
	}
	return out
}

func difference(d *secops.Design, kind, id, what, old, new string, path *finding.Path) Difference {
	p := path.String()
	return Difference{Kind: kind, ID: id, What: what, Old: short(old), New: short(new), Path: p, Position: d.Position(p)}
}

// methodDoing says what does a method: its action, or a person.
func methodDoing(m *process.Method) string {
	if m.Action != "" {
		return string(m.ID) + " " + string(m.Action)
	}
	return string(m.ID) + " (a person)"
}

func rollbackDoing(r *process.Rollback) string {
	if r.Action != "" {
		return string(r.Action)
	}
	return "(by hand)"
}

// text is v as compact JSON ("" for a nil or empty value).
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case ident.ID:
		return string(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	switch b := strings.TrimSpace(buf.String()); b {
	case "null", `""`, "{}", "[]":
		return ""
	default:
		return b
	}
}
