//go:build unix

package command_test

import (
	"context"
	"fmt"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/command"
)

func Example() {
	// testdata/edr.sh reads the request on stdin and answers on stdout.
	edr, err := command.New("edr", []string{"/bin/sh", "testdata/edr.sh"})
	if err != nil {
		panic(err)
	}
	res, err := edr.Call(context.Background(), adapters.Request{Operation: "isolate_host", Method: "2.2.1", Inputs: map[string]any{"host": "pc-042"}})
	fmt.Println(res.Outputs, err)

	_, err = edr.Call(context.Background(), adapters.Request{Operation: "wipe_disk", Method: "9.9.9"})
	fmt.Println(err)
	// Output:
	// map[isolated:true] <nil>
	// adapter "edr": operation "wipe_disk" (method 9.9.9): unsupported operation
}
