package change_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/change"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/review"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	targetedDesign = "../examples/targeted-attack/design.yaml"
	targetedAlerts = "../review/testdata/targeted-attack.jsonl"
)

func compile(t testing.TB, path string) *executor.Plan {
	t.Helper()
	d, lf, err := secops.LoadFile(path)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	p, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// edited writes the reference design with each old text replaced by the
// new, and compiles it.
func edited(t testing.TB, edits ...string) *executor.Plan {
	t.Helper()
	b, err := os.ReadFile(targetedDesign)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(edits); i += 2 {
		if !strings.Contains(s, edits[i]) {
			t.Fatalf("the design has no %q", edits[i])
		}
		s = strings.Replace(s, edits[i], edits[i+1], 1)
	}
	// The copy sits beside the original so that its schema comment and
	// relative paths still hold; the name says it is the new one.
	path := filepath.Join(t.TempDir(), "design.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return compile(t, path)
}

func planOf(t testing.TB, old, new *executor.Plan) *change.Report {
	t.Helper()
	rep, err := change.Plan(context.Background(), old, new, review.ReadAlertFiles([]string{targetedAlerts}, nil))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// move is what the tests check of a move.
type move struct {
	From, To ident.ID
	Count    int
	Changes  []string
}

func moves(rep *change.Report) []move {
	out := []move{}
	for _, m := range rep.Moves {
		from, to := m.From.Detection, m.To.Detection
		if from == "" {
			from = ident.ID("(" + m.From.Outcome + ")")
		}
		if to == "" {
			to = ident.ID("(" + m.To.Outcome + ")")
		}
		out = append(out, move{from, to, m.Count, m.Changes})
	}
	return out
}

// The history (see review's TestReplayCounts): 361 rat alerts (medium),
// 60 c2 with a TI signature (high, confirmed), 180 internal scans (low,
// not triaged), 1,200 port scans, 450 adware, 240 phishing URLs, 120
// other c2, 30 without a category: unmatched.
func TestPlan(t *testing.T) {
	old := compile(t, targetedDesign)
	tests := []struct {
		name      string
		new       *executor.Plan
		empty     bool
		moves     []move
		unmatched int
		matched   int
		dets      change.Detections
		design    []string // kind id what
	}{
		{name: "same design", new: compile(t, targetedDesign), empty: true, moves: []move{}},
		{
			name: "severity raised",
			new: edited(t, `      incident: malware
      severity: medium`, `      incident: malware
      severity: high`),
			moves: []move{{"mssp-rat-signature", "mssp-rat-signature", 361, []string{"severity"}}},
			dets: change.Detections{Changed: []change.Difference{{Kind: "detection", ID: "mssp-rat-signature", What: "severity", Old: "medium", New: "high",
				Path: "criteria.detections[0].severity"}}},
		},
		{
			name: "a detection for port scans, first",
			new: edited(t, `  detections:
    - id: mssp-rat-signature`, `  detections:
    - id: mssp-port-scan
      name: ポートスキャン
      source: soc
      when: alert.category == "port-scan" || alert.category == "rat"
      incident: targeted-attack
      severity: low
    - id: mssp-rat-signature`),
			// The new one takes the rat alerts too, which go out of
			// triage (low).
			moves: []move{
				{"(unmatched)", "mssp-port-scan", 1200, []string{"outcome", "detection", "incident", "severity", "parties.detection"}},
				{"mssp-rat-signature", "mssp-port-scan", 361, []string{"detection", "incident", "severity", "playbook", "triaged", "first_response_target",
					"parties.triage", "parties.first_response", "parties.analysis", "parties.response"}},
			},
			matched: 1200,
			dets:    change.Detections{Added: []ident.ID{"mssp-port-scan"}},
		},
		{
			name: "a detection removed, another moved",
			new: edited(t, `    - id: mssp-c2-threat-intel
      name: C&C通信 (脅威情報による検知)`, `    - id: mssp-c2-gone
      name: C&C通信 (脅威情報による検知)`,
				`    - id: mssp-rat-signature
      name: RATによる通信 (シグネチャによる検知)
      source: soc
      when: alert.category == "rat"
      incident: malware
      severity: medium
`, ``,
				`    - id: mssp-internal-scan`, `    - id: mssp-rat-signature
      name: RATによる通信 (シグネチャによる検知)
      source: soc
      when: alert.category == "rat"
      incident: malware
      severity: medium
    - id: mssp-internal-scan`),
			moves: []move{{"mssp-c2-threat-intel", "mssp-c2-gone", 60, []string{"detection"}}},
			dets: change.Detections{Added: []ident.ID{"mssp-c2-gone"}, Removed: []ident.ID{"mssp-c2-threat-intel"},
				Reordered: []change.Reorder{{ID: "mssp-rat-signature", Old: 1, New: 3}}},
		},
		{
			name:      "a detection narrowed",
			new:       edited(t, `when: alert.category == "internal-scan"`, `when: alert.category == "internal-scan" && alert.host == "pc-001"`),
			moves:     []move{{"mssp-internal-scan", "(unmatched)", 180, []string{"outcome", "detection", "incident", "severity", "parties.detection"}}},
			unmatched: 180,
			dets: change.Detections{Changed: []change.Difference{{Kind: "detection", ID: "mssp-internal-scan", What: "when",
				Old: `alert.category == "internal-scan"`, New: `alert.category == "internal-scan" && alert.host == "pc-001"`,
				Path: "criteria.detections[3].when"}}},
		},
		{
			name:   "an approval added: no alert moves",
			new:    edited(t, "    processes: [\"2.4\"]\n", "    processes: [\"2.4\"]\n    approval: csirt\n"),
			moves:  []move{},
			design: []string{"response fr-5 approval"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := planOf(t, old, tt.new)
			if rep.Alerts != 2648 || rep.Empty() != tt.empty {
				t.Errorf("%d alerts, empty %v; want 2648, %v", rep.Alerts, rep.Empty(), tt.empty)
			}
			if diff := cmp.Diff(tt.moves, moves(rep)); diff != "" {
				t.Errorf("moves (-want +got):\n%s", diff)
			}
			if rep.NewlyUnmatched != tt.unmatched || rep.NewlyMatched != tt.matched {
				t.Errorf("newly unmatched %d, matched %d; want %d, %d", rep.NewlyUnmatched, rep.NewlyMatched, tt.unmatched, tt.matched)
			}
			d := rep.Detections
			for i := range d.Changed {
				d.Changed[i].Position = tt.dets.Changed[i].Position
			}
			want := tt.dets
			for _, l := range []*[]ident.ID{&want.Added, &want.Removed} {
				if *l == nil {
					*l = []ident.ID{}
				}
			}
			if want.Reordered == nil {
				want.Reordered = []change.Reorder{}
			}
			if want.Changed == nil {
				want.Changed = []change.Difference{}
			}
			d.Shadowing, want.Shadowing = nil, nil
			if diff := cmp.Diff(want, d); diff != "" {
				t.Errorf("detections (-want +got):\n%s", diff)
			}
			var design []string
			for _, x := range rep.Design {
				design = append(design, x.Kind+" "+x.ID+" "+x.What)
			}
			if diff := cmp.Diff(tt.design, design); diff != "" {
				t.Errorf("design differences (-want +got):\n%s", diff)
			}
			for _, m := range rep.Moves {
				if len(m.Examples) != min(m.Count, change.MaxExamples) {
					t.Errorf("%d examples of a move of %d", len(m.Examples), m.Count)
				}
			}
		})
	}
}

// The workload follows the moves: raising the rat alerts' detection to
// low takes them out of triage.
func TestPlanWorkload(t *testing.T) {
	rep := planOf(t, compile(t, targetedDesign), edited(t, `      incident: malware
      severity: medium`, `      incident: malware
      severity: low`))
	o, n := rep.Workload.Old, rep.Workload.New
	// See review's TestReplayCounts: 280.75 to 536.17 hours, of which
	// the rat alerts' malware-triage 270.75 to 421.17.
	if o.Shortest != 280.75 || o.Longest != 536.17 || n.Shortest != 10 || n.Longest != 115 || o.Days != 30 || n.Days != 30 {
		t.Errorf("workload %+v → %+v", o, n)
	}
	if o.PerDayLongest <= n.PerDayLongest || len(n.Parties) != 2 {
		t.Errorf("per day %v → %v, parties %v", o.PerDayLongest, n.PerDayLongest, n.Parties)
	}
}

// Shadowing that appears: a second, wider detection after the first.
func TestPlanShadowing(t *testing.T) {
	rep := planOf(t, compile(t, targetedDesign), edited(t, `    - id: mssp-internal-scan`, `    - id: mssp-any-rat
      name: RAT全般
      source: soc
      when: alert.category == "rat"
      incident: malware
      severity: medium
    - id: mssp-internal-scan`))
	want := []change.Shadowing{{Detection: "mssp-any-rat", By: "mssp-rat-signature", Old: 0, New: 361}}
	if diff := cmp.Diff(want, rep.Detections.Shadowing); diff != "" {
		t.Errorf("shadowing (-want +got):\n%s", diff)
	}
	var codes []string
	for _, f := range rep.Findings {
		codes = append(codes, string(f.Code)+" "+f.Path)
	}
	if diff := cmp.Diff([]string{"detection-shadowed criteria.detections[3].when"}, codes); diff != "" {
		t.Errorf("new findings (-want +got):\n%s", diff)
	}
	if len(rep.Moves) != 0 || rep.Empty() {
		t.Errorf("moves %v, empty %v: the shadowing alone is a change", rep.Moves, rep.Empty())
	}
}

func TestPlanOutput(t *testing.T) {
	rep := planOf(t, compile(t, targetedDesign), edited(t, `when: alert.category == "internal-scan"`, `when: alert.category == "internal-scan" || alert.category == "port-scan"`,
		"    processes: [\"2.4\"]\n", "    processes: [\"2.4\"]\n    approval: csirt\n"))
	var text, md, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	// The new design's file is a temporary one: name it as the golden
	// files do.
	tmp := rep.New
	for _, b := range []*bytes.Buffer{&text, &md} {
		s := strings.ReplaceAll(b.String(), tmp, "new/design.yaml")
		b.Reset()
		b.WriteString(s)
	}
	golden(t, "plan.txt", text.Bytes())
	golden(t, "plan.md", md.Bytes())
	var got map[string]any
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"alerts", "changed", "moves", "workload", "findings", "detections", "design", "newly_unmatched"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no key %q in the JSON", k)
		}
	}
	m := got["moves"].([]any)[0].(map[string]any)
	from, to := m["from"].(map[string]any), m["to"].(map[string]any)
	if m["count"] != 1200.0 || from["outcome"] != "unmatched" || to["detection"] != "mssp-internal-scan" || to["severity"] != "low" || to["incident"] != "targeted-attack" {
		t.Errorf("moves[0] = %v", m)
	}
	w := got["workload"].(map[string]any)
	if _, ok := w["old"]; !ok {
		t.Errorf("workload = %v", w)
	}
}

func TestPlanErrors(t *testing.T) {
	p := compile(t, targetedDesign)
	if _, err := change.Plan(context.Background(), nil, p, review.ReadAlertFiles(nil, nil)); err == nil {
		t.Error("a nil plan was taken")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b strings.Builder
	for range 3000 {
		b.WriteString(`{"category": "rat"}` + "\n")
	}
	if _, err := change.Plan(ctx, p, p, review.ReadAlerts("a.jsonl", strings.NewReader(b.String()))); err == nil {
		t.Error("a cancelled plan went on")
	}
	if _, err := change.Plan(context.Background(), p, p, review.ReadAlerts("a.jsonl", strings.NewReader("x")), review.WithGroupBy(" ")); err == nil {
		t.Error("an empty group-by key was taken")
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
