package review

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/finding"
)

// at returns a warning of code c at path in d, with d's position of it.
func at(d *secops.Design, c finding.Code, path *finding.Path, format string, args ...any) finding.Finding {
	f := finding.Finding{Severity: finding.Warning, Code: c, Path: path.String(), Message: fmt.Sprintf(format, args...)}
	f.Position = d.Position(f.Path)
	return f
}

// replayFindings are the findings of a replay on the design.
func replayFindings(d *secops.Design, rep *ReplayReport) finding.List {
	var l finding.List
	valid := rep.Matched + rep.Unmatched
	for i, dc := range rep.Detections {
		when := finding.NewPath("criteria", "detections").Index(i).Child("when")
		switch {
		case valid > 0 && dc.Matched+dc.Shadowed == 0:
			l = append(l, at(d, DetectionNeverMatched, when,
				"detection %s matched none of the %d alerts replayed", dc.ID, valid))
		case dc.Shadowed > dc.Matched:
			var by []string
			for _, c := range dc.ShadowedBy {
				by = append(by, fmt.Sprintf("%s (%d)", c.ID, c.Count))
			}
			l = append(l, at(d, DetectionShadowed, when,
				"detection %s matched %d alerts but earlier detections took %d of them: %s; move it before them or narrow theirs",
				dc.ID, dc.Matched+dc.Shadowed, dc.Shadowed, strings.Join(by, ", ")))
		}
	}
	if rep.Unmatched > 0 {
		msg := fmt.Sprintf("%d of the %d alerts replayed (%s) matched no detection", rep.Unmatched, valid, percent(rep.Unmatched, valid))
		if len(rep.UnmatchedGroups) > 0 {
			var top []string
			for _, g := range rep.UnmatchedGroups[:min(3, len(rep.UnmatchedGroups))] {
				top = append(top, fmt.Sprintf("%s=%s (%d)", rep.GroupBy, g.Value, g.Count))
			}
			msg += "; the largest groups: " + strings.Join(top, ", ")
		}
		l = append(l, at(d, UnmatchedAlerts, finding.NewPath("criteria", "detections"), "%s", msg))
	}
	return l
}

// percent prints n/of as a whole percentage, "0%" when of is 0.
func percent(n, of int) string {
	if of == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

// jsonText is v as compact JSON.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
