package cacao

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
)

// wf builds a playbook from its steps; the start step is "start--0".
func wf(steps map[string]*Step) *Playbook {
	return &Playbook{Type: "playbook", SpecVersion: SpecVersion, ID: "playbook--00000000-0000-4000-8000-000000000000",
		Name: "Hostile", CreatedBy: "identity--00000000-0000-4000-8000-000000000000",
		Created: "2024-01-01T00:00:00.000Z", Modified: "2024-01-01T00:00:00.000Z",
		WorkflowStart: "start--0", Workflow: steps}
}

func act(name, next string) *Step {
	return &Step{Type: StepAction, Name: name, Commands: []Command{{Type: "manual", Command: name}}, OnCompletion: next}
}

func end() *Step { return &Step{Type: StepEnd} }

// importWithin imports pb in a goroutine and fails the test when that
// takes longer than limit, so that a runaway import fails instead of
// hanging the test run.
func importWithin(t *testing.T, pb *Playbook, limit time.Duration) (*Report, []byte, error) {
	t.Helper()
	var buf bytes.Buffer
	if err := pb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	type result struct {
		rep *Report
		y   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		d, rep, err := Import(bytes.NewReader(buf.Bytes()))
		var y bytes.Buffer
		if err == nil {
			err = WriteYAML(&y, d, rep.Placeholders)
		}
		done <- result{rep, y.Bytes(), err}
	}()
	select {
	case r := <-done:
		return r.rep, r.y, r.err
	case <-time.After(limit):
		t.Fatalf("import still running after %v", limit)
		return nil, nil, nil
	}
}

