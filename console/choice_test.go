package console_test

import (
	"flag"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/console"
)

func TestChoice(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
		err  string
	}{
		{nil, "text", ""},
		{[]string{"-format", "json"}, "json", ""},
		{[]string{"-format", "csv"}, "text", `invalid value "csv" for flag -format: must be text, json or markdown`},
		{[]string{"-format", ""}, "text", `invalid value "" for flag -format: must be text, json or markdown`},
	} {
		var format string
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Var(console.NewChoice(&format, "text", "text", "json", "markdown"), "format", "")
		err := fs.Parse(tc.args)
		got := fmt.Sprint(err)
		if err == nil {
			got = ""
		}
		if diff := cmp.Diff(tc.err, got); diff != "" || format != tc.want {
			t.Errorf("%v: format %q (want %q), error (-want +got):\n%s", tc.args, format, tc.want, diff)
		}
	}
}

func ExampleOrList() {
	fmt.Println(console.OrList([]string{"text"}))
	fmt.Println(console.OrList([]string{"text", "json", "markdown"}))
	// Output:
	// text
	// text, json or markdown
}
