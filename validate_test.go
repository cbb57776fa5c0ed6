package secops

import (
	stdcmp "cmp"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/secopsdesign/secops/finding"
)

// at is a finding reduced to what tests may assert: never the message.
type at struct {
	Code finding.Code
	Path string
	Line int
}

func findingsAt(l finding.List) []at {
	var out []at
	for _, f := range l {
		out = append(out, at{f.Code, f.Path, f.Line})
	}
	return out
}

// loadAndValidate returns every finding of Load and Validate for a file.
func loadAndValidate(t *testing.T, path string) finding.List {
	t.Helper()
	d, lf, err := LoadFile(path)
	if err == nil {
		err = lf.Err()
	}
	if d == nil {
		l := finding.From(err)
		if l == nil {
			t.Fatalf("LoadFile(%s): %v", path, err)
		}
		return l
	}
	return finding.From(d.Validate())
}

func TestValidateFindings(t *testing.T) {
	tests := []struct {
		file string
		want []at
	}{
		// The unclosed "[" of line 4; the parser sees the problem when it
		// reaches line 5, but the cause is where the list opens.
		{"syntax", []at{{finding.Syntax, "", 4}}},
		{"duplicate-key", []at{{finding.DuplicateKey, "metadata", 5}}},
		{"unknown-field", []at{
			{finding.UnknownField, "processes[0].methods[0].procedur", 41},
			{finding.Required, "processes[0].methods[0].procedure", 39},
		}},
		{"required", []at{{finding.Required, "scope.parties[1].name", 8}}},
		{"invalid-value", []at{{finding.InvalidValue, "processes[0].methods[0].estimate", 45}}},
		{"invalid-value-enum", []at{{finding.InvalidValue, "scope.parties[0].sourcing", 7}}},
		{"invalid-value-id", []at{
			{finding.InvalidValue, "fields[1].id", 33},
			{finding.UnknownRef, "processes[0].methods[0].inputs[0]", 42},
			{finding.UnknownRef, "processes[1].methods[0].inputs[0]", 52},
			{finding.UnknownRef, "playbooks[0].inputs[0]", 62},
			{finding.Unused, "fields[1]", 33},
		}},
		{"invalid-value-language", []at{{finding.InvalidValue, "metadata.language", 5}}},
		{"invalid-value-default-first", []at{{finding.InvalidValue, "playbooks[0].steps[0].branches[0]", 69}}},
		{"invalid-value-disposition", []at{
			{finding.InvalidValue, "criteria.detections[0].confirm.disposition", 33},
			{finding.InvalidValue, "playbooks[0].steps[0].disposition", 71},
			{finding.InvalidValue, "playbooks[0].steps[0].branches[1].disposition", 77},
		}},
		{"required-responsibilities", []at{{finding.Required, "scope.responsibilities", 5}}},
		{"expression-field-not-bool", []at{{finding.Expression, "criteria.detections[0].when", 28}}},
		{"required-method-id", []at{
			{finding.Required, "processes[1].methods[0].id", 49},
			{finding.MissingEstimate, "processes[1].methods[0].estimate", 49},
		}},
		{"expression-blank", []at{{finding.Expression, "playbooks[0].steps[0].branches[0].when", 69}}},
		{"unknown-ref-expression", []at{{finding.UnknownRef, "playbooks[0].steps[0].branches[0].when", 69}}},
		{"duplicate-id", []at{{finding.DuplicateID, "criteria.severities[1].id", 22}}},
		{"unknown-ref", []at{
			{finding.UnknownRef, "playbooks[0].steps[0].process", 67},
			{finding.Unused, "processes[0]", 36},
		}},
		{"expression", []at{{finding.Expression, "playbooks[0].steps[0].branches[0].when", 69}}},
		{"expression-not-bool", []at{{finding.Expression, "criteria.detections[0].when", 28}}},
		{"out-of-scope", []at{{finding.OutOfScope, "scope.incidents[0].in_scope", 12}}},
		{"unassigned-phase", []at{{finding.UnassignedPhase, "scope.responsibilities.analysis", 13}}},
		{"uncovered-incident", []at{{finding.UncoveredIncident, "scope.incidents[0]", 12}}},
		{"undetected-incident", []at{{finding.UndetectedIncident, "scope.incidents[1]", 13}}},
		{"unreachable-step", []at{{finding.UnreachableStep, "playbooks[0].steps[1]", 72}}},
		{"dead-end", []at{{finding.DeadEnd, "playbooks[0].steps[1]", 74}}},
		{"cycle", []at{{finding.Cycle, "playbooks[0].steps[1].next", 75}}},
		{"no-default-branch", []at{{finding.NoDefaultBranch, "playbooks[0].steps[0].branches", 69}}},
		{"unavailable-input", []at{
			{finding.UnavailableInput, "playbooks[0].steps[0].process", 67},
			{finding.UnavailableInput, "playbooks[0].steps[0].branches[0].respond", 70},
		}},
		{"missing-rollback", []at{{finding.MissingRollback, "processes[1].methods[0].action", 53}}},
		{"missing-estimate", []at{{finding.MissingEstimate, "processes[1].methods[0].estimate", 49}}},
		{"target-exceeded", []at{{finding.TargetExceeded, "criteria.detections[0].severity", 30}}},
		{"policy", []at{{finding.Policy, "policies[0].rule", 74}}},
		{"unused", []at{{finding.Unused, "fields[3]", 35}}},
	}
	covered := map[finding.Code]bool{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			l := loadAndValidate(t, filepath.Join("testdata", "invalid", tt.file+".yaml"))
			want := append([]at(nil), tt.want...)
			sortAt(want)
			got := findingsAt(l)
			sortAt(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, l)
			}
			for _, f := range l {
				if f.Severity != f.Code.Severity() {
					t.Errorf("%s has severity %s, want %s", f.Code, f.Severity, f.Code.Severity())
				}
				if f.File == "" || f.Line == 0 || f.Column == 0 {
					t.Errorf("%s at %q has no position: %+v", f.Code, f.Path, f.Position)
				}
			}
		})
		covered[tt.want[0].Code] = true
	}
	for _, c := range finding.Codes {
		if !covered[c.Code] {
			t.Errorf("no test document for finding code %s", c.Code)
		}
	}
}

