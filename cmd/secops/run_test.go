package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// integrations serves the reference design's edr, threatintel and firewall
// actions as webhooks answering from a scenario's outputs.
func integrations(t *testing.T, outputs map[ident.Number]map[string]any) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Operation string `json:"operation"`
			Method    string `json:"method"`
			Rollback  bool   `json:"rollback"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		calls = append(calls, fmt.Sprintf("%s%s %s rollback=%v", r.URL.Path, "."+req.Operation, req.Method, req.Rollback))
		mu.Unlock()
		out := map[string]any{}
		if !req.Rollback {
			out = outputs[ident.Number(req.Method)]
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"outputs": out})
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), calls...) }
}

func TestRunResumeRollback(t *testing.T) {
	f, err := secops.LoadScenarioFile("../../examples/targeted-attack/scenarios.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc := f.Scenarios[0] // c2-single-host-ongoing
	srv, calls := integrations(t, sc.Outputs)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := write("adapters.yaml", fmt.Sprintf(`format: secops-adapters/v1
adapters:
  - {name: edr, kind: webhook, url: "%[1]s/edr"}
  - {name: threatintel, kind: webhook, url: "%[1]s/threatintel"}
  - {name: firewall, kind: webhook, url: "%[1]s/firewall"}
`, srv.URL))
	alert, _ := json.Marshal(sc.Alert)
	alertPath := write("alert.json", string(alert))
	answers, _ := json.Marshal(map[ident.Number]map[string]any{"0.1.1": sc.Outputs["0.1.1"], "1.4.1": sc.Outputs["1.4.1"], "1.27.1": sc.Outputs["1.27.1"]})
	answersPath := write("answers.json", string(answers))
	recordPath := filepath.Join(dir, "run.json")
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	ctx := context.Background()

	readRecord := func() *executor.Record {
		var rec executor.Record
		if err := readJSON(recordPath, &rec); err != nil {
			t.Fatal(err)
		}
		return &rec
	}

	// Not a terminal: the first manual task (the confirmation) waits.
	if err := runDesign(ctx, rio, "../../examples/targeted-attack/design.yaml", cfg, alertPath, recordPath, "", false, false); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	rec := readRecord()
	if rec.Status != executor.Waiting || rec.Pending.Method != "0.1.1" || !filepath.IsAbs(rec.Design) {
		t.Fatalf("after run: status %s, pending %+v, design %q", rec.Status, rec.Pending, rec.Design)
	}
	if !strings.Contains(stderr.String(), "continue with: secops resume "+recordPath+" --adapters "+cfg+" --outputs ANSWERS.json") {
		t.Errorf("no hint how to continue:\n%s", stderr.String())
	}

	// The answers carry every manual task; without --approve the run
	// then waits for the approval of fr-1.
	stderr.Reset()
	if err := resumeRecord(ctx, rio, recordPath, cfg, answersPath, false); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr.String())
	}
	if rec = readRecord(); rec.Status != executor.Waiting || rec.Pending.Party != "csirt" {
		t.Fatalf("after resume: status %s, pending %+v\n%s", rec.Status, rec.Pending, stderr.String())
	}
	if !strings.Contains(stderr.String(), "--approve") {
		t.Errorf("no hint to approve:\n%s", stderr.String())
	}
	stderr.Reset()
	if err := resumeRecord(ctx, rio, recordPath, cfg, "", true); err != nil {
		t.Fatalf("resume --approve: %v\n%s", err, stderr.String())
	}
	rec = readRecord()
	want := []ident.Number{"2.1.1", "2.2.1"}
	if rec.Status != executor.Completed || !cmp.Equal(want, rec.Applied) {
		t.Fatalf("after approval: status %s (%s), applied %v", rec.Status, rec.Error, rec.Applied)
	}

	stderr.Reset()
	before := len(calls())
	if err := rollbackRecord(ctx, rio, recordPath, cfg); err != nil {
		t.Fatalf("rollback: %v\n%s", err, stderr.String())
	}
	wantCalls := []string{"/edr.release_host 2.2.1 rollback=true", "/firewall.unblock_ip 2.1.1 rollback=true"}
	if diff := cmp.Diff(wantCalls, calls()[before:]); diff != "" {
		t.Errorf("rollback calls (-want +got):\n%s", diff)
	}
	if rec = readRecord(); !cmp.Equal([]ident.Number{"2.2.1", "2.1.1"}, rec.RolledBack) {
		t.Errorf("rolled back %v", rec.RolledBack)
	}
}

func TestTestCommand(t *testing.T) {
	var out bytes.Buffer
	err := testFiles(context.Background(), &out, []string{"../../examples/targeted-attack/scenarios.yaml"}, true)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	wantStart := []string{
		"ok   c2-single-host-ongoing",
		"ok   c2-spread-stopped",
		"ok   c2-not-confirmed",
		"ok   internal-scan-low",
		"ok   worm-lateral",
		"ok   ransomware-contained-host",
		"coverage: targeted-attack-triage: steps 8/8 (100.0%), branches 4/6 (66.7%), responses 2/3 (66.7%)",
	}
	if diff := cmp.Diff(wantStart, lines[:len(wantStart)]); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if last := lines[len(lines)-1]; last != "6 passed, 0 failed" {
		t.Errorf("summary %q", last)
	}
}

func TestTestCommandFailure(t *testing.T) {
	dir := t.TempDir()
	design, _ := filepath.Abs("../../examples/targeted-attack/design.yaml")
	path := filepath.Join(dir, "s.yaml")
	text := fmt.Sprintf(`format: secops-scenarios/v1
design: %s
scenarios:
  - id: low-scan
    alert: {category: internal-scan, host: pc-e}
    expect: {severity: medium, playbook: none}
`, design)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := testFiles(context.Background(), &out, []string{path}, false)
	want := "FAIL low-scan\n    severity:\n        want medium\n        got  low\n0 passed, 1 failed\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if ee, ok := err.(*exitError); !ok || ee.code != 1 {
		t.Errorf("err %v, want exit status 1", err)
	}
}
