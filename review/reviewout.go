package review

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
)

// WriteJSON writes the report as one indented JSON object with the keys
// runs, statuses, skipped, severities, methods, waiting, playbooks,
// failures, the scorecard's detections, sources, parties, outsourced and
// notify, invalid and findings; durations are strings in the format's duration
// syntax ("2h41m").
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// methodOrder lists the methods of the report in the design's order,
// then any the design does not have, sorted.
func (r *Report) methodOrder() []ident.Number {
	return slices.SortedFunc(maps.Keys(r.Methods), func(a, b ident.Number) int { return compareNumbers(a, b) })
}

// compareNumbers orders dotted numbers part by part: 1.2 < 1.10.
func compareNumbers(a, b ident.Number) int {
	as, bs := strings.Split(string(a), "."), strings.Split(string(b), ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
			continue
		}
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}

// severities lists the severities of the report, most severe first,
// then any the design does not have.
func (r *Report) severities() []ident.ID {
	var out []ident.ID
	for _, id := range r.severityOrder {
		if r.Severities[id] != nil {
			out = append(out, id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(r.Severities)) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// pct prints a share as a percentage to a tenth.
func pct(f float64) string { return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%" }

// ratio prints a method's median over its estimate; "-" without an
// estimate.
func ratio(m *MethodStats) string {
	if m.Estimate == 0 || m.Count == 0 {
		return "-"
	}
	return strconv.FormatFloat(m.Ratio, 'f', -1, 64) + "×"
}

// WriteText writes the report for people at a terminal.
func (r *Report) WriteText(w io.Writer) error {
	var buf bytes.Buffer
	ew := &errWriter{w: &buf}
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	ew.printf("Review of %s", plural(r.Runs, "run"))
	if r.Design != "" {
		ew.printf(" of %s", r.Design)
	}
	ew.printf("\n")
	var st []string
	for _, s := range slices.Sorted(maps.Keys(r.Statuses)) {
		st = append(st, fmt.Sprintf("%d %s", r.Statuses[s], s))
	}
	if len(st) > 0 {
		ew.printf("%s\n", strings.Join(st, ", "))
	}
	if r.Skipped.DryRun+r.Skipped.OtherDesign > 0 {
		ew.printf("left out: %d dry runs, %d runs of other designs\n", r.Skipped.DryRun, r.Skipped.OtherDesign)
	}
	if r.Invalid > 0 {
		ew.printf("%s could not be read (see the findings)\n", plural(r.Invalid, "record"))
	}

	for _, phase := range []string{"first response", "response"} {
		rows := 0
		for _, id := range r.severities() {
			if t := r.timing(id, phase); t != nil && t.Count > 0 {
				if rows == 0 {
					ew.printf("\nTime to %s, most severe first\n", phase)
					fmt.Fprintf(tw, "severity\truns\tresponded\tmedian\tp90\tmax\ttarget\twithin\tbreaches\n")
				}
				rows++
				fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%d\n", id, r.Severities[id].Runs, t.Count, t.Median, t.P90, t.Max, targetText(t), pct(t.WithinTarget), t.Breaches)
			}
		}
		tw.Flush()
		for _, id := range r.severities() {
			if t := r.timing(id, phase); t != nil && len(t.Breached) > 0 {
				var bs []string
				for _, b := range t.Breached {
					bs = append(bs, fmt.Sprintf("%s %s", b.Run, b.Took))
				}
				ew.printf("breaches of %s: %s\n", id, strings.Join(bs, ", "))
			}
		}
	}

	if len(r.Waiting.Parties)+len(r.Waiting.Methods)+len(r.Waiting.Approvals) > 0 {
		ew.printf("\nWaiting on people\n")
		fmt.Fprintf(tw, "for\tanswers\tmedian\tp90\tmax\n")
		for _, id := range slices.Sorted(maps.Keys(r.Waiting.Parties)) {
			waitRow(tw, "party "+string(id), r.Waiting.Parties[id])
		}
		for _, id := range slices.Sorted(maps.Keys(r.Waiting.Approvals)) {
			waitRow(tw, "approval of "+string(id), r.Waiting.Approvals[id])
		}
		for _, id := range slices.SortedFunc(maps.Keys(r.Waiting.Methods), compareNumbers) {
			waitRow(tw, "method "+string(id), r.Waiting.Methods[id])
		}
		tw.Flush()
	}

	if len(r.Methods) > 0 {
		ew.printf("\nMethods: estimate against reality\n")
		fmt.Fprintf(tw, "method\truns\testimate\tmedian\tp90\tmax\tratio\n")
		for _, id := range r.methodOrder() {
			m := r.Methods[id]
			est := "-"
			if m.Estimate > 0 {
				est = m.Estimate.String()
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", id, m.Count, est, m.Median, m.P90, m.Max, ratio(m))
		}
		tw.Flush()
	}

	for _, id := range r.playbookOrder {
		p := r.Playbooks[id]
		ew.printf("\nPlaybook %s: %s\n", id, plural(p.Runs, "run"))
		for _, s := range r.stepOrder[id] {
			fmt.Fprintf(tw, "step %s\t%d\n", s, p.Steps[s])
		}
		for _, b := range p.Branches {
			fmt.Fprintf(tw, "branch %d of %s\t%d\t%s\n", b.Index, b.Step, b.Runs, pct(b.Share))
		}
		for _, e := range p.Ends {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", e.End, e.Runs, pct(e.Share))
		}
		tw.Flush()
	}

	if len(r.Failures) > 0 {
		ew.printf("\nAdapter calls per action\n")
		fmt.Fprintf(tw, "action\tcalls\tfailed\tof them in a response\tretried\tuncertain\trolled back\trollback failed\n")
		for _, a := range slices.Sorted(maps.Keys(r.Failures)) {
			f := r.Failures[a]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", a, f.Calls, f.Failed, f.ResponseFailures, f.Retried, f.Uncertain, f.RolledBack, f.RollbackFailed)
		}
		tw.Flush()
	}
	for _, t := range r.scorecard() {
		ew.printf("\n%s\n", t.title)
		fmt.Fprintf(tw, "%s\n", strings.Join(t.header, "\t"))
		for _, row := range t.rows {
			fmt.Fprintf(tw, "%s\n", strings.Join(row, "\t"))
		}
		tw.Flush()
	}
	if len(r.Findings) > 0 {
		ew.printf("\nFindings\n")
		for _, f := range r.Findings {
			ew.printf("%s\n", f.Error())
		}
	}
	if ew.err != nil {
		return ew.err
	}
	return writeTrimmed(w, buf.Bytes())
}

func waitRow(tw io.Writer, label string, w *Wait) {
	fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", label, w.Count, w.Median, w.P90, w.Max)
}

func targetText(t *Timing) string {
	if t.Target == 0 {
		return "-"
	}
	return t.Target.String()
}

// timing returns the timing of severity id for the phase, or nil.
func (r *Report) timing(id ident.ID, phase string) *Timing {
	s := r.Severities[id]
	if s == nil {
		return nil
	}
	if phase == "response" {
		return s.Response
	}
	return &s.FirstResponse
}

// WriteMarkdown writes the report as Markdown, linking the charts (see
// Charts) as chartDir/FILE when chartDir is not empty.
func (r *Report) WriteMarkdown(w io.Writer, chartDir string) error {
	ew := &errWriter{w: w}
	ew.printf("# Review of %s", plural(r.Runs, "run"))
	if r.Design != "" {
		ew.printf(" of `%s`", r.Design)
	}
	ew.printf("\n\n")
	var st []string
	for _, s := range slices.Sorted(maps.Keys(r.Statuses)) {
		st = append(st, fmt.Sprintf("%d %s", r.Statuses[s], s))
	}
	if len(st) > 0 {
		ew.printf("Runs by status: %s.", strings.Join(st, ", "))
	}
	if r.Skipped.DryRun+r.Skipped.OtherDesign > 0 {
		ew.printf(" Left out: %d dry runs, %d runs of other designs.", r.Skipped.DryRun, r.Skipped.OtherDesign)
	}
	if r.Invalid > 0 {
		ew.printf(" %s could not be read (see the findings).", plural(r.Invalid, "record"))
	}
	ew.printf("\n")
	for _, phase := range []string{"first response", "response"} {
		rows := 0
		for _, id := range r.severities() {
			t := r.timing(id, phase)
			if t == nil || t.Count == 0 {
				continue
			}
			if rows == 0 {
				ew.printf("\n## Time to %s\n\nFrom the start of a run to the completion of its %s.\n\n", phase, phase)
				if phase == "first response" {
					mdImage(ew, chartDir, "first-response.svg", "Time to first response per severity against the target")
				}
				ew.printf("| severity | runs | responded | median | P90 | max | target | within target | breaches |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
			}
			rows++
			ew.printf("| %s | %d | %d | %s | %s | %s | %s | %s | %d |\n", id, r.Severities[id].Runs, t.Count, t.Median, t.P90, t.Max, targetText(t), pct(t.WithinTarget), t.Breaches)
		}
		for _, id := range r.severities() {
			if t := r.timing(id, phase); t != nil && len(t.Breached) > 0 {
				var bs []string
				for _, b := range t.Breached {
					bs = append(bs, fmt.Sprintf("`%s` %s", mdCell(b.Run), b.Took))
				}
				ew.printf("\nBreaches of %s, longest first: %s.\n", id, strings.Join(bs, ", "))
			}
		}
	}
	if len(r.Waiting.Parties)+len(r.Waiting.Methods)+len(r.Waiting.Approvals) > 0 {
		ew.printf("\n## Waiting on people\n\nFrom each approval request or person's task to its answer.\n\n| for | answers | median | P90 | max |\n| --- | ---: | ---: | ---: | ---: |\n")
		row := func(label string, w *Wait) {
			ew.printf("| %s | %d | %s | %s | %s |\n", label, w.Count, w.Median, w.P90, w.Max)
		}
		for _, id := range slices.Sorted(maps.Keys(r.Waiting.Parties)) {
			row("party "+string(id), r.Waiting.Parties[id])
		}
		for _, id := range slices.Sorted(maps.Keys(r.Waiting.Approvals)) {
			row("approval of "+string(id), r.Waiting.Approvals[id])
		}
		for _, id := range slices.SortedFunc(maps.Keys(r.Waiting.Methods), compareNumbers) {
			row("method "+string(id), r.Waiting.Methods[id])
		}
	}
	if len(r.Methods) > 0 {
		ew.printf("\n## Estimates against reality\n\n")
		mdImage(ew, chartDir, "estimates.svg", "Estimate against the median per method")
		ew.printf("| method | runs | estimate | median | P90 | max | ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, id := range r.methodOrder() {
			m := r.Methods[id]
			est := "-"
			if m.Estimate > 0 {
				est = m.Estimate.String()
			}
			ew.printf("| %s | %d | %s | %s | %s | %s | %s |\n", id, m.Count, est, m.Median, m.P90, m.Max, ratio(m))
		}
	}
	if len(r.Playbooks) > 0 {
		ew.printf("\n## Paths\n")
		for _, id := range r.playbookOrder {
			p := r.Playbooks[id]
			ew.printf("\n### %s: %s\n\n| step | runs |\n| --- | ---: |\n", id, plural(p.Runs, "run"))
			for _, s := range r.stepOrder[id] {
				ew.printf("| %s | %d |\n", s, p.Steps[s])
			}
			if len(p.Branches) > 0 {
				ew.printf("\n| branch | runs | share of the step's runs |\n| --- | ---: | ---: |\n")
				for _, b := range p.Branches {
					ew.printf("| %d of %s | %d | %s |\n", b.Index, b.Step, b.Runs, pct(b.Share))
				}
			}
			if len(p.Ends) > 0 {
				ew.printf("\n| ended in | runs | share |\n| --- | --- | ---: |\n")
				for _, e := range p.Ends {
					ew.printf("| %s | %d | %s |\n", mdCell(e.End), e.Runs, pct(e.Share))
				}
			}
		}
	}
	if len(r.Failures) > 0 {
		ew.printf("\n## Adapter calls per action\n\n| action | calls | failed | of them in a response | retried | uncertain | rolled back | rollback failed |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, a := range slices.Sorted(maps.Keys(r.Failures)) {
			f := r.Failures[a]
			ew.printf("| %s | %d | %d | %d | %d | %d | %d | %d |\n", mdCell(a), f.Calls, f.Failed, f.ResponseFailures, f.Retried, f.Uncertain, f.RolledBack, f.RollbackFailed)
		}
	}
	for _, t := range r.scorecard() {
		ew.printf("\n## %s\n\n%s\n\n", t.title, t.note)
		if t.title == "Sources" {
			for _, id := range r.chartSources() {
				mdImage(ew, chartDir, dispositionChart(id), "Dispositions of the detections of "+string(id))
			}
		}
		ew.printf("|")
		for _, h := range t.header {
			ew.printf(" %s |", mdCell(h))
		}
		ew.printf("\n|%s\n", strings.Repeat(" --- |", len(t.header)))
		for _, row := range t.rows {
			ew.printf("|")
			for _, c := range row {
				ew.printf(" %s |", mdCell(c))
			}
			ew.printf("\n")
		}
	}
	writeMarkdownFindings(ew, r.Findings)
	return ew.err
}

// minutes converts d to minutes for a chart.
func minutes(d time.Duration) float64 { return d.Minutes() }

// Charts returns the charts of the review: time to first response per
// severity against the target, and estimate against the median per
// method.
func (r *Report) Charts() ([]Chart, error) {
	var charts []Chart
	var sevs []string
	med := series{name: "median"}
	p90 := series{name: "P90"}
	mx := series{name: "max"}
	var targets []float64
	for _, id := range r.severities() {
		t := &r.Severities[id].FirstResponse
		if t.Count == 0 {
			continue
		}
		sevs = append(sevs, string(id))
		med.values = append(med.values, minutes(t.Median.Std()))
		p90.values = append(p90.values, minutes(t.P90.Std()))
		mx.values = append(mx.values, minutes(t.Max.Std()))
		tg := math.NaN()
		if t.Target > 0 {
			tg = minutes(t.Target.Std())
		}
		targets = append(targets, tg)
	}
	if len(sevs) > 0 {
		b, err := barChart("Time to first response per severity", "minutes", sevs, []series{med, p90, mx}, false, targets, "target")
		if err != nil {
			return nil, err
		}
		charts = append(charts, Chart{File: "first-response.svg", Title: "Time to first response per severity against the target", SVG: b})
	}
	var ms []string
	est := series{name: "estimate"}
	real := series{name: "median"}
	for _, id := range r.methodOrder() {
		m := r.Methods[id]
		if m.Count == 0 || m.Estimate == 0 {
			continue
		}
		ms = append(ms, string(id))
		est.values = append(est.values, minutes(m.Estimate.Std()))
		real.values = append(real.values, minutes(m.Median.Std()))
	}
	if len(ms) > 0 {
		b, err := barChart("Estimate against the median per method", "minutes", ms, []series{est, real}, false, nil, "")
		if err != nil {
			return nil, err
		}
		charts = append(charts, Chart{File: "estimates.svg", Title: "Estimate against the median per method", SVG: b})
	}
	for _, src := range r.chartSources() {
		var ids []string
		ss := make([]series, 0, len(playbook.Dispositions)+1)
		for _, d := range playbook.Dispositions {
			ss = append(ss, series{name: string(d), color: dispositionColors[d]})
		}
		ss = append(ss, series{name: "undisposed", color: color.Gray{Y: 170}})
		for _, id := range r.detectionOrder() {
			sc := r.Detections[id]
			if sc.Source != src {
				continue
			}
			ids = append(ids, string(id))
			for i, d := range playbook.Dispositions {
				ss[i].values = append(ss[i].values, float64(sc.Dispositions[d]))
			}
			ss[len(ss)-1].values = append(ss[len(ss)-1].values, float64(sc.Undisposed))
		}
		title := "Dispositions of the detections of " + string(src)
		b, err := barChart(title, "runs", ids, ss, true, nil, "")
		if err != nil {
			return nil, err
		}
		charts = append(charts, Chart{File: dispositionChart(src), Title: title, SVG: b})
	}
	return charts, nil
}

// dispositionColors colour the dispositions in charts.
var dispositionColors = map[playbook.Disposition]color.Color{
	playbook.TruePositive:  color.RGBA{R: 200, G: 50, B: 40, A: 255},
	playbook.Benign:        color.RGBA{R: 60, G: 120, B: 200, A: 255},
	playbook.FalsePositive: color.RGBA{R: 230, G: 170, B: 40, A: 255},
}

// chartSources lists the sources whose detections have runs, sorted.
func (r *Report) chartSources() []ident.ID {
	var out []ident.ID
	for _, id := range slices.Sorted(maps.Keys(r.Sources)) {
		if id != "" && r.Sources[id].Runs > 0 {
			out = append(out, id)
		}
	}
	return out
}

// dispositionChart is the file name of a source's chart of dispositions.
func dispositionChart(source ident.ID) string { return "dispositions-" + string(source) + ".svg" }

// plural prints n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
