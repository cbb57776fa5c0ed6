package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/scenario"
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
		rec, err := runstore.NewFile(recordPath).Load()
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}

	// Not a terminal: the first manual task (the confirmation) waits.
	if err := runDesign(ctx, rio, runOpts{design: "../../examples/targeted-attack/design.yaml", adapters: cfg, alert: alertPath, record: recordPath, outputs: "", approve: false, dryRun: false}); err != nil {
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
	if err := resumeRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, outputs: answersPath, approve: false, force: false}); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr.String())
	}
	if rec = readRecord(); rec.Status != executor.Waiting || rec.Pending.Party != "csirt" {
		t.Fatalf("after resume: status %s, pending %+v\n%s", rec.Status, rec.Pending, stderr.String())
	}
	if !strings.Contains(stderr.String(), "--approve") {
		t.Errorf("no hint to approve:\n%s", stderr.String())
	}
	stderr.Reset()
	if err := resumeRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, outputs: "", approve: true, force: false}); err != nil {
		t.Fatalf("resume --approve: %v\n%s", err, stderr.String())
	}
	rec = readRecord()
	want := []ident.Number{"2.1.1", "2.2.1"}
	if rec.Status != executor.Completed || !cmp.Equal(want, rec.Applied) {
		t.Fatalf("after approval: status %s (%s), applied %v", rec.Status, rec.Error, rec.Applied)
	}

	stderr.Reset()
	before := len(calls())
	if err := rollbackRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, force: false}); err != nil {
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

// fixture writes the adapter configuration for srv, with extra text
// appended to the edr entry, and the alert and outputs of the reference
// scenario id, returning their paths.
func fixture(t *testing.T, srv *httptest.Server, edrExtra string, sc *scenario.Scenario) (dir, cfg, alertPath, outputsPath string) {
	t.Helper()
	dir = t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg = write("adapters.yaml", fmt.Sprintf(`format: secops-adapters/v1
adapters:
  - {name: edr, kind: webhook, url: "%[1]s/edr"%[2]s}
  - {name: threatintel, kind: webhook, url: "%[1]s/threatintel"}
  - {name: firewall, kind: webhook, url: "%[1]s/firewall"}
`, srv.URL, edrExtra))
	alert, _ := json.Marshal(sc.Alert)
	outs, _ := json.Marshal(sc.Outputs)
	return dir, cfg, write("alert.json", string(alert)), write("outputs.json", string(outs))
}

func scenarioNamed(t *testing.T, id ident.ID) *scenario.Scenario {
	t.Helper()
	f, err := secops.LoadScenarioFile("../../examples/targeted-attack/scenarios.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Scenarios {
		if f.Scenarios[i].ID == id {
			return &f.Scenarios[i]
		}
	}
	t.Fatalf("no scenario %s", id)
	return nil
}

const referenceDesign = "../../examples/targeted-attack/design.yaml"

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestDryRunStaysDry: the resume the dry run suggests, with --approve,
// and its rollback call no adapter; the record says it is a dry run.
func TestDryRunStaysDry(t *testing.T) {
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	srv, calls := integrations(t, sc.Outputs)
	dir, cfg, alertPath, outputsPath := fixture(t, srv, "", sc)
	recordPath := filepath.Join(dir, "dry.json")
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	ctx := context.Background()

	if err := runDesign(ctx, rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath, outputs: outputsPath, approve: false, dryRun: true}); err != nil {
		t.Fatalf("run --dry-run: %v\n%s", err, stderr.String())
	}
	raw, _ := os.ReadFile(recordPath)
	if !bytes.Contains(raw, []byte(`"dry_run": true`)) {
		t.Errorf("the record does not say it is a dry run")
	}
	for _, s := range []string{"dry run: no adapter will be called", "  method 1.2.2 would call edr.connections_by_ip with ", "dry run ", ": waiting, response fr-1"} {
		if !strings.Contains(stderr.String(), s) {
			t.Errorf("progress lacks %q:\n%s", s, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "1.2.2 edr.connections_by_ip: ok") {
		t.Errorf("a dry-run call shown as made:\n%s", stderr.String())
	}

	stderr.Reset()
	if err := resumeRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, outputs: "", approve: true, force: false}); err != nil {
		t.Fatalf("resume --approve: %v\n%s", err, stderr.String())
	}
	var rec executor.Record
	if err := readJSON(recordPath, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Completed || !rec.DryRun {
		t.Errorf("after resume: status %s (%s), dry %v", rec.Status, rec.Error, rec.DryRun)
	}
	if !strings.Contains(stderr.String(), "would call firewall.block_ip") || !strings.Contains(stderr.String(), "the record is a dry run") ||
		!strings.Contains(stderr.String(), "response-completed fr-1 would apply 2.1.1, 2.2.1") || strings.Contains(stderr.String(), " applied 2") {
		t.Errorf("resume output:\n%s", stderr.String())
	}

	stderr.Reset()
	if err := rollbackRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, force: false}); err != nil {
		t.Fatalf("rollback: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "rollback of method 2.2.1 would call edr.release_host") {
		t.Errorf("rollback output:\n%s", stderr.String())
	}
	if c := calls(); len(c) != 0 {
		t.Errorf("a dry run, its resume and its rollback called %v", c)
	}
}

