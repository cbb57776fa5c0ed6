package executor_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// outcome is the part of a record the path tests compare.
type outcome struct {
	Status    executor.Status
	Detection ident.ID
	Incident  ident.ID
	Severity  ident.ID
	Playbook  ident.ID
	Path      []ident.ID
	Response  ident.ID
	Skipped   []ident.Number
	Applied   []ident.Number
	Within    bool
}

func outcomeOf(r *executor.Record) outcome {
	return outcome{r.Status, r.Detection, r.Incident, r.Severity, r.Playbook, r.Path, r.Response, r.Skipped, r.Applied, r.WithinTarget()}
}

var (
	taPath       = []ident.ID{"exfil-data", "c2-traffic", "lateral-traffic", "aggregate", "offer-report", "search-others"}
	taSkipNoFile = []ident.Number{"1.1.1", "1.2.1"}
)

func TestPaths(t *testing.T) {
	plan := loadPlan(t)
	sc := loadScenarios(t)
	tests := []struct {
		name     string
		scenario ident.ID
		alert    map[string]any                  // replaces the scenario's alert
		outputs  map[ident.Number]map[string]any // replace some of the scenario's outputs
		want     outcome
	}{
		{name: "targeted attack, one host, ongoing: fr-1", scenario: "c2-single-host-ongoing", want: outcome{
			Status: executor.Completed, Detection: "mssp-c2-threat-intel", Incident: "targeted-attack", Severity: "high",
			Playbook: "targeted-attack-triage", Path: append(taPath[:6:6], "continuity-host"), Response: "fr-1",
			Applied: []ident.Number{"2.1.1", "2.2.1"}, Within: true}},
		{name: "targeted attack, one host, stopped: fr-4", scenario: "c2-single-host-ongoing",
			outputs: map[ident.Number]map[string]any{"1.6.1": {"attack_ongoing": false}}, want: outcome{
				Status: executor.Completed, Detection: "mssp-c2-threat-intel", Incident: "targeted-attack", Severity: "high",
				Playbook: "targeted-attack-triage", Path: append(taPath[:6:6], "continuity-host"), Response: "fr-4",
				Applied: []ident.Number{"2.2.1"}, Within: true}},
		{name: "targeted attack, spread, stopped: fr-5", scenario: "c2-spread-stopped", want: outcome{
			Status: executor.Completed, Detection: "mssp-c2-threat-intel", Incident: "targeted-attack", Severity: "high",
			Playbook: "targeted-attack-triage", Path: append(taPath[:6:6], "continuity-all"), Response: "fr-5",
			Skipped: taSkipNoFile, Applied: []ident.Number{"2.4.1"}, Within: true}},
		{name: "targeted attack, spread, ongoing: fr-1", scenario: "c2-spread-stopped",
			outputs: map[ident.Number]map[string]any{"1.6.1": {"attack_ongoing": true}}, want: outcome{
				Status: executor.Completed, Detection: "mssp-c2-threat-intel", Incident: "targeted-attack", Severity: "high",
				Playbook: "targeted-attack-triage", Path: append(taPath[:6:6], "continuity-all"), Response: "fr-1",
				Skipped: taSkipNoFile, Applied: []ident.Number{"2.1.1", "2.2.1"}, Within: true}},
		{name: "not confirmed", scenario: "c2-not-confirmed", want: outcome{
			Status: executor.NoIncident, Detection: "mssp-c2-threat-intel", Within: true}},
		{name: "below the triage threshold", scenario: "internal-scan-low", want: outcome{
			Status: executor.NotTriaged, Detection: "mssp-internal-scan", Incident: "targeted-attack", Severity: "low", Within: true}},
		{name: "no detection", scenario: "internal-scan-low", alert: map[string]any{"category": "dlp", "host": "pc-z"}, want: outcome{
			Status: executor.NoIncident, Within: true}},
		{name: "worm: fr-2", scenario: "worm-lateral", want: outcome{
			Status: executor.Completed, Detection: "mssp-rat-signature", Incident: "malware", Severity: "medium",
			Playbook: "malware-triage", Path: []ident.ID{"c2-traffic", "lateral-traffic"}, Response: "fr-2",
			Skipped: []ident.Number{"1.2.1"}, Applied: []ident.Number{"2.3.1", "2.2.1"}, Within: true}},
		{name: "ransomware, one host: fr-3", scenario: "ransomware-contained-host", want: outcome{
			Status: executor.Completed, Detection: "mssp-ransomware-signature", Incident: "ransomware", Severity: "critical",
			Playbook: "malware-triage", Path: []ident.ID{"c2-traffic", "lateral-traffic", "aggregate", "search-others"}, Response: "fr-3",
			Applied: []ident.Number{"2.1.1"}, Within: true}},
		{name: "ransomware, spread: fr-1", scenario: "ransomware-contained-host",
			outputs: map[ident.Number]map[string]any{"1.5.1": {"other_hosts": []any{"fs-02"}}}, want: outcome{
				Status: executor.Completed, Detection: "mssp-ransomware-signature", Incident: "ransomware", Severity: "critical",
				Playbook: "malware-triage", Path: []ident.ID{"c2-traffic", "lateral-traffic", "aggregate", "search-others"}, Response: "fr-1",
				Applied: []ident.Number{"2.1.1", "2.2.1"}, Within: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sc[tt.scenario]
			f := &fakes{outputs: merged(s.Outputs, tt.outputs)}
			e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)),
				executor.WithPerson(f.person()), executor.WithApprover(executor.AutoApprove("csirt-lead")))
			if err != nil {
				t.Fatal(err)
			}
			alert := s.Alert
			if tt.alert != nil {
				alert = tt.alert
			}
			rec, err := e.Run(context.Background(), alert)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status == executor.Failed {
				t.Errorf("run failed: %s", rec.Error)
			}
			if diff := cmp.Diff(tt.want, outcomeOf(rec), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			if rec.Design != designPath || rec.DesignName != "example-corp-secops" {
				t.Errorf("record names design %q (%s), want %q", rec.Design, rec.DesignName, designPath)
			}
		})
	}
}

