package secops_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/finding"
)

func ExampleLoadFile() {
	d, findings, err := secops.LoadFile("examples/targeted-attack/design.yaml")
	if err != nil {
		fmt.Println(err) // the file could not be read
		return
	}
	if findings.HasErrors() {
		fmt.Println(findings) // it could, but is not all a design
		return
	}
	fmt.Println(d.Metadata.Name, len(d.Playbooks), "playbooks")
	pb := d.PlaybookFor("targeted-attack")
	fmt.Println(pb.ID, "starts at", pb.Start)
	fmt.Println(d.Validate())
	// Output:
	// example-corp-secops 2 playbooks
	// targeted-attack-triage starts at exfil-data
	// <nil>
}

func ExampleDesign_Validate() {
	doc := `
format: secops/v1
metadata: {name: tiny}
scope:
  parties: [{id: csirt, name: CSIRT}]
  responsibilities:
    detection: {responsible: csirt}
    triage: {responsible: csirt}
    first_response: {responsible: soc}
    analysis: {responsible: csirt}
criteria:
  severities: [{id: high, name: High}]
  triage_threshold: high
  detections:
    - {id: d1, name: D1, source: csirt, when: alert.kind = "x", incident: phishing, severity: high}
`
	d, l, err := secops.Check(strings.NewReader(doc), "tiny.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Metadata.Name)
	l.Sort()
	finding.WriteText(os.Stdout, l)
	// Output:
	// tiny
	// tiny.yaml:6:3: error: scope.responsibilities.response: phase response has no responsible party [unassigned-phase]
	// tiny.yaml:9:35: error: scope.responsibilities.first_response.responsible: unknown party "soc" [unknown-ref]
	// tiny.yaml:15:47: error: criteria.detections[0].when: expression over alert: 1:12: Syntax error: token recognition error at: '= '; 1:14: Syntax error: extraneous input '"x"' expecting <EOF> [expression]
	// tiny.yaml:15:75: error: criteria.detections[0].incident: unknown incident "phishing" [unknown-ref]
}
