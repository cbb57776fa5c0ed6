package criteria_test

import (
	"fmt"

	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
)

func ExampleCriteria_Triaged() {
	twoHours, _ := duration.Parse("2h")
	c := criteria.Criteria{
		Severities: criteria.Severities{
			{ID: "critical", Name: "Critical", Targets: criteria.Targets{FirstResponse: twoHours}},
			{ID: "high", Name: "High", Targets: criteria.Targets{FirstResponse: twoHours}},
			{ID: "medium", Name: "Medium"},
			{ID: "low", Name: "Low"},
		},
		TriageThreshold: "medium",
	}
	for _, s := range c.Severities {
		fmt.Println(s.ID, c.Triaged(s.ID), s.Targets.FirstResponse)
	}
	// Output:
	// critical true 2h
	// high true 2h
	// medium true 0s
	// low false 0s
}
