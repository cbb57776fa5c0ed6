package server

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/executor"
)

// TestCard builds the card of an acme-web run waiting for the approval
// of its containment, before, just after and long after its
// first-response target: names beside ids, the values each action would
// act on, what the triage found, and the time left or the breach in words.
func TestCard(t *testing.T) {
	d, lf, err := secops.LoadFile("../examples/acme-web/design.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	hours := func(s string) duration.Duration {
		v, err := duration.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	start := time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)
	rec := func(events ...executor.Event) *executor.Record {
		return &executor.Record{ID: "r1", Status: executor.Waiting, Incident: "bec", Severity: "sev2", Playbook: "bec-triage",
			Started: start, Targets: criteria.Targets{FirstResponse: hours("4h"), Response: hours("7d")},
			Fields:  map[string]any{"mailbox": "j.doe@acme.example", "sender_domain": "acme-payments.example", "forwarding_rule": true},
			Pending: &executor.Pending{Stage: executor.ResponseStage, Response: "fr-secure-account", Party: "secteam"},
			Events: append([]executor.Event{
				{Kind: executor.EvMethod, Method: "1.1.2", Outputs: map[string]any{"forwarding_rule": true}},
				{Kind: executor.EvMethod, Method: "1.2.1", Outputs: map[string]any{"recipients": []any{"ap@acme.example", "cfo@acme.example"}}},
				{Kind: executor.EvMethod, Method: "1.3.1"}, // no outputs: nothing found to show
			}, events...)}
	}
	type summary struct {
		Status, Incident, Severity, Playbook, Response string
		Targets                                        []string
		Gathered                                       []string
		Actions                                        []string
	}
	sum := func(c Card) summary {
		s := summary{Status: c.Status, Incident: c.Incident.String(), Severity: c.Severity.String(), Playbook: c.Playbook.String(), Response: c.Response.String()}
		for _, t := range c.Targets {
			b := ""
			if t.Breached {
				b = " BREACHED"
			}
			s.Targets = append(s.Targets, t.Target+" "+t.Limit+": "+t.Left+b)
		}
		for _, g := range c.Gathered {
			for _, v := range g.Values {
				s.Gathered = append(s.Gathered, g.Method.ID+" "+v.Field.Name+": "+v.Text)
			}
		}
		for _, a := range c.Actions {
			line := a.Method.ID + " " + a.Action
			for _, v := range a.Inputs {
				line += " " + v.Field.ID + "=" + v.Text
			}
			if a.Condition != "" {
				line += " if " + a.Condition
			}
			s.Actions = append(s.Actions, line)
		}
		return s
	}
	actions := []string{
		"2.1.1 idp.revoke_sessions mailbox=j.doe@acme.example",
		"2.1.2  mailbox=j.doe@acme.example",
		"2.2.1 mail.remove_inbox_rule mailbox=j.doe@acme.example if has(fields.forwarding_rule) && fields.forwarding_rule",
		"2.2.2 mail.purge_message message_id=not known yet if has(fields.message_id)",
		"2.2.3 mail.block_sender_domain sender_domain=acme-payments.example if has(fields.lookalike_domain) && fields.lookalike_domain",
	}
	gathered := []string{
		"1.1.2 A rule forwards mail outside the company: yes",
		"1.2.1 Recipients of mail from or to the mailbox: ap@acme.example, cfo@acme.example",
	}
	head := summary{Status: "Waiting for an approval", Incident: "Business e-mail compromise (bec)", Severity: "SEV2 - major (sev2)",
		Playbook: "Business e-mail compromise (bec-triage)", Response: "Secure the account and clean the mailbox (fr-secure-account)",
		Gathered: gathered, Actions: actions}
	with := func(targets ...string) summary { s := head; s.Targets = targets; return s }
	tests := []struct {
		name string
		rec  *executor.Record
		now  time.Time
		want summary
	}{
		{"an hour in", rec(), start.Add(time.Hour + 30*time.Second),
			with("First response 4h: 2h 59m left", "Response 1w: 6d 22h left")},
		{"just past the target", rec(), start.Add(4*time.Hour + 10*time.Second),
			with("First response 4h: passed <1m ago BREACHED", "Response 1w: 6d 19h left")},
		{"breached and escalated", rec(executor.Event{Kind: executor.EvBreach, Target: executor.FirstResponseTarget}), start.Add(5 * time.Hour),
			with("First response 4h: passed 1h 0m ago BREACHED", "Response 1w: 6d 19h left")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, sum(NewCard(plan, tt.rec, tt.now))); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