// hostile workflows: loops of every kind, long chains, wide and
// self-referencing parallel steps, branches that share long tails.
func hostile() []struct {
	name, reason string
	pb           *Playbook
	err          string // a substring of the error, or "" if it imports
	note         string // a substring of some note, if it imports
	validate     bool   // whether the design is small enough to validate
} {
	type tc = struct {
		name, reason string
		pb           *Playbook
		err          string
		note         string
		validate     bool
	}
	var tcs []tc
	add := func(name, reason string, steps map[string]*Step, err, note string, validate bool) {
		tcs = append(tcs, tc{name, reason, wf(steps), err, note, validate})
	}

	add("while loop", "the body leads back to the while-condition; on_false is its way out",
		map[string]*Step{
			"start--0":           {Type: StepStart, OnCompletion: "while-condition--1"},
			"while-condition--1": {Type: StepWhileCondition, Condition: "[x:y = 'z']", OnTrue: "action--2", OnFalse: "end--3"},
			"action--2":          act("Clean", "while-condition--1"),
			"end--3":             end(),
		}, "", "goes on after the loop", true)
	add("while loop with on_completion", "the body leads back; on_completion goes on after the loop",
		map[string]*Step{
			"start--0":           {Type: StepStart, OnCompletion: "while-condition--1"},
			"while-condition--1": {Type: StepWhileCondition, Condition: "[x:y = 'z']", OnTrue: "action--2", OnCompletion: "action--3"},
			"action--2":          act("Clean", "while-condition--1"),
			"action--3":          act("Report", "end--4"),
			"end--4":             end(),
		}, "", "goes on after the loop", true)
	add("switch default into a while loop", "the reported crash",
		map[string]*Step{
			"start--0":            {Type: StepStart, OnCompletion: "switch-condition--1"},
			"switch-condition--1": {Type: StepSwitchCondition, Switch: "__v__", Cases: map[string]string{"a": "end--4", "default": "while-condition--2"}},
			"while-condition--2":  {Type: StepWhileCondition, Condition: "[x:y = 'z']", OnTrue: "action--3", OnFalse: "end--4", OnCompletion: "end--4"},
			"action--3":           act("Clean", "while-condition--2"),
			"end--4":              end(),
		}, "", "loop cut", true)
	add("nested while loops", "the inner body leads back to the outer loop",
		map[string]*Step{
			"start--0":           {Type: StepStart, OnCompletion: "while-condition--1"},
			"while-condition--1": {Type: StepWhileCondition, Condition: "[a:b = 'c']", OnTrue: "while-condition--2", OnCompletion: "end--5"},
			"while-condition--2": {Type: StepWhileCondition, Condition: "[x:y = 'z']", OnTrue: "action--3", OnCompletion: "while-condition--1"},
			"action--3":          act("Clean", "while-condition--2"),
			"end--5":             end(),
		}, "", "loop cut", true)
	add("action loop", "a plain on_completion cycle",
		map[string]*Step{
			"start--0":  {Type: StepStart, OnCompletion: "action--1"},
			"action--1": act("A", "action--2"),
			"action--2": act("B", "action--1"),
		}, "", "loop cut", true)
	add("self loop", "an action that leads to itself",
		map[string]*Step{
			"start--0":  {Type: StepStart, OnCompletion: "action--1"},
			"action--1": act("A", "action--1"),
		}, "", "loop cut", true)
	add("cycles through switch cases", "every case leads back to the switch, which pushes its on_completion each time",
		map[string]*Step{
			"start--0":            {Type: StepStart, OnCompletion: "switch-condition--1"},
			"switch-condition--1": {Type: StepSwitchCondition, Switch: "__v__", OnCompletion: "end--9", Cases: map[string]string{"a": "action--2", "b": "action--3", "default": "switch-condition--1"}},
			"action--2":           act("A", "switch-condition--1"),
			"action--3":           act("B", "if-condition--4"),
			"if-condition--4":     {Type: StepIfCondition, Condition: "[x:y = 'z']", OnTrue: "switch-condition--1", OnFalse: "action--2", OnCompletion: "switch-condition--1"},
			"end--9":              end(),
		}, "", "loop cut", true)
	add("if-condition on_completion cycle", "on_completion leads back to the condition",
		map[string]*Step{
			"start--0":        {Type: StepStart, OnCompletion: "if-condition--1"},
			"if-condition--1": {Type: StepIfCondition, Condition: "[x:y = 'z']", OnTrue: "end--2", OnFalse: "end--3", OnCompletion: "if-condition--1"},
			"end--2":          end(),
			"end--3":          end(),
		}, "", "loop cut", true)
	add("parallel branches referencing each other", "next_steps A, B, C with A→B→C→A",
		map[string]*Step{
			"start--0":    {Type: StepStart, OnCompletion: "parallel--1"},
			"parallel--1": {Type: StepParallel, NextSteps: []string{"action--2", "action--3", "action--4"}, OnCompletion: "action--5"},
			"action--2":   act("A", "action--3"),
			"action--3":   act("B", "action--4"),
			"action--4":   act("C", "action--2"),
			"action--5":   act("D", "end--6"),
			"end--6":      end(),
		}, "", "", true)
	add("parallel into itself", "a parallel step whose next_steps include itself",
		map[string]*Step{
			"start--0":    {Type: StepStart, OnCompletion: "parallel--1"},
			"parallel--1": {Type: StepParallel, NextSteps: []string{"parallel--1", "action--2", "parallel--1"}, OnCompletion: "parallel--1"},
			"action--2":   act("A", "end--3"),
			"end--3":      end(),
		}, "", "loop cut", true)
	add("guard loop", "an if-condition written like a method guard whose action leads back to it",
		map[string]*Step{
			"start--0": {Type: StepStart, OnCompletion: "if-condition--1"},
			"if-condition--1": {Type: StepIfCondition, Condition: "fields.x", OnTrue: "action--2", OnFalse: "if-condition--1",
				StepExtensions: ext(StepExtension{ExpressionLanguage: "cel", Step: "s", Process: "1", Method: "1.1"})},
			"action--2": {Type: StepAction, Name: "A", Commands: []Command{{Type: "manual", Command: "a"}}, OnCompletion: "if-condition--1",
				StepExtensions: ext(StepExtension{Step: "s", Process: "1", Method: "1.1"})},
		}, "", "loop cut", true)
	add("export chain loop", "action steps of one design step that lead back to each other",
		map[string]*Step{
			"start--0":  {Type: StepStart, OnCompletion: "action--1"},
			"action--1": {Type: StepAction, Name: "A", Commands: []Command{{Type: "manual", Command: "a"}}, OnCompletion: "action--2", StepExtensions: ext(StepExtension{Step: "s", Process: "1", Method: "1.1"})},
			"action--2": {Type: StepAction, Name: "B", Commands: []Command{{Type: "manual", Command: "b"}}, OnCompletion: "action--1", StepExtensions: ext(StepExtension{Step: "s", Process: "1", Method: "1.2"})},
		}, "", "loop cut", true)
	add("response chain loop", "the action steps of a response lead back to each other",
		map[string]*Step{
			"start--0":  {Type: StepStart, OnCompletion: "action--1"},
			"action--1": {Type: StepAction, Name: "A", Commands: []Command{{Type: "manual", Command: "a"}}, OnCompletion: "action--2", StepExtensions: ext(StepExtension{Step: "s", Response: "r", Process: "1", Method: "1.1"})},
			"action--2": {Type: StepAction, Name: "B", Commands: []Command{{Type: "manual", Command: "b"}}, OnCompletion: "action--1", StepExtensions: ext(StepExtension{Step: "s", Response: "r", Process: "1", Method: "1.2"})},
		}, "", "", true)

	const n = 3000
	chain := map[string]*Step{"start--0": {Type: StepStart, OnCompletion: "action--1"}}
	for i := 1; i <= n; i++ {
		chain[fmt.Sprintf("action--%d", i)] = act(fmt.Sprintf("Step %d", i), fmt.Sprintf("action--%d", i+1))
	}
	chain[fmt.Sprintf("action--%d", n+1)] = end()
	add("long chain", "thousands of actions one after another", chain, "", "", false)

	ifs := map[string]*Step{"start--0": {Type: StepStart, OnCompletion: "if-condition--1"}, "end--0": end()}
	for i := 1; i <= n; i++ {
		ifs[fmt.Sprintf("if-condition--%d", i)] = &Step{Type: StepIfCondition, Condition: "[x:y = 'z']",
			OnTrue: "end--0", OnFalse: fmt.Sprintf("if-condition--%d", i+1)}
	}
	ifs[fmt.Sprintf("if-condition--%d", n+1)] = end()
	add("deeply chained if-conditions", "STIX conditions, each on_false the next", ifs, "", "", false)

	twice := map[string]*Step{"start--0": {Type: StepStart, OnCompletion: "if-condition--1"}, "end--0": end()}
	for i := 1; i <= n; i++ {
		twice[fmt.Sprintf("if-condition--%d", i)] = &Step{Type: StepIfCondition, Condition: "[x:y = 'z']",
			OnTrue: "end--0", OnFalse: fmt.Sprintf("if-condition--%d", i+1), OnCompletion: fmt.Sprintf("if-condition--%d", i+1)}
	}
	twice[fmt.Sprintf("if-condition--%d", n+1)] = end()
	add("if-conditions running the next twice", "on_false and on_completion both the next: 2^n runs", twice, "too tangled", "", false)

	cel := map[string]*Step{"start--0": {Type: StepStart, OnCompletion: "if-condition--1"}, "end--0": end()}
	for i := 1; i <= n; i++ {
		cel[fmt.Sprintf("if-condition--%d", i)] = &Step{Type: StepIfCondition, Condition: fmt.Sprintf("fields.x == %d", i),
			OnTrue: "end--0", OnFalse: fmt.Sprintf("if-condition--%d", i+1), StepExtensions: ext(StepExtension{ExpressionLanguage: "cel"})}
	}
	cel[fmt.Sprintf("if-condition--%d", n+1)] = end()
	add("deeply chained CEL if-conditions", "the branches of each would copy those of all after it", cel, "", "", false)

	wide := map[string]*Step{"start--0": {Type: StepStart, OnCompletion: "parallel--1"}, "end--0": end()}
	var next []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("action--%d", i)
		next = append(next, id)
		wide[id] = act(fmt.Sprintf("Step %d", i), fmt.Sprintf("action--%d", i%n+1)) // each leads to the next, the last to the first
	}
	wide["parallel--1"] = &Step{Type: StepParallel, NextSteps: next, OnCompletion: "end--0"}
	add("wide parallel referencing each other", "thousands of next_steps, each leading to the next", wide, "", "loop cut", false)

	// Each parallel step runs two branches that both lead to the next
	// parallel step: the steps after it would be copied 2^levels times.
	tangle := map[string]*Step{"start--0": {Type: StepStart, OnCompletion: "parallel--1"}}
	const levels = 40
	for i := 1; i <= levels; i++ {
		nx := fmt.Sprintf("parallel--%d", i+1)
		if i == levels {
			nx = "end--0"
		}
		tangle[fmt.Sprintf("parallel--%d", i)] = &Step{Type: StepParallel,
			NextSteps: []string{fmt.Sprintf("action--%da", i), fmt.Sprintf("action--%db", i)}, OnCompletion: "end--0"}
		tangle[fmt.Sprintf("action--%da", i)] = act("A", nx)
		tangle[fmt.Sprintf("action--%db", i)] = act("B", nx)
	}
	tangle["end--0"] = end()
	add("shared tails after parallel steps", "exponentially many copies", tangle, "to import:", "", false)

	// Parallel steps one after another, each branch ending in an end
	// step: every continuation is popped before the next parallel step,
	// so the translation stays linear.
	row := map[string]*Step{"start--0": {Type: StepStart, OnCompletion: "parallel--1"}, "end--0": end()}
	for i := 1; i <= 1000; i++ {
		nx := fmt.Sprintf("parallel--%d", i+1)
		if i == 1000 {
			nx = "end--0"
		}
		row[fmt.Sprintf("parallel--%d", i)] = &Step{Type: StepParallel, OnCompletion: nx,
			NextSteps: []string{fmt.Sprintf("action--%da", i), fmt.Sprintf("action--%db", i), fmt.Sprintf("action--%dc", i)}}
		for _, b := range "abc" {
			row[fmt.Sprintf("action--%d%c", i, b)] = act("A", "end--0")
		}
	}
	add("parallel steps in a row", "thousands of steps, each branch ending in the same end step", row, "", "", false)

	huge := map[string]*Step{"start--0": {Type: StepStart, OnCompletion: "end--0"}}
	for i := 0; i < MaxSteps; i++ {
		huge[fmt.Sprintf("end--%d", i)] = end()
	}
	add("too many steps", "more than MaxSteps", huge, "more than the 10000 Import takes", "", false)
	return tcs
}

