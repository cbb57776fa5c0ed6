package config_test

import (
	"fmt"
	"strings"

	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/finding"
)

func ExampleLoad() {
	_, err := config.Load(strings.NewReader(`format: secops-adapters/v1
adapters:
  - name: edr
    kind: comand
    command: [python3, integrations/edr.py]
  - name: firewall
    kind: webhook
    headers: {Authorization: "Bearer ${FW_TOKEN}"}
`), "adapters.yaml")
	for _, f := range finding.From(err) {
		fmt.Println(f.Position, f.Code, f.Path)
	}
	// Output:
	// adapters.yaml:4:11 invalid-value adapters[0].kind
	// adapters.yaml:6:5 required adapters[1].url
}

func ExampleFile_Registry() {
	f, err := config.Load(strings.NewReader(`format: secops-adapters/v1
adapters:
  - {name: edr, kind: command, command: [python3, integrations/edr.py], timeout: 30s}
  - {name: firewall, kind: webhook, url: "https://fw.example.internal/secops", retries: 2}
`), "adapters.yaml")
	if err != nil {
		panic(err)
	}
	reg, err := f.Registry()
	fmt.Println(reg.Names(), err)
	// Output: [edr firewall] <nil>
}
