package cacao_test

import (
	"fmt"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/cacao"
)

const design = `format: secops/v1
metadata: {name: example}
scope:
  parties: [{id: soc, name: SOC, sourcing: in-house}]
  responsibilities:
    detection: {responsible: soc}
    triage: {responsible: soc}
    first_response: {responsible: soc}
    analysis: {responsible: soc}
    response: {responsible: soc}
criteria:
  severities: [{id: high, name: High}]
  triage_threshold: high
fields:
  - {id: host, name: Host, type: host}
  - {id: bad, name: Malicious, type: bool}
processes:
  - id: "1"
    name: Check the host
    methods:
      - {id: "1.1", name: Scan, procedure: Scan the host., inputs: [host], outputs: [bad], action: edr.scan}
  - id: "2"
    name: Isolate
    methods:
      - id: "2.1"
        name: Isolate the host
        procedure: Isolate the host.
        inputs: [host]
responses:
  - {id: isolate, name: Isolate, phase: first_response, processes: ["2"]}
playbooks:
  - id: triage
    name: Triage
    inputs: [host]
    start: check
    steps:
      - id: check
        name: Check
        process: "1"
        branches:
          - {when: fields.bad, respond: isolate}
          - {end: clean}
`

func Example() {
	d, findings, err := secops.Check(strings.NewReader(design), "design.yaml")
	if err == nil && findings.HasErrors() {
		err = findings
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	files, err := cacao.Export(d, cacao.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	pb := files[0].Playbook
	fmt.Println(files[0].ID, pb.ID, pb.Created)
	types := map[string]int{}
	for _, s := range pb.Workflow {
		types[s.Type]++
		if s.Type == cacao.StepIfCondition {
			fmt.Println("condition:", s.Condition)
		}
	}
	fmt.Println(types)
	fmt.Println("check:", cacao.Check(pb))

	var buf strings.Builder
	if err := pb.Encode(&buf); err != nil {
		fmt.Println(err)
		return
	}
	back, rep, err := cacao.Import(strings.NewReader(buf.String()))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := back.Playbooks[0].Steps[0]
	fmt.Println(s.ID, s.Process, back.Process(s.Process).Methods[0].Action)
	for _, b := range s.Branches {
		fmt.Printf("  when %q respond %q end %q\n", b.When, b.Respond, b.End)
	}
	fmt.Println(rep.Placeholders)
	// Output:
	// triage playbook--3e2fd73a-d0c0-5273-a5fe-1091f2882fe2 2000-01-01T00:00:00.000Z
	// condition: __bad__:value = true
	// map[action:2 end:3 if-condition:1 start:1]
	// check: []
	// check 1 edr.scan
	//   when "fields.bad" respond "isolate" end ""
	//   when "" respond "" end "clean"
	// [$.criteria.severities[0] $.criteria.triage_threshold]
}
