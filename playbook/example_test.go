package playbook_test

import (
	"fmt"

	"github.com/secopsdesign/secops/playbook"
)

func ExampleStep_Ways() {
	s := playbook.Step{
		ID: "continuity-host", Name: "Is the attack ongoing?", Process: "1.6",
		Branches: []playbook.Branch{
			{When: "fields.attack_ongoing", Respond: "fr-1"},
			{Respond: "fr-4"},
		},
	}
	for _, b := range s.Branches {
		w := b.Way()
		fmt.Printf("when %q: respond=%v %s\n", b.When, w.Kind == playbook.Respond, w.To)
	}
	// Output:
	// when "fields.attack_ongoing": respond=true fr-1
	// when "": respond=true fr-4
}
