package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
)

// TestRecordNotOverwritten: run refuses to write over a record, naming
// the containment it still holds, unless --force.
func TestRecordNotOverwritten(t *testing.T) {
	sc := scenarioNamed(t, "worm-lateral")
	srv, _ := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, "", sc)
	recordPath := filepath.Join(dir, "run.json")
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	o := runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath, approve: true}
	if err := runDesign(context.Background(), rio, o); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	before, _ := os.ReadFile(recordPath)
	err := runDesign(context.Background(), rio, o)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "run.json exists: it holds run ") ||
		!strings.Contains(err.Error(), "whose applied containment (2.3.1, 2.2.1) is not rolled back") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second run: %v", err)
	}
	if after, _ := os.ReadFile(recordPath); !bytes.Equal(before, after) {
		t.Error("the record was changed")
	}
	o.force = true
	if err := runDesign(context.Background(), rio, o); err != nil {
		t.Fatalf("--force: %v", err)
	}
	if after, _ := os.ReadFile(recordPath); bytes.Equal(before, after) {
		t.Error("--force did not write a new record")
	}
}

// TestAlertProblems: an alert that does not fit is reported key by key,
// and nothing runs.
func TestAlertProblems(t *testing.T) {
	sc := scenarioNamed(t, "worm-lateral")
	srv, calls := integrations(t, sc.Outputs)
	dir, cfg, _, _ := fixture(t, srv, "", sc)
	alert := map[string]any{}
	for k, v := range sc.Alert {
		alert[k] = v
	}
	alert["hots"] = "pc-1"
	alert["src_ip"] = "10.0.0.300"
	b, _ := json.Marshal(alert)
	alertPath := filepath.Join(dir, "alert.json")
	os.WriteFile(alertPath, b, 0o644)
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	err := runDesign(context.Background(), rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: filepath.Join(dir, "r.json")})
	if exitCode(err) != 1 {
		t.Errorf("exit %v, want 1", err)
	}
	for _, want := range []string{alertPath + ": hots: not a field of the design (did you mean host?)", alertPath + ": src_ip: ", "nothing was run"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stderr.String())
		}
	}
	if len(calls()) != 0 {
		t.Errorf("calls: %v", calls())
	}
	for name, text := range map[string]string{
		"array":    `[{"host": "pc-1"}]`,
		"trailing": `{"host": "pc-1"} {}`,
		"syntax":   "{\n  \"host\": pc-1\n}",
	} {
		os.WriteFile(alertPath, []byte(text), 0o644)
		err := runDesign(context.Background(), rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: filepath.Join(dir, "r.json")})
		if exitCode(err) != 1 || strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "unmarshal") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestRejectRetryAndMovedDesign: --reject declines an approval; a run
