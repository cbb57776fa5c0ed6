package executor_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

func TestDryRun(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["c2-single-host-ongoing"]
	f := &fakes{outputs: s.Outputs}
	ctx := context.Background()
	e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)),
		executor.WithDryRun(s.Outputs), executor.WithApprover(executor.AutoApprove("csirt-lead")))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := e.Run(ctx, s.Alert)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Completed || !rec.DryRun || rec.Response != "fr-1" {
		t.Fatalf("status %s (%s), dry %v, response %s", rec.Status, rec.Error, rec.DryRun, rec.Response)
	}
	if calls := f.log(); len(calls) != 0 {
		t.Errorf("a dry run made calls: %v", calls)
	}
	for _, ev := range rec.Events {
		if ev.Kind == executor.EvMethod && ev.Action != "" && !ev.DryRun {
			t.Errorf("method event %s %s not marked dry", ev.Method, ev.Action)
		}
	}
	rec = roundTrip(t, rec)
	if !rec.DryRun {
		t.Fatal("dry_run lost through JSON")
	}
	// A real engine rolls a dry run back without calling anything.
	real, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)))
	rec, err = real.Rollback(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	if calls := f.log(); len(calls) != 0 {
		t.Errorf("rollback of a dry run made calls: %v", calls)
	}
	if diff := cmp.Diff([]ident.Number{"2.2.1", "2.1.1"}, rec.RolledBack); diff != "" {
		t.Errorf("rolled back (-want +got):\n%s", diff)
	}
}

// TestDryRunResumeStaysDry resumes a waiting dry run with an engine that
// is not dry and approves: nothing may be called.
func TestDryRunResumeStaysDry(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["c2-single-host-ongoing"]
	f := &fakes{outputs: s.Outputs}
	ctx := context.Background()
	dry, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithDryRun(s.Outputs))
	rec, _ := dry.Run(ctx, s.Alert)
	if rec.Status != executor.Waiting || rec.Pending.Party != "csirt" {
		t.Fatalf("status %s (%s), pending %+v; want waiting for csirt", rec.Status, rec.Error, rec.Pending)
	}
	real, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)))
	rec, err := real.Resume(ctx, roundTrip(t, rec), executor.Answer{Approve: true, Actor: "lead"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Completed || len(f.log()) != 0 {
		t.Errorf("status %s (%s), calls %v; want completed with no calls", rec.Status, rec.Error, f.log())
	}
}

// TestDryRunMissingOutput: without outputs, a dry run stops at the first
// expression that reads an output, naming it and the method.
func TestDryRunMissingOutput(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["worm-lateral"]
	manual := map[ident.Number]map[string]any{}
	for id, out := range s.Outputs {
		if m := plan.Method(id); m != nil && m.Manual() {
			manual[id] = out
		}
	}
	e, _ := executor.New(executor.WithPlan(plan), executor.WithDryRun(manual))
	rec, _ := e.Run(context.Background(), s.Alert)
	want := "step lateral-traffic: branches[0] (size(fields.lateral_ips) >= 5): field lateral_ips (an output of method 1.3.1, edr.internal_connections) is not known; a dry run"
	if rec.Status != executor.Failed || !strings.HasPrefix(rec.Error, want) {
		t.Errorf("status %s, error %q\nwant failed, %q…", rec.Status, rec.Error, want)
	}
}

func TestDryRunBadOutputs(t *testing.T) {
	_, err := executor.New(executor.WithPlan(loadPlan(t)), executor.WithDryRun(map[ident.Number]map[string]any{
		"1.3.1": {"lateral_ips": "10.0.0.1"}, "9.9.9": {}}))
	for _, s := range []string{"method 1.3.1: output lateral_ips (ip list)", "method 9.9.9: the design has no such method"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("New: err %v, want it to contain %q", err, s)
		}
	}
}