// roundTrip serialises rec to JSON and back, as a record kept in a file
// or a database would be.
func roundTrip(t *testing.T, rec *executor.Record) *executor.Record {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var out executor.Record
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestResume(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["c2-single-host-ongoing"]
	f := &fakes{outputs: s.Outputs}
	ctx := context.Background()

	// No person and no approver: the run waits at every manual method and
	// at the approval; each time the record goes through JSON and a new
	// engine (another process) resumes it.
	newEngine := func() *executor.Engine {
		e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	rec, err := newEngine().Run(ctx, s.Alert)
	if err != nil {
		t.Fatal(err)
	}
	type wait struct {
		Stage    executor.Stage
		Method   ident.Number
		Party    ident.ID
		Response ident.ID
	}
	var waits []wait
	for i := 0; rec.Status == executor.Waiting && i < 10; i++ {
		p := rec.Pending
		waits = append(waits, wait{p.Stage, p.Method, p.Party, p.Response})
		ans := executor.Answer{Actor: "analyst"}
		if p.Method != "" {
			ans.Outputs = map[ident.Number]map[string]any{p.Method: s.Outputs[p.Method]}
		} else {
			ans.Approve = true
		}
		rec, err = newEngine().Resume(ctx, roundTrip(t, rec), ans)
		if err != nil {
			t.Fatal(err)
		}
	}
	wantWaits := []wait{
		{Stage: executor.ConfirmStage, Method: "0.1.1"},
		{Stage: executor.StepStage, Method: "1.4.1"},
		{Stage: executor.StepStage, Method: "1.27.1"},
		{Stage: executor.ResponseStage, Party: "csirt", Response: "fr-1"},
	}
	if diff := cmp.Diff(wantWaits, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	want := outcome{Status: executor.Completed, Detection: "mssp-c2-threat-intel", Incident: "targeted-attack", Severity: "high",
		Playbook: "targeted-attack-triage", Path: append(taPath[:6:6], "continuity-host"), Response: "fr-1",
		Applied: []ident.Number{"2.1.1", "2.2.1"}, Within: true}
	if diff := cmp.Diff(want, outcomeOf(rec), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("outcome (-want +got):\n%s", diff)
	}
	if rec.Approved != "csirt" {
		t.Errorf("Approved = %q, want csirt", rec.Approved)
	}

	// A record that is not waiting cannot be resumed.
	if _, err := newEngine().Resume(ctx, rec, executor.Answer{Approve: true}); err == nil {
		t.Error("Resume of a completed run: no error")
	}
}

func TestResumeRejected(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["worm-lateral"]
	f := &fakes{outputs: s.Outputs}
	e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithPerson(f.person()))
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := e.Run(context.Background(), s.Alert)
	if rec.Status != executor.Waiting {
		t.Fatalf("status %s, want waiting", rec.Status)
	}
	rec, err = e.Resume(context.Background(), roundTrip(t, rec), executor.Answer{Reject: true, Actor: "csirt-lead"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.Failed || len(rec.Applied) != 0 || !strings.Contains(rec.Error, "not approved") {
		t.Errorf("after a rejection: status %s, applied %v, error %q", rec.Status, rec.Applied, rec.Error)
	}
}

func TestRollback(t *testing.T) {
	d := loadDesign(t)
	// Make the rollback of isolation a procedure only, to see it listed.
	d.Process("2.2").Methods[0].Rollback.Action = ""
	plan, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	s := loadScenarios(t)["worm-lateral"] // fr-2: 2.3.1 block source, 2.2.1 isolate
	f := &fakes{outputs: s.Outputs}
	e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)),
		executor.WithPerson(f.person()), executor.WithApprover(executor.AutoApprove("csirt-lead")))
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := e.Run(context.Background(), s.Alert)
	if rec.Status != executor.Completed {
		t.Fatalf("status %s: %s", rec.Status, rec.Error)
	}
	before := len(f.log())
	rec, err = e.Rollback(context.Background(), roundTrip(t, rec))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]call{{"firewall.unblock_ip", "2.3.1", true, rec.ID + "/rollback/2.3.1"}}, f.log()[before:]); diff != "" {
		t.Errorf("rollback calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]ident.Number{"2.3.1"}, rec.RolledBack); diff != "" {
		t.Errorf("RolledBack (-want +got):\n%s", diff)
	}
	wantManual := []executor.Manual{{Method: "2.2.1", Procedure: "EDRで隔離を解除する。"}}
	if diff := cmp.Diff(wantManual, rec.ManualRollback); diff != "" {
		t.Errorf("ManualRollback (-want +got):\n%s", diff)
	}
	// A second rollback undoes nothing again.
	before = len(f.log())
	if _, err := e.Rollback(context.Background(), rec); err != nil || len(f.log()) != before {
		t.Errorf("second rollback: err %v, %d more calls", err, len(f.log())-before)
	}
}

