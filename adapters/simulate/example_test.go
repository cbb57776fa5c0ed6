package simulate_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/simulate"
)

func ExampleRegistry() {
	d, _, _ := secops.Load(strings.NewReader(`format: secops/v1
processes:
  - id: "1.1"
    name: Investigate
    methods:
      - {id: "1.1.1", name: Hash, procedure: p, outputs: [hash], action: edr.file_hash}
      - {id: "1.1.2", name: Reputation, procedure: p, outputs: [reputation], action: threatintel.lookup}
`), "design.yaml")

	// The scenario's outputs, by method id.
	outputs := map[string]map[string]any{"1.1.1": {"hash": "9f86d08"}}
	reg, _ := simulate.Registry(d, outputs)
	fmt.Println(reg.Names())

	edr, _ := reg.Lookup("edr")
	res, err := edr.Call(context.Background(), adapters.Request{Operation: "file_hash", Method: "1.1.1"})
	fmt.Println(res.Outputs, err)

	ti, _ := reg.Lookup("threatintel")
	_, err = ti.Call(context.Background(), adapters.Request{Operation: "lookup", Method: "1.1.2"})
	fmt.Println(errors.Is(err, simulate.ErrNoOutputs), err)
	fmt.Println(ti.(*simulate.Adapter).Log().Missing())
	// Output:
	// [edr threatintel]
	// map[hash:9f86d08] <nil>
	// true adapter "threatintel": operation "lookup" (method 1.1.2): the scenario gives no outputs for the method
	// [1.1.2]
}
