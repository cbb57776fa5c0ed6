package change_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/change"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/review"
)

// A change that widens a detection to port scans: the port scan of the
// history moves from unmatched to it, the rest stays.
func ExamplePlan() {
	src, err := os.ReadFile("../examples/targeted-attack/design.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	wider := strings.Replace(string(src), `when: alert.category == "internal-scan"`,
		`when: alert.category == "internal-scan" || alert.category == "port-scan"`, 1)
	var plans []*executor.Plan
	for _, text := range []string{string(src), wider} {
		d, findings, err := secops.Check(strings.NewReader(text), "design.yaml")
		if err != nil || findings.HasErrors() {
			fmt.Println(err, findings)
			return
		}
		p, err := executor.Compile(d)
		if err != nil {
			fmt.Println(err)
			return
		}
		plans = append(plans, p)
	}
	alerts := `{"category": "rat", "signature": "RAT:PlugX", "host": "pc-1"}
{"category": "port-scan", "signature": "SCAN:tcp-syn", "host": "pc-2"}
{"category": "internal-scan", "signature": "SCAN:smb", "host": "pc-3"}
`
	rep, err := change.Plan(context.Background(), plans[0], plans[1], review.ReadAlerts("alerts.jsonl", strings.NewReader(alerts)))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range rep.Moves {
		fmt.Println(m.Count, m.From.Outcome, "→", m.To.Detection, m.Changes, m.Examples)
		fmt.Println(m.Examples[0].Alert)
	}
	fmt.Println(rep.Detections.Changed[0].ID, rep.Detections.Changed[0].What)
	// Output:
	// 1 unmatched → mssp-internal-scan [outcome detection incident severity parties.detection] [alerts.jsonl:2]
	// {"category":"port-scan","host":"pc-2","signature":"SCAN:tcp-syn"}
	// mssp-internal-scan when
}
