package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/review"
	"github.com/secopsdesign/secops/runstore"
)

func reviewRecords(t *testing.T, recs []*executor.Record, opts ...review.ReviewOption) *review.Report {
	t.Helper()
	rep, err := review.Review(plan(t, targetedDesign), seq(recs), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func m(s string) duration.Duration {
	d, err := duration.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// The figures follow from the runs that records describes.
func TestReviewHandCounts(t *testing.T) {
	rep := reviewRecords(t, records(t))
	if rep.Runs != 17 || rep.Statuses[executor.Completed] != 17 {
		t.Errorf("runs %d, statuses %v; want 17 completed", rep.Runs, rep.Statuses)
	}

	type timing struct {
		Runs, Count              int
		Median, P90, Max, Target duration.Duration
		Within                   float64
		Breaches                 int
		Breached                 []review.Breach
	}
	got := map[ident.ID]timing{}
	for id, s := range rep.Severities {
		t := s.FirstResponse
		got[id] = timing{s.Runs, t.Count, t.Median, t.P90, t.Max, t.Target, t.WithinTarget, t.Breaches, t.Breached}
	}
	want := map[ident.ID]timing{
		// 5 runs of 1h46m.
		"critical": {5, 5, m("1h46m"), m("1h46m"), m("1h46m"), m("2h"), 1, 0, []review.Breach{}},
		// 2h41m four times, 3h11m twice: the median is the third,
		// the P90 the sixth; all over 2h.
		"high": {6, 6, m("2h41m"), m("3h11m"), m("3h11m"), m("2h"), 0, 6, []review.Breach{
			{"run-005", m("3h11m")}, {"run-006", m("3h11m")},
			{"run-001", m("2h41m")}, {"run-002", m("2h41m")}, {"run-003", m("2h41m")}, {"run-004", m("2h41m")}}},
		"medium": {6, 6, m("1h1m"), m("1h1m"), m("1h1m"), m("2h"), 1, 0, []review.Breach{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("time to first response (-want +got):\n%s", diff)
	}

	type method struct {
		Count                      int
		Estimate, Median, P90, Max duration.Duration
		Ratio                      float64
	}
	gotM := map[ident.Number]method{}
	for _, id := range []ident.Number{"0.1.1", "1.2.1", "1.2.4", "1.4.1", "1.5.1", "2.2.1"} {
		s := rep.Methods[id]
		gotM[id] = method{s.Count, s.Estimate, s.Median, s.P90, s.Max, s.Ratio}
	}
	wantM := map[ident.Number]method{
		// 4 answers in process after 10m, 2 after a 30m wait.
		"0.1.1": {6, m("10m"), m("10m"), m("30m"), m("30m"), 1},
		// Skipped in the worm runs, which have no file name.
		"1.2.1": {11, m("5m"), m("5m"), m("5m"), m("5m"), 1},
		"1.2.4": {17, m("5m"), m("1m"), m("1m"), m("1m"), 0.2},
		// The waiting runs answer it at once with the confirmation: 0s
		// twice, 5m nine times.
		"1.4.1": {11, m("5m"), m("5m"), m("5m"), m("5m"), 1},
		"1.5.1": {11, m("15m"), m("45m"), m("45m"), m("45m"), 3},
		// fr-1 (6) and fr-2 (6).
		"2.2.1": {12, m("10m"), m("10m"), m("10m"), m("10m"), 1},
	}
	if diff := cmp.Diff(wantM, gotM); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}

	type wait struct {
		Count            int
		Median, P90, Max duration.Duration
	}
	gotW := map[string]wait{}
	for id, w := range rep.Waiting.Approvals {
		gotW["approval "+string(id)] = wait{w.Count, w.Median, w.P90, w.Max}
	}
	for id, w := range rep.Waiting.Parties {
		gotW["party "+string(id)] = wait{w.Count, w.Median, w.P90, w.Max}
	}
	wantW := map[string]wait{
		"approval fr-1": {6, m("20m"), m("40m"), m("40m")},
		"approval fr-2": {6, m("20m"), m("20m"), m("20m")},
		"approval fr-3": {5, m("20m"), m("20m"), m("20m")},
		// csirt triages and approves: 6 confirmations, 11 + 6 person
		// tasks, 17 approvals.
		"party csirt": {40, m("10m"), m("20m"), m("40m")},
	}
	if diff := cmp.Diff(wantW, gotW); diff != "" {
		t.Errorf("waiting (-want +got):\n%s", diff)
	}

	mal := rep.Playbooks["malware-triage"]
	if diff := cmp.Diff(map[ident.ID]int{"c2-traffic": 11, "lateral-traffic": 11, "aggregate": 5, "search-others": 5}, mal.Steps); diff != "" {
		t.Errorf("malware-triage steps (-want +got):\n%s", diff)
	}
	wantB := []review.BranchStats{
		{Step: "lateral-traffic", Index: 0, Runs: 6, Share: 0.545},
		{Step: "lateral-traffic", Index: 1, Runs: 5, Share: 0.455},
		{Step: "search-others", Index: 0, Runs: 0, Share: 0},
		{Step: "search-others", Index: 1, Runs: 5, Share: 1},
	}
	if diff := cmp.Diff(wantB, mal.Branches); diff != "" {
		t.Errorf("malware-triage branches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]review.EndStats{{"respond: fr-2", 6, 0.545}, {"respond: fr-3", 5, 0.455}}, mal.Ends); diff != "" {
		t.Errorf("malware-triage ends (-want +got):\n%s", diff)
	}

	type f struct {
		Code finding.Code
		Path string
		Pos  string
	}
	var gotF []f
	for _, x := range rep.Findings {
		gotF = append(gotF, f{x.Code, x.Path, x.Position.String()})
	}
	wantF := []f{
		{review.TargetBreachedInPractice, "criteria.severities[1].targets.first_response", targetedDesign + ":169:25"},
		{review.EstimateDrift, "processes[2].methods[3].estimate", targetedDesign + ":324:19"},
		{review.EstimateDrift, "processes[5].methods[0].estimate", targetedDesign + ":357:19"},
		{review.NeverTaken, "playbooks[0].steps[5].branches[0]", targetedDesign + ":509:13"},
		{review.NeverTaken, "playbooks[0].steps[6]", targetedDesign + ":512:9"},
		{review.NeverTaken, "playbooks[0].steps[7].branches[1]", targetedDesign + ":530:13"},
		{review.NeverTaken, "playbooks[1].steps[3].branches[0]", targetedDesign + ":564:13"},
	}
	if diff := cmp.Diff(wantF, gotF); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, x := range rep.Findings {
		if x.Code == review.EstimateDrift && strings.Contains(x.Path, "processes[5]") && !strings.Contains(x.Message, "write estimate: 45m") {
			t.Errorf("estimate-drift %q does not say what to write", x.Message)
		}
	}
}

// Below MinRuns, estimates and paths are not judged.
func TestReviewFewRuns(t *testing.T) {
	rep := reviewRecords(t, records(t)[:4])
	for _, f := range rep.Findings {
		if f.Code != review.TargetBreachedInPractice {
			t.Errorf("over 4 runs: %v", f)
		}
	}
}

// Failed, retried, uncertain and rolled back calls, per action.
func TestReviewFailures(t *testing.T) {
	r := newRunner(t)
	// 1.2.2 (edr.connections_by_ip) fails once and is retried; 2.1.1
	// (firewall.block_ip) fails for good inside fr-1.
	r.fail["1.2.2"] = adapters.Retryable(errTest)
	r.fail["2.1.1"] = errTest
	failed := r.run("c2-single-host-ongoing", false)
	if failed.Status != executor.Failed {
		t.Fatalf("status %s, want failed", failed.Status)
	}
	clear(r.fail)
	// A completed ransomware run (fr-3 blocks with 2.1.1), rolled back.
	done := r.run("ransomware-contained-host", false)
	rolled, err := r.engine(r.sc["ransomware-contained-host"], false).Rollback(context.Background(), done)
	if err != nil {
		t.Fatal(err)
	}
	// A run whose process died during a call: the record ends with a
	// call-started.
	crashed := r.run("worm-lateral", false)
	last := slices.IndexFunc(crashed.Events, func(e executor.Event) bool {
		return e.Kind == executor.EvCallStarted && e.Action == "edr.isolate_host"
	})
	crashed.Events = crashed.Events[:last+1]
	crashed.Status = executor.Running

	rep := reviewRecords(t, []*executor.Record{failed, roundTrip(t, rolled), crashed})
	got := map[string]review.ActionStats{}
	for a, s := range rep.Failures {
		got[a] = *s
	}
	want := map[string]review.ActionStats{
		"edr.connections_by_file": {Calls: 1},
		// 1.2.2 in all three runs, once retried; 1.6.1 in the first.
		"edr.connections_by_ip":    {Calls: 5, Retried: 1},
		"edr.file_hash":            {Calls: 3},
		"edr.historical_search":    {Calls: 2},
		"edr.internal_connections": {Calls: 3},
		// fr-2 of the crashed run: started, no outcome.
		"edr.isolate_host": {Calls: 1, Uncertain: 1},
		// 1.1.3 in the first run, 1.2.3 in all three.
		"edr.process_by_ip": {Calls: 4},
		// 2.1.1 fails in fr-1 and applies in fr-3; 2.3.1 in fr-2.
		"firewall.block_ip": {Calls: 3, Failed: 1, ResponseFailures: 1, RolledBack: 1},
		// The rollback of fr-3's block.
		"firewall.unblock_ip":   {Calls: 1},
		"threatintel.lookup_ip": {Calls: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	// The retried call took two calls of 5m: its duration runs from the
	// first call-started to the outcome.
	if got := rep.Methods["1.2.2"].Max; got != m("10m") {
		t.Errorf("1.2.2 max %s, want 10m", got)
	}
	if rep.Statuses[executor.Failed] != 1 || rep.Statuses[executor.Running] != 1 {
		t.Errorf("statuses %v", rep.Statuses)
	}
}

func TestReviewSelection(t *testing.T) {
	recs := records(t)
	dry := roundTrip(t, recs[0])
	dry.DryRun = true
	other := roundTrip(t, recs[1])
	other.DesignName = "another-design"
	all := append([]*executor.Record{dry, other}, recs...)
	tests := []struct {
		name    string
		opts    []review.ReviewOption
		runs    int
		skipped review.Skipped
	}{
		{"all", nil, 17, review.Skipped{DryRun: 1, OtherDesign: 1}},
		// Runs start an hour and their length apart; the first at
		// base+1h.
		{"since", []review.ReviewOption{review.WithPeriod(recs[10].Started, time.Time{})}, 7, review.Skipped{}},
		{"until", []review.ReviewOption{review.WithPeriod(time.Time{}, recs[10].Started)}, 10, review.Skipped{DryRun: 1, OtherDesign: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := reviewRecords(t, all, tt.opts...)
			if rep.Runs != tt.runs || rep.Skipped != tt.skipped {
				t.Errorf("runs %d, skipped %+v; want %d, %+v", rep.Runs, rep.Skipped, tt.runs, tt.skipped)
			}
		})
	}
}

func TestReviewErrors(t *testing.T) {
	p := plan(t, targetedDesign)
	tests := []struct {
		name string
		plan *executor.Plan
		recs func(func(*executor.Record, error) bool)
		opts []review.ReviewOption
		want error
	}{
		{"nil plan", nil, seq(nil), nil, nil},
		{"empty period", p, seq(nil), []review.ReviewOption{review.WithPeriod(base, base)}, nil},
		{"read error", p, func(yield func(*executor.Record, error) bool) { yield(nil, errTest) }, nil, errTest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := review.Review(tt.plan, tt.recs, tt.opts...)
			if err == nil || rep != nil {
				t.Fatalf("Review = %v, %v; want an error", rep, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

// Records written as files, as folders of files, as JSON Lines, and in a
// store give the same review.
func TestReviewSources(t *testing.T) {
	recs := records(t)
	want := reviewRecords(t, recs)
	dir := t.TempDir()
	write := func(path string, recs ...*executor.Record) {
		t.Helper()
		var b bytes.Buffer
		for _, r := range recs {
			if err := json.NewEncoder(&b).Encode(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range recs[:10] {
		write(filepath.Join(dir, "runs", "2026", r.ID+".json"), recs[i])
	}
	write(filepath.Join(dir, "runs", "answers.json"))
	if err := os.WriteFile(filepath.Join(dir, "runs", "answers.json"), []byte(`{"0.1.1": {"confirmed": true}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "runs", "notes.txt"), []byte("not JSON"), 0o644); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(dir, "export.jsonl"), recs[10:]...)

	store := runstore.NewMemory()
	for _, r := range recs {
		c := roundTrip(t, r)
		if err := store.Create(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	p := plan(t, targetedDesign)
	tests := []struct {
		name string
		recs func(func(*executor.Record, error) bool)
	}{
		{"folder and JSON Lines", review.ReadRecordFiles(filepath.Join(dir, "runs"), filepath.Join(dir, "export.jsonl"))},
		{"store", review.StoreRecords(context.Background(), store, runstore.Query{Limit: 3})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := review.Review(p, tt.recs)
			if err != nil {
				t.Fatal(err)
			}
			var a, b bytes.Buffer
			want.WriteJSON(&a)
			got.WriteJSON(&b)
			if diff := cmp.Diff(a.String(), b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadRecordFilesErrors(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"answers.json": `{"0.1.1": {"confirmed": true}}`,
		"broken.json":  `{"id": "x",`,
		"old.json":     `{"format": "secops-record/v0", "id": "x", "started": "2026-11-20T09:00:00Z"}`,
		"list.json":    `[1, 2]`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	brokenDir := filepath.Join(dir, "broken")
	os.MkdirAll(brokenDir, 0o755)
	os.WriteFile(filepath.Join(brokenDir, "a.json"), []byte(files["broken.json"]), 0o644)
	tests := []struct {
		name string
		path string
		want string
	}{
		{"not a record", "answers.json", "answers.json: record 1: not a run record"},
		{"broken", "broken.json", "broken.json: record 1: truncated: unexpected EOF"},
		{"other format", "old.json", `format "secops-record/v0" is not secops-record/v1`},
		{"list", "list.json", "list.json: record 1: json: cannot unmarshal array"},
		{"missing", "nope.json", "no such file"},
		{"broken in a folder", "broken", "a.json: record 1: truncated: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			for _, e := range review.ReadRecordFiles(filepath.Join(dir, tt.path)) {
				if e != nil {
					err = e
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestReviewGolden(t *testing.T) {
	rep := reviewRecords(t, records(t))
	var text, md bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden(t, "review-targeted-attack.txt", text.Bytes())
	if err := rep.WriteMarkdown(&md, "charts"); err != nil {
		t.Fatal(err)
	}
	golden(t, "review-targeted-attack.md", md.Bytes())
	charts, err := rep.Charts()
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, c := range charts {
		files = append(files, c.File)
		if !bytes.Contains(c.SVG, []byte("<svg")) || !strings.Contains(md.String(), "(charts/"+c.File+")") {
			t.Errorf("%s: not SVG, or not linked", c.File)
		}
	}
	if diff := cmp.Diff([]string{"first-response.svg", "estimates.svg", "dispositions-soc.svg"}, files); diff != "" {
		t.Errorf("charts (-want +got):\n%s", diff)
	}
}

// The JSON report has the keys the issue lists (and statuses, skipped
// and waiting), durations as strings.
func TestReviewJSON(t *testing.T) {
	rep := reviewRecords(t, records(t))
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Runs       int
		Severities map[string]struct {
			Runs          int
			FirstResponse map[string]any `json:"first_response"`
			Response      map[string]any
		}
		Methods   map[string]map[string]any
		Playbooks map[string]any
		Failures  map[string]any
		Findings  []map[string]any
		Statuses  map[string]int
		Skipped   map[string]int
		Waiting   map[string]any
		// The scorecard.
		Detections map[string]struct {
			Source            string
			Runs              int
			Asked             int
			Confirmed         int
			Refuted           int
			Dispositions      map[string]int
			Rates             map[string]float64
			Undisposed        int
			FalsePositiveRate float64 `json:"false_positive_rate"`
		}
		Sources map[string]any
		Parties map[string]struct {
			Sourcing   string
			Tasks      int
			Approvals  int
			Runs       int
			Waiting    map[string]any
			Breaches   int
			BreachRate float64 `json:"breach_rate"`
		}
		Outsourced []map[string]any
		Notify     map[string]map[string]any
		Invalid    int
	}
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	fr := got.Severities["high"].FirstResponse
	if diff := cmp.Diff(map[string]any{"count": 6.0, "target": "2h", "median": "2h41m", "p90": "3h11m", "max": "3h11m",
		"within_target": 0.0, "breaches": 6.0}, delete2(fr, "breached")); diff != "" {
		t.Errorf("severities.high.first_response (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"count": 11.0, "estimate": "15m", "median": "45m", "p90": "45m", "max": "45m", "ratio": 3.0},
		got.Methods["1.5.1"]); diff != "" {
		t.Errorf("methods[1.5.1] (-want +got):\n%s", diff)
	}
	if d := got.Detections["mssp-c2-threat-intel"]; d.Runs != 6 || d.Confirmed != 6 || d.Dispositions["true-positive"] != 6 || d.Rates["true-positive"] != 1 {
		t.Errorf("detections[mssp-c2-threat-intel] = %+v", d)
	}
	if p := got.Parties["csirt"]; p.Tasks != 23 || p.Approvals != 17 || p.Waiting["median"] != "10m" || p.Waiting["p90"] != "20m" {
		t.Errorf("parties[csirt] = %+v", p)
	}
	if n := got.Notify["soc"]; n["median"] != "17h7m" || n["p90"] != "1d4h40m" {
		t.Errorf("notify[soc] = %v", n)
	}
	if len(got.Findings) != 7 || got.Runs != 17 {
		t.Errorf("%d runs, %d findings", got.Runs, len(got.Findings))
	}
}

func delete2(m map[string]any, k string) map[string]any {
	delete(m, k)
	return m
}

// Events timed before the run started (a clock set back, events without
// times) count in no duration, and do not break the report.
func TestReviewClockSkew(t *testing.T) {
	rec := `{"format": "secops-record/v1", "id": "skew", "status": "completed", "severity": "high",
	  "started": "2026-11-20T09:00:00Z", "events": [
	    {"kind": "approval", "response": "fr-1"},
	    {"time": "2026-11-20T08:00:00Z", "kind": "method", "method": "1.4.1"},
	    {"time": "2026-11-20T08:30:00Z", "kind": "response-completed", "response": "fr-1"}]}`
	rep, err := review.Review(plan(t, targetedDesign), review.ReadRecords("skew.json", strings.NewReader(rec)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if n := rep.Severities["high"].FirstResponse.Count; n != 0 || len(rep.Methods) != 0 || len(rep.Waiting.Approvals) != 0 {
		t.Errorf("counted %d first responses, %d methods, %d approvals; want none", n, len(rep.Methods), len(rep.Waiting.Approvals))
	}
}
