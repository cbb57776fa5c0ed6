package cacao

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// This file runs exported playbooks in SOARCA (COSSAS/SOARCA, a CACAO
// executor written by others), built from ../shared/soarca/soarca-src.tgz
// outside this module, and compares the webhook calls SOARCA makes with
// those the secops executor makes for the same alert and answers.

// soarcaBuild is the SOARCA build, once per test binary: the directory
// of its server (soarca-server) and of cmd/check (check), a program
// that decodes and validates a CACAO file as SOARCA does when a
// playbook is posted, printing the error.
var soarcaBuild struct {
	once sync.Once
	dir  string
	took time.Duration
	err  error
}

// soarcaServer returns the path of the SOARCA server binary; see
// soarcaBinaries.
func soarcaServer(t *testing.T) string {
	return filepath.Join(soarcaBinaries(t), "soarca-server")
}

// soarcaBinaries returns the directory of the SOARCA binaries, building
// them (its modules come from the Go module proxy) into
// os.UserCacheDir()/secops-test/soarca-<digest of the source>, once. It
// skips the test without ../shared, and without a build unless CI=true,
// where it fails.
func soarcaBinaries(t *testing.T) string {
	t.Helper()
	src := filepath.Join(sharedDir, "soarca", "soarca-src.tgz")
	if _, err := os.Stat(src); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no SOARCA source: %v", err)
		}
		t.Skipf("no SOARCA source: %v", err)
	}
	soarcaBuild.once.Do(func() {
		start := time.Now()
		soarcaBuild.dir, soarcaBuild.err = buildSOARCA(src)
		soarcaBuild.took = time.Since(start)
	})
	if soarcaBuild.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and SOARCA does not build: %v", soarcaBuild.err)
		}
		t.Skipf("SOARCA does not build here: %v", soarcaBuild.err)
	}
	t.Logf("SOARCA in %s (built or found in %v)", soarcaBuild.dir, soarcaBuild.took.Round(time.Millisecond))
	return soarcaBuild.dir
}

func buildSOARCA(src string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "secops-test", "soarca-"+hex.EncodeToString(sum[:8]))
	bins := []string{"soarca-server", "check"}
	missing := false
	for _, b := range bins {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			missing = true
		}
	}
	if !missing {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := untar(data, tmp); err != nil {
		return "", fmt.Errorf("%s: %w", src, err)
	}
	for _, b := range bins {
		pkg := "./cmd/" + b
		if b == "soarca-server" {
			pkg = "./cmd/soarca"
		}
		out := filepath.Join(tmp, b)
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = filepath.Join(tmp, "soarca")
		// Its own module: not this one's flags or workspace.
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
		// Rename is atomic: a concurrent test binary finds a whole file.
		if err := os.Rename(out, filepath.Join(dir, b)); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// untar extracts a gzipped tar into dir, refusing paths that leave it.
func untar(data []byte, dir string) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("%s: a path outside the archive", h.Name)
		}
		path := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}

