package scenario_test

import (
	"fmt"

	"github.com/secopsdesign/secops/scenario"
)

func ExampleExpect() {
	none := scenario.None
	e := scenario.Expect{Incident: &none}
	fmt.Println(*e.Incident, e.Playbook == nil)
	// Output: none true
}