// TestImportHostile imports workflows made to make the importer run
// away: each imports, or fails with a clear error, within seconds.
func TestImportHostile(t *testing.T) {
	for _, tt := range hostile() {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			rep, y, err := importWithin(t, tt.pb, 20*time.Second)
			t.Logf("%v, %d bytes of YAML", time.Since(start), len(y))
			switch {
			case tt.err != "" && err == nil:
				t.Fatalf("imported, want an error containing %q (%s)", tt.err, tt.reason)
			case tt.err != "" && !strings.Contains(err.Error(), tt.err):
				t.Fatalf("error %q, want one containing %q", err, tt.err)
			case tt.err != "":
				return
			case err != nil:
				t.Fatalf("error %v (%s)", err, tt.reason)
			}
			if tt.note != "" && !hasNote(rep, tt.note) {
				t.Errorf("no note containing %q in %v", tt.note, rep.Notes)
			}
			if tt.validate {
				d, rep, err := Import(strings.NewReader(encode(t, tt.pb)))
				if err != nil {
					t.Fatal(err)
				}
				requireValid(t, d, rep)
			}
		})
	}
}

func hasNote(rep *Report, text string) bool {
	for _, n := range rep.Notes {
		if strings.Contains(n.Message, text) {
			return true
		}
	}
	return false
}

