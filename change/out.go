package change

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteJSON writes the plan as one indented JSON object with the keys
// old, new, alerts, changed, moves ({from, to, count, changes,
// examples}, from and to holding outcome, detection, incident,
// severity, playbook, triaged, confirm, first_response_target and
// parties), detections ({added, removed, reordered, changed,
// shadowing}), workload ({old, new}), newly_unmatched, newly_matched,
// design and findings.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// classText names a class by its detection, or its outcome.
func classText(c Class) string {
	if c.Outcome != Matched {
		return "(" + c.Outcome + ")"
	}
	return string(c.Detection)
}

// moveText says what changes in a move, part by part.
func moveText(m Move) string {
	var parts []string
	for _, ch := range m.Changes {
		if ch == "outcome" || ch == "detection" {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s", ch, classPart(m.From, ch), classPart(m.To, ch)))
	}
	return strings.Join(parts, ", ")
}

// classPart is one part of a class as text, "-" for none.
func classPart(c Class, part string) string {
	var s string
	switch part {
	case "incident":
		s = string(c.Incident)
	case "severity":
		s = string(c.Severity)
	case "playbook":
		s = string(c.Playbook)
	case "triaged":
		s = strconv.FormatBool(c.Triaged)
	case "confirm":
		s = strconv.FormatBool(c.Confirm)
	case "first_response_target":
		if c.FirstResponseTarget > 0 {
			s = c.FirstResponseTarget.String()
		}
	case "parties.detection":
		s = string(c.Parties.Detection)
	case "parties.triage":
		s = string(c.Parties.Triage)
	case "parties.first_response":
		s = string(c.Parties.FirstResponse)
	case "parties.analysis":
		s = string(c.Parties.Analysis)
	case "parties.response":
		s = string(c.Parties.Response)
	}
	if s == "" {
		return "-"
	}
	return s
}

func examplesText(es []Example) string {
	var out []string
	for i, e := range es {
		if i > 0 && e.File == es[i-1].File {
			out = append(out, ":"+strconv.Itoa(e.Line)) // the file of the one before
			continue
		}
		out = append(out, e.String())
	}
	return strings.Join(out, ", ")
}

// Summary is the plan in one line.
func (r *Report) Summary() string {
	if r.Empty() {
		return fmt.Sprintf("No changes: the %d alerts replayed go the same way through both designs, and the designs run the same.", r.Alerts)
	}
	d := &r.Detections
	return fmt.Sprintf("Plan: %d of %d alerts move (%d newly unmatched, %d newly matched); detections: %d added, %d removed, %d reordered, %d changed, %s; %s.",
		r.Changed, r.Alerts, r.NewlyUnmatched, r.NewlyMatched, len(d.Added), len(d.Removed), len(d.Reordered), len(d.Changed),
		plural(len(d.Shadowing), "change")+" of shadowing", plural(len(r.Design), "other difference")+" of the designs")
}

// sections are the parts of a plan, each a title and rows of cells,
// as both writers show them.
type section struct {
	title  string
	header []string
	rows   [][]string
}

func (r *Report) sections() []section {
	if r.Empty() {
		return nil
	}
	moves := section{title: "Alerts that move, largest first", header: []string{"alerts", "from", "to", "what changes", "examples"}}
	for _, m := range r.Moves {
		moves.rows = append(moves.rows, []string{strconv.Itoa(m.Count), classText(m.From), classText(m.To), moveText(m), examplesText(m.Examples)})
	}
	d := &r.Detections
	dets := section{title: "Detections", header: []string{"detection", "change", "old", "new"}}
	for _, id := range d.Added {
		dets.rows = append(dets.rows, []string{string(id), "added", "", ""})
	}
	for _, id := range d.Removed {
		dets.rows = append(dets.rows, []string{string(id), "removed", "", ""})
	}
	for _, o := range d.Reordered {
		dets.rows = append(dets.rows, []string{string(o.ID), "moved", "#" + strconv.Itoa(o.Old), "#" + strconv.Itoa(o.New)})
	}
	for _, c := range d.Changed {
		dets.rows = append(dets.rows, []string{c.ID, c.What, c.Old, c.New})
	}
	for _, s := range d.Shadowing {
		dets.rows = append(dets.rows, []string{string(s.Detection), "shadowed by " + string(s.By), plural(s.Old, "alert"), plural(s.New, "alert")})
	}
	work := section{title: "Workload by the estimates (hours, shortest to longest path)", header: []string{"", "old", "new"}}
	o, n := r.Workload.Old, r.Workload.New
	work.rows = append(work.rows, []string{"total", hoursText(o.Shortest, o.Longest), hoursText(n.Shortest, n.Longest)},
		[]string{"per day", hoursText(o.PerDayShortest, o.PerDayLongest), hoursText(n.PerDayShortest, n.PerDayLongest)})
	parties := map[string][2]string{}
	var order []string
	for k, l := range []Load{o, n} {
		for _, p := range l.Parties {
			v, ok := parties[string(p.ID)]
			if !ok {
				order = append(order, string(p.ID))
			}
			v[k] = hoursText(p.Shortest, p.Longest)
			parties[string(p.ID)] = v
		}
	}
	for _, id := range order {
		v := parties[id]
		work.rows = append(work.rows, []string{"party " + id, dash(v[0]), dash(v[1])})
	}
	design := section{title: "Differences of the designs that change runs", header: []string{"part", "change", "old", "new", "at"}}
	for _, x := range r.Design {
		design.rows = append(design.rows, []string{x.Kind + " " + x.ID, x.What, x.Old, x.New, x.Position.String()})
	}
	var out []section
	for _, s := range []section{moves, dets, work, design} {
		if len(s.rows) > 0 {
			out = append(out, s)
		}
	}
	return out
}

func hoursText(lo, hi float64) string {
	return strconv.FormatFloat(lo, 'f', -1, 64) + "–" + strconv.FormatFloat(hi, 'f', -1, 64)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// WriteText writes the plan for people at a terminal.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Plan of %s → %s over %s\n", r.Old, r.New, plural(r.Alerts, "alert"))
	for _, s := range r.sections() {
		fmt.Fprintf(&b, "\n%s\n", s.title)
		widths := make([]int, len(s.header))
		for _, row := range append([][]string{s.header}, s.rows...) {
			for i, c := range row {
				widths[i] = max(widths[i], len([]rune(c)))
			}
		}
		for _, row := range append([][]string{s.header}, s.rows...) {
			var line strings.Builder
			for i, c := range row {
				line.WriteString(c)
				if i < len(row)-1 {
					line.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))+2))
				}
			}
			fmt.Fprintln(&b, strings.TrimRight(line.String(), " "))
		}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(&b, "\nNew findings\n")
		for _, f := range r.Findings {
			fmt.Fprintln(&b, f.Error())
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the plan as Markdown for a pull request's
// comment: narrow tables, the examples of each move in a list below
// its table.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### Plan of `%s` → `%s`\n\n%s\n", r.Old, r.New, r.Summary())
	for _, s := range r.sections() {
		header, rows := s.header, s.rows
		if s.title == "Alerts that move, largest first" {
			// The examples go below the table, which stays narrow.
			header = header[:len(header)-1]
		}
		fmt.Fprintf(&b, "\n#### %s\n\n|", s.title)
		for _, h := range header {
			fmt.Fprintf(&b, " %s |", mdCell(h))
		}
		fmt.Fprintf(&b, "\n|%s\n", strings.Repeat(" --- |", len(header)))
		for _, row := range rows {
			b.WriteString("|")
			for _, c := range row[:len(header)] {
				fmt.Fprintf(&b, " %s |", mdCell(c))
			}
			b.WriteString("\n")
		}
		if len(header) < len(s.header) {
			fmt.Fprintf(&b, "\n<details><summary>Example alerts</summary>\n\n")
			for i, m := range r.Moves {
				fmt.Fprintf(&b, "%d. %d alerts, %s → %s:\n\n   ````text\n", i+1, m.Count, classText(m.From), classText(m.To))
				for _, e := range m.Examples {
					fmt.Fprintf(&b, "   %s: %s\n", e, e.Alert)
				}
				b.WriteString("   ````\n\n")
			}
			fmt.Fprintf(&b, "</details>\n")
		}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(&b, "\n#### New findings\n\n````text\n")
		for _, f := range r.Findings {
			fmt.Fprintln(&b, f.Error())
		}
		fmt.Fprintf(&b, "````\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell makes s safe inside a Markdown table cell.
func mdCell(s string) string {
	s = strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", "`", "\\`").Replace(s)
	if s == "" {
		return " "
	}
	return s
}
