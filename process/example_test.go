package process_test

import (
	"fmt"

	"github.com/secopsdesign/secops/process"
)

func ExampleType_Check() {
	fmt.Println(process.IP.Check("203.0.113.7"))
	fmt.Println(process.IP.Check("not-an-ip"))
	fmt.Println(process.Hash.Check("sha256:9f2c"))
	fmt.Println(process.Port.Check(443))
	// Output:
	// <nil>
	// "not-an-ip" is not an IP address
	// "sha256:9f2c" is not a sha256 hash: want 64 hex digits
	// <nil>
}

func ExampleAction() {
	a := process.Action("edr.isolate_host")
	fmt.Println(a.Adapter(), a.Operation(), a.Valid())
	// Output: edr isolate_host true
}
