package review_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// The sample records each example ships in runs/, so that the README's
// secops review runs as written: engine runs of the example's scenarios
// under the fake clock of the review tests, the source's detection 3 to
// 19 minutes before each run. go test ./review -run TestSampleRecords
// -update writes them again.
func TestSampleRecords(t *testing.T) {
	notified := func(n int) time.Duration { return time.Duration(3+4*(n%5)) * time.Minute }
	tests := []struct {
		dir       string
		design    string
		scenarios []string
		timeKey   string
		slow      map[ident.Number]time.Duration
		// runs lists the scenarios, how many times each runs in
		// process, and how many waiting for people.
		runs []sampleRuns
	}{
		{
			dir: "../examples/targeted-attack", design: targetedDesign, timeKey: "time", slow: targetedSlow,
			scenarios: []string{"../examples/targeted-attack/scenarios.yaml", "../examples/targeted-attack/more-scenarios.yaml"},
			runs: []sampleRuns{{"c2-single-host-ongoing", 4, 2}, {"c2-not-confirmed", 9, 0}, {"worm-lateral", 6, 0},
				{"ransomware-contained-host", 5, 0}, {"internal-scan-low", 3, 0}, {"c2-spread-stopped", 1, 1}, {"rat-seen-on-other-hosts", 2, 0}},
		},
		{
			dir: "../examples/acme-web", design: acmeDesign, timeKey: "alert_time",
			scenarios: []string{"../examples/acme-web/scenarios.yaml"},
			runs: []sampleRuns{{"bec-lookalike-payment-held", 2, 1}, {"bec-account-takeover", 2, 0}, {"bec-lookalike-ignored", 2, 0},
				{"bec-travel-was-the-user", 3, 0}, {"webshell-on-web-01", 1, 1}, {"waf-cve-vulnerable-not-exploited", 2, 0},
				{"waf-cve-not-vulnerable", 4, 0}, {"waf-scanner-below-threshold", 3, 0}, {"ddos-major-flood", 1, 0},
				{"ddos-minor-few-networks", 2, 0}, {"ddos-distributed-origin-saturated", 1, 0}, {"ddos-absorbed", 2, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			r := newRunnerFor(t, tt.design, tt.scenarios...)
			r.slow, r.notified, r.timeKey = tt.slow, notified, tt.timeKey
			want := map[string][]byte{}
			for _, sr := range tt.runs {
				for k := range sr.inProcess + sr.waiting {
					rec := r.run(ident.ID(sr.scenario), k >= sr.inProcess)
					if rec.Status != executor.Completed && rec.Status != executor.NoIncident && rec.Status != executor.NotTriaged {
						t.Fatalf("%s: %s %s", sr.scenario, rec.Status, rec.Error)
					}
					b, err := json.MarshalIndent(rec, "", "  ")
					if err != nil {
						t.Fatal(err)
					}
					want[rec.ID+".json"] = append(b, '\n')
				}
			}
			dir := filepath.Join(tt.dir, "runs")
			if *update {
				os.RemoveAll(dir)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for name, b := range want {
					if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			var got []string
			for _, f := range files {
				got = append(got, filepath.Base(f))
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, want[filepath.Base(f)]) {
					t.Errorf("%s differs from what the engine makes now (-update writes it again):\n%s", f, cmp.Diff(string(want[filepath.Base(f)]), string(b)))
				}
			}
			var names []string
			for name := range want {
				names = append(names, name)
			}
			slices.Sort(names)
			if diff := cmp.Diff(names, got); diff != "" {
				t.Errorf("the files of %s (-want +got):\n%s", dir, diff)
			}
		})
	}
}

type sampleRuns struct {
	scenario           string
	inProcess, waiting int
}
