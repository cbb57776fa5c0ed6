package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/scenario"
)

// testServer serves the reference design with adapters answering from
// the outputs of the reference scenario named id, which it returns.
func testServer(t testing.TB, id ident.ID) (*httptest.Server, *scenario.Scenario) {
	d, err := secops.LoadFile("../targeted-attack/design.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := secops.LoadScenarioFile("../targeted-attack/scenarios.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var sc *scenario.Scenario
	for i := range f.Scenarios {
		if f.Scenarios[i].ID == id {
			sc = &f.Scenarios[i]
		}
	}
	answer := func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		if req.Rollback {
			return adapters.Result{}, nil
		}
		return adapters.Result{Outputs: sc.Outputs[ident.Number(req.Method)]}, nil
	}
	reg, _ := adapters.NewRegistry(adapters.Func("edr", answer), adapters.Func("threatintel", answer), adapters.Func("firewall", answer))
	exec, err := executor.New(executor.WithDesign(d), executor.WithRegistry(reg))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newServer(exec, exec.Plan().CheckAnswer, newMemStore()))
	t.Cleanup(srv.Close)
	return srv, sc
}

func do(t *testing.T, method, url string, body any, want int) *executor.Record {
	t.Helper()
	var r *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	} else {
		r = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, url, r)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d", method, url, res.StatusCode, want)
	}
	if want >= 300 {
		return nil
	}
	var rec executor.Record
	if err := json.NewDecoder(res.Body).Decode(&rec); err != nil {
		t.Fatal(err)
	}
	return &rec
}

func TestApproveWaitingRun(t *testing.T) {
	srv, sc := testServer(t, "worm-lateral")
	rec := do(t, "POST", srv.URL+"/alerts", sc.Alert, http.StatusCreated)
	if rec.Status != executor.Waiting || rec.Pending.Party != "csirt" {
		t.Fatalf("status %s, pending %+v; want waiting for csirt", rec.Status, rec.Pending)
	}
	do(t, "GET", srv.URL+"/runs/nope", nil, http.StatusNotFound)
	rec = do(t, "POST", srv.URL+"/runs/"+rec.ID+"/approve", nil, http.StatusOK)
	if diff := cmp.Diff([]ident.Number{"2.3.1", "2.2.1"}, rec.Applied); rec.Status != executor.Completed || diff != "" {
		t.Errorf("after approval: status %s, applied (-want +got):\n%s", rec.Status, diff)
	}
	got := do(t, "GET", srv.URL+"/runs/"+rec.ID, nil, http.StatusOK)
	if got.Status != executor.Completed || got.Response != "fr-2" {
		t.Errorf("stored record: status %s, response %s", got.Status, got.Response)
	}
	do(t, "POST", srv.URL+"/runs/"+rec.ID+"/approve", nil, http.StatusConflict)
}

func TestManualTaskOutputs(t *testing.T) {
	srv, sc := testServer(t, "c2-not-confirmed")
	rec := do(t, "POST", srv.URL+"/alerts", sc.Alert, http.StatusCreated)
	if rec.Status != executor.Waiting || rec.Pending.Method != "0.1.1" {
		t.Fatalf("status %s, pending %+v; want waiting for method 0.1.1", rec.Status, rec.Pending)
	}
	rec = do(t, "POST", srv.URL+"/runs/"+rec.ID+"/outputs", map[string]any{"0.1.1": map[string]any{"confirmed": false}}, http.StatusOK)
	if rec.Status != executor.NoIncident {
		t.Errorf("status %s, want no-incident", rec.Status)
	}
	res, err := http.Get(srv.URL + "/runs")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var all []executor.Record
	if err := json.NewDecoder(res.Body).Decode(&all); err != nil || len(all) != 1 {
		t.Errorf("GET /runs: %d records, err %v", len(all), err)
	}
	do(t, "POST", srv.URL+"/alerts", "not an object", http.StatusBadRequest)
}

