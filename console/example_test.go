package console_test

import (
	"fmt"
	"os"
	"time"

	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/runstore"
)

// A person types a list as comma-separated values, or as JSON.
func ExampleParseAnswer() {
	iocs := &process.Field{ID: "iocs", Type: process.IP, List: true}
	for _, typed := range []string{"203.0.113.7, 198.51.100.2", `["203.0.113.7"]`} {
		v, err := console.ParseAnswer(iocs, typed)
		fmt.Println(v, err)
	}
	v, err := console.ParseAnswer(&process.Field{ID: "confirmed", Type: process.Bool}, "maybe")
	fmt.Println(v, err)
	// Output:
	// [203.0.113.7 198.51.100.2] <nil>
	// [203.0.113.7] <nil>
	// <nil> want true or false, got "maybe"
}

// A listing says which runs wait on whom, and which had their
// containment rolled back.
func ExampleWriteSummaries() {
	started := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	console.WriteSummaries(os.Stdout, []runstore.Summary{
		{ID: "r-2", Status: executor.Waiting, Incident: "malware", Severity: "high", Started: started.Add(time.Hour),
			Pending: &executor.Pending{Method: "2.1.1", Party: "csirt"}},
		{ID: "r-1", Status: executor.Completed, Incident: "malware", Severity: "high", Response: "fr-1", Started: started, RolledBack: true},
	})
	// Output:
	// ID   STATUS                  INCIDENT  SEVERITY  RESPONSE  STARTED               NOTE
	// r-2  waiting                 malware   high      -         2026-11-20T10:00:00Z  waits for the approval of csirt
	// r-1  completed, rolled back  malware   high      fr-1      2026-11-20T09:00:00Z
}
