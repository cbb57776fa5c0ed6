package synth

import (
	"fmt"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// Sizes of the generated designs.
const (
	StepsPerPlaybook = 20
	maxProcesses     = 40 // investigation processes shared by the playbooks
	flagCount        = 8  // bool fields that branches test
	maxResponses     = 4
)

func ptr[T any](v T) *T { return &v }

// Design returns a valid design with n playbooks. The same n always gives
// the same design.
func Design(n int) *secops.Design {
	minute, _ := duration.Parse("1m")
	// Only as many shared processes and responses as the playbooks use, so
	// that nothing is unused.
	processCount := min(maxProcesses, n+StepsPerPlaybook-1)
	responseCount := min(maxResponses, n+1)
	d := &secops.Design{
		Format:   secops.Format,
		Metadata: secops.Metadata{Name: ident.ID(fmt.Sprintf("synthetic-%d", n)), Title: "Synthetic design", Language: "en"},
		Scope: scope.Scope{
			Parties: []scope.Party{
				{ID: "soc", Name: "SOC", Sourcing: scope.Outsourced},
				{ID: "csirt", Name: "CSIRT", Sourcing: scope.InHouse},
				{ID: "it", Name: "IT", Sourcing: scope.InHouse},
			},
			Domains: []scope.Domain{{ID: "cybersecurity", Name: "Cybersecurity", InScope: ptr(true)}},
			Systems: []scope.System{{ID: "user-pcs", Name: "User PCs", Class: scope.UserPC}},
			Responsibilities: scope.Responsibilities{
				Detection:     &scope.Assignment{Responsible: "soc", Informed: []ident.ID{"csirt"}},
				Triage:        &scope.Assignment{Responsible: "csirt"},
				FirstResponse: &scope.Assignment{Responsible: "it", Accountable: "csirt"},
				Analysis:      &scope.Assignment{Responsible: "csirt"},
				Response:      &scope.Assignment{Responsible: "csirt"},
			},
		},
		Criteria: criteria.Criteria{
			Severities: criteria.Severities{
				{ID: "critical", Name: "Critical", Targets: criteria.Targets{FirstResponse: 240 * minute}},
				{ID: "high", Name: "High", Targets: criteria.Targets{FirstResponse: 240 * minute}},
				{ID: "low", Name: "Low"},
			},
			TriageThreshold: "high",
		},
	}
	d.Fields = append(d.Fields,
		process.Field{ID: "category", Name: "Alert category", Type: process.String},
		process.Field{ID: "rule", Name: "Alert rule", Type: process.String},
		process.Field{ID: "host", Name: "Host", Type: process.Host},
		process.Field{ID: "dst_ip", Name: "Destination", Type: process.IP},
		process.Field{ID: "hosts", Name: "Other hosts", Type: process.Host, List: true},
	)
	for k := 0; k < flagCount; k++ {
		d.Fields = append(d.Fields, process.Field{ID: ident.ID(fmt.Sprintf("flag_%d", k)), Name: fmt.Sprintf("Finding %d", k), Type: process.Bool})
	}
	for p := 1; p <= processCount; p++ {
		pid := ident.Number(fmt.Sprintf("1.%d", p))
		d.Processes = append(d.Processes, process.Process{ID: pid, Name: fmt.Sprintf("Investigation %d", p), Methods: []process.Method{
			{ID: pid + ".1", Name: "Query the EDR", Procedure: "Search the EDR telemetry of the host for the indicator.", Inputs: []ident.ID{"host", "dst_ip"},
				Outputs: []ident.ID{ident.ID(fmt.Sprintf("flag_%d", p%flagCount))}, Action: "edr.search", Estimate: 2 * minute},
			{ID: pid + ".2", Name: "Search the fleet", Procedure: "Search the other hosts for the same indicator.", When: fmt.Sprintf("has(fields.flag_%d)", p%flagCount),
				Inputs: []ident.ID{"dst_ip"}, Outputs: []ident.ID{"hosts"}, Action: "edr.historical_search", Estimate: 3 * minute},
		}})
	}
	for r := 1; r <= responseCount; r++ {
		pid := ident.Number(fmt.Sprintf("2.%d", r))
		d.Processes = append(d.Processes, process.Process{ID: pid, Name: fmt.Sprintf("Containment %d", r), Methods: []process.Method{
			{ID: pid + ".1", Name: "Block", Procedure: "Block the destination at the firewall.", Inputs: []ident.ID{"dst_ip"}, Action: "firewall.block_ip",
				Rollback: &process.Rollback{Procedure: "Remove the block.", Action: "firewall.unblock_ip"}, Estimate: 5 * minute},
		}})
		d.Responses = append(d.Responses, response.Response{ID: ident.ID(fmt.Sprintf("fr-%d", r)), Name: fmt.Sprintf("Contain %d", r),
			Phase: response.FirstResponse, Processes: []ident.Number{pid}, Approval: "csirt"})
	}
	for i := 0; i < n; i++ {
		inc := ident.ID(fmt.Sprintf("incident-%d", i))
		d.Scope.Incidents = append(d.Scope.Incidents, scope.Incident{ID: inc, Name: fmt.Sprintf("Incident %d", i), Domain: "cybersecurity", Systems: []ident.ID{"user-pcs"}})
		sev := ident.ID("high")
		if i%5 == 0 {
			sev = "critical"
		}
		d.Criteria.Detections = append(d.Criteria.Detections, criteria.Detection{
			ID: ident.ID(fmt.Sprintf("rule-%d", i)), Name: fmt.Sprintf("Rule %d", i), Source: "soc",
			When: fmt.Sprintf(`alert.category == "c2" && alert.rule == "R-%d"`, i), Incident: inc, Severity: sev,
		})
		d.Playbooks = append(d.Playbooks, playbookFor(i, inc, processCount, responseCount))
	}
	d.Policies = []secops.Policy{{ID: "approved", Description: "Every containment is approved by the CSIRT.",
		Rule: `design.responses.all(r, r.approval == "csirt")`}}
	return d
}

// playbookFor returns playbook i: a chain of steps where every fourth step
// branches on a finding, skipping one step when it holds, and the last step
// responds.
func playbookFor(i int, inc ident.ID, processCount, responseCount int) playbook.Playbook {
	pb := playbook.Playbook{ID: ident.ID(fmt.Sprintf("playbook-%d", i)), Name: fmt.Sprintf("Triage %d", i),
		Incidents: []ident.ID{inc}, Inputs: []ident.ID{"host", "dst_ip"}, Start: "step-0"}
	step := func(j int) ident.ID { return ident.ID(fmt.Sprintf("step-%d", j)) }
	for j := 0; j < StepsPerPlaybook; j++ {
		s := playbook.Step{ID: step(j), Name: fmt.Sprintf("Step %d", j), Target: playbook.Host,
			Process: ident.Number(fmt.Sprintf("1.%d", (i+j)%processCount+1))}
		switch {
		case j == StepsPerPlaybook-1:
			s.Branches = []playbook.Branch{
				{When: "size(fields.hosts) > 0", Respond: ident.ID(fmt.Sprintf("fr-%d", i%responseCount+1))},
				{When: fmt.Sprintf("has(fields.flag_%d) && fields.flag_%d", j%flagCount, j%flagCount), Respond: ident.ID(fmt.Sprintf("fr-%d", (i+1)%responseCount+1))},
				{End: "nothing found"},
			}
		case j%4 == 3 && j+2 < StepsPerPlaybook:
			s.Branches = []playbook.Branch{
				{When: fmt.Sprintf("has(fields.flag_%d) && fields.flag_%d", j%flagCount, j%flagCount), Goto: step(j + 2)},
				{Goto: step(j + 1)},
			}
		default:
			s.Next = step(j + 1)
		}
		pb.Steps = append(pb.Steps, s)
	}
	return pb
}

// WideMapping returns a design document in YAML whose top-level block
// mapping has keys entries: format, then keys-1 keys the format does not
// have, each with a 62-character quoted value, 78 bytes a line. It is the
// shape that makes parsers that re-copy a mapping as it grows quadratic.
func WideMapping(keys int) []byte {
	const value = "a value long enough to make each line about 78 bytes long...."
	b := make([]byte, 0, keys*80)
	b = append(b, "format: secops/v1\n"...)
	for i := 1; i < keys; i++ {
		b = fmt.Appendf(b, "key_%07d: %q\n", i, value)
	}
	return b
}