// TestDryRunStops: without outputs, a dry run stops at the first branch
// that reads an output, naming the step, the field and the method.
func TestDryRunStops(t *testing.T) {
	sc := scenarioNamed(t, "worm-lateral")
	srv, calls := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, "", sc)
	recordPath := filepath.Join(dir, "dry.json")
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	err := runDesign(context.Background(), rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath, outputs: "", approve: false, dryRun: true})
	if exitCode(err) != 1 {
		t.Errorf("err %v, want exit status 1", err)
	}
	for _, s := range []string{
		"error: step lateral-traffic: branches[0] (size(fields.lateral_ips) >= 5): field lateral_ips (an output of method 1.3.1, edr.internal_connections) is not known",
		"run again with --dry-run --outputs ANSWERS.json",
		`"1.3.1":{"lateral_ips":[]}`,
	} {
		if !strings.Contains(stderr.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, stderr.String())
		}
	}
	if len(calls()) != 0 {
		t.Errorf("calls %v", calls())
	}
}

func TestRunOutputsNeedsDryRun(t *testing.T) {
	root := newRoot()
	root.SetArgs([]string{"run", referenceDesign, "--adapters", "a.yaml", "--alert", "a.json", "--outputs", "o.json"})
	root.SetErr(io.Discard)
	err := root.Execute()
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--dry-run") {
		t.Errorf("err %v, want exit status 2 naming --dry-run", err)
	}
}

// TestBadAnswerRefused: a mistyped answer is refused with exit status 2
// and the record is left as it was; the hint's template is typed.
func TestBadAnswerRefused(t *testing.T) {
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	srv, _ := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, "", sc)
	write := func(name string, v any) string {
		b, _ := json.Marshal(v)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	recordPath := filepath.Join(dir, "run.json")
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	ctx := context.Background()
	if err := runDesign(ctx, rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath, outputs: "", approve: false, dryRun: false}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), `e.g. {"0.1.1":{"confirmed":false}}`) {
		t.Errorf("template not typed:\n%s", stderr.String())
	}
	stderr.Reset()
	if err := resumeRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, outputs: write("a1.json", map[string]any{"0.1.1": map[string]any{"confirmed": true}})}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), `e.g. {"1.4.1":{"iocs":[]}}`) {
		t.Errorf("template not typed:\n%s", stderr.String())
	}
	before, _ := os.ReadFile(recordPath)
	tests := []struct {
		name    string
		answers any
		approve bool
		msg     string
	}{
		{"wrong type", map[string]any{"1.4.1": map[string]any{"iocs": "notalist"}}, false, `output iocs (string list)`},
		{"unknown key", map[string]any{"1.4.1": map[string]any{"ioc": []string{}}}, false, `output "ioc" is not one of the method's outputs`},
		{"not pending", map[string]any{"1.27.1": sc.Outputs["1.27.1"]}, false, "waits for the outputs of method 1.4.1"},
		{"approval to a person's task", nil, true, "waits for method 1.4.1, a task for a person"},
		{"empty outputs", map[string]any{"1.4.1": map[string]any{}}, false, "method 1.4.1: the answer leaves out iocs"},
		{"null outputs", map[string]any{"1.4.1": nil}, false, "method 1.4.1: the answer leaves out iocs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.answers != nil {
				path = write("bad.json", tt.answers)
			}
			err := resumeRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, outputs: path, approve: tt.approve, force: false})
			if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err %v, want exit status 2 and %q", err, tt.msg)
			}
			if after, _ := os.ReadFile(recordPath); !bytes.Equal(before, after) {
				t.Error("the record changed")
			}
		})
	}
}

