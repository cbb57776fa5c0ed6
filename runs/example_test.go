package runs_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runstore"
)

// A malware alert whose triage is a person's (the CSIRT's) and whose
// containment needs the manager's approval.
const design = `
format: secops/v1
metadata: {name: example}
scope:
  parties:
    - {id: soc, name: SOC, sourcing: outsourced}
    - {id: csirt, name: CSIRT, sourcing: in-house}
    - {id: manager, name: Manager, sourcing: in-house}
  domains: [{id: cyber, name: Cybersecurity}]
  incidents: [{id: malware, name: Malware, domain: cyber}]
  responsibilities:
    detection: {responsible: soc}
    triage: {responsible: csirt}
    first_response: {responsible: csirt}
    analysis: {responsible: csirt}
    response: {responsible: csirt}
criteria:
  severities: [{id: low, name: Low}]
  triage_threshold: low
  detections:
    - {id: edr-malware, name: EDR malware alert, source: soc, when: 'alert.category == "malware"', incident: malware, severity: low}
fields:
  - {id: category, name: Category, type: string}
  - {id: host, name: Host, type: host}
  - {id: spreading, name: Spreading, type: bool}
processes:
  - id: "1.1"
    name: Check spread
    methods:
      - {id: "1.1.1", name: Look for spread, procedure: Search the EDR for the hash on other hosts., inputs: [host], outputs: [spreading], estimate: 10m}
  - id: "2.1"
    name: Isolate
    methods:
      - id: "2.1.1"
        name: Isolate the host
        procedure: Isolate the host with the EDR.
        inputs: [host]
        action: edr.isolate
        rollback: {procedure: Release the host., action: edr.release}
        estimate: 1m
responses:
  - {id: isolate, name: Isolate, phase: first_response, processes: ["2.1"], approval: manager}
playbooks:
  - id: malware-triage
    name: Malware triage
    incidents: [malware]
    inputs: [host]
    start: spread
    steps:
      - id: spread
        name: Check spread
        process: "1.1"
        branches:
          - {when: fields.spreading, respond: isolate}
          - {end: contained}
`

// The life of a run: started from an alert, it waits for the CSIRT's
// answer, then for the manager's approval of the containment, which is
// then rolled back. An act by someone who does not act for the party the
// design names is refused with a typed error.
func Example() {
	d, findings, err := secops.Check(strings.NewReader(design), "design.yaml")
	if err != nil || findings.HasErrors() {
		log.Fatal(err, findings)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		log.Fatal(err)
	}
	edr := adapters.Func("edr", func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		fmt.Printf("  edr.%s %v (key %s)\n", req.Operation, req.Inputs["host"], req.IdempotencyKey)
		return adapters.Result{}, nil
	})
	reg, err := adapters.NewRegistry(edr)
	if err != nil {
		log.Fatal(err)
	}
	r, err := runs.New(plan, runstore.NewMemory(), runs.WithRegistry(reg))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	ctx := context.Background()
	soc := runs.Actor{Name: "soc-bot", Parties: []ident.ID{"soc"}}
	csirt := runs.Actor{Name: "alice", Parties: []ident.ID{"csirt"}}
	manager := runs.Actor{Name: "bob", Parties: []ident.ID{"manager"}}
	show := func(rec *executor.Record) {
		fmt.Printf("%s", rec.Status)
		if p := rec.Pending; p != nil {
			fmt.Printf(" for %s", runs.WaitingParty(plan, p))
		}
		fmt.Println()
	}

	// The run's id comes from the idempotency key, so that the same
	// alert posted twice is one run.
	rec, _, err := r.Start(ctx, map[string]any{"category": "malware", "host": "pc-042"}, "alert-1", soc)
	if err != nil {
		log.Fatal(err)
	}
	show(rec)

	spreading := map[ident.Number]map[string]any{"1.1.1": {"spreading": true}}
	if _, err := r.Answer(ctx, rec.ID, spreading, soc); errors.As(err, new(*runs.WrongPartyError)) {
		fmt.Println("refused:", err)
	}
	rec, err = r.Answer(ctx, rec.ID, spreading, csirt)
	if err != nil {
		log.Fatal(err)
	}
	show(rec)

	if rec, err = r.Approve(ctx, rec.ID, manager); err != nil {
		log.Fatal(err)
	}
	show(rec)
	if rec, err = r.Rollback(ctx, rec.ID, csirt); err != nil {
		log.Fatal(err)
	}
	fmt.Println("rolled back:", rec.RolledBack)
	// Output:
	// waiting for csirt
	// refused: run 58c3c04268292ef4: task 1.1.1 (its phase's responsible) is csirt's (the design names it); soc-bot acts for soc
	// waiting for manager
	//   edr.isolate pc-042 (key 58c3c04268292ef4/response/isolate/2.1.1)
	// completed
	//   edr.release pc-042 (key 58c3c04268292ef4/rollback/2.1.1)
	// rolled back: [2.1.1]
}
