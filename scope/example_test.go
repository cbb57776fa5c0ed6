package scope_test

import (
	"fmt"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/scope"
)

func ExampleResponsibilities_For() {
	r := scope.Responsibilities{
		Detection: &scope.Assignment{Responsible: "soc", Informed: []ident.ID{"csirt"}},
		Triage:    &scope.Assignment{Responsible: "csirt"},
	}
	for _, p := range scope.Phases {
		if a := r.For(p); a != nil {
			fmt.Println(p, "->", a.Responsible)
		} else {
			fmt.Println(p, "-> unassigned")
		}
	}
	// Output:
	// detection -> soc
	// triage -> csirt
	// first_response -> unassigned
	// analysis -> unassigned
	// response -> unassigned
}

func ExampleReference() {
	for _, r := range []scope.Reference{"attack:T1566", "rsit:malicious-code/infected-system", "attack:phishing"} {
		fmt.Println(r, r.Scheme(), r.Valid())
	}
	// Output:
	// attack:T1566 attack true
	// rsit:malicious-code/infected-system rsit true
	// attack:phishing attack false
}
