package document_test

import (
	"fmt"

	"github.com/secopsdesign/secops/document"
)

func ExampleDecode() {
	type step struct {
		ID   string `json:"id"`
		Next string `json:"next,omitempty"`
	}
	var v struct {
		Steps []step `json:"steps"`
	}
	data := []byte("steps:\n  - id: a\n    nxet: b\n  - id: [b]\n")
	src, findings, _ := document.Decode(data, "flow.yaml", &v, "flow")
	for _, f := range findings {
		fmt.Println(f)
	}
	fmt.Println(src.Position("steps[1]", false))
	// Output:
	// flow.yaml:3:5: error: steps[0].nxet: unknown field "nxet"; did you mean "next"? [unknown-field]
	// flow.yaml:4:9: error: steps[1].id: want a string, got a list [invalid-value]
	// flow.yaml:4:5
}
