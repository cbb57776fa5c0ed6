package review

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
)

// TopGroups is how many unmatched groups the text and Markdown reports
// list; the JSON report lists them all.
const TopGroups = 10

// errWriter remembers the first write error, so that a report is written
// with plain Fprintf calls and checked once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// WriteJSON writes the report as one indented JSON object with the keys
// alerts, matched, unmatched, invalid, detections, incidents, severities,
// triaged, needs_confirmation, without_time, per_day, workload,
// unmatched_groups and findings.
func (r *ReplayReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for people at a terminal.
func (r *ReplayReport) WriteText(w io.Writer) error {
	var buf bytes.Buffer
	if err := r.writeText(&buf); err != nil {
		return err
	}
	return writeTrimmed(w, buf.Bytes())
}

// writeTrimmed writes text without the spaces that tabwriter leaves at
// the ends of lines.
func writeTrimmed(w io.Writer, text []byte) error {
	var out bytes.Buffer
	for line := range bytes.Lines(text) {
		out.Write(bytes.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := w.Write(out.Bytes())
	return err
}

func (r *ReplayReport) writeText(w io.Writer) error {
	ew := &errWriter{w: w}
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	valid := r.Matched + r.Unmatched
	ew.printf("Replay of %d alerts", r.Alerts)
	if r.Design != "" {
		ew.printf(" through %s", r.Design)
	}
	ew.printf("\n\n")
	fmt.Fprintf(tw, "matched\t%d\t%s\n", r.Matched, percent(r.Matched, valid))
	fmt.Fprintf(tw, "unmatched\t%d\t%s\n", r.Unmatched, percent(r.Unmatched, valid))
	fmt.Fprintf(tw, "invalid\t%d\t\n", r.Invalid)
	fmt.Fprintf(tw, "to triage\t%d\t%s\n", r.Triaged, percent(r.Triaged, valid))
	fmt.Fprintf(tw, "need confirmation\t%d\t\n", r.NeedsConfirmation)
	if r.TimeKey != "" {
		fmt.Fprintf(tw, "without %s\t%d\t\n", r.TimeKey, r.WithoutTime)
	}
	tw.Flush()

	ew.printf("\nDetections, in design order\n")
	fmt.Fprintf(tw, "detection\ttook\talso matched\n")
	for _, d := range r.Detections {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", d.ID, d.Matched, d.Shadowed, shadowedBy(d))
	}
	tw.Flush()

	ew.printf("\nIncidents\n")
	for _, id := range sortedIDs(r.Incidents) {
		fmt.Fprintf(tw, "%s\t%d\n", id, r.Incidents[id])
	}
	tw.Flush()
	ew.printf("\nSeverities, most severe first\n")
	for _, id := range r.severityOrder {
		fmt.Fprintf(tw, "%s\t%d\n", id, r.Severities[id])
	}
	tw.Flush()

	if len(r.PerDay) > 0 {
		ew.printf("\nPer day (%s)\n", r.TimeKey)
		fmt.Fprintf(tw, "day\talerts\tmatched\ttriaged\t%s\thours (shortest-longest)\n", strings.Join(idStrings(r.severityOrder), "\t"))
		for _, d := range r.PerDay {
			var sev []string
			for _, id := range r.severityOrder {
				sev = append(sev, strconv.Itoa(d.Severities[id]))
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\n", d.Day, d.Alerts, d.Matched, d.Triaged, strings.Join(sev, "\t"), hoursRange(d.Shortest, d.Longest))
		}
		tw.Flush()
	}

	ew.printf("\nWorkload by the estimates: %s analyst hours\n", hoursRange(r.Workload.Shortest, r.Workload.Longest))
	if len(r.Workload.Playbooks) > 0 {
		fmt.Fprintf(tw, "playbook\talerts\thours per alert\thours\n")
		for _, p := range r.Workload.Playbooks {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", p.ID, p.Alerts, hoursRange(p.PerAlertShortest, p.PerAlertLongest), hoursRange(p.Shortest, p.Longest))
		}
		tw.Flush()
	}
	if len(r.Workload.Parties) > 0 {
		var ps []string
		for _, p := range r.Workload.Parties {
			ps = append(ps, fmt.Sprintf("%s %s", p.ID, hoursRange(p.Shortest, p.Longest)))
		}
		ew.printf("per party: %s hours\n", strings.Join(ps, ", "))
	}

	if len(r.UnmatchedGroups) > 0 {
		ew.printf("\nUnmatched alerts by %s, largest first\n", r.GroupBy)
		for _, g := range r.UnmatchedGroups[:min(TopGroups, len(r.UnmatchedGroups))] {
			fmt.Fprintf(tw, "%s\t%d\n", g.Value, g.Count)
		}
		if n := len(r.UnmatchedGroups) - TopGroups; n > 0 {
			fmt.Fprintf(tw, "(%d more)\n", n)
		}
		tw.Flush()
	}

	if len(r.Findings) > 0 {
		ew.printf("\nFindings\n")
		if err := finding.WriteText(ew, r.Findings); err != nil {
			return err
		}
	}
	return ew.err
}

func shadowedBy(d DetectionCount) string {
	if len(d.ShadowedBy) == 0 {
		return ""
	}
	var parts []string
	for _, c := range d.ShadowedBy {
		parts = append(parts, fmt.Sprintf("%s %d", c.ID, c.Count))
	}
	return "taken by " + strings.Join(parts, ", ")
}

// hoursRange prints a span of hours: "2.5", or "2.5-7" when they differ.
func hoursRange(lo, hi float64) string {
	f := func(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }
	if lo == hi {
		return f(lo)
	}
	return f(lo) + "-" + f(hi)
}

func sortedIDs(m map[ident.ID]int) []ident.ID {
	ids := make([]ident.ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
	return ids
}

func idStrings(ids []ident.ID) []string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return s
}