// that failed on an adapter is retried with --retry; a record whose
// design moved says where it looked and takes --design.
func TestRejectRetryAndMovedDesign(t *testing.T) {
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	fail := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Method   string `json:"method"`
			Rollback bool   `json:"rollback"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		if req.Method == "2.2.1" && fail {
			http.Error(w, `{"error": "EDR console down"}`, http.StatusBadRequest)
			return
		}
		out := sc.Outputs[executorNumber(req.Method)]
		if req.Rollback || out == nil {
			out = map[string]any{}
		}
		json.NewEncoder(w).Encode(map[string]any{"outputs": out})
	}))
	defer srv.Close()
	dir, cfg, alertPath, outputsPath := fixture(t, srv, "", sc)
	design := filepath.Join(dir, "design.yaml")
	src, _ := os.ReadFile(referenceDesign)
	os.WriteFile(design, src, 0o644)
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	ctx := context.Background()
	rec := func(p string) *executor.Record {
		r, err := runstore.NewFile(p).Load()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	answers := filepath.Join(dir, "answers.json")
	var all map[string]any
	b, _ := os.ReadFile(outputsPath)
	json.Unmarshal(b, &all)
	b, _ = json.Marshal(map[string]any{"0.1.1": all["0.1.1"], "1.4.1": all["1.4.1"], "1.27.1": all["1.27.1"]})
	os.WriteFile(answers, b, 0o644)

	toApproval := func(name string) string {
		p := filepath.Join(dir, name)
		if err := runDesign(ctx, rio, runOpts{design: design, adapters: cfg, alert: alertPath, record: p}); err != nil {
			t.Fatalf("run: %v\n%s", err, stderr.String())
		}
		if err := resumeRecord(ctx, rio, resumeOpts{record: p, adapters: cfg, outputs: answers}); err != nil {
			t.Fatalf("resume: %v\n%s", err, stderr.String())
		}
		return p
	}
	// The record names its design relative to its folder.
	p := toApproval("reject.json")
	if r := rec(p); r.Design != "design.yaml" {
		t.Errorf("design named %q, want design.yaml", r.Design)
	}
	if err := resumeRecord(ctx, rio, resumeOpts{record: p, adapters: cfg, reject: true}); exitCode(err) != 1 {
		t.Errorf("--reject: %v", err)
	}
	if r := rec(p); r.Status != executor.Failed || len(r.Applied) != 0 || !strings.Contains(r.Error, "was not approved") {
		t.Errorf("after --reject: %s %v %q", r.Status, r.Applied, r.Error)
	}

	p = toApproval("retry.json")
	stderr.Reset()
	if err := resumeRecord(ctx, rio, resumeOpts{record: p, adapters: cfg, approve: true}); exitCode(err) != 1 ||
		!strings.Contains(stderr.String(), "retry method 2.2.1 with: secops resume "+p+" --adapters "+cfg+" --retry") {
		t.Fatalf("approve with the EDR down: %v\n%s", err, stderr.String())
	}
	if err := resumeRecord(ctx, rio, resumeOpts{record: p, adapters: cfg}); exitCode(err) != 2 || !strings.Contains(err.Error(), "--retry") {
		t.Errorf("resume of a failed run without --retry: %v", err)
	}
	// The design moves with... nobody: resume says where it looked.
	moved := filepath.Join(dir, "moved.yaml")
	os.Rename(design, moved)
	err := resumeRecord(ctx, rio, resumeOpts{record: p, adapters: cfg, retry: true})
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "the record names the design "+design+", which is not there") || !strings.Contains(err.Error(), "--design") {
		t.Errorf("moved design: %v", err)
	}
	fail = false
	if err := resumeRecord(ctx, rio, resumeOpts{record: p, adapters: cfg, retry: true, design: moved}); err != nil {
		t.Fatalf("--retry --design: %v\n%s", err, stderr.String())
	}
	if r := rec(p); r.Status != executor.Completed || len(r.Applied) != 2 {
		t.Errorf("after --retry: %s %v", r.Status, r.Applied)
	}
}

func executorNumber(s string) ident.Number { return ident.Number(s) }

// TestRunsListShow: runs kept in a store are listed with filters and
// pages, and shown.
func TestRunsListShow(t *testing.T) {
	for _, kind := range []string{"dir", "sqlite"} {
		t.Run(kind, func(t *testing.T) { testRunsListShow(t, kind) })
	}
}

func testRunsListShow(t *testing.T, kind string) {
	sc := scenarioNamed(t, "worm-lateral")
	srv, _ := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, "", sc)
	spec := kind + ":" + filepath.Join(dir, "runs")
	if kind == "sqlite" {
		spec += ".db"
	}
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	for i := range 3 {
		o := runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, store: spec, approve: i != 1}
		if err := runDesign(context.Background(), rio, o); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, stderr.String())
		}
	}
	var out bytes.Buffer
	if err := listRuns(context.Background(), &out, listOpts{store: spec, format: "json", status: "waiting"}); err != nil {
		t.Fatal(err)
	}
	var page runstore.Page
	if err := json.Unmarshal(out.Bytes(), &page); err != nil || len(page.Runs) != 1 || page.Runs[0].Pending == nil {
		t.Fatalf("waiting runs: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := listRuns(context.Background(), &out, listOpts{store: spec, format: "text", limit: 2}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") || !strings.HasPrefix(lines[3], "more: --cursor ") {
		t.Errorf("a page of 2:\n%s", out.String())
	}
	out.Reset()
	root := newRoot()
	root.SetOut(&out)
	root.SetArgs([]string{"runs", "show", page.Runs[0].ID, "--store", spec})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"run " + page.Runs[0].ID + ": waiting", "method 1.3.1 calls edr.internal_connections (attempt 1, key "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, out.String())
		}
	}
	if err := listRuns(context.Background(), &out, listOpts{store: spec, format: "text", status: "nosuch"}); exitCode(err) != 2 {
		t.Errorf("unknown status: %v", err)
	}
}

// TestSecretsNeverStored: a webhook that echoes its headers in a 401 and
// a command adapter that prints its environment: the token appears
// nowhere in the record or the output, and records are private.
func TestSecretsNeverStored(t *testing.T) {
	const token = "tok-9f8e7d6c5b4a"
	t.Setenv("FW_TOKEN", token)
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Method string `json:"method"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		if strings.HasSuffix(r.URL.Path, "/firewall") {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, "401: bad credentials: Authorization: %s; X-Other: %s", r.Header.Get("Authorization"), r.Header.Get("X-Token"))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"outputs": sc.Outputs[ident.Number(req.Method)]})
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "adapters.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`format: secops-adapters/v1
adapters:
  - {name: edr, kind: webhook, url: "%[1]s/edr"}
  - {name: threatintel, kind: webhook, url: "%[1]s/threatintel"}
  - {name: firewall, kind: webhook, url: "%[1]s/firewall", headers: {Authorization: "Bearer ${FW_TOKEN}", X-Token: "${FW_TOKEN}"}}