// TestHeaderVariablesChecked: an unset header variable stops the run
// before any call, naming it.
func TestHeaderVariablesChecked(t *testing.T) {
	sc := scenarioNamed(t, "worm-lateral")
	srv, calls := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, `, headers: {Authorization: "Bearer ${EDR_TOKEN}", X-Other: "${EDR_TOKEN}${EDR_TENANT}"}`, sc)
	recordPath := filepath.Join(dir, "run.json")
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr, lookupEnv: func(string) (string, bool) { return "", false }}
	err := runDesign(context.Background(), rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath, outputs: "", approve: true, dryRun: false})
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "EDR_TOKEN, EDR_TENANT") {
		t.Errorf("err %v, want exit status 2 naming EDR_TOKEN, EDR_TENANT", err)
	}
	if len(calls()) != 0 {
		t.Errorf("calls %v", calls())
	}
	if _, err := os.Stat(recordPath); err == nil {
		t.Error("a record was written")
	}
	// A dry run calls nothing and needs no secrets.
	if err := runDesign(context.Background(), rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath, outputs: "", approve: true, dryRun: true}); exitCode(err) == 2 {
		t.Errorf("dry run: %v", err)
	}
}

// TestRollbackTwice: a second rollback says there is nothing left.
func TestRollbackTwice(t *testing.T) {
	sc := scenarioNamed(t, "worm-lateral")
	srv, _ := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, "", sc)
	recordPath := filepath.Join(dir, "run.json")
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	ctx := context.Background()
	if err := runDesign(ctx, rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath, outputs: "", approve: true, dryRun: false}); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if err := rollbackRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, force: false}); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if err := rollbackRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, force: false}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "nothing to roll back: every applied method (2.3.1, 2.2.1) was rolled back already") {
		t.Errorf("second rollback:\n%s", stderr.String())
	}
}

