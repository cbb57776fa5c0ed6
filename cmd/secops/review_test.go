package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
)

// reviewRecordDir runs the worm-lateral scenario n times on a fake clock
// where every call and task takes 30m, and writes the records to a
// folder: each run takes 3h to its first response (1.2.2, 1.2.3, 1.2.4
// and 1.3.1, then fr-2's 2.3.1 and 2.2.1), over the medium target of 2h.
// Run i starts on 2 November plus i times 27h.
func reviewRecordDir(t *testing.T, n int) string {
	t.Helper()
	d, lf, err := secops.LoadFile(replayDesign)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := secops.LoadScenarioFile("../../examples/targeted-attack/scenarios.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var outputs map[ident.Number]map[string]any
	var alert map[string]any
	for _, s := range f.Scenarios {
		if s.ID == "worm-lateral" {
			outputs, alert = s.Outputs, s.Alert
		}
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var as []adapters.Adapter
	for _, name := range []string{"edr", "threatintel", "firewall"} {
		as = append(as, adapters.Func(name, func(_ context.Context, req adapters.Request) (adapters.Result, error) {
			now = now.Add(30 * time.Minute)
			return adapters.Result{Outputs: outputs[ident.Number(req.Method)]}, nil
		}))
	}
	reg, err := adapters.NewRegistry(as...)
	if err != nil {
		t.Fatal(err)
	}
	id := 0
	e, err := executor.New(executor.WithDesign(d), executor.WithRegistry(reg), executor.WithApprover(executor.AutoApprove("csirt")),
		executor.WithClock(func() time.Time { return now }), executor.WithIDs(func() string { id++; return fmt.Sprintf("run-%d", id) }))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range n {
		now = now.Add(24 * time.Hour)
		rec, err := e.Run(context.Background(), alert)
		if err != nil || rec.Status != executor.Completed {
			t.Fatalf("run: %v, %s %s", err, rec.Status, rec.Error)
		}
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("run-%d.json", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReviewCommand(t *testing.T) {
	dir := reviewRecordDir(t, 6)
	one := filepath.Join(dir, "run-0.json")
	storeDir := filepath.Join(t.TempDir(), "runs")
	store, err := runstore.OpenDir(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rec executor.Record
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(context.Background(), &rec); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	charts := filepath.Join(t.TempDir(), "charts")
	corrupt := t.TempDir()
	b, err := os.ReadFile(one)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"truncated.json": b[:len(b)/2], "binary.json": {0, 1, 2, 0xff},
		"v9.json": []byte(strings.Replace(string(b), `"secops-record/v1"`, `"secops-record/v9"`, 1))} {
		if err := os.WriteFile(filepath.Join(corrupt, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"text", []string{replayDesign, dir}, 0, []string{
			"Review of 6 runs", "medium    6     6          3h      3h   3h   2h      0%      6",
			"design.yaml:178:25: warning: criteria.severities[2].targets.first_response: 6 of 6 runs of severity medium (100%)",
			"write estimate: 30m [estimate-drift]"}},
		{"one file", []string{replayDesign, one}, 0, []string{"Review of 1 run"}},
		// The README's example, on the records the example ships.
		{"README", []string{replayDesign, "../../examples/targeted-attack/runs/"}, 0, []string{"Review of 33 runs",
			"mssp-c2-threat-intel       soc     17", "[detection-noisy]", "Time to notify"}},
		{"README, acme-web", []string{"../../examples/acme-web/design.yaml", "../../examples/acme-web/runs/", "--format", "markdown"}, 0, []string{"Review of 27 runs",
			"## Sources", "| secteam | in-house |"}},
		{"json", []string{replayDesign, dir, "--format", "json"}, 0, []string{`"runs": 6`, `"median": "3h"`}},
		{"markdown", []string{replayDesign, dir, "--format", "markdown", "--charts", charts}, 0, []string{"| medium | 6 | 6 | 3h |", "](" + filepath.ToSlash(charts) + "/first-response.svg)"}},
		{"since", []string{replayDesign, dir, "--since", "2026-11-04T00:00:00Z"}, 0, []string{"Review of 4 runs"}},
		{"until", []string{replayDesign, dir, "--until", "2026-11-04T00:00:00Z"}, 0, []string{"Review of 2 runs"}},
		{"since a duration ago", []string{replayDesign, dir, "--since", "1d"}, 0, []string{"Review of 0 runs", "no runs of this design"}},
		{"bad since", []string{replayDesign, dir, "--since", "yesterday"}, 2, []string{`--since "yesterday": want a time`}},
		{"store", []string{replayDesign, "--store", "dir:" + storeDir}, 0, []string{"Review of 6 runs", "medium    6     6          3h"}},
		{"store since", []string{replayDesign, "--store", "dir:" + storeDir, "--since", "2026-11-04T00:00:00Z"}, 0, []string{"Review of 4 runs"}},
		{"store and files", []string{replayDesign, dir, "--store", "dir:" + storeDir}, 2, []string{"not both"}},
		{"nothing to review", []string{replayDesign}, 2, []string{"give record files or folders, or --store"}},
		{"bad store", []string{replayDesign, "--store", "mysql:x"}, 2, []string{"unknown kind of store"}},
		{"empty period", []string{replayDesign, dir, "--since", "2026-11-04T00:00:00Z", "--until", "2026-11-03T00:00:00Z"}, 2, []string{"the period is empty"}},
		{"bad format", []string{replayDesign, dir, "--format", "csv"}, 2, []string{`invalid argument "csv" for "--format" flag: must be text, json or markdown`}},
		{"charts without markdown", []string{replayDesign, dir, "--charts", charts}, 2, []string{"--charts needs --format markdown"}},
		{"not records", []string{replayDesign, replayAlerts}, 0, []string{"targeted-attack.jsonl: warning: record 1: not a run record", "records could not be read"}},
		{"corrupt records", []string{replayDesign, dir, corrupt}, 0, []string{"Review of 6 runs", "3 records could not be read",
			"truncated.json: warning: record 1: truncated: unexpected EOF [invalid-record]",
			"binary.json: warning: record 1: invalid character", `v9.json: warning: record 1: format "secops-record/v9" is not secops-record/v1 [invalid-record]`}},
		{"missing", []string{replayDesign, "nope"}, 2, []string{"nope"}},
		{"invalid design", []string{"../../testdata/invalid/cycle.yaml", dir}, 1, []string{"has errors"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := replayCommand(nil, append([]string{"review"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			for _, want := range tt.contains {
				if !strings.Contains(out+errOut, want) {
					t.Errorf("output does not have %q:\n%s\n%s", want, out, errOut)
				}
			}
		})
	}
	for _, f := range []string{"first-response.svg", "estimates.svg"} {
		if _, err := os.Stat(filepath.Join(charts, f)); err != nil {
			t.Error(err)
		}
	}
}
