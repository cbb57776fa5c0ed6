package review_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/review"
)

// The scorecard of the hand-counted records, and of refuted and
// untriaged runs beside them.
func TestScorecard(t *testing.T) {
	r := newRunner(t)
	recs := records(t)
	// 10 refuted c2 alerts: the confirmation's disposition,
	// false-positive; 2 internal scans below the triage threshold.
	for range 10 {
		recs = append(recs, r.run("c2-not-confirmed", false))
	}
	for range 2 {
		recs = append(recs, r.run("internal-scan-low", false))
	}
	rep := reviewRecords(t, recs)
	type score struct {
		Source                        ident.ID
		Runs, Confirmed, Refuted, Und int
		Disp                          map[playbook.Disposition]int
		FP                            float64
	}
	got := map[ident.ID]score{}
	for id, s := range rep.Detections {
		got[id] = score{s.Source, s.Runs, s.Confirmed, s.Refuted, s.Undisposed, s.Dispositions, s.FalsePositiveRate}
	}
	for id, s := range rep.Sources {
		got["source "+id] = score{s.Source, s.Runs, s.Confirmed, s.Refuted, s.Undisposed, s.Dispositions, s.FalsePositiveRate}
	}
	tp := playbook.TruePositive
	fp := playbook.FalsePositive
	want := map[ident.ID]score{
		"mssp-rat-signature":        {"soc", 6, 0, 0, 0, map[playbook.Disposition]int{tp: 6}, 0},
		"mssp-ransomware-signature": {"soc", 5, 0, 0, 0, map[playbook.Disposition]int{tp: 5}, 0},
		// 6 confirmed and ended in fr-1, 10 refuted: 10 of 16.
		"mssp-c2-threat-intel": {"soc", 16, 6, 10, 0, map[playbook.Disposition]int{tp: 6, fp: 10}, 0.625},
		// Not triaged: a run, no end, no disposition.
		"mssp-internal-scan": {"soc", 2, 0, 0, 0, map[playbook.Disposition]int{}, 0},
		"source soc":         {"", 29, 6, 10, 0, map[playbook.Disposition]int{tp: 17, fp: 10}, 0.37},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
	if got := rep.Detections["mssp-c2-threat-intel"].Asked; got != 16 {
		t.Errorf("confirmations asked of mssp-c2-threat-intel %d, want 16", got)
	}
	if got := rep.Detections["mssp-rat-signature"].Asked; got != 0 {
		t.Errorf("confirmations asked of mssp-rat-signature %d, want 0: it has none", got)
	}
	if got := rep.Detections["mssp-c2-threat-intel"].Rates[fp]; got != 0.625 {
		t.Errorf("false-positive rate of mssp-c2-threat-intel %v, want 0.625", got)
	}
	var noisy []string
	for _, f := range rep.Findings {
		if f.Code == review.DetectionNoisy {
			noisy = append(noisy, f.Path+" "+f.Position.String())
		}
	}
	if diff := cmp.Diff([]string{"criteria.detections[2].when " + targetedDesign + ":205:13"}, noisy); diff != "" {
		t.Errorf("detection-noisy (-want +got):\n%s", diff)
	}
	// Above the rate asked for, none.
	p := plan(t, targetedDesign)
	rep2, err := review.Review(p, seq(recs), review.WithMaxFalsePositive(0.7))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep2.Findings {
		if f.Code == review.DetectionNoisy {
			t.Errorf("with a maximum of 0.7: %v", f)
		}
	}
	if _, err := review.Review(p, seq(recs), review.WithMaxFalsePositive(1.5)); err == nil {
		t.Error("a maximum false-positive rate of 1.5 was taken")
	}

	// csirt triages (6 confirmations + 23 in the other runs) and
	// approves; the outsourced soc detects and the specialist analyses.
	cs := rep.Parties["csirt"]
	if cs.Tasks != 33 || cs.Approvals != 17 || cs.Runs != 27 || cs.Breaches != 0 {
		t.Errorf("csirt: %d tasks, %d approvals, %d runs, %d breaches; want 33, 17, 27, 0", cs.Tasks, cs.Approvals, cs.Runs, cs.Breaches)
	}
	wantOut := []review.Outsourced{
		{Phase: "detection", Party: "soc", Designed: 4, Runs: 29, Refuted: 10},
		{Phase: "analysis", Party: "specialist"},
	}
	if diff := cmp.Diff(wantOut, rep.Outsourced); diff != "" {
		t.Errorf("outsourced (-want +got):\n%s", diff)
	}
}

// A target that passes while a run waits on a party is the party's
// breach; over 5 runs, more than 10% make it slow.
func TestScorecardPartySlow(t *testing.T) {
	var b strings.Builder
	for i := range 6 {
		// high: first response target 2h. The approval of fr-1 is asked
		// at 0:30 and given at 2:30, past the target at 2:00; the last
		// run's at 1:30, before it.
		given := "11:30"
		if i == 5 {
			given = "10:30"
		}
		fmt.Fprintf(&b, `{"format": "secops-record/v1", "id": "r%d", "status": "completed", "severity": "high", "detection": "mssp-c2-threat-intel",
		  "alert": {"time": "2026-11-20T08:50:00Z"}, "started": "2026-11-20T09:00:00Z", "events": [
		    {"time": "2026-11-20T09:30:00Z", "kind": "waiting", "response": "fr-1"},
		    {"time": "2026-11-20T%s:00Z", "kind": "approval", "response": "fr-1"},
		    {"time": "2026-11-20T%s:10Z", "kind": "response-completed", "response": "fr-1"}]}
`, i, given, given)
	}
	rep, err := review.Review(plan(t, targetedDesign), review.ReadRecords("slow.jsonl", strings.NewReader(b.String())))
	if err != nil {
		t.Fatal(err)
	}
	cs := rep.Parties["csirt"]
	if cs.Approvals != 6 || cs.Runs != 6 || cs.Breaches != 5 || cs.BreachRate != 0.833 || cs.Waiting.Median != m("2h") || cs.Waiting.P90 != m("2h") {
		t.Errorf("csirt %+v", cs)
	}
	var slow []string
	for _, f := range rep.Findings {
		if f.Code == review.PartySlow {
			slow = append(slow, f.Path+" "+f.Position.String())
		}
	}
	if diff := cmp.Diff([]string{"scope.parties[1] " + targetedDesign + ":33:7"}, slow); diff != "" {
		t.Errorf("party-slow (-want +got):\n%s", diff)
	}
	if n := rep.Notify["soc"]; n == nil || n.Count != 6 || n.Median != m("10m") || n.P90 != m("10m") {
		t.Errorf("notify %+v, want 6 of 10m", n)
	}
	// Without a detected key, no time to notify.
	rep, err = review.Review(plan(t, targetedDesign), review.ReadRecords("slow.jsonl", strings.NewReader(b.String())), review.WithDetectedKey(""))
	if err != nil || len(rep.Notify) != 0 {
		t.Errorf("notify %v, %v; want none", rep.Notify, err)
	}
}

// disposition-missing: an end without a disposition in a design where
// other ends have one; none in a design without any.
func TestDispositionMissing(t *testing.T) {
	src, err := os.ReadFile(targetedDesign)
	if err != nil {
		t.Fatal(err)
	}
	// The branch to fr-5 of continuity-all loses its disposition.
	text := strings.Replace(string(src), "          - respond: fr-5\n            disposition: true-positive\n", "          - respond: fr-5\n", 1)
	none := strings.ReplaceAll(string(src), "disposition: true-positive", "")
	tests := []struct {
		name, design string
		want         []string
	}{
		{"one missing", text, []string{"playbooks[0].steps[6].branches[1]"}},
		{"none given", none, nil},
		{"all given", string(src), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "design.yaml")
			if err := os.WriteFile(path, []byte(tt.design), 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := review.Review(plan(t, path), seq(nil))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				if f.Code == review.DispositionMissing {
					got = append(got, f.Path)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("disposition-missing (-want +got):\n%s", diff)
			}
		})
	}
}

