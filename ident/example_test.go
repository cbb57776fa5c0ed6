package ident_test

import (
	"fmt"

	"github.com/secopsdesign/secops/ident"
)

func ExampleNumber_Parent() {
	m := ident.Number("1.2.3")
	fmt.Println(m.Valid(), m.Parent(), m.Parent().Parent())
	// Output: true 1.2 1
}

func ExampleID_Valid() {
	for _, id := range []ident.ID{"fr-1", "targeted-attack", "Fr-1", "-x"} {
		fmt.Println(id, id.Valid())
	}
	// Output:
	// fr-1 true
	// targeted-attack true
	// Fr-1 false
	// -x false
}
