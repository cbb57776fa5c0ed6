package cacao

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/playbook"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const head = `{"type":"playbook","spec_version":"cacao-2.0","id":"playbook--00000000-0000-4000-8000-000000000000","name":"Shapes",` +
	`"created_by":"identity--00000000-0000-4000-8000-000000000000","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",`

// TestImportMalformed: input that cannot be imported gets a message
// in the terms of the format, with the JSON path, never Go's.
func TestImportMalformed(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"array workflow", head + `"workflow_start":"start--0","workflow":[]}`, "workflow: want an object of steps, got an array"},
		{"step not an object", head + `"workflow_start":"start--0","workflow":{"start--0":5}}`, `workflow["start--0"]: want a workflow step object, got the number 5`},
		{"commands an object", head + `"workflow_start":"start--0","workflow":{"start--0":{"type":"start","on_completion":"action--1"},"action--1":{"type":"action","commands":{"type":"manual"}}}}`,
			`workflow["action--1"].commands: want an array of commands, got an object`},
		{"command type a number", head + `"workflow_start":"start--0","workflow":{"action--1":{"type":"action","commands":[{"type":3}]}}}`,
			`workflow["action--1"].commands[0].type: want a string, got the number 3`},
		{"timeout a string", head + `"workflow_start":"start--0","workflow":{"action--1":{"type":"action","timeout":"10s"}}}`,
			`workflow["action--1"].timeout: want a whole number of milliseconds, got the string "10s"`},
		{"next_steps a string", head + `"workflow_start":"start--0","workflow":{"parallel--1":{"type":"parallel","next_steps":"action--2"}}}`,
			`workflow["parallel--1"].next_steps: want an array of strings, got the string "action--2"`},
		{"variable type a number", head + `"workflow_start":"start--0","playbook_variables":{"__x__":{"type":5}},"workflow":{}}`,
			`playbook_variables["__x__"].type: want a string, got the number 5`},
		{"syntax", "{\n  \"type\": \"playbook\",\n  \"name\": \"x\"\n  \"id\": 1\n}", "not valid JSON: line 4, column 3"},
		{"truncated", `{"type": "playbook", "workflow": {`, "not valid JSON"},
		{"top-level array", `[{"type":"playbook"}]`, "not a CACAO playbook: the JSON is an array, not an object"},
		{"bundle", `{"type":"bundle","objects":[]}`, `not a CACAO playbook: type is "bundle"`},
		{"two values", `{"type":"playbook"} {}`, "more after the JSON value"},
		{"no workflow_start", head + `"workflow":{}}`, "no workflow_start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Import(strings.NewReader(tt.json))
			if err == nil {
				t.Fatal("imported")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to say %q", err, tt.want)
			}
			for _, leak := range []string{"Go struct", "json: cannot unmarshal", "map[string]"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q speaks Go (%q)", err, leak)
				}
			}
		})
	}
}