// Bad records are counted and listed, and the review goes on.
func TestReviewBadRecords(t *testing.T) {
	recs := records(t)
	dir := t.TempDir()
	var good bytes.Buffer
	for _, r := range recs[:3] {
		json.NewEncoder(&good).Encode(r)
	}
	v9 := strings.Replace(good.String(), `"format":"secops-record/v1"`, `"format":"secops-record/v9"`, 1)
	files := map[string]string{
		"a-good.jsonl":     good.String(),
		"b-truncated.json": good.String()[:200],
		"c-binary.json":    "\x00\x01\x02\xff PNG",
		"d-v9.jsonl":       v9, // the first is bad, the other two are read
		"e-answers.json":   `{"0.1.1": {"confirmed": true}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name  string
		paths []string
	}{
		{"folder", []string{dir}},
		{"files", []string{filepath.Join(dir, "a-good.jsonl"), filepath.Join(dir, "b-truncated.json"), filepath.Join(dir, "c-binary.json"), filepath.Join(dir, "d-v9.jsonl")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := review.Review(plan(t, targetedDesign), review.ReadRecordFiles(tt.paths...))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Runs != 5 || rep.Invalid != 3 {
				t.Errorf("%d runs, %d invalid; want 5 and 3", rep.Runs, rep.Invalid)
			}
			var got []string
			for _, f := range rep.Findings {
				if f.Code == review.InvalidRecord {
					if f.Severity != finding.Warning {
						t.Errorf("%v is not a warning", f)
					}
					got = append(got, filepath.Base(f.Position.File)+": "+f.Message)
				}
			}
			want := []string{
				"b-truncated.json: record 1: truncated: unexpected EOF",
				"c-binary.json: record 1: invalid character '\\x00' looking for beginning of value",
				`d-v9.jsonl: record 1: format "secops-record/v9" is not secops-record/v1`,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("invalid records (-want +got):\n%s", diff)
			}
		})
	}
}