// TestBadAnswers: an answer the run does not wait for is 409, a mistyped
// one 400; either way the run still waits, and a good answer then goes
// through.
func TestBadAnswers(t *testing.T) {
	srv, sc := testServer(t, "c2-not-confirmed")
	rec := do(t, "POST", srv.URL+"/alerts", sc.Alert, http.StatusCreated)
	if rec.Status != executor.Waiting || rec.Pending.Method != "0.1.1" {
		t.Fatalf("status %s, pending %+v; want waiting for method 0.1.1", rec.Status, rec.Pending)
	}
	runURL := srv.URL + "/runs/" + rec.ID
	tests := []struct {
		name   string
		path   string
		body   any
		status int
		msg    string
	}{
		{"approve a person's task", "/approve", nil, http.StatusConflict, "waits for method 0.1.1"},
		{"wrong type", "/outputs", map[string]any{"0.1.1": map[string]any{"confirmed": "yes"}}, http.StatusBadRequest, "output confirmed (bool)"},
		{"unknown key", "/outputs", map[string]any{"0.1.1": map[string]any{"confirm": false}}, http.StatusBadRequest, `output "confirm" is not one of the method's outputs`},
		{"not the pending method", "/outputs", map[string]any{"1.4.1": map[string]any{"iocs": []string{}}}, http.StatusBadRequest, "waits for the outputs of method 0.1.1"},
		{"no outputs", "/outputs", map[string]any{}, http.StatusBadRequest, "no outputs given"},
		{"empty outputs", "/outputs", map[string]any{"0.1.1": map[string]any{}}, http.StatusBadRequest, "the answer leaves out confirmed"},
		{"null outputs", "/outputs", map[string]any{"0.1.1": nil}, http.StatusBadRequest, "the answer leaves out confirmed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(tt.body)
			res, err := http.Post(runURL+tt.path, "application/json", strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			msg, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status || !strings.Contains(string(msg), tt.msg) {
				t.Errorf("status %d, body %q; want %d, containing %q", res.StatusCode, msg, tt.status, tt.msg)
			}
			if got := do(t, "GET", runURL, nil, http.StatusOK); got.Status != executor.Waiting || got.Pending.Method != "0.1.1" {
				t.Errorf("after the refusal: status %s, pending %+v; want still waiting for 0.1.1", got.Status, got.Pending)
			}
		})
	}
	rec = do(t, "POST", runURL+"/outputs", map[string]any{"0.1.1": map[string]any{"confirmed": false}}, http.StatusOK)
	if rec.Status != executor.NoIncident {
		t.Errorf("status %s, want no-incident", rec.Status)
	}
}

// TestOutputsToAnApproval: outputs for a run waiting for an approval are
// 409.
func TestOutputsToAnApproval(t *testing.T) {
	srv, sc := testServer(t, "worm-lateral")
	rec := do(t, "POST", srv.URL+"/alerts", sc.Alert, http.StatusCreated)
	if rec.Status != executor.Waiting || rec.Pending.Party != "csirt" {
		t.Fatalf("status %s, pending %+v; want waiting for csirt", rec.Status, rec.Pending)
	}
	do(t, "POST", srv.URL+"/runs/"+rec.ID+"/outputs", map[string]any{"1.4.1": map[string]any{"iocs": []string{}}}, http.StatusConflict)
	do(t, "POST", srv.URL+"/runs/"+rec.ID+"/approve", nil, http.StatusOK)
}

// TestAlertStatuses: a failed run is 422 with its record (and kept), an
// alert without a key the detections read is no incident, a body over
// the limit is 413 and trailing data 400.
func TestAlertStatuses(t *testing.T) {
	srv, sc := testServer(t, "c2-not-confirmed")
	post := func(body string) (int, string) {
		t.Helper()
		res, err := http.Post(srv.URL+"/alerts", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// An alert that does not fit the design runs nothing: 422 naming
	// every key that does not fit.
	status, body := post(`{"category": 5, "hots": "pc-1"}`)
	var bad struct{ Problems []string }
	if err := json.Unmarshal([]byte(body), &bad); status != http.StatusUnprocessableEntity || err != nil || len(bad.Problems) != 2 ||
		!strings.HasPrefix(bad.Problems[0], "category: ") || !strings.Contains(bad.Problems[1], "did you mean host?") {
		t.Errorf("bad alert: status %d, body %s, err %v; want 422 naming category and hots", status, body, err)
	}
	if rec := do(t, "POST", srv.URL+"/alerts", map[string]any{"host": "pc-0042"}, http.StatusCreated); rec.Status != executor.NoIncident {
		t.Errorf("alert without category: status %s (%s), want no-incident", rec.Status, rec.Error)
	}
	alert, _ := json.Marshal(sc.Alert)
	for _, tt := range []struct {
		name, body string
		status     int
	}{
		{"trailing object", string(alert) + `{"x":1}`, http.StatusBadRequest},
		{"trailing junk", string(alert) + ` x`, http.StatusBadRequest},
		{"trailing space", string(alert) + " \n", http.StatusCreated},
		{"too big", `{"x":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"too big after the object", string(alert) + strings.Repeat(" ", maxBody), http.StatusRequestEntityTooLarge},
	} {
		if status, body := post(tt.body); status != tt.status {
			t.Errorf("%s: status %d (%.100s), want %d", tt.name, status, body, tt.status)
		}
	}
}
