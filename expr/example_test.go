package expr_test

import (
	"context"
	"fmt"

	"github.com/secopsdesign/secops/expr"
)

func Example() {
	var cache expr.Cache
	p, err := cache.Compile(expr.Fields, "has(fields.other_hosts) && size(fields.other_hosts) > 0")
	if err != nil {
		panic(err)
	}
	ok, err := p.Eval(context.Background(), &expr.Vars{Fields: map[string]any{"other_hosts": []any{"pc-b"}}})
	fmt.Println(ok, err, p.Refs())

	_, err = cache.Compile(expr.Alert, `size(alert.category)`)
	fmt.Println(err)
	// Output:
	// true <nil> [other_hosts]
	// expression is of type int, want bool
}
