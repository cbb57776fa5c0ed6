package runner

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEvalSTIX(t *testing.T) {
	vars := map[string]any{"__up__": true, "__n__": float64(80), "__s__": "it's", "__l__": []any{"a"}}
	tests := []struct {
		cond    string
		want    bool
		wantErr bool
	}{
		{"__up__:value = true", true, false},
		{"__up__:value = false", false, false},
		{"__up__:value != false", true, false},
		{"__n__:value >= 80", true, false},
		{"__n__:value > 80", false, false},
		{"__n__:value < 100 AND __up__:value = true", true, false},
		{"__n__:value < 100 AND __up__:value = false", false, false},
		{`__s__:value = 'it\'s'`, true, false},
		{"__s__:value IN ('a', 'it\\'s')", true, false},
		{"__s__:value IN ('a', 'b')", false, false},
		{"__missing__:value != 'x'", false, false},
		{"__s__:value = 5", false, false},
		{"__s__:value ~ 'x'", false, true},
		{"__s__:value = 'open", false, true},
		{"__up__:value = true OR __n__:value = 1", false, true},
		{"up = true", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			got, err := EvalSTIX(tt.cond, vars)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRun: branch sub-workflows end in their own end steps and the flow
// goes on at on_completion; a step without one is an error.
func TestRun(t *testing.T) {
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		buf := make([]byte, 512)
		n, _ := r.Body.Read(buf)
		b.Write(buf[:n])
		bodies = append(bodies, r.URL.Path+" "+r.Header.Get("K")+" "+b.String())
		_ = json.NewEncoder(w).Encode(map[string]any{"outputs": map[string]any{"hits": 3, "ignored": 1}})
	}))
	defer srv.Close()
	pb, err := Decode([]byte(`{
		"workflow_start": "start--0",
		"playbook_variables": {"__host__": {"type": "string", "value": "pc-1"}},
		"target_definitions": {"http-api--1": {"type": "http-api", "address": {"url": ["` + srv.URL + `/base"]}}},
		"workflow": {
			"start--0": {"type": "start", "on_completion": "action--1"},
			"action--1": {"type": "action", "commands": [{"type": "http-api", "command": "POST /hook?x=1 HTTP/1.1",
				"headers": {"K": ["__host__:value/1"]}, "content": "{\"host\":\"__host__:value\",\"n\":__none__:value}"}],
				"targets": ["http-api--1"], "out_args": ["__hits__"], "on_completion": "if-condition--2"},
			"if-condition--2": {"type": "if-condition", "condition": "__hits__:value > 2", "on_true": "action--3",
				"on_false": "end--9", "on_completion": "action--5"},
			"action--3": {"type": "action", "commands": [{"type": "manual", "command": "look"}], "on_completion": "end--4"},
			"end--4": {"type": "end"},
			"action--5": {"type": "action", "commands": [{"type": "manual", "command": "report"}], "on_completion": "end--6"},
			"end--6": {"type": "end"},
			"end--9": {"type": "end"}
		}}`))
	if err != nil {
		t.Fatal(err)
	}
	var manual []string
	r := &Runner{Manual: func(id string, s *Step) (map[string]any, error) {
		manual = append(manual, s.Commands[0].Command)
		return nil, nil
	}}
	tr, err := r.Run(context.Background(), pb, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"start--0", "action--1", "if-condition--2", "action--3", "end--4", "action--5", "end--6"}
	if diff := cmp.Diff(want, tr.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"look", "report"}, manual); diff != "" {
		t.Errorf("manual commands (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{`/hook pc-1/1 {"host":"pc-1","n":null}`}, bodies); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if _, ok := tr.Vars["__ignored__"]; ok {
		t.Error("an output that is not an out_arg was set")
	}

	delete(pb.Workflow["if-condition--2"].Extensions, "x")
	pb.Workflow["if-condition--2"].OnCompletion = ""
	if _, err := r.Run(context.Background(), pb, nil); err == nil || !strings.Contains(err.Error(), "no on_completion") {
		t.Errorf("error %v, want one about on_completion", err)
	}
}