func TestCheckAnswer(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["c2-single-host-ongoing"]
	f := &fakes{outputs: s.Outputs}
	ctx := context.Background()
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)))
	atConfirm, _ := e.Run(ctx, s.Alert) // waits for 0.1.1
	atIOCs, _ := e.Resume(ctx, roundTrip(t, atConfirm), executor.Answer{Outputs: map[ident.Number]map[string]any{"0.1.1": {"confirmed": true}}})
	if atIOCs.Pending == nil || atIOCs.Pending.Method != "1.4.1" {
		t.Fatalf("pending %+v, want method 1.4.1", atIOCs.Pending)
	}
	atConfirm, _ = e.Run(ctx, s.Alert)
	pf := &fakes{outputs: s.Outputs}
	pe, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(pf.registry(t)), executor.WithPerson(pf.person()))
	atApproval, _ := pe.Run(ctx, s.Alert)
	done, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(pf.registry(t)), executor.WithPerson(pf.person()),
		executor.WithApprover(executor.AutoApprove("x")))
	completed, _ := done.Run(ctx, s.Alert)

	type outs = map[ident.Number]map[string]any
	tests := []struct {
		name     string
		rec      *executor.Record
		answer   executor.Answer
		conflict bool   // wraps ErrNotWaiting
		errHas   string // "" for a valid answer
	}{
		{name: "outputs of the pending method", rec: atIOCs, answer: executor.Answer{Outputs: outs{"1.4.1": {"iocs": []any{"a"}}}}},
		{name: "pending and a later method", rec: atIOCs, answer: executor.Answer{Outputs: outs{"1.4.1": {"iocs": []any{"a"}}, "1.27.1": s.Outputs["1.27.1"]}}},
		{name: "nothing: the Person is asked", rec: atIOCs},
		{name: "wrong type", rec: atIOCs, answer: executor.Answer{Outputs: outs{"1.4.1": {"iocs": "notalist"}}}, errHas: "method 1.4.1: output iocs (string list)"},
		{name: "undeclared output", rec: atIOCs, answer: executor.Answer{Outputs: outs{"1.4.1": {"ioc": []any{"a"}}}}, errHas: `output "ioc" is not one of the method's outputs`},
		{name: "not the pending method", rec: atIOCs, answer: executor.Answer{Outputs: outs{"1.27.1": s.Outputs["1.27.1"]}}, errHas: "waits for the outputs of method 1.4.1"},
		{name: "unknown method", rec: atIOCs, answer: executor.Answer{Outputs: outs{"1.4.1": {}, "7.7.7": {}}}, errHas: "method 7.7.7: the design has no such method"},
		{name: "already done", rec: atIOCs, answer: executor.Answer{Outputs: outs{"1.4.1": {}, "0.1.1": {"confirmed": true}}}, errHas: "method 0.1.1: already done"},
		{name: "an action's method", rec: atIOCs, answer: executor.Answer{Outputs: outs{"1.4.1": {}, "2.1.1": {}}}, errHas: "method 2.1.1: it calls firewall.block_ip"},
		{name: "empty outputs", rec: atConfirm, answer: executor.Answer{Outputs: outs{"0.1.1": {}}}, errHas: "method 0.1.1: the answer leaves out confirmed"},
		{name: "null outputs", rec: atConfirm, answer: executor.Answer{Outputs: outs{"0.1.1": nil}}, errHas: "method 0.1.1: the answer leaves out confirmed"},
		{name: "a null output", rec: atConfirm, answer: executor.Answer{Outputs: outs{"0.1.1": {"confirmed": nil}}}, errHas: "method 0.1.1: the answer leaves out confirmed"},
		{name: "a later method without its outputs", rec: atIOCs, answer: executor.Answer{Outputs: outs{"1.4.1": {"iocs": []any{"a"}}, "1.27.1": {}}}, errHas: "method 1.27.1: the answer leaves out"},
		{name: "approve a person's task", rec: atConfirm, answer: executor.Answer{Approve: true}, conflict: true, errHas: "waits for method 0.1.1"},
		{name: "outputs to an approval", rec: atApproval, answer: executor.Answer{Outputs: outs{"1.4.1": {}}}, conflict: true, errHas: "waits for the approval of csirt"},
		{name: "approve an approval", rec: atApproval, answer: executor.Answer{Approve: true}},
		{name: "approve and reject", rec: atApproval, answer: executor.Answer{Approve: true, Reject: true}, errHas: "both approve and reject"},
		{name: "not waiting", rec: completed, answer: executor.Answer{Approve: true}, conflict: true, errHas: "is completed, not waiting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := plan.CheckAnswer(tt.rec, tt.answer)
			if tt.errHas == "" {
				if err != nil {
					t.Errorf("CheckAnswer: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("CheckAnswer: %v, want an error containing %q", err, tt.errHas)
			}
			if got := errors.Is(err, executor.ErrNotWaiting); got != tt.conflict {
				t.Errorf("errors.Is(err, ErrNotWaiting) = %v, want %v", got, tt.conflict)
			}
		})
	}

	// Resume refuses a bad answer and leaves the record as it was.
	before := roundTrip(t, atIOCs)
	rec := roundTrip(t, atIOCs)
	if _, err := e.Resume(ctx, rec, executor.Answer{Outputs: outs{"1.4.1": {"iocs": "notalist"}}}); err == nil {
		t.Error("Resume with a mistyped answer: no error")
	}
	if diff := cmp.Diff(before, rec); diff != "" {
		t.Errorf("Resume changed the record (-before +after):\n%s", diff)
	}
	// An empty answer is refused too: the run still waits.
	rec = roundTrip(t, atConfirm)
	before = roundTrip(t, atConfirm)
	if _, err := e.Resume(ctx, rec, executor.Answer{Outputs: outs{"0.1.1": {}}}); err == nil {
		t.Error("Resume with an empty answer: no error")
	}
	if diff := cmp.Diff(before, rec); diff != "" {
		t.Errorf("Resume with an empty answer changed the record (-before +after):\n%s", diff)
	}
}

// TestCallErrorOnce: a CallError from an adapter is not repeated after
// the method and action that the message names already.
func TestCallErrorOnce(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["c2-single-host-ongoing"]
	f := &fakes{outputs: s.Outputs, override: map[ident.Number]func(context.Context) (adapters.Result, error){
		"1.1.2": func(context.Context) (adapters.Result, error) {
			return adapters.Result{}, adapters.NewCallError("edr", adapters.Request{Operation: "connections_by_file", Method: "1.1.2"}, errors.New("403 forbidden"))
		},
	}}
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()))
	rec, _ := e.Run(context.Background(), s.Alert)
	if want := "method 1.1.2 (edr.connections_by_file): 403 forbidden"; rec.Error != want {
		t.Errorf("error %q, want %q", rec.Error, want)
	}
}