// sortAt orders findings reduced to lines (tests give no columns) by
// line, path and code.
func sortAt(a []at) {
	slices.SortStableFunc(a, func(x, y at) int {
		return stdcmp.Or(stdcmp.Compare(x.Line, y.Line), strings.Compare(x.Path, y.Path), strings.Compare(string(x.Code), string(y.Code)))
	})
}

// TestValidExamples loads the bundled designs: no finding at all.
func TestValidExamples(t *testing.T) {
	files, _ := filepath.Glob("examples/*/design.yaml")
	files = append(files, "testdata/minimal.yaml")
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			if l := loadAndValidate(t, f); len(l) > 0 {
				t.Errorf("%s has findings:\n%v", f, l)
			}
		})
	}
}

// TestReference validates the reference design in ../shared unchanged,
// when it is there.
func TestReference(t *testing.T) {
	const ref = "../shared/reference/targeted-attack/design.yaml"
	if !fileExists(ref) {
		t.Skip("../shared is absent")
	}
	if l := loadAndValidate(t, ref); len(l) > 0 {
		t.Errorf("reference design has findings:\n%v", l)
	}
}

// TestAsMap checks that AsMap gives what a JSON round trip gives.
func TestAsMap(t *testing.T) {
	files, _ := filepath.Glob("examples/*/design.yaml")
	for _, f := range files {
		d, lf, err := LoadFile(f)
		if err == nil {
			err = lf.Err()
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		got, err := d.AsMap()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: AsMap (-json +got):\n%s", f, diff)
		}
	}
}

