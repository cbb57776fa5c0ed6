package bundle_test

import (
	"errors"
	"testing"

	"github.com/secopsdesign/secops/bundle"
)

// TestPlan: errors of the adapters always stop; errors of the design
// stop a run but not an undo, as long as the design compiles.
func TestPlan(t *testing.T) {
	tests := []struct {
		name  string
		files bundle.Files
		use   bundle.Use
		ok    bool
	}{
		{"run", bundle.Files{Design: design, Adapters: adapters}, bundle.ToRun, true},
		{"run, the adapters with errors", bundle.Files{Design: design, Adapters: design}, bundle.ToRun, false},
		{"undo, the adapters with errors", bundle.Files{Design: design, Adapters: design}, bundle.ToUndo, false},
		{"run, the design with errors", bundle.Files{Design: "../testdata/invalid/missing-rollback.yaml"}, bundle.ToRun, false},
		{"undo, the design with errors that compiles", bundle.Files{Design: "../testdata/invalid/missing-rollback.yaml"}, bundle.ToUndo, true},
		{"undo, the design that does not compile", bundle.Files{Design: "../testdata/invalid/unknown-ref.yaml"}, bundle.ToUndo, false},
		{"undo, no design", bundle.Files{Design: "../examples/targeted-attack/scenarios.yaml"}, bundle.ToUndo, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := bundle.Load(tc.files)
			if err != nil {
				t.Fatal(err)
			}
			p, err := b.Plan(tc.use)
			if tc.ok != (err == nil && p != nil) {
				t.Fatalf("plan %v, error %v; want ok %v", p != nil, err, tc.ok)
			}
			if !tc.ok && !errors.Is(err, bundle.ErrFindings) {
				t.Errorf("error %v, want ErrFindings", err)
			}
		})
	}
}
