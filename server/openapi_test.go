package server_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenAPI checks /v1/openapi.json: it is OpenAPI 3.1 with every
// $ref resolving, and every operation it describes answers, on a real
// server, with a status it documents.
func TestOpenAPI(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/v1/openapi.json", "", nil)
	if r.status != 200 {
		t.Fatalf("GET /v1/openapi.json: %d", r.status)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	var all any
	_ = json.Unmarshal(r.body, &all)
	for _, ref := range regexp.MustCompile(`"\$ref": ?"#/([^"]+)"`).FindAllStringSubmatch(string(r.body), -1) {
		node := all
		for part := range strings.SplitSeq(ref[1], "/") {
			m, _ := node.(map[string]any)
			node = m[part]
		}
		if node == nil {
			t.Errorf("$ref #/%s resolves to nothing", ref[1])
		}
	}
	file, err := os.ReadFile("openapi.json")
	if err != nil || string(file) != string(r.body) {
		t.Errorf("the served document is not openapi.json (%v)", err)
	}

	// Every documented operation, as the admin with a run to act on.
	id := h.waitingForApproval()
	var ops []string
	for path, item := range doc.Paths {
		for method, op := range item {
			ops = append(ops, strings.ToUpper(method)+" "+path)
			who := "admin"
			switch {
			case strings.HasSuffix(path, "/approve"), strings.HasSuffix(path, "/reject"), strings.HasSuffix(path, "/answers"):
				who = "csirt-lead"
			case path == "/v1/alerts":
				who = "soc"
			}
			var body any
			if path == "/v1/alerts" {
				body = labAlert(t)
			}
			r := h.do(strings.ToUpper(method), strings.ReplaceAll(path, "{id}", id), who, body)
			if _, ok := op.Responses[strconv.Itoa(r.status)]; !ok {
				t.Errorf("%s %s answered %d, which it does not document: %s", method, path, r.status, r.body)
			}
		}
	}
	slices.Sort(ops)
	want := []string{"GET /healthz", "GET /metrics", "GET /v1/openapi.json", "GET /v1/runs", "GET /v1/runs/{id}", "POST /v1/alerts",
		"POST /v1/runs/{id}/answers", "POST /v1/runs/{id}/approve", "POST /v1/runs/{id}/recover", "POST /v1/runs/{id}/reject", "POST /v1/runs/{id}/rollback"}
	if diff := cmp.Diff(want, ops); diff != "" {
		t.Errorf("the operations documented, against the server's routes: (-want +got)\n%s", diff)
	}
}
