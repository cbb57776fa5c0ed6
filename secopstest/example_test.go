package secopstest_test

import (
	"fmt"
	"testing"

	"github.com/secopsdesign/secops/secopstest"
)

// An organisation's own test, TestDesign, holds its design to its
// scenarios; here it is run by hand to show that it passes.
func ExampleRun() {
	design := func(t *testing.T) { secopstest.Run(t, "../examples/targeted-attack/scenarios.yaml") }
	ok := testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: "TestDesign", F: design}})
	fmt.Println("scenarios pass:", ok)
	// Output: scenarios pass: true
}
