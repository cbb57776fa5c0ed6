package duration_test

import (
	"fmt"

	"github.com/secopsdesign/secops/duration"
)

func ExampleParse() {
	for _, s := range []string{"90s", "2h", "14d", "1h30m", "2x"} {
		d, err := duration.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(s, "=", d, "=", d.Std())
	}
	// Output:
	// 90s = 1m30s = 1m30s
	// 2h = 2h = 2h0m0s
	// 14d = 2w = 336h0m0s
	// 1h30m = 1h30m = 1h30m0s
	// malformed duration "2x": unknown unit 'x'; want a whole number followed by one of s, m, h, d, w, such as 30m, 2h or 14d
}
