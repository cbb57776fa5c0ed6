package cacao_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/cacao"
	"github.com/secopsdesign/secops/cacao/internal/runner"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/scenario"
	"github.com/secopsdesign/secops/suite"
)

// rejoin is a design whose branches re-join: two branches of check go
// to contain, and report is reached from contain and from check's
// default; report's branches have no default.
const rejoin = `format: secops/v1
metadata: {name: rejoin, tlp: green}
scope:
  parties: [{id: soc, name: SOC, sourcing: in-house}, {id: mssp, name: MSSP, sourcing: outsourced}]
  responsibilities:
    detection: {responsible: mssp}
    triage: {responsible: soc}
    first_response: {responsible: soc}
    analysis: {responsible: soc}
    response: {responsible: soc}
  domains: [{id: it, name: IT}]
  incidents: [{id: malware, name: Malware, domain: it}]
criteria:
  severities: [{id: high, name: High}, {id: low, name: Low}]
  triage_threshold: low
  detections:
    - {id: edr, name: EDR, source: mssp, when: 'alert.kind == "edr"', incident: malware, severity: high}
    - {id: av, name: AV, source: mssp, when: 'alert.kind == "av"', incident: malware, severity: low}
fields:
  - {id: kind, name: Kind, type: string}
  - {id: host, name: Host, type: host}
  - {id: family, name: Family, type: string}
  - {id: bad, name: Malicious, type: bool}
  - {id: load, name: Load, type: int}
processes:
  - id: "1"
    name: Check the host
    methods:
      - {id: "1.1", name: Scan, procedure: Scan the host., inputs: [host], outputs: [bad, family, load], action: edr.scan, estimate: 5m}
  - id: "2"
    name: Contain
    methods:
      - {id: "2.1", name: Look at the load, procedure: Look., when: 'has(fields.load) && fields.load > 50', estimate: 5m}
      - {id: "2.2", name: Quarantine, procedure: Quarantine the file., inputs: [host], action: edr.quarantine, estimate: 5m,
         rollback: {procedure: Restore it., action: edr.restore}}
  - id: "3"
    name: Report
    methods:
      - {id: "3.1", name: Write the report, procedure: Write it., estimate: 5m}
  - id: "4"
    name: Isolate
    methods:
      - {id: "4.1", name: Isolate, procedure: Isolate the host., inputs: [host], action: edr.isolate, estimate: 5m,
         rollback: {procedure: Release it., action: edr.release}}
responses:
  - {id: isolate, name: Isolate, phase: first_response, processes: ["4"], approval: soc}
playbooks:
  - id: triage
    name: Triage
    incidents: [malware]
    inputs: [host, kind]
    start: check
    steps:
      - id: check
        name: Check
        process: "1"
        branches:
          - {when: 'fields.family in ["wannacry", "notpetya"]', goto: contain}
          - {when: fields.bad, goto: contain}
          - {goto: report}
      - id: contain
        name: Contain
        process: "2"
        next: report
      - id: report
        name: Report
        process: "3"
        branches:
          - {when: 'severity == "high"', respond: isolate}
          - {when: '!fields.bad', end: nothing to do}
`

// TestRejoin: a design step that several branches lead to is written
// once for each way into it, each copy a block of its own; the
// playbook runs as the design does on every path, and imports back to
// the same design, which exports to the same bytes.
func TestRejoin(t *testing.T) {
	d, lf, err := secops.Load(strings.NewReader(rejoin), "rejoin.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	if fl := finding.From(d.Validate()); fl.HasErrors() {
		t.Fatal(fl)
	}
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	af, tenant := webhookAdapters(t, d, srv.URL)
	files, err := cacao.Export(d, cacao.Options{Adapters: af})
	if err != nil {
		t.Fatal(err)
	}
	pb := files[0].Playbook
	if errs := cacao.Check(pb); errs != nil {
		t.Fatal(errs)
	}
	copies := map[string]int{}
	for _, s := range pb.Workflow {
		if s.Type == cacao.StepAction && s.Name == "Write the report" {
			copies[s.Name]++
		}
		if s.Type == cacao.StepAction && s.Name == "Quarantine" {
			copies[s.Name]++
		}
	}
	if diff := cmp.Diff(map[string]int{"Write the report": 3, "Quarantine": 2}, copies); diff != "" {
		t.Errorf("copies (-want +got):\n%s", diff)
	}
	var first bytes.Buffer
	if err := pb.Encode(&first); err != nil {
		t.Fatal(err)
	}
	rp, err := runner.Decode(first.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	out := func(bad bool, family string, load int) map[string]any {
		return map[string]any{"bad": bad, "family": family, "load": load}
	}
	scenarios := []scenario.Scenario{
		{ID: "worm-high", Alert: map[string]any{"kind": "edr", "host": "pc-1"}, Outputs: outputs(out(false, "wannacry", 80))},
		{ID: "bad-low", Alert: map[string]any{"kind": "av", "host": "pc-2"}, Outputs: outputs(out(true, "x", 10))},
		{ID: "clean-low", Alert: map[string]any{"kind": "av", "host": "pc-3"}, Outputs: outputs(out(false, "x", 10))},
		{ID: "clean-high", Alert: map[string]any{"kind": "edr", "host": "pc-4"}, Outputs: outputs(out(false, "x", 99))},
	}
	ends := map[string]bool{}
	for i := range scenarios {
		sc := &scenarios[i]
		t.Run(string(sc.ID), func(t *testing.T) {
			rec, err := suite.Simulate(context.Background(), plan, sc)
			if err != nil && (sc.ID != "bad-low" || !strings.Contains(err.Error(), "no branch holds")) {
				t.Fatal(err)
			}
			ends[string(rec.Response)+rec.End] = true
			runBoth(t, h, tenant, rp, sc, rec)
		})
	}
	if len(ends) != 3 {
		t.Errorf("the scenarios reach %v, want the response, the end and no match", ends)
	}
	// bad-low matches no branch of report: the secops run fails there,
	// and the CACAO run ends in the no-match end step, which marks no
	// response or end of the design (runBoth compares it so).

	back, rep, err := cacao.Import(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d.Playbooks[0].Steps, back.Playbooks[0].Steps); diff != "" {
		t.Errorf("imported steps (-want +got):\n%s", diff)
	}
	if back.Metadata.TLP != secops.TLPGreen {
		t.Errorf("tlp %q", back.Metadata.TLP)
	}
	for _, n := range rep.Notes {
		if n.Path != "" {
			t.Errorf("dropped: %v", n)
		}
	}
	again, err := cacao.Export(back, cacao.Options{Adapters: af})
	if err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if err := again[0].Playbook.Encode(&second); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.String(), second.String()); diff != "" {
		t.Errorf("export → import → export (-want +got):\n%s", diff)
	}
}

func outputs(scan map[string]any) map[ident.Number]map[string]any {
	return map[ident.Number]map[string]any{"1.1": scan, "2.1": {}, "3.1": {}}
}
