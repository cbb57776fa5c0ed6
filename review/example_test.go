package review_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/review"
)

// Replay three days of MSSP alerts through the reference design.
func ExampleReplay() {
	d, findings, err := secops.CheckFile("../examples/targeted-attack/design.yaml")
	if err == nil && findings.HasErrors() {
		err = findings
	}
	if err != nil {
		log.Fatal(err)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		log.Fatal(err)
	}
	history := `{"category": "rat", "host": "pc-a", "time": "2026-11-20T09:15:00+09:00"}
{"category": "c2", "signature": "TI:APT-C2", "host": "pc-b", "time": "2026-11-20T11:00:00+09:00"}
{"category": "port-scan", "host": "pc-c", "time": "2026-11-21T02:00:00+09:00"}
{"category": "internal-scan", "host": 42}
{"category": "internal-scan", "host": "pc-d", "time": "2026-11-22T23:59:00+09:00"}
`
	rep, err := review.Replay(context.Background(), plan, review.ReadAlerts("mssp.jsonl", strings.NewReader(history)),
		review.WithGroupBy("category"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d alerts: %d matched, %d unmatched, %d invalid, %d to triage\n", rep.Alerts, rep.Matched, rep.Unmatched, rep.Invalid, rep.Triaged)
	for _, dc := range rep.Detections {
		fmt.Printf("%s: %d\n", dc.ID, dc.Matched)
	}
	for _, day := range rep.PerDay {
		fmt.Printf("%s: %d to triage, %v-%v analyst hours\n", day.Day, day.Triaged, day.Shortest, day.Longest)
	}
	finding.WriteText(os.Stdout, rep.Findings)
	// Output:
	// 5 alerts: 3 matched, 1 unmatched, 1 invalid, 2 to triage
	// mssp-rat-signature: 1
	// mssp-ransomware-signature: 0
	// mssp-c2-threat-intel: 1
	// mssp-internal-scan: 1
	// 2026-11-20: 2 to triage, 0.92-3.08 analyst hours
	// 2026-11-21: 0 to triage, 0-0 analyst hours
	// 2026-11-22: 0 to triage, 0-0 analyst hours
	// ../examples/targeted-attack/design.yaml:190:5: warning: criteria.detections: 1 of the 4 alerts replayed (25%) matched no detection; the largest groups: category=port-scan (1) [unmatched-alerts]
	// ../examples/targeted-attack/design.yaml:199:13: warning: criteria.detections[1].when: detection mssp-ransomware-signature matched none of the 4 alerts replayed [detection-never-matched]
	// mssp.jsonl:4:1: warning: alert: host: want a host string, got the number 42 (field host is host) [invalid-alert]
}

// Review run records against the design they followed: here the record
// of one run, read from a file as "secops run --record" writes it.
func ExampleReview() {
	d, findings, err := secops.CheckFile("../examples/targeted-attack/design.yaml")
	if err == nil && findings.HasErrors() {
		err = findings
	}
	if err != nil {
		log.Fatal(err)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		log.Fatal(err)
	}
	record := `{"format": "secops-record/v1", "id": "run-1", "status": "completed",
  "design_name": "example-corp-secops", "alert": {"category": "rat"},
  "detection": "mssp-rat-signature", "incident": "malware", "severity": "medium",
  "playbook": "malware-triage", "path": ["c2-traffic", "lateral-traffic"],
  "branches": [{"step": "lateral-traffic", "index": 0}], "response": "fr-2",
  "started": "2026-11-20T09:00:00Z",
  "events": [
    {"time": "2026-11-20T09:00:00Z", "kind": "started"},
    {"time": "2026-11-20T09:00:00Z", "kind": "call-started", "method": "1.3.1", "action": "edr.internal_connections", "idempotency_key": "k1", "attempt": 1},
    {"time": "2026-11-20T09:25:00Z", "kind": "method", "method": "1.3.1", "action": "edr.internal_connections", "idempotency_key": "k1", "attempt": 1},
    {"time": "2026-11-20T09:25:00Z", "kind": "waiting", "response": "fr-2"},
    {"time": "2026-11-20T11:05:00Z", "kind": "approval", "response": "fr-2", "actor": "csirt"},
    {"time": "2026-11-20T11:30:00Z", "kind": "response-completed", "response": "fr-2"}
  ]}`
	rep, err := review.Review(plan, review.ReadRecords("run-1.json", strings.NewReader(record)))
	if err != nil {
		log.Fatal(err)
	}
	fr := rep.Severities["medium"].FirstResponse
	fmt.Printf("first response after %s (target %s), %d breach\n", fr.Max, fr.Target, fr.Breaches)
	fmt.Printf("method 1.3.1 took %s against an estimate of %s\n", rep.Methods["1.3.1"].Median, rep.Methods["1.3.1"].Estimate)
	fmt.Printf("the CSIRT approved after %s\n", rep.Waiting.Parties["csirt"].Median)
	// The scorecard: the run ended in fr-2 by the branch whose
	// disposition is true-positive; the 2h target passed at 11:00, while
	// the run waited on the CSIRT's approval.
	det := rep.Detections["mssp-rat-signature"]
	fmt.Printf("%s: %d run, %d true positive, false-positive rate %v\n", "mssp-rat-signature", det.Runs, det.Dispositions["true-positive"], det.FalsePositiveRate)
	fmt.Printf("csirt: %d approval, %d breach while waiting on it\n", rep.Parties["csirt"].Approvals, rep.Parties["csirt"].Breaches)
	finding.WriteText(os.Stdout, rep.Findings)
	// Output:
	// first response after 2h30m (target 2h), 1 breach
	// method 1.3.1 took 25m against an estimate of 10m
	// the CSIRT approved after 1h40m
	// mssp-rat-signature: 1 run, 1 true positive, false-positive rate 0
	// csirt: 1 approval, 1 breach while waiting on it
	// ../examples/targeted-attack/design.yaml:178:25: warning: criteria.severities[2].targets.first_response: 1 of 1 runs of severity medium (100%) took longer than the first response target 2h; the longest took 2h30m [target-breached-in-practice]
}
