package runner_test

import (
	"fmt"

	"github.com/secopsdesign/secops/cacao/internal/runner"
)

func ExampleEvalSTIX() {
	vars := map[string]any{"__attack_ongoing__": true, "__load__": float64(85)}
	for _, c := range []string{
		"__attack_ongoing__:value = true",
		"__load__:value >= 80 AND __attack_ongoing__:value = false",
		"__verdict__:value IN ('malicious', 'suspicious')",
	} {
		ok, err := runner.EvalSTIX(c, vars)
		fmt.Println(ok, err)
	}
	// Output:
	// true <nil>
	// false <nil>
	// false <nil>
}
