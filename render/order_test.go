package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
)

func TestFlowOrder(t *testing.T) {
	step := func(id string, next ...string) playbook.Step {
		s := playbook.Step{ID: ident.ID(id)}
		switch len(next) {
		case 0:
			s.End = "done"
		case 1:
			s.Next = ident.ID(next[0])
		default:
			for _, n := range next {
				s.Branches = append(s.Branches, playbook.Branch{When: "true", Goto: ident.ID(n)})
			}
		}
		return s
	}
	tests := []struct {
		name, reason string
		start        string
		steps        []playbook.Step
		want         []string
	}{
		{
			name: "file order", reason: "a flow already in order keeps it",
			start: "a", steps: []playbook.Step{step("a", "b"), step("b", "c"), step("c")},
			want: []string{"a", "b", "c"},
		},
		{
			name: "leads back", reason: "a step comes after every step that leads to it",
			start: "a", steps: []playbook.Step{step("c"), step("a", "b", "c"), step("b", "c")},
			want: []string{"a", "b", "c"},
		},
		{
			name: "tie", reason: "steps ready together go in file order",
			start: "a", steps: []playbook.Step{step("a", "y", "x"), step("x"), step("y")},
			want: []string{"a", "x", "y"},
		},
		{
			name: "unreachable last", reason: "an unreachable step that leads into the flow comes after it",
			start: "a", steps: []playbook.Step{step("u", "b"), step("a", "b"), step("v", "u"), step("b")},
			want: []string{"a", "b", "v", "u"},
		},
		{
			name: "no start", reason: "with no start every step is unreachable, still in flow order",
			start: "missing", steps: []playbook.Step{step("b"), step("a", "b")},
			want: []string{"a", "b"},
		},
		{
			name: "duplicate id", reason: "references go to the first entry; the second is unreachable",
			start: "a", steps: []playbook.Step{step("b"), step("a", "b"), step("b")},
			want: []string{"a", "b", "b"},
		},
		{
			name: "cycle", reason: "a cyclic flow has no order: file order",
			start: "a", steps: []playbook.Step{step("c", "a"), step("a", "b"), step("b", "c")},
			want: []string{"c", "a", "b"},
		},
		{
			name: "self loop", reason: "a step leading to itself is a cycle",
			start: "a", steps: []playbook.Step{step("b"), step("a", "a", "b")},
			want: []string{"b", "a"},
		},
		{
			name: "unreachable cycle", reason: "a cycle off the flow falls back to file order too",
			start: "a", steps: []playbook.Step{step("x", "y"), step("a"), step("y", "x")},
			want: []string{"x", "a", "y"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &playbook.Playbook{Start: ident.ID(tt.start), Steps: tt.steps}
			var got []string
			for _, s := range flowOrder(p) {
				got = append(got, string(s.ID))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.reason, diff)
			}
		})
	}
}