`, srv.URL)), 0o644)
	alert, _ := json.Marshal(sc.Alert)
	alertPath := filepath.Join(dir, "alert.json")
	os.WriteFile(alertPath, alert, 0o644)
	var stderr bytes.Buffer
	rio := runIO{stdin: strings.NewReader(""), stderr: &stderr}
	record := filepath.Join(dir, "run.json")
	// The people's answers, so that the run reaches the firewall.
	answers := filepath.Join(dir, "answers.json")
	b, _ := json.Marshal(map[string]any{"0.1.1": sc.Outputs["0.1.1"], "1.4.1": sc.Outputs["1.4.1"], "1.27.1": sc.Outputs["1.27.1"]})
	os.WriteFile(answers, b, 0o644)
	ctx := context.Background()
	runDesign(ctx, rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: record})
	resumeRecord(ctx, rio, resumeOpts{record: record, adapters: cfg, outputs: answers})
	resumeRecord(ctx, rio, resumeOpts{record: record, adapters: cfg, approve: true})
	rec, _ := os.ReadFile(record)
	if !bytes.Contains(rec, []byte("[redacted]")) || !bytes.Contains(rec, []byte("HTTP 401")) {
		t.Errorf("the 401 is not in the record, redacted:\n%s", rec)
	}

	// A command adapter that prints its environment on stderr.
	os.WriteFile(cfg, []byte(fmt.Sprintf(`format: secops-adapters/v1
adapters:
  - {name: edr, kind: command, command: [sh, -c, "env >&2; exit 3"]}
  - {name: threatintel, kind: webhook, url: "%[1]s/threatintel"}
  - {name: firewall, kind: webhook, url: "%[1]s/firewall", headers: {Authorization: "Bearer ${FW_TOKEN}"}}
