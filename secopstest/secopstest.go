package secopstest

import (
	"context"
	"testing"

	"github.com/secopsdesign/secops/suite"
)

// Run loads the scenario file at path and its design, and runs each
// scenario as a subtest named by its id. A design or scenario file that
// does not load, or a design with error findings, fails t at once.
func Run(t *testing.T, path string) {
	t.Helper()
	s, err := suite.Load(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for i := range s.File.Scenarios {
		sc := &s.File.Scenarios[i]
		t.Run(string(sc.ID), func(t *testing.T) {
			r := s.RunScenario(context.Background(), sc)
			for _, m := range r.Mismatches {
				if m.Key == "run" {
					t.Errorf("run failed: %s", m.Got)
					continue
				}
				t.Errorf("%s: want %s, got %s", m.Key, m.Want, m.Got)
			}
		})
	}
}