// TestImportShapes: hand-written shapes that lost content before.
func TestImportShapes(t *testing.T) {
	tests := []struct {
		name, json string
		steps      []playbook.Step
		procedures []string // of every method, in process order
		notes      []string // substrings some note must hold
	}{
		{
			name: "start at an action",
			json: head + `"workflow_start":"action--1","workflow":{
				"action--1":{"type":"action","name":"Block","commands":[{"type":"bash","command":"iptables -A INPUT -s 192.0.2.1 -j DROP"}],"agent":"x","on_completion":"end--2"},
				"end--2":{"type":"end","name":"Done"}}}`,
			steps:      []playbook.Step{{ID: "block", Name: "Block", Process: "1", End: "Done"}},
			procedures: []string{"Run this bash command: iptables -A INPUT -s 192.0.2.1 -j DROP"},
			notes:      []string{`action--1: workflow_start is an "action" step, not a start step`},
		},
		{
			name: "parallel into a condition",
			json: head + `"workflow_start":"start--0","workflow":{
				"start--0":{"type":"start","on_completion":"parallel--1"},
				"parallel--1":{"type":"parallel","next_steps":["if-condition--2","action--3"],"on_completion":"end--9"},
				"if-condition--2":{"type":"if-condition","condition":"[x:y = 'z']","on_true":"action--4","on_false":"action--5","on_completion":"end--8"},
				"action--3":{"type":"action","name":"C","commands":[{"type":"manual","command":"c"}],"on_completion":"end--6"},
				"action--4":{"type":"action","name":"A","commands":[{"type":"manual","command":"a"}],"on_completion":"end--7"},
				"action--5":{"type":"action","name":"B","commands":[{"type":"manual","command":"b"}],"on_completion":"end--10"},
				"end--6":{"type":"end"},"end--7":{"type":"end"},"end--8":{"type":"end"},"end--9":{"type":"end","name":"All done"},"end--10":{"type":"end"}}}`,
			steps: []playbook.Step{
				{ID: "decision", Name: "Decision", Process: "1", Branches: []playbook.Branch{{When: "fields.decision_1", Goto: "a"}, {Goto: "b"}}},
				{ID: "a", Name: "A", Process: "2", Next: "c"},
				{ID: "c", Name: "C", Process: "3", End: "All done"},
				{ID: "b", Name: "B", Process: "4", Next: "c"},
			},
			procedures: []string{"Decide whether this holds: [x:y = 'z']", "a", "c", "b"},
			notes:      []string{"parallel--1: parallel steps run one after another in the order of next_steps: if-condition--2, action--3"},
		},
		{
			name:       "start leads nowhere",
			json:       head + `"workflow_start":"start--0","workflow":{"start--0":{"type":"start"}}}`,
			steps:      []playbook.Step{{ID: "check", Name: "Check the conditions", Process: "1", End: "empty playbook"}},
			procedures: []string{"Check which of these conditions holds: "},
			notes:      []string{"start--0: the start step leads nowhere"},
		},
		{
			name: "unknown properties",
			json: head + `"workflow_start":"start--0","valid_until":"2030-01-01T00:00:00.000Z",
				"playbook_variables":{"__cfg__":{"type":"dictionary","value":{"retries":3}}},"workflow":{
				"start--0":{"type":"start","on_completion":"action--1","delay":100},
				"action--1":{"type":"action","name":"A","commands":[{"type":"manual","command":"a","version":"2"}],"timeout":90000,"owner":"identity--1","on_completion":"end--2"},
				"end--2":{"type":"end"}}}`,
			steps:      []playbook.Step{{ID: "a", Name: "A", Process: "1", End: "end"}},
			procedures: []string{"a"},
			notes: []string{`$.valid_until: dropped`, `$.workflow["start--0"].delay: dropped`, `$.workflow["action--1"].owner: dropped`,
				`$.workflow["action--1"].commands[0].version: dropped`, `$.workflow["action--1"].timeout: became the method's estimate, 1m30s`,
				"variable __cfg__ of type dictionary became a string field", "variable __cfg__: its value is kept only in the field description"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, rep, err := Import(strings.NewReader(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			requireValid(t, d, rep)
			if diff := cmp.Diff(tt.steps, d.Playbooks[0].Steps); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			var procs []string
			for _, p := range d.Processes {
				for _, m := range p.Methods {
					procs = append(procs, m.Procedure)
				}
			}
			if diff := cmp.Diff(tt.procedures, procs); diff != "" {
				t.Errorf("procedures (-want +got):\n%s", diff)
			}
			for _, want := range tt.notes {
				if !slices.ContainsFunc(rep.Notes, func(n Note) bool { return strings.Contains(n.String(), want) }) {
					t.Errorf("no note says %q in:\n%s", want, notesText(rep))
				}
			}
		})
	}
}

func notesText(rep *Report) string {
	var b strings.Builder
	for _, n := range rep.Notes {
		b.WriteString(n.String() + "\n")
	}
	return b.String()
}

// TestImportExampleNotes: what Import says it could not carry over from
// each example playbook, against a golden file (go test -update
// rewrites them); and every property the JSON has that Import has no
// place for is listed by its path.
func TestImportExampleNotes(t *testing.T) {
	for _, path := range examples(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, rep, err := Import(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			got := notesText(rep)
			golden := filepath.Join("testdata", "import-notes", name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			// Properties the CACAO spec defines that a design has no
			// place for: each, when present, is listed.
			_, raw, err := decode(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"valid_from", "valid_until", "priority", "severity", "impact", "industry_sectors",
				"derived_from", "related_to", "playbook_activities", "playbook_processing_summary", "revoked", "signatures"} {
				if _, ok := raw[k]; ok && !strings.Contains(got, "$."+k+": dropped") {
					t.Errorf("%s is in the playbook and not listed as dropped", k)
				}
			}
			for id, s := range asMap(raw["workflow"]) {
				for k := range asMap(s) {
					if !stepKeys[k] && !strings.Contains(got, `$.workflow["`+id+`"].`+k+":") {
						t.Errorf("%s.%s is in the playbook and not listed", id, k)
					}
				}
			}
		})
	}
}