`, srv.URL)), 0o644)
	record2 := filepath.Join(dir, "run2.json")
	runDesign(ctx, rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: record2})
	resumeRecord(ctx, rio, resumeOpts{record: record2, adapters: cfg, outputs: answers})
	rec2, _ := os.ReadFile(record2)
	if !bytes.Contains(rec2, []byte("FW_TOKEN=[redacted]")) {
		t.Errorf("the environment is not in the record, redacted:\n%.2000s", rec2)
	}
	for name, b := range map[string][]byte{"record": rec, "record 2": rec2, "output": stderr.Bytes()} {
		if bytes.Contains(b, []byte(token)) {
			t.Errorf("the token is in the %s", name)
		}
	}
	for _, p := range []string{record, record2} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", p, fi.Mode().Perm(), err)
		}
	}
}

// TestPromptListsAndApproval: at a terminal, a list is typed as
// comma-separated values, and the approval is asked (y/N) rather than
// left waiting.
func TestPromptListsAndApproval(t *testing.T) {
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	srv, calls := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, "", sc)
	recordPath := filepath.Join(dir, "run.json")
	var stderr bytes.Buffer
	in := "true\n203.0.113.7, 198.51.100.2\nreport\nmaybe\ny\n"
	rio := runIO{stdin: strings.NewReader(in), stderr: &stderr, terminal: true}
	if err := runDesign(context.Background(), rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath}); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	rec, err := runstore.NewFile(recordPath).Load()
	if err != nil {
		t.Fatal(err)
	}
	iocs, _ := json.Marshal(rec.Fields["iocs"])
	if rec.Status != executor.Completed || string(iocs) != `["203.0.113.7","198.51.100.2"]` || rec.Approved != "csirt" {
		t.Errorf("status %s (%s), iocs %s, approved %q\n%s", rec.Status, rec.Error, iocs, rec.Approved, stderr.String())
	}
	for _, want := range []string{"approval needed: response fr-1", "will run: 2.1.1", "answer y or n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("prompt lacks %q:\n%s", want, stderr.String())
		}
	}
	if len(calls()) == 0 {
		t.Error("nothing called")
	}
}

// TestStoreMustExist: reading commands do not make a store of a mistyped
// path.
func TestStoreMustExist(t *testing.T) {
	dir := t.TempDir()
	for _, spec := range []string{"sqlite:" + filepath.Join(dir, "rnus.db"), "dir:" + filepath.Join(dir, "typo")} {
		err := listRuns(context.Background(), &bytes.Buffer{}, listOpts{store: spec, format: "text"})
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s: %v", spec, err)
		}
		_, _, err = findLocation(context.Background(), "some-id", spec)
		if exitCode(err) != 2 {
			t.Errorf("resume in %s: %v", spec, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("created: %v", entries)
	}
}

// TestStopAtPrompt: stopping the command while a person is being asked
// (Ctrl-C at the prompt) stops the run there, interrupted, at once.
func TestStopAtPrompt(t *testing.T) {
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	srv, calls := integrations(t, sc.Outputs)
	dir, cfg, alertPath, _ := fixture(t, srv, "", sc)
	recordPath := filepath.Join(dir, "run.json")
	pr, pw := io.Pipe() // nobody types
	defer pw.Close()
	var stderr bytes.Buffer
	rio := runIO{stdin: pr, stderr: &stderr, terminal: true}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	begin := time.Now()
	err := runDesign(ctx, rio, runOpts{design: referenceDesign, adapters: cfg, alert: alertPath, record: recordPath})
	if exitCode(err) != 1 || time.Since(begin) > 10*time.Second {
		t.Errorf("err %v after %v, want exit status 1 promptly", err, time.Since(begin))
	}
	rec, lerr := runstore.NewFile(recordPath).Load()
	if lerr != nil {
		t.Fatal(lerr)
	}
	if rec.Status != executor.Interrupted || rec.At == nil || rec.At.Method != "0.1.1" {
		t.Errorf("status %s at %+v; want interrupted at 0.1.1\n%s", rec.Status, rec.At, stderr.String())
	}
	if len(calls()) != 0 {
		t.Errorf("calls: %v", calls())
	}
}
