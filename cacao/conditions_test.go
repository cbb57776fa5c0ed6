package cacao

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/playbook"
)

// TestImportConditions imports a playbook with every kind of condition,
// a parallel step, a playbook-action and an on_failure path.
func TestImportConditions(t *testing.T) {
	f, err := os.Open("testdata/conditions.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, rep, err := Import(f)
	if err != nil {
		t.Fatal(err)
	}
	requireValid(t, d, rep)
	want := []playbook.Step{
		{ID: "look-up", Name: "Look up", Process: "1", Next: "known-bad"},
		{ID: "known-bad", Name: "Known bad", Process: "2", Branches: []playbook.Branch{
			{When: "fields.decision_1", Goto: "by-verdict"}, {End: "Not bad"}}},
		{ID: "by-verdict", Name: "By verdict", Process: "3", Branches: []playbook.Branch{
			{When: `fields.verdict == "malicious"`, Goto: "block"}, {End: "Other verdict"}}},
		// parallel: in the order of next_steps, then on_completion
		{ID: "block", Name: "Block", Process: "4", Next: "notify"},
		{ID: "notify", Name: "Notify", Process: "5", Next: "still-active"},
		// while: the body at most once, then on_completion
		{ID: "still-active", Name: "Still active", Process: "6", Branches: []playbook.Branch{
			{When: "fields.decision_2", Goto: "clean-up"}, {End: "Done"}}},
		{ID: "clean-up", Name: "Clean up", Process: "7", End: "Done"},
	}
	if diff := cmp.Diff(want, d.Playbooks[0].Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ip"}, idStrings(d.Playbooks[0].Inputs)); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}
	files, err := Export(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := files[0].Playbook.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	again, _, err := Import(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, again.Playbooks[0].Steps); diff != "" {
		t.Errorf("import → export → import: steps (-want +got):\n%s", diff)
	}
	tests := []struct{ name, step, text string }{
		{"value kept", "", "__ip__"},
		{"failure path", "action--00000000-0000-4000-8000-000000000002", "on_failure"},
		{"parallel order", "parallel--00000000-0000-4000-8000-000000000006", "one after another"},
		{"foreign command", "action--00000000-0000-4000-8000-000000000010", "ssh command"},
		{"playbook-action", "playbook-action--00000000-0000-4000-8000-000000000015", "playbook-action"},
		{"while", "while-condition--00000000-0000-4000-8000-000000000012", "at most once"},
		{"switch", "switch-condition--00000000-0000-4000-8000-000000000004", "switch-condition"},
		{"stix", "if-condition--00000000-0000-4000-8000-000000000003", "not CEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range rep.Notes {
				if n.Step == tt.step && strings.Contains(n.Message, tt.text) {
					return
				}
			}
			t.Errorf("no note on %q containing %q in %v", tt.step, tt.text, rep.Notes)
		})
	}
}

func idStrings[T ~string](l []T) []string {
	var s []string
	for _, e := range l {
		s = append(s, string(e))
	}
	return s
}