func encode(t *testing.T, pb *Playbook) string {
	t.Helper()
	var buf bytes.Buffer
	if err := pb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestImportNotAPlaybook: JSON that is not a CACAO playbook says so.
func TestImportNotAPlaybook(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"STIX bundle", `{"type": "bundle", "id": "bundle--1", "objects": []}`, `not a CACAO playbook: type is "bundle"`},
		{"other type", `{"type": "x"}`, `not a CACAO playbook: type is "x"`},
		{"no type", `{"name": "x"}`, `not a CACAO playbook: it has no type`},
		{"array", `[{"type": "playbook"}]`, `not a CACAO playbook: the JSON is an array`},
		{"type not a string", `{"type": 1}`, `not a CACAO playbook: type is a number`},
		{"no workflow_start", `{"type": "playbook"}`, `no workflow_start`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Import(strings.NewReader(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// FuzzImport: Import never panics and always returns within a few
// seconds, whatever the input; what it returns can be written.
func FuzzImport(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{
		filepath.Join(sharedDir, "cacao", "examples", "*.json"),
		filepath.Join("testdata", "*.json"),
	} {
		files, _ := filepath.Glob(pattern)
		seeds = append(seeds, files...)
	}
	for _, path := range seeds {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	for _, path := range bundled {
		d, err := loadDesignErr(path)
		if err != nil {
			continue
		}
		files, err := Export(d, Options{})
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			var buf bytes.Buffer
			if err := file.Playbook.Encode(&buf); err != nil {
				f.Fatal(err)
			}
			f.Add(buf.Bytes())
		}
	}
	for _, tt := range hostile() {
		if len(tt.pb.Workflow) < 100 {
			var buf bytes.Buffer
			if err := tt.pb.Encode(&buf); err != nil {
				f.Fatal(err)
			}
			f.Add(buf.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		d, rep, err := Import(bytes.NewReader(data))
		if err == nil {
			if err := WriteYAML(&bytes.Buffer{}, d, rep.Placeholders); err != nil {
				t.Errorf("WriteYAML: %v", err)
			}
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("import took %v", elapsed)
		}
	})
}

func loadDesignErr(path string) (*secops.Design, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	d, lf, err := secops.LoadFile(path)
	if err != nil {
		return nil, err
	}
	return d, lf.Err()
}