// TestExplicitZeroEstimate: an estimate of 0s is an error (it would be
// lost on saving, where zero means absent); an absent or null estimate is
// warned about.
func TestExplicitZeroEstimate(t *testing.T) {
	b, err := os.ReadFile("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, estimate string
		want           []at
	}{
		{"explicit zero", "        estimate: 0s\n", []at{{finding.InvalidValue, "processes[1].methods[0].estimate", 56}}},
		{"null", "        estimate: null\n", []at{{finding.MissingEstimate, "processes[1].methods[0].estimate", 56}}},
		{"absent", "", []at{{finding.MissingEstimate, "processes[1].methods[0].estimate", 50}}},
	} {
		doc := strings.Replace(string(b), "        estimate: 5m\n", tt.estimate, 1)
		d, lf, err := Load(strings.NewReader(doc), "zero.yaml")
		if err == nil {
			err = lf.Err()
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, findingsAt(finding.From(d.Validate()))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestBudgetShapes: the time budget holds through every playbook that
// handles an incident, and a cycle among unreachable steps does not switch
// it off.
func TestBudgetShapes(t *testing.T) {
	b, err := os.ReadFile("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	slow := `  - id: "3.1"
    name: Slow
    methods:
      - {id: "3.1.1", name: Slow, procedure: Wait., estimate: 5h}
responses:`
	second := `
  - id: slow-triage
    name: Slow triage
    incidents: [malware]
    inputs: [host]
    start: s1
    steps:
      - {id: s1, name: S1, process: "3.1", respond: isolate}
`
	orphanCycle := `      - {id: u1, name: U1, process: "1.1", next: u2}
      - {id: u2, name: U2, process: "1.1", next: u1}
`
	doc := strings.Replace(string(b), "responses:", slow, 1)
	tests := []struct {
		name string
		doc  string
		want []at
	}{
		{"second playbook over budget", strings.Replace(doc, "policies:", strings.TrimPrefix(second, "\n")+"policies:", 1),
			[]at{{finding.TargetExceeded, "criteria.detections[0].severity", 31}}},
		{"unreachable cycle", strings.Replace(strings.Replace(doc, `        process: "1.1"
        branches:`, `        process: "3.1"
        branches:`, 1), "policies:", orphanCycle+"policies:", 1),
			[]at{
				{finding.TargetExceeded, "criteria.detections[0].severity", 31},
				{finding.Cycle, "playbooks[0].steps[2].next", 0},
				{finding.UnreachableStep, "playbooks[0].steps[1]", 0},
				{finding.UnreachableStep, "playbooks[0].steps[2]", 0},
			}},
	}
	huge := strings.Replace(doc, `      - {id: "3.1.1", name: Slow, procedure: Wait., estimate: 5h}`, `      - {id: "3.1.1", name: Slow, procedure: Wait., estimate: 7000w}
      - {id: "3.1.2", name: Slow, procedure: Wait., estimate: 7000w}
      - {id: "3.1.3", name: Slow, procedure: Wait., estimate: 7000w}`, 1)
	tests = append(tests, struct {
		name string
		doc  string
		want []at
	}{"sums that would overflow", strings.Replace(huge, "policies:", strings.TrimPrefix(second, "\n")+"policies:", 1),
		[]at{{finding.TargetExceeded, "criteria.detections[0].severity", 31}}})
	for _, tt := range tests {
		d, lf, err := Load(strings.NewReader(tt.doc), "budget.yaml")
		if err == nil {
			err = lf.Err()
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []at
		for _, f := range finding.From(d.Validate()) {
			line := f.Line
			if f.Code != finding.TargetExceeded {
				line = 0 // only the budget finding's position matters here
			}
			got = append(got, at{f.Code, f.Path, line})
		}
		byPath := cmpopts.SortSlices(func(a, b at) bool { return a.Path+string(a.Code) < b.Path+string(b.Code) })
		if diff := cmp.Diff(tt.want, got, byPath); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestHasZeroDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{`estimate: 0s`, true}, {`"estimate": "00m"`, true}, {"x: 0d\n", true},
		{`id: "0.1"`, false}, {`estimate: 10s`, false}, {`port: 0`, false}, {`name: 0sugar`, false},
	} {
		if got := hasZeroDuration([]byte(tt.in)); got != tt.want {
			t.Errorf("hasZeroDuration(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestEscalation: a severity's escalation names an action and a party of
// the scope, and needs a target to breach.
func TestEscalation(t *testing.T) {
	b, err := os.ReadFile("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, severity string
		want           []at
	}{
		{"valid", "{id: high, name: High, targets: {first_response: 1h}, escalation: {action: pager.page, party: csirt}}", nil},
		{"unknown party", "{id: high, name: High, targets: {first_response: 1h}, escalation: {action: pager.page, party: csrit}}",
			[]at{{finding.UnknownRef, "criteria.severities[0].escalation.party", 22}}},
		{"not an action", "{id: high, name: High, targets: {first_response: 1h}, escalation: {action: page, party: csirt}}",
			[]at{{finding.InvalidValue, "criteria.severities[0].escalation.action", 22}}},
		{"missing action", "{id: high, name: High, targets: {first_response: 1h}, escalation: {party: csirt}}",
			[]at{{finding.Required, "criteria.severities[0].escalation.action", 22}}},
		{"no target", "{id: high, name: High, escalation: {action: pager.page, party: csirt}}",
			[]at{{finding.InvalidValue, "criteria.severities[0].escalation", 22}}},
	} {
		doc := strings.Replace(string(b), "{id: high, name: High, targets: {first_response: 1h}}", tt.severity, 1)
		d, lf, err := Load(strings.NewReader(doc), "escalation.yaml")
		if err == nil {
			err = lf.Err()
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, findingsAt(finding.From(d.Validate()))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