func TestTestCommandBrokenFile(t *testing.T) {
	dir := t.TempDir()
	design, _ := filepath.Abs(referenceDesign)
	path := filepath.Join(dir, "s5.yaml")
	text := fmt.Sprintf("format: secops-scenarios/v1\ndesign: %s\nscenarios:\n  - id: typo\n    alert: {category: rat, hots: pc-f}\n", design)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := testFiles(context.Background(), &out, []string{path, "../../examples/targeted-attack/scenarios.yaml"}, false)
	if exitCode(err) != 1 {
		t.Errorf("err %v, want exit status 1", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[0], "FAIL "+path+":") || !strings.Contains(out.String(), `scenarios[0].alert.hots: "hots" is not a field of the design`) {
		t.Errorf("output:\n%s", out.String())
	}
	if last := lines[len(lines)-1]; last != "6 passed, 0 failed (1 scenario file could not run)" {
		t.Errorf("summary %q", last)
	}
}

// TestPromptRequiresOutputs: at a terminal, an empty answer or a value of
// the wrong type is asked again, not taken as unknown, so one Enter does
// not fail the run.
func TestPromptRequiresOutputs(t *testing.T) {
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	srv, _ := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, "", sc)
	recordPath := filepath.Join(dir, "run.json")
	var stderr bytes.Buffer
	// 0.1.1 asks for confirmed (bool): empty, then "maybe", then true;
	// then 1.4.1 waits.
	rio := runIO{stdin: strings.NewReader("\nmaybe\ntrue\nwait\n"), stderr: &stderr, terminal: true}
	if err := runDesign(context.Background(), rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath, outputs: "", approve: false, dryRun: false}); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var rec executor.Record
	if err := readJSON(recordPath, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Waiting || rec.Pending.Method != "1.4.1" || rec.Fields["confirmed"] != true {
		t.Fatalf("status %s (%s), pending %+v, confirmed %v\n%s", rec.Status, rec.Error, rec.Pending, rec.Fields["confirmed"], stderr.String())
	}
	for _, want := range []string{"confirmed is required", `want true or false, got "maybe"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("prompt does not say %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "strconv") {
		t.Errorf("prompt shows a Go error:\n%s", stderr.String())
	}
}

// TestDesignChangedRefused: resume and rollback of a record whose design
// file changed since are refused (exit 2, record unchanged) unless
// --force, which records the change.
func TestDesignChangedRefused(t *testing.T) {
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	srv, _ := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, "", sc)
	src, err := os.ReadFile(referenceDesign)
	if err != nil {
		t.Fatal(err)
	}
	designPath := filepath.Join(dir, "design.yaml")
	if err := os.WriteFile(designPath, src, 0o644); err != nil {
		t.Fatal(err)
	}
	answers := filepath.Join(dir, "answers.json")
	b, _ := json.Marshal(map[ident.Number]map[string]any{"0.1.1": sc.Outputs["0.1.1"]})
	if err := os.WriteFile(answers, b, 0o644); err != nil {
		t.Fatal(err)
	}
	recordPath := filepath.Join(dir, "run.json")
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	ctx := context.Background()
	if err := runDesign(ctx, rio, runOpts{design: designPath, adapters: cfg, alert: alertPath, record: recordPath, outputs: "", approve: false, dryRun: false}); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	// The same design laid out differently is the same design.
	if err := os.WriteFile(designPath, append([]byte("# a comment\n"), src...), 0o644); err != nil {
		t.Fatal(err)
	}
	var rec executor.Record
	if err := readJSON(recordPath, &rec); err != nil {
		t.Fatal(err)
	}
	d, lf, err := secops.LoadFile(designPath)
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
	if err := p.CheckRecord(&rec); err != nil {
		t.Errorf("a comment changes the design: %v", err)
	}

	changed := strings.Replace(string(src), "procedure: ", "procedure: (changed) ", 1)
	if changed == string(src) {
		t.Fatal("no procedure in the design")
	}
	if err := os.WriteFile(designPath, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(recordPath)
	err = resumeRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, outputs: answers, approve: false, force: false})
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "started with another version of the design") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("resume: %v, want exit status 2 naming the change and --force", err)
	}
	err = rollbackRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, force: false})
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "started with another version of the design") {
		t.Errorf("rollback: %v, want exit status 2 naming the change", err)
	}
	if after, _ := os.ReadFile(recordPath); !bytes.Equal(before, after) {
		t.Error("a refusal changed the record")
	}
	stderr.Reset()
	if err := resumeRecord(ctx, rio, resumeOpts{record: recordPath, adapters: cfg, outputs: answers, approve: false, force: true}); err != nil {
		t.Fatalf("resume --force: %v\n%s", err, stderr.String())
	}
	if err := readJSON(recordPath, &rec); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range rec.Events {
		found = found || ev.Kind == executor.EvDesignChanged
	}
	if !found || rec.Status == executor.Failed {
		t.Errorf("after resume --force: status %s, design-changed event %v", rec.Status, found)
	}
}

// TestTestCommandMissingDesign: a scenario file whose design is missing,
// or that names none, could not run; the other files still run.
func TestTestCommandMissingDesign(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "s1.yaml")
	noKey := filepath.Join(dir, "s2.yaml")
	for p, text := range map[string]string{
		missing: "format: secops-scenarios/v1\ndesign: nosuch.yaml\nscenarios: []\n",
		noKey:   "format: secops-scenarios/v1\nscenarios: []\n",
	} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	err := testFiles(context.Background(), &out, []string{missing, noKey, "../../examples/targeted-attack/scenarios.yaml"}, false)
	if exitCode(err) != 1 {
		t.Errorf("err %v, want exit status 1", err)
	}
	got := out.String()
	for _, want := range []string{
		"FAIL " + missing + ": the design it names: ",
		"nosuch.yaml",
		noKey + ":1:1: error: design: design is required",
		"[required]",
		"6 passed, 0 failed (2 scenario files could not run)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output does not contain %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "is a directory") {
		t.Errorf("output:\n%s", got)
	}
}

// readJSON reads the JSON file at path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