func TestRollbackOrder(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["c2-single-host-ongoing"] // fr-1: 2.1.1 block destination, 2.2.1 isolate
	f := &fakes{outputs: s.Outputs}
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)),
		executor.WithPerson(f.person()), executor.WithApprover(executor.AutoApprove("csirt-lead")))
	rec, _ := e.Run(context.Background(), s.Alert)
	before := len(f.log())
	if _, err := e.Rollback(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	want := []call{{"edr.release_host", "2.2.1", true, rec.ID + "/rollback/2.2.1"}, {"firewall.unblock_ip", "2.1.1", true, rec.ID + "/rollback/2.1.1"}}
	if diff := cmp.Diff(want, f.log()[before:]); diff != "" {
		t.Errorf("rollback calls (-want +got):\n%s", diff)
	}
}

func TestUnreliableAdapters(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["c2-single-host-ongoing"]
	release := make(chan struct{})
	defer close(release)
	attempts := 0
	tests := []struct {
		name      string
		method    ident.Number
		answer    func(ctx context.Context) (adapters.Result, error)
		status    executor.Status
		errHas    string
		wantRan   int // methods completed
		wantApply []ident.Number
		shared    bool // calls made in the run's goroutine (no WithIsolation)
	}{
		{name: "panicking", method: "1.1.2", answer: func(context.Context) (adapters.Result, error) { panic("nil map in edr client") },
			status: executor.Failed, errHas: "method 1.1.2 (edr.connections_by_file): adapter panicked: nil map in edr client", wantRan: 2},
		{name: "hanging, ignoring its context", method: "1.1.2", answer: func(context.Context) (adapters.Result, error) { <-release; return adapters.Result{}, nil },
			status: executor.Failed, errHas: "method 1.1.2 (edr.connections_by_file): timed out after 50ms", wantRan: 2},
		{name: "hanging, honouring its context", method: "1.1.2", answer: func(ctx context.Context) (adapters.Result, error) { <-ctx.Done(); return adapters.Result{}, ctx.Err() },
			status: executor.Failed, errHas: "method 1.1.2 (edr.connections_by_file): timed out after 50ms", wantRan: 2},
		{name: "hanging, honouring its context, not isolated", method: "1.1.2", answer: func(ctx context.Context) (adapters.Result, error) { <-ctx.Done(); return adapters.Result{}, ctx.Err() },
			status: executor.Failed, errHas: "method 1.1.2 (edr.connections_by_file): timed out after 50ms", wantRan: 2, shared: true},
		{name: "slow, polling Err, not isolated", method: "1.1.2", answer: func(ctx context.Context) (adapters.Result, error) {
			for ctx.Err() == nil {
				time.Sleep(time.Millisecond)
			}
			return adapters.Result{}, ctx.Err()
		}, status: executor.Failed, errHas: "method 1.1.2 (edr.connections_by_file): timed out after 50ms", wantRan: 2, shared: true},
		{name: "lying about a type", method: "1.1.2", answer: func(context.Context) (adapters.Result, error) {
			return adapters.Result{Outputs: map[string]any{"dst_ip": "not-an-ip", "service": "https", "port": 443}}, nil
		}, status: executor.Failed, errHas: `method 1.1.2 (edr.connections_by_file): output dst_ip (ip): "not-an-ip" is not an IP address`, wantRan: 2},
		{name: "undeclared output", method: "1.1.3", answer: func(context.Context) (adapters.Result, error) {
			return adapters.Result{Outputs: map[string]any{"process_name": "x.exe", "pid": 4}}, nil
		}, status: executor.Failed, errHas: `output "pid" is not one of the method's outputs`, wantRan: 3},
		{name: "retryable, then fine", method: "1.1.2", answer: func(context.Context) (adapters.Result, error) {
			if attempts++; attempts < 3 {
				return adapters.Result{}, adapters.Retryable(errors.New("503 from EDR"))
			}
			return adapters.Result{Outputs: s.Outputs["1.1.2"]}, nil
		}, status: executor.Completed, wantRan: 15, wantApply: []ident.Number{"2.1.1", "2.2.1"}},
		{name: "not retryable", method: "1.1.2", answer: func(context.Context) (adapters.Result, error) {
			return adapters.Result{}, errors.New("403 forbidden")
		}, status: executor.Failed, errHas: "403 forbidden", wantRan: 2},
		{name: "failure inside the response", method: "2.2.1", answer: func(context.Context) (adapters.Result, error) {
			return adapters.Result{}, errors.New("host pc-a is offline")
		}, status: executor.Failed, errHas: "response fr-1 stopped: method 2.2.1 (edr.isolate_host): host pc-a is offline; already applied: 2.1.1",
			wantRan: 14, wantApply: []ident.Number{"2.1.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakes{outputs: s.Outputs, override: map[ident.Number]func(context.Context) (adapters.Result, error){tt.method: tt.answer}}
			opts := []executor.Option{executor.WithPlan(plan), executor.WithRegistry(f.registry(t)),
				executor.WithPerson(f.person()), executor.WithApprover(executor.AutoApprove("csirt-lead")),
				executor.WithTimeout(50 * time.Millisecond), executor.WithRetry(3, time.Millisecond)}
			if !tt.shared {
				opts = append(opts, executor.WithIsolation(), executor.WithGrace(50*time.Millisecond))
			}
			e, err := executor.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := e.Run(context.Background(), s.Alert)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status != tt.status {
				t.Errorf("status %s, want %s (error %q)", rec.Status, tt.status, rec.Error)
			}
			if !strings.Contains(rec.Error, tt.errHas) {
				t.Errorf("error %q does not contain %q", rec.Error, tt.errHas)
			}
			if len(rec.Ran) != tt.wantRan {
				t.Errorf("ran %v, want %d methods", rec.Ran, tt.wantRan)
			}
			if diff := cmp.Diff(tt.wantApply, rec.Applied, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("applied (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["c2-single-host-ongoing"]
	tests := []struct {
		name    string
		honours bool // the adapter returns when its context is done
		opts    []executor.Option
	}{
		{name: "adapter honouring its context", honours: true},
		{name: "adapter ignoring its context, isolated", opts: []executor.Option{executor.WithIsolation(), executor.WithGrace(50 * time.Millisecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			started := make(chan struct{})
			block := make(chan struct{})
			defer close(block)
			f := &fakes{outputs: s.Outputs, override: map[ident.Number]func(context.Context) (adapters.Result, error){
				"1.2.2": func(ctx context.Context) (adapters.Result, error) {
					close(started)
					if tt.honours {
						<-ctx.Done()
						return adapters.Result{}, ctx.Err()
					}
					<-block
					return adapters.Result{}, nil
				},
			}}
			opts := append([]executor.Option{executor.WithPlan(plan), executor.WithRegistry(f.registry(t)),
				executor.WithPerson(f.person()), executor.WithApprover(executor.AutoApprove("csirt-lead"))}, tt.opts...)
			e, err := executor.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			go func() { <-started; cancel() }()
			begin := time.Now()
			rec, err := e.Run(ctx, s.Alert)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(begin); d > 5*time.Second {
				t.Errorf("cancelled run took %v", d)
			}
			// Stopped during the call of 1.2.2: interrupted, with the call
			// started and no outcome, so that resuming asks how to recover.
			if rec.Status != executor.Interrupted {
				t.Errorf("status %s, error %q; want interrupted", rec.Status, rec.Error)
			}
			unc := rec.Uncertain()
			if len(unc) != 1 || unc[0].Method != "1.2.2" || unc[0].Attempt != 1 || unc[0].IdempotencyKey == "" {
				t.Errorf("uncertain calls %+v; want 1.2.2, attempt 1", unc)
			}
			if rec.At == nil || rec.At.Method != "1.2.2" {
				t.Errorf("at %+v; want method 1.2.2", rec.At)
			}
			want := []ident.Number{"0.1.1", "1.1.1", "1.1.2", "1.1.3", "1.2.1"}
			if diff := cmp.Diff(want, rec.Ran); diff != "" {
				t.Errorf("ran (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTargetBreach(t *testing.T) {
	plan := loadPlan(t)
	s := loadScenarios(t)["c2-single-host-ongoing"]
	f := &fakes{outputs: s.Outputs}
	now := time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(5 * time.Minute); return now } // every event takes 5 minutes
	var breaches []string
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)), executor.WithClock(clock),
		executor.WithPerson(f.person()), executor.WithApprover(executor.AutoApprove("csirt-lead")),
		executor.WithEvents(func(ev executor.Event) {
			if ev.Kind == executor.EvBreach {
				breaches = append(breaches, ev.Detail)
			}
		}))
	rec, _ := e.Run(context.Background(), s.Alert)
	if !rec.Breached || len(breaches) != 1 {
		t.Fatalf("breached %v, events %q; want one breach", rec.Breached, breaches)
	}
	// 42 events, call-started ones included, 5 minutes each.
	if !strings.HasPrefix(breaches[0], "first_response done after 3h30m") || !strings.HasSuffix(breaches[0], "target 2h") {
		t.Errorf("breach detail %q", breaches[0])
	}
	if rec.Elapsed.Std() < 2*time.Hour || rec.Estimate.String() != "1h55m" {
		t.Errorf("elapsed %v, estimate %v", rec.Elapsed, rec.Estimate)
	}
}

func TestCompileErrors(t *testing.T) {
	d := loadDesign(t)
	d.Playbooks[0].Steps[5].Branches[0].When = "size(fields.other_hosts) >"
	d.Playbooks[0].Steps[0].Next = "nowhere"
	_, err := executor.Compile(d)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"playbooks[0].steps[5].branches[0].when", `playbooks[0].steps[0]: unknown step "nowhere"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

// TestAlertWithoutKey: a detection whose when reads a key the alert lacks
// does not match, with an event saying so, and the next one is tried.
func TestAlertWithoutKey(t *testing.T) {
	plan := loadPlan(t)
	reg, _ := adapters.NewRegistry()
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(reg))
	ctx := context.Background()
	rec, err := e.Run(ctx, map[string]any{"host": "pc-0042"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != executor.NoIncident || rec.Error != "" {
		t.Fatalf("status %s (%s), want no-incident", rec.Status, rec.Error)
	}
	var notMatched []string
	for _, ev := range rec.Events {
		if ev.Kind == executor.EvNotMatched {
			notMatched = append(notMatched, ev.Detail)
		}
	}
	if len(notMatched) != len(plan.Design().Criteria.Detections) ||
		!strings.Contains(notMatched[0], `detection mssp-rat-signature (alert.category == "rat"): the alert has no category`) {
		t.Errorf("not-matched events %q", notMatched)
	}

	// category c2 without a signature: the c2 rule does not match, and
	// the rules after it are still tried.
	rec, _ = e.Run(ctx, map[string]any{"category": "c2"})
	if rec.Status != executor.NoIncident {
		t.Fatalf("status %s (%s), want no-incident", rec.Status, rec.Error)
	}
	found := false
	for _, ev := range rec.Events {
		found = found || ev.Kind == executor.EvNotMatched && strings.Contains(ev.Detail, "the alert has no signature")
	}
	if !found {
		t.Errorf("no not-matched event names signature: %+v", rec.Events)
	}
}

// TestDesignChanged: resume and rollback refuse a record of another
// version of the design, unchanged, unless WithChangedDesign, which
// records the change.
func TestDesignChanged(t *testing.T) {
	s := loadScenarios(t)["c2-single-host-ongoing"]
	f := &fakes{outputs: s.Outputs}
	ctx := context.Background()
	plan := loadPlan(t)
	e, _ := executor.New(executor.WithPlan(plan), executor.WithRegistry(f.registry(t)))
	rec, _ := e.Run(ctx, s.Alert) // waits for 0.1.1
	if !strings.HasPrefix(rec.DesignDigest, "sha256:") || rec.DesignDigest != plan.Digest() {
		t.Fatalf("record digest %q, plan %q", rec.DesignDigest, plan.Digest())
	}
	if loadPlan(t).Digest() != plan.Digest() {
		t.Error("the same design has two digests")
	}

	d := loadDesign(t)
	d.Processes[0].Methods[0].Procedure += " (changed)"
	changed, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Digest() == plan.Digest() {
		t.Fatal("a changed design has the same digest")
	}
	if err := changed.CheckRecord(rec); !errors.Is(err, executor.ErrDesignChanged) {
		t.Errorf("CheckRecord: %v, want ErrDesignChanged", err)
	}
	ans := executor.Answer{Outputs: map[ident.Number]map[string]any{"0.1.1": {"confirmed": true}}}
	strict, _ := executor.New(executor.WithPlan(changed), executor.WithRegistry(f.registry(t)))
	before := roundTrip(t, rec)
	got := roundTrip(t, rec)
	if _, err := strict.Resume(ctx, got, ans); !errors.Is(err, executor.ErrDesignChanged) {
		t.Errorf("Resume: %v, want ErrDesignChanged", err)
	}
	if _, err := strict.Rollback(ctx, got); !errors.Is(err, executor.ErrDesignChanged) {
		t.Errorf("Rollback: %v, want ErrDesignChanged", err)
	}
	if diff := cmp.Diff(before, got); diff != "" {
		t.Errorf("the refusals changed the record (-before +after):\n%s", diff)
	}

	lax, _ := executor.New(executor.WithPlan(changed), executor.WithRegistry(f.registry(t)), executor.WithChangedDesign())
	if _, err := lax.Resume(ctx, got, ans); err != nil {
		t.Fatalf("Resume WithChangedDesign: %v", err)
	}
	if got.DesignDigest != changed.Digest() {
		t.Errorf("the record keeps digest %s, want the new one", got.DesignDigest)
	}
	n := 0
	for _, ev := range got.Events {
		if ev.Kind == executor.EvDesignChanged {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d design-changed events, want 1", n)
	}
}
