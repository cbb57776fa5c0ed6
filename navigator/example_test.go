package navigator_test

import (
	"fmt"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/navigator"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/scope"
)

func ExampleNew() {
	d := &secops.Design{
		Metadata: secops.Metadata{Name: "acme", Title: "ACME"},
		Scope: scope.Scope{Incidents: []scope.Incident{
			{ID: "phishing", Name: "Phishing", References: []scope.Reference{"attack:T1566"}},
			{ID: "insider", Name: "Insider", References: []scope.Reference{"attack:T1078"}},
		}},
		Criteria: criteria.Criteria{
			Severities:      criteria.Severities{{ID: "high", Name: "High"}},
			TriageThreshold: "high",
			Detections:      []criteria.Detection{{ID: "mail", Incident: "phishing", Severity: "high"}},
		},
		Playbooks: []playbook.Playbook{{ID: "phishing-triage", Incidents: []ident.ID{"phishing"}}},
	}
	l, err := navigator.New(d)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range l.Techniques {
		fmt.Println(t.TechniqueID, t.Score, t.Comment)
	}
	// Output:
	// T1078 0 Neither detected nor handled. Incidents: insider.
	// T1566 2 Detected and handled by a playbook at or above the triage threshold. Incidents: phishing. Detections: mail (high). Playbooks: phishing-triage.
}