// soarca is a SOARCA server running for a test.
type soarca struct {
	base string
	log  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSOARCA serves SOARCA on a free loopback port with its in-memory
// database and stops it, by its pid, when the test ends.
func startSOARCA(t *testing.T, server string) *soarca {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(server)
	cmd.Dir = t.TempDir() // it reads .env from there
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "DATABASE=false", "GIN_MODE=release",
		"MAX_EXECUTIONS=1000", "HTTP_SKIP_CERT_VALIDATION=true", "AUTH_ENABLED=false", "ENABLE_FINS=false", "THEHIVE_ACTIVATE=false")
	s := &soarca{base: "http://127.0.0.1:" + strconv.Itoa(port), log: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.base + "/status/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-done:
			t.Fatalf("SOARCA exited: %v\n%s", err, s.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("SOARCA does not answer on %s: %v\n%s", s.base, err, s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// call is one webhook request as the hook saw it.
type call struct {
	Method, Path, Key string
	Body              any
}

// hook is a webhook endpoint that records each request and answers with
// the outputs the case gives for the method the body names.
// It listens twice on loopback: over HTTP for the secops executor, whose
// adapters file names it by IP address, and over HTTPS for SOARCA, whose
// decoder, like the CACAO schema, refuses a url address with an IP
// address: SOARCA reaches it at an ipv4 address and port, for which it
// sends HTTPS (it sends HTTP only to ports 80 and 8080).
type hook struct {
	mu       sync.Mutex
	calls    []call
	outputs  map[ident.Number]map[string]any
	srv, tls *httptest.Server
}

func newHook(t *testing.T) *hook {
	h := &hook{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body struct {
			Method string `json:"method"`
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			doc = "not JSON: " + string(b)
		}
		_ = json.Unmarshal(b, &body)
		h.mu.Lock()
		h.calls = append(h.calls, call{Method: r.Method, Path: r.URL.RequestURI(), Key: r.Header.Get("Idempotency-Key"), Body: doc})
		outs := h.outputs[ident.Number(body.Method)]
		h.mu.Unlock()
		if outs == nil {
			outs = map[string]any{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"outputs": outs})
	})
	h.srv, h.tls = httptest.NewServer(handler), httptest.NewTLSServer(handler)
	t.Cleanup(h.srv.Close)
	t.Cleanup(h.tls.Close)
	return h
}

// forSOARCA returns pb as JSON with its http-api targets at the hook's
// HTTPS listener, as an ipv4 address and port.
func (h *hook) forSOARCA(t *testing.T, pb *Playbook) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := pb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	addr := h.tls.Listener.Addr().(*net.TCPAddr)
	targets, _ := doc["target_definitions"].(map[string]any)
	for _, v := range targets {
		if tg, _ := v.(map[string]any); tg["type"] == "http-api" {
			tg["address"] = map[string]any{"ipv4": []string{addr.IP.String()}}
			tg["port"] = strconv.Itoa(addr.Port)
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// take returns the calls recorded since the last take and sets the
// outputs of the next ones.
func (h *hook) take(outputs map[ident.Number]map[string]any) []call {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.calls
	h.calls, h.outputs = nil, outputs
	return c
}

// hookAdapters is an adapters file that makes every adapter d names a
// webhook at the hook, path /<adapter>.
func hookAdapters(t *testing.T, d *secops.Design, base string) *config.File {
	t.Helper()
	var names []string
	for _, p := range d.Processes {
		for _, m := range p.Methods {
			if m.Action != "" {
				names = append(names, m.Action.Adapter())
			}
			if m.Rollback != nil && m.Rollback.Action != "" {
				names = append(names, m.Rollback.Action.Adapter())
			}
		}
	}
	slices.Sort(names)
	src := "format: secops-adapters/v1\nadapters:\n"
	for _, n := range slices.Compact(names) {
		src += fmt.Sprintf("  - {name: %s, kind: webhook, url: %q, timeout: 30s}\n", n, base+"/"+n)
	}
	f, err := config.Load(strings.NewReader(src), "adapters.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return f
}

// soarcaCase is an alert and what every method finds, run in both.
type soarcaCase struct {
	id      string
	alert   map[string]any
	outputs map[ident.Number]map[string]any
}

// TestSOARCA runs the exported playbooks in SOARCA. For the design of
// testdata/soarca (a ransomware and a lost-laptop playbook whose
// branches read what people answer), SOARCA must end each run in
// success with the same webhook calls as the secops executor — the
// same requests in the same order with the same Idempotency-Keys —
// people's steps and approvals being answered through SOARCA's manual
// API. For the two examples, whose conditions SOARCA cannot evaluate
// (CEL conditions, and comparisons of what an adapter returned, which
// SOARCA does not take into variables), SOARCA must make the secops
// executor's calls up to the first such condition and stop there, and
// nowhere else.
func TestSOARCA(t *testing.T) {
	server := soarcaServer(t)
	s := startSOARCA(t, server)
	h := newHook(t)
	designs := []struct {
		path, scenarios string
		complete        bool // SOARCA runs every case to its end
	}{
		{"testdata/soarca/design.yaml", "testdata/soarca/scenarios.yaml", true},
		{"../examples/targeted-attack/design.yaml", "../examples/targeted-attack/scenarios.yaml", false},
		{"../examples/acme-web/design.yaml", "../examples/acme-web/scenarios.yaml", false},
	}
	for _, dd := range designs {
		d := loadDesign(t, dd.path)
		sf, err := secops.LoadScenarioFile(dd.scenarios)
		if err != nil {
			t.Fatal(err)
		}
		cfg := hookAdapters(t, d, h.srv.URL)
		files, err := Export(d, Options{Adapters: cfg})
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range sf.Scenarios {
			c := soarcaCase{id: string(sc.ID), alert: sc.Alert, outputs: sc.Outputs}
			t.Run(filepath.Base(filepath.Dir(dd.path))+"/"+c.id, func(t *testing.T) {
				runBoth(t, s, h, d, cfg, files, c, dd.complete)
			})
		}
	}
}

func runBoth(t *testing.T, s *soarca, h *hook, d *secops.Design, cfg *config.File, files []File, c soarcaCase, complete bool) {
	// The secops executor, as secops run drives it with --approve and a
	// person answering from the case.
	runID := "run-" + c.id
	reg, err := cfg.Registry()
	if err != nil {
		t.Fatal(err)
	}
	person := executor.PersonFunc(func(_ context.Context, task executor.Task) (executor.Done, error) {
		return executor.Done{Outputs: c.outputs[task.Method.ID], Actor: "tester"}, nil
	})
	e, err := executor.New(executor.WithDesign(d), executor.WithRegistry(reg), executor.WithPerson(person),
		executor.WithApprover(executor.AutoApprove("tester")), executor.WithIsolation(), executor.WithRetry(1, 0),
		executor.WithIDs(func() string { return runID }))
	if err != nil {
		t.Fatal(err)
	}
	h.take(c.outputs)
	rec, err := e.Run(context.Background(), c.alert)
	if err != nil {
		t.Fatalf("secops: %v", err)
	}
	var want []call
	for _, cl := range h.take(c.outputs) {
		if !strings.Contains(cl.Key, "/confirm/") { // before the playbook: not in CACAO
			want = append(want, cl)
		}
	}
	if rec.Playbook == "" {
		t.Skipf("no playbook runs (%s)", rec.Status)
	}
	if rec.Status != executor.Completed {
		t.Fatalf("secops: %s %v", rec.Status, rec.Error)
	}
	var f *File
	for i := range files {
		if files[i].ID == rec.Playbook {
			f = &files[i]
		}
	}
	if f == nil {
		t.Fatalf("no exported playbook %s", rec.Playbook)
	}

	// SOARCA, with the alert and run id as the external variables' values.
	// The export warns that the hook's address, an IP address, does not
	// match the schema's url pattern.
	for id, tg := range f.Playbook.TargetDefinitions {
		if tg.Type == "http-api" && !slices.ContainsFunc(f.Notes, func(n Note) bool {
			return strings.Contains(n.Message, "adapter "+tg.Name+": target "+id+": url ") && strings.Contains(n.Message, "url pattern")
		}) {
			t.Errorf("no note that the address of target %s (adapter %s) does not match the schema's url pattern: %v", id, tg.Name, f.Notes)
		}
	}
	pb := setVariables(t, f.Playbook, c.alert, map[string]string{RunVariable: runID, SeverityVariable: string(rec.Severity)})
	rep, answered := s.execute(t, pb, h.forSOARCA(t, pb), c.outputs)
	got := h.take(nil)

	if complete {
		if rep.Status != "successfully_executed" {
			t.Errorf("SOARCA: %s: %s\n%s", rep.Status, rep.StatusText, rep.failures())
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("webhook calls, secops run (-) and SOARCA (+):\n%s", diff)
		}
		t.Logf("SOARCA: %s, %d webhook calls as secops makes them, %d manual steps answered", rep.Status, len(got), answered)
		return
	}
	if len(got) > len(want) {
		t.Errorf("SOARCA made %d webhook calls, secops %d", len(got), len(want))
	}
	if diff := cmp.Diff(want[:min(len(got), len(want))], got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("webhook calls, secops run (-) and SOARCA (+):\n%s", diff)
	}
	if rep.Status == "successfully_executed" {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("SOARCA succeeded with other calls (-secops +SOARCA):\n%s", diff)
		}
		t.Logf("SOARCA: success, %d webhook calls as secops makes them", len(got))
		return
	}
	// Where SOARCA stopped must be a condition it cannot evaluate.
	stops := rep.stops()
	if len(stops) != 1 {
		t.Fatalf("SOARCA: %s with %d failed steps:\n%s", rep.Status, len(stops), rep.failures())
	}
	st := pb.Workflow[stops[0].StepID]
	if st == nil || st.Type != StepIfCondition {
		t.Fatalf("SOARCA stopped at a step that is not a condition: %s", rep.failures())
	}
	why := ""
	switch e := stepExt(st); {
	case e != nil && e.ExpressionLanguage == ExpressionLanguage:
		why = "a CEL condition"
	case setByAdapter(d, st.Condition):
		why = "a comparison of what an adapter returned"
	default:
		t.Fatalf("SOARCA stopped at condition %q, which it should evaluate: %s", st.Condition, rep.failures())
	}
	t.Logf("SOARCA stopped after %d of secops's %d webhook calls, at %s: %s", len(got), len(want), why, st.Condition)
}

// setByAdapter reports whether the STIX condition compares a variable
// that a method with an action gives.
func setByAdapter(d *secops.Design, cond string) bool {
	for _, p := range d.Processes {
		for _, m := range p.Methods {
			if m.Action == "" {
				continue
			}
			for _, o := range m.Outputs {
				if strings.Contains(cond, VariableName(o)+":value") {
					return true
				}
			}
		}
	}
	return false
}

// setVariables returns a copy of pb whose variables named in vals, and
// those of the alert's fields, have these values.
func setVariables(t *testing.T, pb *Playbook, alert map[string]any, vals map[string]string) *Playbook {
	t.Helper()
	var buf bytes.Buffer
	if err := pb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	var c Playbook
	if err := json.Unmarshal(buf.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	for k, v := range alert {
		vals[VariableName(ident.ID(k))] = variableValue(v)
	}
	for name, v := range vals {
		if pv, ok := c.PlaybookVariables[name]; ok {
			pv.Value = &v
			c.PlaybookVariables[name] = pv
		}
	}
	return &c
}

// variableValue is a value as a CACAO variable holds it: a string as it
// is, anything else as its JSON text (what the export's content writes
// bare).
func variableValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// report is SOARCA's execution report (GET /reporter/ID).
type report struct {
	Status      string `json:"status"`
	StatusText  string `json:"status_text"`
	StepResults map[string]struct {
		StepID     string `json:"step_id"`
		Name       string `json:"name"`
		Status     string `json:"status"`
		StatusText string `json:"status_text"`
	} `json:"step_results"`
}

type stop struct{ StepID, Text string }

// stops are the steps that did not succeed.
func (r *report) stops() []stop {
	var l []stop
	for id, s := range r.StepResults {
		if s.Status != "successfully_executed" && s.Status != "ongoing" {
			l = append(l, stop{id, s.Name + ": " + s.StatusText})
		}
	}
	slices.SortFunc(l, func(a, b stop) int { return strings.Compare(a.StepID, b.StepID) })
	return l
}

func (r *report) failures() string {
	var b strings.Builder
	for _, s := range r.stops() {
		fmt.Fprintf(&b, "  %s %s\n", s.StepID, s.Text)
	}
	return b.String()
}

// execute posts pb to SOARCA's trigger, answers its manual steps through
// SOARCA's manual API (the out_args from outputs by the step's method,
// approvals with no out_args) and returns the report once the execution
// ends, with the number of manual steps answered.
func (s *soarca) execute(t *testing.T, pb *Playbook, doc []byte, outputs map[ident.Number]map[string]any) (*report, int) {
	t.Helper()
	var ex struct {
		ExecutionID string `json:"execution_id"`
	}
	if err := s.do("POST", "/trigger/playbook", doc, &ex); err != nil {
		t.Fatalf("trigger: %v\n%s", err, s.log)
	}
	answered := map[string]bool{}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var rep report
		if err := s.do("GET", "/reporter/"+ex.ExecutionID, nil, &rep); err != nil {
			// The trigger answers before the execution is reported.
			if strings.Contains(err.Error(), "Could not find execution") {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			t.Fatalf("reporter: %v", err)
		}
		if rep.Status != "ongoing" {
			return &rep, len(answered)
		}
		// SOARCA's store of pending manual commands is a map without a
		// lock: list it only when a manual step is under way, so that
		// the listing seldom meets the capability registering one.
		waiting := false
		for id, r := range rep.StepResults {
			if st := pb.Workflow[id]; r.Status == "ongoing" && !answered[id] && st != nil && len(st.Commands) > 0 && st.Commands[0].Type == "manual" {
				waiting = true
			}
		}
		if !waiting {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		var pending []struct {
			ExecutionID string `json:"execution_id"`
			PlaybookID  string `json:"playbook_id"`
			StepID      string `json:"step_id"`
		}
		if err := s.do("GET", "/manual/", nil, &pending); err != nil {
			t.Fatalf("manual: %v", err)
		}
		for _, p := range pending {
			if p.ExecutionID != ex.ExecutionID || answered[p.StepID] {
				continue
			}
			st := pb.Workflow[p.StepID]
			if st == nil {
				t.Fatalf("SOARCA asks for step %s, which the playbook has not", p.StepID)
			}
			outs := map[string]any{}
			for _, name := range st.OutArgs {
				e := stepExt(st)
				if e == nil {
					t.Fatalf("step %s: no secops extension", p.StepID)
				}
				for k, v := range outputs[ident.Number(e.Method)] {
					if VariableName(ident.ID(k)) == name {
						outs[name] = map[string]any{"type": pb.PlaybookVariables[name].Type, "name": name, "value": variableValue(v)}
					}
				}
			}
			body, _ := json.Marshal(map[string]any{
				"type": "manual-step-response", "execution_id": p.ExecutionID, "playbook_id": p.PlaybookID,
				"step_id": p.StepID, "response_status": "success", "response_out_args": outs,
			})
			if err := s.do("POST", "/manual/continue", body, nil); err != nil {
				t.Fatalf("manual continue %s: %v", p.StepID, err)
			}
			answered[p.StepID] = true
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("SOARCA execution %s does not end\n%s", ex.ExecutionID, s.log)
	return nil, 0
}

func (s *soarca) do(method, path string, body []byte, out any) error {
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status + ": " + string(b))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// TestSOARCADecoder: SOARCA's decoder (cmd/check) takes every exported
// playbook of both examples and of testdata/soarca, without adapters
// and with webhook (host names) and command adapters, and refuses one
// whose webhook is at an IP address, as the export's note says.
func TestSOARCADecoder(t *testing.T) {
	check := filepath.Join(soarcaBinaries(t), "check")
	dir := t.TempDir()
	var pass []string
	write := func(name string, files []File) []string {
		var paths []string
		for _, f := range files {
			var buf bytes.Buffer
			if err := f.Playbook.Encode(&buf); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, name+"-"+string(f.ID)+".json")
			if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
		}
		return paths
	}
	for _, path := range append(slices.Clone(bundled), "testdata/soarca/design.yaml") {
		d := loadDesign(t, path)
		name := filepath.Base(filepath.Dir(path))
		for _, af := range []*config.File{nil, testAdapters(t, d)} {
			files, err := Export(d, Options{Adapters: af})
			if err != nil {
				t.Fatal(err)
			}
			suffix := "plain"
			if af != nil {
				suffix = "adapters"
			}
			pass = append(pass, write(name+"-"+suffix, files)...)
		}
	}
	out, err := exec.Command(check, pass...).Output() // its log goes to stderr
	if err != nil {
		t.Errorf("check: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.Contains(line, "\tPASS") {
			t.Errorf("SOARCA's decoder: %s", line)
		}
	}
	if n := strings.Count(string(out), "\tPASS"); n != len(pass) {
		t.Errorf("%d of %d playbooks pass", n, len(pass))
	}

	d := loadDesign(t, "testdata/soarca/design.yaml")
	h := newHook(t)
	files, err := Export(d, Options{Adapters: hookAdapters(t, d, h.srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	ip := write("ip", files[:1])
	out, err = exec.Command(check, ip...).Output()
	if err == nil || !strings.Contains(string(out), "FAIL [schema]") || !strings.Contains(string(out), "does not match pattern") {
		t.Errorf("SOARCA's decoder takes a url with an IP address: %v\n%s", err, out)
	}
}
