package secopstest_test

import (
	"context"
	"fmt"

	"github.com/secopsdesign/secops/suite"
)

// An organisation holds its design to its scenarios with one test in its
// repository, run by go test:
//
//	func TestDesign(t *testing.T) {
//		secopstest.Run(t, "scenarios.yaml")
//	}
//
// Each scenario is a subtest named by its id; here are those of the
// bundled example, and what Run checks of each.
func ExampleRun() {
	s, err := suite.Load("../examples/targeted-attack/scenarios.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range s.File.Scenarios {
		sc := &s.File.Scenarios[i]
		r := s.RunScenario(context.Background(), sc)
		fmt.Printf("TestDesign/%s: %d mismatches\n", sc.ID, len(r.Mismatches))
	}
	// Output:
	// TestDesign/c2-single-host-ongoing: 0 mismatches
	// TestDesign/c2-spread-stopped: 0 mismatches
	// TestDesign/c2-not-confirmed: 0 mismatches
	// TestDesign/internal-scan-low: 0 mismatches
	// TestDesign/worm-lateral: 0 mismatches
	// TestDesign/ransomware-contained-host: 0 mismatches
}
