// Command alerthistory writes the alert histories that the tests of
// package review replay (see package internal/alerthistory for their
// recipes):
//
//	go run ./internal/cmd/alerthistory -example targeted-attack > review/testdata/targeted-attack.jsonl
//	go run ./internal/cmd/alerthistory -example acme-web > review/testdata/acme-web.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/secopsdesign/secops/internal/alerthistory"
)

func main() {
	example := flag.String("example", "targeted-attack", "targeted-attack or acme-web")
	flag.Parse()
	if err := alerthistory.Write(os.Stdout, *example); err != nil {
		fmt.Fprintln(os.Stderr, "alerthistory:", err)
		os.Exit(1)
	}
}
