package suite_test

import (
	"context"
	"fmt"
	"os"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/suite"
)

func Example() {
	s, err := suite.Load("../examples/targeted-attack/scenarios.yaml")
	if err != nil {
		panic(err)
	}
	var records []*executor.Record
	for _, r := range s.Run(context.Background()) {
		response := string(r.Record.Response)
		if response == "" {
			response = "none"
		}
		fmt.Println(r.Passed(), r.Scenario.ID, response)
		records = append(records, r.Record)
	}
	_ = suite.WriteCoverage(os.Stdout, suite.Cover(s.Plan, records)[1:])
	// Output:
	// true c2-single-host-ongoing fr-1
	// true c2-spread-stopped fr-5
	// true c2-not-confirmed none
	// true internal-scan-low none
	// true worm-lateral fr-2
	// true ransomware-contained-host fr-3
	// coverage: malware-triage: steps 4/4 (100.0%), branches 3/4 (75.0%), responses 2/3 (66.7%)
	//     missed: branch search-others.branches[0] (size(fields.other_hosts) > 0): respond fr-1
	//     missed: response fr-1
}
