package console_test

import (
	"fmt"

	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/process"
)

// A person types a list as comma-separated values, or as JSON.
func ExampleParseAnswer() {
	iocs := &process.Field{ID: "iocs", Type: process.IP, List: true}
	for _, typed := range []string{"203.0.113.7, 198.51.100.2", `["203.0.113.7"]`} {
		v, err := console.ParseAnswer(iocs, typed)
		fmt.Println(v, err)
	}
	v, err := console.ParseAnswer(&process.Field{ID: "confirmed", Type: process.Bool}, "maybe")
	fmt.Println(v, err)
	// Output:
	// [203.0.113.7 198.51.100.2] <nil>
	// [203.0.113.7] <nil>
	// <nil> want true or false, got "maybe"
}
