package cacao_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/cacao"
	"github.com/secopsdesign/secops/cacao/internal/runner"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/scenario"
	"github.com/secopsdesign/secops/suite"
)

// scenarioFiles are the bundled scenario files; absent ones are skipped.
var scenarioFiles = []string{
	"../examples/targeted-attack/scenarios.yaml",
	"../examples/targeted-attack/more-scenarios.yaml",
	"../examples/acme-web/scenarios.yaml",
}

// webhookAdapters writes an adapter file making every adapter the design
// names a webhook at base/<name>, the first (whose name it returns) with
// a secret header and a plain one.
func webhookAdapters(t *testing.T, d *secops.Design, base string) (*config.File, string) {
	t.Helper()
	var names []string
	for _, p := range d.Processes {
		for _, m := range p.Methods {
			if m.Action != "" {
				names = append(names, m.Action.Adapter())
			}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var b strings.Builder
	b.WriteString("format: secops-adapters/v1\nadapters:\n")
	for i, n := range names {
		fmt.Fprintf(&b, "  - name: %s\n    kind: webhook\n    url: %s/%s\n    timeout: 30s\n", n, base, n)
		if i == 0 {
			b.WriteString("    headers:\n      Authorization: \"Bearer ${HOOK_TOKEN}\"\n      X-Tenant: acme\n")
		}
	}
	f, err := config.Load(strings.NewReader(b.String()), "adapters.yaml")
	if err != nil {
		t.Fatalf("adapters: %v\n%s", err, b.String())
	}
	return f, names[0]
}

// call is one webhook call, as the server saw it.
type call struct {
	Method, Action, Key string
}

// hook answers webhook calls with the outputs of the current scenario.
type hook struct {
	mu     sync.Mutex
	sc     *scenario.Scenario
	tenant string // the adapter that sends X-Tenant
	calls  []call
	errs   []string
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var req struct {
		Operation      string         `json:"operation"`
		Inputs         map[string]any `json:"inputs"`
		Method         string         `json:"method"`
		Run            string         `json:"run"`
		IdempotencyKey string         `json:"idempotency_key"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		h.errs = append(h.errs, "body: "+err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" || key != req.IdempotencyKey || req.Run != string(h.sc.ID) || !strings.HasPrefix(key, req.Run+"/") {
		h.errs = append(h.errs, fmt.Sprintf("method %s: Idempotency-Key %q, body key %q, run %q", req.Method, key, req.IdempotencyKey, req.Run))
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		h.errs = append(h.errs, fmt.Sprintf("method %s: %s with Content-Type %q", req.Method, r.Method, r.Header.Get("Content-Type")))
	}
	if got := r.Header.Get("X-Tenant"); (strings.TrimPrefix(r.URL.Path, "/") == h.tenant) != (got == "acme") {
		h.errs = append(h.errs, fmt.Sprintf("method %s: X-Tenant %q at %s", req.Method, got, r.URL.Path))
	}
	h.calls = append(h.calls, call{req.Method, strings.TrimPrefix(r.URL.Path, "/") + "." + req.Operation, key})
	out := h.sc.Outputs[ident.Number(req.Method)]
	if out == nil {
		out = map[string]any{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"outputs": out})
}

// endOf is what an end step of an exported playbook stands for, read
// from its extension with a type of the test's own.
type endOf struct {
	Response string `json:"response"`
	End      string `json:"end"`
	EndOf    string `json:"end_of"`
	Method   string `json:"method"`
}

func extOf(s *runner.Step) endOf {
	var e endOf
	for _, raw := range s.Extensions {
		_ = json.Unmarshal(raw, &e)
	}
	return e
}

// TestExportedPlaybooksRun runs every bundled scenario twice: through
// the secops executor with simulated adapters (secops test), and as the
// exported CACAO playbook (with webhook adapters) through a runner that
// follows the CACAO spec, against a local webhook server. Both must end
// in the same response or end, and call the same webhook operations in
// the same order.
func TestExportedPlaybooksRun(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ran, calls := 0, 0
	for _, path := range scenarioFiles {
		if _, err := os.Stat(path); err != nil {
			t.Logf("skip %s: %v", path, err)
			continue
		}
		s, err := suite.Load(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		d := s.Plan.Design()
		af, tenant := webhookAdapters(t, d, srv.URL)
		files, err := cacao.Export(d, cacao.Options{Adapters: af})
		if err != nil {
			t.Fatal(err)
		}
		playbooks := map[ident.ID]*runner.Playbook{}
		for _, f := range files {
			var buf bytes.Buffer
			if err := f.Playbook.Encode(&buf); err != nil {
				t.Fatal(err)
			}
			pb, err := runner.Decode(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			playbooks[f.ID] = pb
		}
		for i := range s.File.Scenarios {
			sc := &s.File.Scenarios[i]
			t.Run(string(sc.ID), func(t *testing.T) {
				rec, err := suite.Simulate(context.Background(), s.Plan, sc)
				if err != nil {
					t.Fatalf("secops test: %v", err)
				}
				if rec.Playbook == "" {
					t.Skip("the scenario reaches no playbook")
				}
				calls += runBoth(t, h, tenant, playbooks[rec.Playbook], sc, rec)
				ran++
			})
		}
	}
	if ran == 0 {
		t.Skip("no bundled scenarios ran")
	}
	if calls == 0 {
		t.Error("no scenario called a webhook: the comparison proves nothing")
	}
}

// runBoth runs the CACAO playbook pb for scenario sc, whose secops run
// is rec, and compares the two: the response or end, and the webhook
// calls in order. It returns the number of calls.
func runBoth(t *testing.T, h *hook, tenant string, pb *runner.Playbook, sc *scenario.Scenario, rec *executor.Record) int {
	t.Helper()
	h.mu.Lock()
	h.sc, h.tenant, h.calls, h.errs = sc, tenant, nil, nil
	h.mu.Unlock()
	tr, err := (&runner.Runner{
		Manual: func(id string, st *runner.Step) (map[string]any, error) {
			out := map[string]any{}
			for k, v := range sc.Outputs[ident.Number(extOf(st).Method)] {
				out["__"+k+"__"] = v
			}
			return out, nil
		},
		CEL: func(cond string, vars map[string]any) (bool, error) {
			prg, err := expr.Compile(expr.Fields, cond)
			if err != nil {
				return false, err
			}
			fields := map[string]any{}
			for k, v := range vars {
				if !strings.HasPrefix(k, "__secops_") {
					fields[strings.TrimSuffix(strings.TrimPrefix(k, "__"), "__")] = v
				}
			}
			sev, _ := vars[cacao.SeverityVariable].(string)
			return prg.Eval(context.Background(), &expr.Vars{Fields: fields, Severity: sev})
		},
	}).Run(context.Background(), pb, initialVars(pb, sc, rec))
	if err != nil {
		t.Fatalf("the CACAO run failed: %v", err)
	}
	// The end: the first end step that stands for a response or an end
	// of the design.
	var gotResp, gotEnd string
	for _, id := range tr.Steps {
		st := pb.Workflow[id]
		if e := extOf(st); st.Type == "end" && e.EndOf == "" {
			gotResp, gotEnd = e.Response, e.End
			break
		}
	}
	if diff := cmp.Diff([]string{string(rec.Response), rec.End}, []string{gotResp, gotEnd}); diff != "" {
		t.Errorf("response and end (-secops +CACAO):\n%s", diff)
	}
	// The key the secops executor sends (executor.Key):
	// run/stage/step-or-response/method.
	var want []call
	for _, ev := range rec.Events {
		if ev.Kind == executor.EvMethod && ev.Action != "" {
			key := string(sc.ID) + "/step/" + string(ev.Step) + "/" + string(ev.Method)
			if ev.Response != "" {
				key = string(sc.ID) + "/response/" + string(ev.Response) + "/" + string(ev.Method)
			}
			want = append(want, call{Method: string(ev.Method), Action: string(ev.Action), Key: key})
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	got := h.calls
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("webhook calls (-secops +CACAO):\n%s", diff)
	}
	for _, e := range h.errs {
		t.Error(e)
	}
	return len(got)
}

// initialVars are what the caller passes in: the alert's values, the
// outputs of the confirmation before the playbook, the severity and the
// run id.
func initialVars(pb *runner.Playbook, sc *scenario.Scenario, rec *executor.Record) map[string]any {
	vars := map[string]any{cacao.SeverityVariable: string(rec.Severity), cacao.RunVariable: string(sc.ID)}
	set := func(m map[string]any) {
		for k, v := range m {
			if _, ok := pb.Variables["__"+k+"__"]; ok {
				vars["__"+k+"__"] = v
			}
		}
	}
	set(sc.Alert)
	for _, ev := range rec.Events {
		if ev.Kind == executor.EvStep {
			break
		}
		if ev.Kind == executor.EvMethod {
			set(ev.Outputs)
		}
	}
	return vars
}
