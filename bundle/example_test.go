package bundle_test

import (
	"fmt"
	"os"

	"github.com/secopsdesign/secops/bundle"
	"github.com/secopsdesign/secops/finding"
)

// A design given where the adapter configuration belongs is one finding
// that says what it is, not one per key it does not know.
func ExampleLoad() {
	b, err := bundle.Load(bundle.Files{
		Design:   "../examples/targeted-attack/design.yaml",
		Adapters: "../examples/targeted-attack/design.yaml",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	finding.WriteText(os.Stdout, b.Findings)
	fmt.Println(b.DesignErrors(), b.AdapterErrors())
	// Output:
	// ../examples/targeted-attack/design.yaml:13:9: error: format: this is a design (format secops/v1), not an adapter configuration: use it with secops validate, or as the DESIGN of run, serve and test [invalid-value]
	// false true
}
