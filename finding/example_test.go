package finding_test

import (
	"os"

	"github.com/secopsdesign/secops/finding"
)

func Example() {
	p := finding.NewPath("playbooks").Index(0).Child("steps").Index(6).Child("process")
	f := finding.New(finding.UnknownRef, p, "unknown process %q", "1.9")
	f.Position = finding.Position{File: "design.yaml", Line: 212, Column: 17}
	finding.WriteText(os.Stdout, finding.List{f})
	// Output:
	// design.yaml:212:17: error: playbooks[0].steps[6].process: unknown process "1.9" [unknown-ref]
}

func ExampleSuggest() {
	println := func(s string) { os.Stdout.WriteString(s + "\n") }
	println(finding.Suggest("procedur", []string{"id", "name", "procedure", "inputs"}))
	println(finding.Suggest("colour", []string{"id", "name"}))
	// Output:
	// procedure
	//
}
