package review_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/review"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	targetedDesign = "../examples/targeted-attack/design.yaml"
	acmeDesign     = "../examples/acme-web/design.yaml"
	targetedAlerts = "testdata/targeted-attack.jsonl"
	acmeAlerts     = "testdata/acme-web.json"
)

func plan(t testing.TB, path string) *executor.Plan {
	t.Helper()
	d, lf, err := secops.LoadFile(path)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	p, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func replayFiles(t testing.TB, design string, files []string, opts ...review.ReplayOption) *review.ReplayReport {
	t.Helper()
	r, err := review.Replay(context.Background(), plan(t, design), review.ReadAlertFiles(files, nil), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// summary is what the hand counts check: the report less its findings
// and per-day rows (checked apart).
type summary struct {
	Alerts, Matched, Unmatched, Invalid, Triaged, NeedsConfirmation, WithoutTime int
	Detections                                                                   []review.DetectionCount
	Incidents, Severities                                                        map[ident.ID]int
	Days                                                                         int
	Workload                                                                     review.Workload
	Groups                                                                       []review.Group
}

func summarize(r *review.ReplayReport) summary {
	return summary{r.Alerts, r.Matched, r.Unmatched, r.Invalid, r.Triaged, r.NeedsConfirmation, r.WithoutTime,
		r.Detections, r.Incidents, r.Severities, len(r.PerDay), r.Workload, r.UnmatchedGroups}
}

// The counts follow from the recipes in internal/alerthistory.
func TestReplayCounts(t *testing.T) {
	tests := []struct {
		name    string
		design  string
		files   []string
		groupBy string
		want    summary
		// day is what every day of the history holds (targeted-attack
		// only: acme-web's days differ).
		day *review.Day
	}{
		{
			name: "targeted-attack", design: targetedDesign, files: []string{targetedAlerts}, groupBy: "category",
			want: summary{
				// 30 days of 88 alerts, 3 lines not JSON, 3 hosts
				// that are numbers, 1 array, 1 rat without a time.
				Alerts: 30*88 + 3 + 3 + 1 + 1,
				// rat 12 a day and 1 without a time; c2 with TI 2;
				// internal-scan 6.
				Matched: 12*30 + 1 + 2*30 + 6*30,
				// c2 without TI 4, port-scan 40, adware 15,
				// phishing-url 8, no category 1.
				Unmatched: (4 + 40 + 15 + 8 + 1) * 30,
				Invalid:   3 + 3 + 1,
				// medium (rat) and high (c2 TI); low is below the
				// threshold.
				Triaged:           361 + 60,
				NeedsConfirmation: 60,
				WithoutTime:       1,
				Detections: []review.DetectionCount{
					{ID: "mssp-rat-signature", Matched: 361},
					{ID: "mssp-ransomware-signature"},
					{ID: "mssp-c2-threat-intel", Matched: 60},
					{ID: "mssp-internal-scan", Matched: 180},
				},
				Incidents:  map[ident.ID]int{"malware": 361, "targeted-attack": 60 + 180},
				Severities: map[ident.ID]int{"medium": 361, "high": 60, "low": 180},
				Days:       30,
				// targeted-attack-triage: 1.1 15-20m (1.1.1 has a
				// when), 1.2 15-20, 1.3 10, 1.4 5, 1.27 5, 1.5 15,
				// then 1.6 10 and fr-1 20 or fr-4/fr-5 10: 85-105m;
				// its confirmation 0.1 is 10m, so an alert costs
				// 10m (not confirmed) to 115m.
				// malware-triage: 1.2 15-20, 1.3 10, then fr-2 20 or
				// 1.4 5 + 1.5 15 + fr-1 20 or fr-3 10: 45-70m.
				Workload: review.Workload{
					Shortest: 280.75, // (60*10 + 361*45)/60
					Longest:  536.17, // (60*115 + 361*70)/60
					Playbooks: []review.PlaybookLoad{
						{ID: "targeted-attack-triage", Alerts: 60, PerAlertShortest: 1.42, PerAlertLongest: 1.75, Shortest: 10, Longest: 115},
						{ID: "malware-triage", Alerts: 361, PerAlertShortest: 0.75, PerAlertLongest: 1.17, Shortest: 270.75, Longest: 421.17},
					},
					// csirt triages: 10m (not confirmed) to 10+85m
					// per c2 alert, 25-50m of steps per malware
					// alert; it does the first responses: 0 (not
					// confirmed) to 20m, and 10-20m.
					Parties: []review.PartyLoad{
						{ID: "csirt", Shortest: 160.42, Longest: 395.83}, // (60*10 + 361*25)/60, (60*95 + 361*50)/60
						{ID: "it", Shortest: 60.17, Longest: 140.33},     // 361*10/60, (60*20 + 361*20)/60
					},
				},
				Groups: []review.Group{{"port-scan", 1200}, {"adware", 450}, {"phishing-url", 240}, {"c2", 120}, {review.MissingGroup, 30}},
			},
			day: &review.Day{Alerts: 88, Matched: 20, Triaged: 14,
				Severities: map[ident.ID]int{"high": 2, "medium": 12, "low": 6},
				Shortest:   9.33,  // (12*45 + 2*10)/60
				Longest:    17.83, // (12*70 + 2*115)/60
			},
		},
		{
			name: "acme-web", design: acmeDesign, files: []string{acmeAlerts}, groupBy: "rule_name",
			want: summary{
				// 21 days of 81, 7 payment changes without a sender,
				// 2 web shells, 3 big and 5 rateless DDoS, 3 bad.
				Alerts:    21*81 + 7 + 2 + 3 + 5 + 3,
				Matched:   21 + 105 + 2 + 126 + 525 + 3 + 42 + 5,
				Unmatched: 7 + (10+12+20)*21,
				Invalid:   3,
				// sev1 and sev2.
				Triaged:           (21 + 2 + 3) + (105 + 126 + 47),
				NeedsConfirmation: 105,
				Detections: []review.DetectionCount{
					{ID: "mail-lookalike-payment-change", Matched: 21},
					{ID: "idp-impossible-travel", Matched: 105},
					{ID: "edr-webshell", Matched: 2},
					{ID: "waf-known-cve", Matched: 126},
					{ID: "waf-scanner", Matched: 525},
					{ID: "cdn-ddos-major", Matched: 3},
					{ID: "cdn-ddos-minor", Matched: 47},
				},
				Incidents:  map[ident.ID]int{"bec": 126, "web-exploit": 653, "ddos": 50},
				Severities: map[ident.ID]int{"sev1": 26, "sev2": 278, "sev3": 525},
				Days:       21,
				Groups:     []review.Group{{"spam-reported", 420}, {"pup-detected", 252}, {"mfa-fatigue", 210}, {"payment-change-request", 7}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := replayFiles(t, tt.design, tt.files, review.WithGroupBy(tt.groupBy))
			got := summarize(r)
			if tt.want.Workload.Playbooks == nil {
				got.Workload = review.Workload{} // checked by the golden files
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Replay (-want +got):\n%s", diff)
			}
			if tt.day != nil {
				for _, d := range r.PerDay {
					want := *tt.day
					want.Day = d.Day
					if diff := cmp.Diff(want, d); diff != "" {
						t.Errorf("day %s (-want +got):\n%s", d.Day, diff)
					}
				}
			}
		})
	}
}

// The findings, at their lines of the design and of the alert files.
func TestReplayFindings(t *testing.T) {
	type f struct {
		Code finding.Code
		Path string
		Pos  string
	}
	tests := []struct {
		name   string
		design string
		files  []string
		want   []f
	}{
		{"targeted-attack", targetedDesign, []string{targetedAlerts}, []f{
			{review.UnmatchedAlerts, "criteria.detections", targetedDesign + ":190:5"},
			{review.DetectionNeverMatched, "criteria.detections[1].when", targetedDesign + ":199:13"},
			{review.InvalidAlert, "", targetedAlerts + ":27:1"},
			{review.InvalidAlert, "", targetedAlerts + ":463:1"},
			{review.InvalidAlert, "", targetedAlerts + ":657:1"},
			{review.InvalidAlert, "", targetedAlerts + ":968:1"},
			{review.InvalidAlert, "", targetedAlerts + ":1392:1"},
			{review.InvalidAlert, "", targetedAlerts + ":1802:1"},
			{review.InvalidAlert, "", targetedAlerts + ":2265:1"},
		}},
		{"acme-web", acmeDesign, []string{acmeAlerts}, []f{
			{review.UnmatchedAlerts, "criteria.detections", acmeDesign + ":200:5"},
			{review.InvalidAlert, "", acmeAlerts + ":175:1"},
			{review.InvalidAlert, "", acmeAlerts + ":793:1"},
			{review.InvalidAlert, "", acmeAlerts + ":924:1"},
		}},
		{"shadowed", "testdata/shadowed.yaml", []string{"testdata/shadowed.jsonl"}, []f{
			{review.UnmatchedAlerts, "criteria.detections", "testdata/shadowed.yaml:25:5"},
			{review.DetectionShadowed, "criteria.detections[1].when", "testdata/shadowed.yaml:34:13"},
			{review.DetectionNeverMatched, "criteria.detections[2].when", "testdata/shadowed.yaml:40:13"},
			{review.InvalidAlert, "", "testdata/shadowed.jsonl:7:1"},
			{review.InvalidAlert, "", "testdata/shadowed.jsonl:9:1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := replayFiles(t, tt.design, tt.files)
			var got []f
			for _, x := range r.Findings {
				if x.Severity != finding.Warning {
					t.Errorf("%v: severity %s, want warning", x, x.Severity)
				}
				got = append(got, f{x.Code, x.Path, x.Position.String()})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// Shadowing: the broad rule first takes what the narrow one would have.
// The key "other" is not a field: the alert that has it is invalid, as
// in a run, unless unknown keys are ignored.
func TestReplayShadowing(t *testing.T) {
	tests := []struct {
		name    string
		opts    []review.ReplayOption
		invalid int
		groups  []review.Group
	}{
		{"strict", nil, 2, []review.Group{{review.MissingGroup, 1}, {"phishing", 1}}},
		{"unknown keys ignored", []review.ReplayOption{review.WithUnknownKeysIgnored()}, 1, []review.Group{{"phishing", 2}, {review.MissingGroup, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := replayFiles(t, "testdata/shadowed.yaml", []string{"testdata/shadowed.jsonl"}, append(tt.opts, review.WithGroupBy("category"))...)
			want := []review.DetectionCount{
				{ID: "any-malware", Matched: 4},
				{ID: "ransomware", Matched: 1, Shadowed: 3, ShadowedBy: []review.Count{{ID: "any-malware", Count: 3}}},
				{ID: "never", Matched: 0},
			}
			if diff := cmp.Diff(want, r.Detections); diff != "" {
				t.Errorf("detections (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.groups, r.UnmatchedGroups); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			if r.Invalid != tt.invalid {
				t.Errorf("%d invalid, want %d", r.Invalid, tt.invalid)
			}
			if msg := r.Findings[1].Message; !strings.Contains(msg, "any-malware (3)") {
				t.Errorf("shadowed finding %q does not name the detection that took the alerts", msg)
			}
		})
	}
}

// The JSON report has the keys the issue lists, and no others.
func TestReplayJSONKeys(t *testing.T) {
	r := replayFiles(t, targetedDesign, []string{targetedAlerts}, review.WithGroupBy("category"))
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"alerts", "detections", "findings", "incidents", "invalid", "matched", "needs_confirmation",
		"per_day", "severities", "triaged", "unmatched", "unmatched_groups", "without_time", "workload"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	var dets []map[string]any
	if err := json.Unmarshal(m["detections"], &dets); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"id": "mssp-rat-signature", "matched": 361.0, "shadowed": 0.0}, dets[0]); diff != "" {
		t.Errorf("detections[0] (-want +got):\n%s", diff)
	}
	var back review.ReplayReport
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Alerts != r.Alerts || len(back.Findings) != len(r.Findings) {
		t.Errorf("JSON round trip: %d alerts, %d findings; want %d, %d", back.Alerts, len(back.Findings), r.Alerts, len(r.Findings))
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestReplayGolden(t *testing.T) {
	tests := []struct {
		name, design, alerts, groupBy string
	}{
		{"targeted-attack", targetedDesign, targetedAlerts, "category"},
		{"acme-web", acmeDesign, acmeAlerts, "rule_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := replayFiles(t, tt.design, []string{tt.alerts}, review.WithGroupBy(tt.groupBy))
			var text, md bytes.Buffer
			if err := r.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			golden(t, "replay-"+tt.name+".txt", text.Bytes())
			if err := r.WriteMarkdown(&md, "charts"); err != nil {
				t.Fatal(err)
			}
			golden(t, "replay-"+tt.name+".md", md.Bytes())
			charts, err := r.Charts()
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, c := range charts {
				files = append(files, c.File)
				if !bytes.HasPrefix(c.SVG, []byte("<?xml")) || !bytes.Contains(c.SVG, []byte("<svg")) {
					t.Errorf("%s is not SVG: %.60q", c.File, c.SVG)
				}
				if !strings.Contains(md.String(), "(charts/"+c.File+")") {
					t.Errorf("the Markdown report does not link %s", c.File)
				}
			}
			if diff := cmp.Diff([]string{"alerts-per-day.svg", "detections.svg"}, files); diff != "" {
				t.Errorf("charts (-want +got):\n%s", diff)
			}
		})
	}
}

// The same history as JSON Lines, as a JSON array, gzipped, and split in
// two files gives the same report (bar the file names in findings).
func TestReplayInputForms(t *testing.T) {
	want := replayFiles(t, acmeDesign, []string{acmeAlerts})
	data, err := os.ReadFile(acmeAlerts)
	if err != nil {
		t.Fatal(err)
	}
	var objs []json.RawMessage
	if err := json.Unmarshal(data, &objs); err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	for _, o := range objs {
		lines.Write(o)
		lines.WriteString("\r\n\n") // CRLF and blank lines are fine
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	half := len(objs) / 2
	join := func(os []json.RawMessage) string {
		var b strings.Builder
		for _, o := range os {
			b.Write(o)
			b.WriteByte('\n')
		}
		return b.String()
	}
	p := plan(t, acmeDesign)
	tests := []struct {
		name   string
		alerts iter.Seq2[review.Alert, error]
	}{
		{"jsonl", review.ReadAlerts("a.jsonl", &lines)},
		{"gzip", review.ReadAlerts("a.json.gz", &gz)},
		{"two files", concat(review.ReadAlerts("1", strings.NewReader(join(objs[:half]))), review.ReadAlerts("2", strings.NewReader("\ufeff"+join(objs[half:]))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := review.Replay(context.Background(), p, tt.alerts)
			if err != nil {
				t.Fatal(err)
			}
			g, w := summarize(got), summarize(want)
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.PerDay, got.PerDay); diff != "" {
				t.Errorf("per day (-want +got):\n%s", diff)
			}
		})
	}
}

func concat(seqs ...iter.Seq2[review.Alert, error]) iter.Seq2[review.Alert, error] {
	return func(yield func(review.Alert, error) bool) {
		for _, s := range seqs {
			for a, err := range s {
				if !yield(a, err) {
					return
				}
			}
		}
	}
}

func TestReadAlerts(t *testing.T) {
	type got struct {
		Line    int
		Keys    []string
		Invalid string
	}
	long := `{"k":"` + strings.Repeat("x", review.MaxLine) + `"}`
	tests := []struct {
		name    string
		in      string
		want    []got
		wantErr bool
	}{
		{"lines", "{\"a\":1}\n\n  \n{\"b\":2}", []got{{1, []string{"a"}, ""}, {4, []string{"b"}, ""}}, false},
		{"not objects", "null\n[1]\n\"s\"\n3\ntrue\n{\"a\":", []got{
			{1, nil, "not a JSON object but null"},
			{2, nil, "not a JSON object but an array"},
			{3, nil, "not a JSON object but a string"},
			{4, nil, "not a JSON object but a number"},
			{5, nil, "not a JSON object but a bool"},
			{6, nil, "not JSON: unexpected end of JSON input"},
		}, false},
		{"long line", long + "\n{\"a\":1}\n", []got{{1, nil, "line longer than 4194304 bytes"}, {2, []string{"a"}, ""}}, false},
		{"array", "\n [\n{\"a\":1},\n\n  {\"b\":2}, 7\n]\n", []got{{3, []string{"a"}, ""}, {5, []string{"b"}, ""}, {5, nil, "not a JSON object but a number"}}, false},
		{"broken array", "[\n{\"a\":1},\n{\"b\":\n", []got{{2, []string{"a"}, ""}, {3, nil, "not JSON: unexpected EOF; the rest of the file is skipped"}}, false},
		{"array then more", "[{\"a\":1}]\n{}", []got{{1, []string{"a"}, ""}, {2, nil, "content after the JSON array is skipped"}}, false},
		{"a key written twice", "{\"a\":1,\"a\":2}\n{\"b\":{\"c\":1,\"c\":2}}\n", []got{
			{1, nil, `key "a" is written twice: first at line 1, column 2`},
			{2, nil, `key "c" is written twice: first at line 1, column 7`},
		}, false},
		{"empty", "", nil, false},
		{"bad gzip", "\x1f\x8b\x08\x00garbage", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out []got
			var err error
			for a, e := range review.ReadAlerts("f", strings.NewReader(tt.in)) {
				if e != nil {
					err = e
					break
				}
				var keys []string
				for k := range a.Fields {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				out = append(out, got{a.Line, keys, a.Invalid})
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("error %v, want error: %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReplayErrors(t *testing.T) {
	p := plan(t, acmeDesign)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	many := strings.Repeat("{\"alert_type\":\"waf\"}\n", 5000)
	boom := errors.New("disk on fire")
	tests := []struct {
		name   string
		ctx    context.Context
		plan   *executor.Plan
		alerts iter.Seq2[review.Alert, error]
		opts   []review.ReplayOption
		want   error
	}{
		{"nil plan", context.Background(), nil, review.ReadAlerts("f", strings.NewReader("")), nil, nil},
		{"empty group-by", context.Background(), p, review.ReadAlerts("f", strings.NewReader("")), []review.ReplayOption{review.WithGroupBy(" ")}, nil},
		{"read error", context.Background(), p, func(yield func(review.Alert, error) bool) { yield(review.Alert{}, boom) }, nil, boom},
		{"cancelled", ctx, p, review.ReadAlerts("f", strings.NewReader(many)), nil, context.Canceled},
		{"missing file", context.Background(), p, review.ReadAlertFiles([]string{"testdata/nope.jsonl"}, nil), nil, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := review.Replay(tt.ctx, tt.plan, tt.alerts, tt.opts...)
			if err == nil || r != nil {
				t.Fatalf("Replay = %v, %v; want an error", r, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

// An empty history: nothing matched, so nothing is said about the
// detections either.
func TestReplayEmpty(t *testing.T) {
	r, err := review.Replay(context.Background(), plan(t, acmeDesign), review.ReadAlerts("f", strings.NewReader("")), review.WithTimeKey(""))
	if err != nil {
		t.Fatal(err)
	}
	if r.Alerts != 0 || len(r.Findings) != 0 || len(r.PerDay) != 0 || len(r.Detections) != 7 {
		t.Errorf("empty replay: %d alerts, %d findings, %d days, %d detections", r.Alerts, len(r.Findings), len(r.PerDay), len(r.Detections))
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&b, ""); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "![") {
		t.Errorf("a report without a chart folder links charts")
	}
}

// Only the first review.MaxInvalidFindings invalid lines are findings.
func TestReplayInvalidCap(t *testing.T) {
	in := strings.Repeat("nope\n", review.MaxInvalidFindings+5)
	r, err := review.Replay(context.Background(), plan(t, acmeDesign), review.ReadAlerts("f", strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Invalid != review.MaxInvalidFindings+5 || len(r.Findings) != review.MaxInvalidFindings {
		t.Errorf("%d invalid, %d findings; want %d, %d", r.Invalid, len(r.Findings), review.MaxInvalidFindings+5, review.MaxInvalidFindings)
	}
}
