package review

import (
	"io"
	"path"
	"strings"

	"github.com/secopsdesign/secops/finding"
)

// mdCell makes s safe inside a Markdown table cell.
func mdCell(s string) string {
	s = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", "`", "\\`").Replace(s)
	if s == "" {
		return " "
	}
	return s
}

// mdImages links the charts from chartDir (as the report's reader finds
// it, relative to the report); nothing when chartDir is "".
func mdImage(ew *errWriter, chartDir, file, title string) {
	if chartDir == "" {
		return
	}
	ew.printf("![%s](%s)\n\n", title, path.Join(chartDir, file))
}

// WriteMarkdown writes the report as Markdown. When chartDir is not
// empty, the report links the charts (see Charts) as chartDir/FILE;
// write them there.
func (r *ReplayReport) WriteMarkdown(w io.Writer, chartDir string) error {
	ew := &errWriter{w: w}
	valid := r.Matched + r.Unmatched
	ew.printf("# Replay of %d alerts", r.Alerts)
	if r.Design != "" {
		ew.printf(" through `%s`", r.Design)
	}
	ew.printf("\n\n| alerts | count | share |\n| --- | ---: | ---: |\n")
	ew.printf("| matched | %d | %s |\n| unmatched | %d | %s |\n| invalid | %d | |\n| to triage | %d | %s |\n| need confirmation | %d | |\n",
		r.Matched, percent(r.Matched, valid), r.Unmatched, percent(r.Unmatched, valid), r.Invalid,
		r.Triaged, percent(r.Triaged, valid), r.NeedsConfirmation)
	if r.TimeKey != "" {
		ew.printf("| without %s | %d | |\n", mdCell(r.TimeKey), r.WithoutTime)
	}

	ew.printf("\n## Detections\n\nIn design order: the alerts each detection took, and those it also matched that an earlier one took first.\n\n")
	mdImage(ew, chartDir, "detections.svg", "Alerts per detection")
	ew.printf("| # | detection | took | also matched | taken by |\n| ---: | --- | ---: | ---: | --- |\n")
	for i, d := range r.Detections {
		ew.printf("| %d | %s | %d | %d | %s |\n", i+1, d.ID, d.Matched, d.Shadowed, mdCell(strings.TrimPrefix(shadowedBy(d), "taken by ")))
	}

	ew.printf("\n## Incidents and severities\n\n| incident | alerts |\n| --- | ---: |\n")
	for _, id := range sortedIDs(r.Incidents) {
		ew.printf("| %s | %d |\n", id, r.Incidents[id])
	}
	ew.printf("\n| severity | alerts |\n| --- | ---: |\n")
	for _, id := range r.severityOrder {
		ew.printf("| %s | %d |\n", id, r.Severities[id])
	}

	if len(r.PerDay) > 0 {
		ew.printf("\n## Per day\n\nDays as the alerts' `%s` writes them.\n\n", mdCell(r.TimeKey))
		mdImage(ew, chartDir, "alerts-per-day.svg", "Matched alerts per day by severity")
		ew.printf("| day | alerts | matched | to triage |")
		for _, id := range r.severityOrder {
			ew.printf(" %s |", id)
		}
		ew.printf(" analyst hours |\n| --- | ---: | ---: | ---: |%s ---: |\n", strings.Repeat(" ---: |", len(r.severityOrder)))
		for _, d := range r.PerDay {
			ew.printf("| %s | %d | %d | %d |", d.Day, d.Alerts, d.Matched, d.Triaged)
			for _, id := range r.severityOrder {
				ew.printf(" %d |", d.Severities[id])
			}
			ew.printf(" %s |\n", hoursRange(d.Shortest, d.Longest))
		}
	}

	ew.printf("\n## Workload\n\nBy the design's estimates, from the shortest path to the longest: **%s analyst hours**.\n",
		hoursRange(r.Workload.Shortest, r.Workload.Longest))
	if len(r.Workload.Playbooks) > 0 {
		ew.printf("\n| playbook | alerts | hours per alert | hours |\n| --- | ---: | ---: | ---: |\n")
		for _, p := range r.Workload.Playbooks {
			ew.printf("| %s | %d | %s | %s |\n", p.ID, p.Alerts, hoursRange(p.PerAlertShortest, p.PerAlertLongest), hoursRange(p.Shortest, p.Longest))
		}
	}
	if len(r.Workload.Parties) > 0 {
		ew.printf("\nEach party's share (triage: confirmations and steps; first response and response: the responses of the phase), each over its own shortest and longest path:\n\n| party | hours |\n| --- | ---: |\n")
		for _, p := range r.Workload.Parties {
			ew.printf("| %s | %s |\n", p.ID, hoursRange(p.Shortest, p.Longest))
		}
	}

	if len(r.UnmatchedGroups) > 0 {
		ew.printf("\n## Unmatched alerts by `%s`\n\n| %s | alerts |\n| --- | ---: |\n", mdCell(r.GroupBy), mdCell(r.GroupBy))
		for _, g := range r.UnmatchedGroups[:min(TopGroups, len(r.UnmatchedGroups))] {
			ew.printf("| %s | %d |\n", mdCell(g.Value), g.Count)
		}
		if n := len(r.UnmatchedGroups) - TopGroups; n > 0 {
			ew.printf("| (%d more) | |\n", n)
		}
	}
	writeMarkdownFindings(ew, r.Findings)
	return ew.err
}

// writeMarkdownFindings lists the findings as secops validate prints
// them, in a code block.
func writeMarkdownFindings(ew *errWriter, l finding.List) {
	if len(l) == 0 {
		return
	}
	ew.printf("\n## Findings\n\n````text\n")
	_ = finding.WriteText(ew, l) // ew keeps the error
	ew.printf("````\n")
}
