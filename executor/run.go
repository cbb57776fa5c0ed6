package executor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
)

// run is the state of one run while the engine works on it.
type run struct {
	e      *Engine
	fx     Effects
	rec    *Record
	answer *Answer
	vars   expr.Vars
	// err is the checkpoint error that stopped the run, if any.
	err error
	// cursor backs rec.At.
	cursor Cursor
	// retryKey is the idempotency key of a call Resume retries, and
	// retryAttempt the attempt it makes.
	retryKey     string
	retryAttempt int
	// fields is the double buffer behind rec.Fields (see setField).
	fields fieldBuffer
	// journal: checkpoint the record (a Checkpointer is set, or the
	// driver journals).
	journal bool
}

// fieldBuffer alternates a run's Fields between two maps, so that a map
// handed to the Checkpointer stays as it was until a later checkpoint has
// succeeded with the other one (the contract of Checkpointer), without a
// copy of the whole map at every change: the map set aside is brought up
// to date with only the keys it missed.
type fieldBuffer struct {
	// kept is set when the live map (rec.Fields) was handed to a
	// checkpoint since it became live: the next change switches maps.
	kept bool
	// spare is the other map, nil until the first switch: the one
	// handed before the live one, which the Checkpointer holds no more
	// once it holds the live one.
	spare map[string]any
	// lag lists the keys set in the live map since it became live: the
	// spare lacks them.
	lag []string
}

// position is where a run continues.
type position struct {
	stage   Stage
	det     *detectionPlan
	step    *stepPlan
	resp    *responsePlan
	method  int  // index of the next method of the stage
	entered bool // the step or response was already entered
	// branched: the step or response was reached by a branch, which the
	// journal records at its entry.
	branched bool
}

// Run runs alert through the design. See Executor.
func (e *Engine) Run(ctx context.Context, alert map[string]any) (*Record, error) {
	return e.run(ctx, e.local, e.c.checkpoint != nil, e.c.newID, alert)
}

// run is Run driven by fx.
func (e *Engine) run(ctx context.Context, fx Effects, journal bool, newID func() string, alert map[string]any) (*Record, error) {
	if alert == nil {
		return nil, errors.New("run: nil alert")
	}
	p := e.c.plan
	if err := p.CheckAlert(alert); err != nil {
		return nil, err
	}
	now := fx.Now()
	// The record and the run's state in one allocation.
	both := &struct {
		run
		rec Record
	}{}
	rec := &both.rec
	*rec = Record{
		Format:     RecordFormat,
		ID:         newID(),
		Design:     p.design.Source(),
		DesignName: p.design.Metadata.Name,
		// The digest costs a JSON encoding of the design, once per plan.
		DesignDigest: p.Digest(),
		Status:       Running,
		DryRun:       e.c.dryRun,
		Alert:        alert,
		Fields:       make(map[string]any, len(alert)+len(p.fields)),
		Started:      now,
		Updated:      now,
		Events:       make([]Event, 0, e.eventCap.Load()),
	}
	r := &both.run
	r.e, r.fx, r.journal, r.rec = e, fx, journal, rec
	if e.c.dryRun {
		// The dry run's outputs answer its methods as a resume answer
		// would; approvals still go to the Approver.
		r.answer = &Answer{Outputs: e.c.dryOuts, Actor: "dry-run"}
	}
	r.event(Event{Kind: EvStarted})
	for k, v := range alert {
		rec.Fields[k] = normalize(p.fields[k], v)
	}
	if r.checkpoint(nil) {
		r.detect(ctx)
	}
	return rec, r.result()
}

// result is what Run, Resume and Rollback return as their error: the
// checkpoint error that stopped the run, if any.
func (r *run) result() error {
	if r.err == nil {
		return nil
	}
	return &CheckpointError{Run: r.rec.ID, Err: r.err}
}

// detect runs the detections on the alert and goes on with the first
// that matches.
func (r *run) detect(ctx context.Context) {
	rec := r.rec
	alert := rec.Alert
	r.vars.Alert = alert
	for _, dp := range r.e.c.plan.detections {
		ok, err := dp.when.Eval(ctx, &r.vars)
		if err != nil {
			// An alert without a key the rule reads does not match it:
			// alerts of other kinds carry other keys.
			if absent := AbsentKeys(alert, dp.when, err); absent != "" {
				r.event(Event{Kind: EvNotMatched, Error: err.Error(),
					Detail: fmt.Sprintf("detection %s (%s): the alert has no %s", dp.d.ID, dp.when.Source(), absent)})
				continue
			}
			r.fail(fmt.Sprintf("detection %s: %v", dp.d.ID, err))
			return
		}
		if !ok {
			continue
		}
		rec.Detection = dp.d.ID
		r.event(Event{Kind: EvDetected, Detail: dp.detail})
		if dp.confirm != nil {
			r.advance(ctx, position{stage: ConfirmStage, det: dp})
		} else {
			r.declare(ctx, dp)
		}
		return
	}
	rec.Status = NoIncident
	r.event(Event{Kind: EvNoDetection, Detail: "no detection rule matches the alert"})
	r.finish()
}

// AbsentKeys returns, comma-separated, the keys prg reads that alert
// lacks, when err (from evaluating prg on alert) is a missing key's;
// otherwise "". A detection whose when fails this way does not match the
// alert, and the next detection is tried: alerts of other kinds carry
// other keys. Tools that decide detections as Run does (secops replay)
// use it.
func AbsentKeys(alert map[string]any, prg *expr.Program, err error) string {
	if !strings.Contains(err.Error(), "no such key") {
		return ""
	}
	var absent []string
	for _, k := range prg.Refs() {
		if _, ok := alert[k]; !ok {
			absent = append(absent, k)
		}
	}
	return strings.Join(absent, ", ")
}

// Resume continues a waiting, interrupted or failed run. See Executor.
func (e *Engine) Resume(ctx context.Context, rec *Record, answer Answer) (*Record, error) {
	return e.resume(ctx, e.local, e.c.checkpoint != nil, rec, answer)
}

// resume is Resume driven by fx.
func (e *Engine) resume(ctx context.Context, fx Effects, journal bool, rec *Record, answer Answer) (*Record, error) {
	if rec == nil {
		return nil, errors.New("resume: nil record")
	}
	p := e.c.plan
	if err := p.CheckAnswer(rec, answer); err != nil {
		return rec, fmt.Errorf("resume: %w", err)
	}
	if rec.DesignName != "" && rec.DesignName != p.design.Metadata.Name {
		return rec, fmt.Errorf("resume: run %s follows design %s, not %s", rec.ID, rec.DesignName, p.design.Metadata.Name)
	}
	if err := p.CheckRecord(rec); err != nil && !e.c.changedDesign {
		return rec, fmt.Errorf("resume: %w", err)
	}
	at := rec.At
	if rec.Status == Waiting {
		pend := rec.Pending
		at = &Cursor{Stage: pend.Stage, Step: pend.Step, Response: pend.Response, Method: pend.Method}
	}
	var pos position
	if at != nil {
		var err error
		if pos, err = p.position(rec, at); err != nil {
			return rec, fmt.Errorf("resume: %w", err)
		}
		if rec.Status == Waiting && at.Method == "" {
			pos.method = 0 // an approval: before the response's methods
		}
	}
	// Values that went through JSON come back as float64 and []any.
	for k, v := range rec.Fields {
		if f := p.fields[k]; f != nil {
			rec.Fields[k] = normalize(f, v)
		}
	}
	r := &run{e: e, fx: fx, journal: journal, rec: rec, answer: &answer}
	if err := r.checkDesign("resume"); err != nil {
		return rec, err // not reached: checked above, before rec changed
	}
	was := rec.Status
	rec.Pending = nil
	rec.Status = Running
	r.event(Event{Kind: EvResumed, Actor: answer.Actor, Detail: "was " + string(was)})
	if was == Failed {
		rec.Error = ""
	}
	if answer.Recover != "" && (was == Failed || was == Running || was == Interrupted) {
		if !r.recover(&pos, was) {
			return rec, r.result()
		}
	}
	if !r.checkpoint(&pos) {
		return rec, r.result()
	}
	if at == nil {
		// Stopped before the incident's flow began: nothing was called.
		r.detect(ctx)
		return rec, r.result()
	}
	r.advance(ctx, pos)
	return rec, r.result()
}

// position turns a cursor of rec back into a position of the plan.
func (p *Plan) position(rec *Record, at *Cursor) (position, error) {
	pos := position{stage: at.Stage, entered: true}
	var methods []*methodPlan
	switch at.Stage {
	case ConfirmStage:
		for _, dp := range p.detections {
			if dp.d.ID == rec.Detection {
				pos.det = dp
			}
		}
		if pos.det == nil || pos.det.confirm == nil {
			return pos, fmt.Errorf("detection %q has no confirmation in this design", rec.Detection)
		}
		methods = pos.det.methods
	case StepStage:
		pb := p.playbooks[rec.Playbook]
		if pb == nil {
			return pos, fmt.Errorf("unknown playbook %q", rec.Playbook)
		}
		if pos.step = pb.steps[at.Step]; pos.step == nil {
			return pos, fmt.Errorf("playbook %s has no step %q", rec.Playbook, at.Step)
		}
		methods = pos.step.methods
	case ResponseStage:
		if pos.resp = p.responses[at.Response]; pos.resp == nil {
			return pos, fmt.Errorf("unknown response %q", at.Response)
		}
		methods = pos.resp.methods
	default:
		return pos, fmt.Errorf("unknown stage %q", at.Stage)
	}
	pos.method = len(methods)
	if m := at.Method; m != "" {
		pos.method = -1
		for i, mp := range methods {
			if mp.m.ID == m {
				pos.method = i
			}
		}
		if pos.method < 0 {
			return pos, fmt.Errorf("method %s is not in %s %s%s", m, at.Stage, at.Step, at.Response)
		}
	}
	return pos, nil
}

// recover applies answer.Recover to the call at pos, reporting whether
// the run goes on. CheckAnswer has checked that the record allows it.
func (r *run) recover(pos *position, was Status) bool {
	rec := r.rec
	ans := r.answer
	methods := pos.methods()
	if pos.method >= len(methods) {
		return true
	}
	mp := methods[pos.method]
	key := r.key(pos, mp.m.ID, false)
	attempts := rec.lastAttempt(key)
	step := pos.stepID()
	if ans.Recover == Retry {
		r.retryKey, r.retryAttempt = key, attempts+1
		r.event(Event{Kind: EvRecovered, Step: step, Method: mp.m.ID, Action: mp.m.Action, Response: responseID(pos),
			IdempotencyKey: key, Actor: ans.Actor,
			Detail: fmt.Sprintf("retry: method %s is called again with the same idempotency key (attempt %d)", mp.m.ID, attempts+1)})
		return true
	}
	// Applied: a person says the call took effect.
	outputs := ans.Outputs[mp.m.ID]
	if err := r.merge(mp, outputs, true); err != nil {
		// CheckAnswer checked the outputs: not reached.
		r.failIn(pos, fmt.Sprintf("method %s: %v", mp.m.ID, err))
		return false
	}
	r.event(Event{Kind: EvRecovered, Step: step, Method: mp.m.ID, Action: mp.m.Action, Response: responseID(pos),
		IdempotencyKey: key, Actor: ans.Actor, Outputs: outputs,
		Detail: fmt.Sprintf("applied: method %s (%s) is counted as done, as %s said", mp.m.ID, mp.m.Action, ans.Actor)})
	r.done(pos, mp, step, r.inputsOf(mp.m), outputs, ans.Actor, false, key, attempts)
	r.rec.Events[len(r.rec.Events)-1].Detail = "counted as applied on recovery: not called again"
	pos.method++
	return true
}

// declare declares the detection's incident and goes on to triage.
func (r *run) declare(ctx context.Context, dp *detectionPlan) {
	p := r.e.c.plan
	rec := r.rec
	rec.Incident, rec.Severity = dp.d.Incident, dp.d.Severity
	if s := p.design.Criteria.Severities.Get(dp.d.Severity); s != nil {
		rec.Targets = s.Targets
	}
	if !p.design.Criteria.Triaged(dp.d.Severity) {
		rec.Status = NotTriaged
		r.event(Event{Kind: EvNotTriaged, Detail: fmt.Sprintf("severity %s is below the triage threshold %s", dp.d.Severity, p.design.Criteria.TriageThreshold)})
		r.finish()
		return
	}
	pb := p.byIncident[dp.d.Incident]
	if pb == nil {
		r.fail(fmt.Sprintf("no playbook handles incident %s", dp.d.Incident))
		return
	}
	rec.Playbook = pb.pb.ID
	r.advance(ctx, position{stage: StepStage, step: pb.start})
}

// advance runs from pos until the run ends or waits.
func (r *run) advance(ctx context.Context, pos position) {
	rec := r.rec
	for {
		switch pos.stage {
		case ConfirmStage:
			if !r.methods(ctx, &pos, pos.det.methods) {
				return
			}
			r.vars.Severity = string(pos.det.d.Severity)
			ok, err := pos.det.confirm.Eval(ctx, r.fieldVars())
			if err != nil {
				r.fail(r.evalError(fmt.Sprintf("confirm of %s", pos.det.d.ID), pos.det.confirm, err))
				return
			}
			if !ok {
				rec.Status = NoIncident
				r.event(Event{Kind: EvNotConfirmed, Detail: pos.det.confirm.Source()})
				r.finish()
				return
			}
			r.event(Event{Kind: EvConfirmed, Detail: pos.det.confirm.Source()})
			r.declare(ctx, pos.det)
			return

		case StepStage:
			sp := pos.step
			if !pos.entered {
				rec.Path = append(withCap(rec.Path, &r.e.pathCap), sp.s.ID)
				r.event(Event{Kind: EvStep, Step: sp.s.ID, Detail: sp.s.Name})
				pos.entered = true
				// A branch taken is journaled; entering a step by next
				// is not: redoing it after a crash changes nothing.
				if pos.branched && !r.checkpoint(&pos) {
					return
				}
			}
			if !r.methods(ctx, &pos, sp.methods) {
				return
			}
			w := sp.way
			if w.kind == playbook.Branches {
				taken := -1
				for i, b := range sp.branches {
					ok := true
					if b.when != nil {
						var err error
						if ok, err = b.when.Eval(ctx, r.fieldVars()); err != nil {
							r.fail(r.evalError(fmt.Sprintf("step %s: branches[%d]", sp.s.ID, i), b.when, err))
							return
						}
					}
					if ok {
						taken, w = i, b.way
						break
					}
				}
				if taken < 0 {
					r.fail(fmt.Sprintf("step %s: no branch holds", sp.s.ID))
					return
				}
				rec.Branches = append(withCap(rec.Branches, &r.e.branchCap), Branch{Step: sp.s.ID, Index: taken})
				r.event(Event{Kind: EvBranch, Step: sp.s.ID, Detail: sp.branches[taken].desc})
			}
			switch w.kind {
			case playbook.Goto:
				pos = position{stage: StepStage, step: w.next, branched: sp.way.kind == playbook.Branches}
			case playbook.Respond:
				rec.Response = w.respond.r.ID
				pos = position{stage: ResponseStage, resp: w.respond, branched: sp.way.kind == playbook.Branches}
			default:
				rec.End = w.end
				rec.Status = Completed
				r.event(Event{Kind: EvEnd, Step: sp.s.ID, Detail: w.end})
				r.finish()
				return
			}

		case ResponseStage:
			rp := pos.resp
			if !pos.entered {
				r.event(Event{Kind: EvResponse, Response: rp.r.ID, Detail: rp.r.Name})
				pos.entered = true
				if missing := r.responseInputs(rp); missing != "" {
					// Refused before the approval and before any
					// containment, rather than left half applied.
					r.failIn(&pos, missing)
					return
				}
				if pos.branched && !r.checkpoint(&pos) {
					return
				}
			}
			if rp.r.Approval != "" && rec.Approved == "" && !r.approve(ctx, &pos) {
				return
			}
			if !r.methods(ctx, &pos, rp.methods) {
				return
			}
			now := r.fx.Now()
			target := rec.Targets.Response
			if rp.r.Phase == response.FirstResponse {
				target = rec.Targets.FirstResponse
			}
			elapsed := now.Sub(rec.Started)
			applied := "applied "
			if rec.DryRun {
				applied = "would apply " // nothing was called
			}
			r.event(Event{Kind: EvResponseComplete, Response: rp.r.ID, Detail: joinNumbers(applied, rec.Applied), DryRun: rec.DryRun})
			if target > 0 && elapsed > target.Std() {
				rec.Breached = true
				r.event(Event{Kind: EvBreach, Response: rp.r.ID,
					Detail: fmt.Sprintf("%s done after %v, target %v", rp.r.Phase, duration.Duration(elapsed.Truncate(time.Second)), target)})
			}
			rec.Status = Completed
			r.finish()
			return
		}
	}
}

// responseInputs names the declared inputs of rp's actions that neither
// the run's fields nor an earlier method of rp can give, or returns "".
// A method with a when is counted as giving its outputs.
func (r *run) responseInputs(rp *responsePlan) string {
	if r.rec.DryRun {
		return "" // a dry run knows only the outputs given with it
	}
	var missing []string
	var given []ident.ID
	for _, mp := range rp.methods {
		m := mp.m
		if !m.Manual() && mp.when == nil {
			for _, in := range m.Inputs {
				if _, ok := r.rec.Fields[string(in)]; !ok && !slices.Contains(given, in) {
					missing = append(missing, fmt.Sprintf("method %s (%s) needs %s", m.ID, m.Action, in))
				}
			}
		}
		given = append(given, m.Outputs...)
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("it cannot run, since no alert key or earlier method gave what its actions need: %s", strings.Join(missing, "; "))
}

// approve gets the approval of the response at pos, reporting whether
// the run goes on.
func (r *run) approve(ctx context.Context, pos *position) bool {
	rec := r.rec
	rp := pos.resp
	party := rp.r.Approval
	var d Decision
	var err error
	switch {
	case r.answer != nil && r.answer.Approve:
		d = Decision{Approved: true, Actor: r.answer.Actor}
	case r.answer != nil && r.answer.Reject:
		d = Decision{Approved: false, Actor: r.answer.Actor}
	default:
		d, err = r.fx.Approve(ctx, Approval{Run: rec.ID, Response: rp.r.ID, Party: party, Incident: rec.Incident, Severity: rec.Severity})
	}
	if err != nil && ctx.Err() != nil {
		r.interrupt(pos, ctx, fmt.Sprintf("while response %s waited for the approval of %s", rp.r.ID, party))
		return false
	}
	if errors.Is(err, ErrWaiting) {
		r.wait(pos, &Pending{Stage: ResponseStage, Response: rp.r.ID, Party: party},
			fmt.Sprintf("response %s needs the approval of %s", rp.r.ID, party))
		return false
	}
	if err != nil {
		r.failIn(pos, fmt.Sprintf("approval of response %s by %s: %v", rp.r.ID, party, err))
		return false
	}
	actor := d.Actor
	if actor == "" {
		actor = string(party)
	}
	if !d.Approved {
		r.event(Event{Kind: EvRejected, Response: rp.r.ID, Actor: actor})
		rec.At = nil // nothing to retry: the party decided
		r.fail(fmt.Sprintf("response %s was not approved by %s", rp.r.ID, party))
		return false
	}
	rec.Approved = string(party)
	r.event(Event{Kind: EvApproval, Response: rp.r.ID, Actor: actor, Detail: rp.approved})
	return r.checkpoint(pos)
}

// methods runs ms from pos.method on, reporting whether the run goes on.
func (r *run) methods(ctx context.Context, pos *position, ms []*methodPlan) bool {
	rec := r.rec
	step := pos.stepID()
	for ; pos.method < len(ms); pos.method++ {
		mp := ms[pos.method]
		m := mp.m
		if err := ctx.Err(); err != nil {
			r.interrupt(pos, ctx, fmt.Sprintf("before method %s", m.ID))
			return false
		}
		if mp.when != nil {
			ok, err := mp.when.Eval(ctx, r.fieldVars())
			if err != nil {
				r.failIn(pos, r.evalError(fmt.Sprintf("method %s: when", m.ID), mp.when, err))
				return false
			}
			if !ok {
				rec.Skipped = append(withCap(rec.Skipped, &r.e.skipCap), m.ID)
				r.event(Event{Kind: EvSkipped, Step: step, Method: m.ID, Detail: m.When})
				continue
			}
		}
		inputs := r.inputsOf(m)
		var missing []string
		if pos.stage == ResponseStage && !m.Manual() && len(inputs) < len(m.Inputs) {
			// Containment never acts on a guess: every input it
			// declares must be known. (An investigation's lookup may
			// run with what this path knows, as the design's data
			// flow, checked "on some path", allows.)
			for _, in := range m.Inputs {
				if _, ok := inputs[string(in)]; !ok {
					missing = append(missing, string(in))
				}
			}
		}
		var (
			outputs map[string]any
			actor   string
			err     error
			dry     bool
			key     string
			attempt int
			effect  bool // the adapter returned: the call took effect
		)
		switch {
		case m.Manual():
			var d Done
			d, err = r.perform(ctx, pos, step, m, inputs)
			if err != nil && ctx.Err() != nil {
				// Stopped while a person was at it: nothing was called.
				r.interrupt(pos, ctx, fmt.Sprintf("while method %s waited for a person", m.ID))
				return false
			}
			if errors.Is(err, ErrWaiting) {
				r.wait(pos, &Pending{Stage: pos.stage, Step: step, Response: responseID(pos), Method: m.ID, Procedure: m.Procedure, Outputs: m.Outputs},
					fmt.Sprintf("method %s (%s) is for a person: %s", m.ID, m.Name, m.Procedure))
				return false
			}
			outputs, actor = d.Outputs, d.Actor
		case rec.DryRun:
			// Nothing is called: the outputs are those given with the
			// dry run, if any.
			actor, dry = "dry-run", true
			if r.answer != nil {
				outputs = r.answer.Outputs[m.ID]
			}
		case len(missing) > 0:
			actor = mp.adapter
			word := "input"
			if len(missing) > 1 {
				word = "inputs"
			}
			err = fmt.Errorf("%s %s not known (no earlier method or the alert gave a value): %s was not called",
				word, strings.Join(missing, ", "), m.Action)
		default:
			actor = mp.adapter
			key = r.key(pos, m.ID, false)
			attempt = 1
			if key == r.retryKey {
				attempt = r.retryAttempt
			}
			outputs, attempt, err = r.call(ctx, pos, mp, inputs, key, attempt)
			if r.err != nil {
				return false // not journaled: stop here
			}
			if err != nil && ctx.Err() != nil {
				// Stopped during the call: whether it took effect is
				// unknown, and the journal's call-started says so.
				r.interrupt(pos, ctx, fmt.Sprintf("during the call of %s by method %s: whether it took effect is unknown", m.Action, m.ID))
				return false
			}
			effect = err == nil
			// The message names the method and its action already.
			var ce *adapters.CallError
			if errors.As(err, &ce) && ce.Adapter == mp.adapter && ce.Operation == mp.operation && ce.Err != nil {
				err = ce.Err
			}
		}
		if err == nil {
			err = r.merge(mp, outputs, !dry)
		}
		if err != nil {
			msg := fmt.Sprintf("method %s", m.ID)
			if !m.Manual() {
				msg += fmt.Sprintf(" (%s)", m.Action)
			}
			msg += ": " + err.Error()
			if adapters.IsOutcomeUnknown(err) {
				msg += "; it may have taken effect"
			}
			if effect {
				// The adapter acted; only its reply is wrong. What took
				// effect stays on record, so that rollback undoes it.
				msg += "; the call itself succeeded, so its effect stands"
				if pos.stage == ResponseStage && !slices.Contains(rec.Applied, m.ID) {
					rec.Applied = append(withCap(rec.Applied, &r.e.appliedCap), m.ID)
				}
			}
			r.event(Event{Kind: EvMethodFailed, Step: step, Method: m.ID, Action: m.Action, Response: responseID(pos), Inputs: inputs, Outputs: outputs,
				Error: msg, Actor: actor, IdempotencyKey: key, Attempt: attempt, Uncertain: adapters.IsOutcomeUnknown(err)})
			r.failIn(pos, msg)
			return false
		}
		r.done(pos, mp, step, inputs, outputs, actor, dry, key, attempt)
		if !dry && !r.checkpointAt(pos, pos.method+1) {
			return false
		}
	}
	return true
}

// done records that mp ran with outputs.
func (r *run) done(pos *position, mp *methodPlan, step ident.ID, inputs, outputs map[string]any, actor string, dry bool, key string, attempt int) {
	rec := r.rec
	m := mp.m
	rec.Ran = append(withCap(rec.Ran, &r.e.ranCap), m.ID)
	rec.Estimate += m.Estimate
	if pos.stage == ResponseStage && !slices.Contains(rec.Applied, m.ID) {
		rec.Applied = append(withCap(rec.Applied, &r.e.appliedCap), m.ID)
	}
	r.event(Event{Kind: EvMethod, Step: step, Method: m.ID, Action: m.Action, Response: responseID(pos), Inputs: inputs, Outputs: outputs,
		Actor: actor, DryRun: dry, IdempotencyKey: key, Attempt: attempt})
}

// inputsOf returns the values of m's inputs known now.
func (r *run) inputsOf(m *process.Method) map[string]any {
	inputs := make(map[string]any, len(m.Inputs))
	for _, in := range m.Inputs {
		if v, ok := r.rec.Fields[string(in)]; ok {
			inputs[string(in)] = v
		}
	}
	return inputs
}

func (pos *position) stepID() ident.ID {
	if pos.step != nil {
		return pos.step.s.ID
	}
	return ""
}

// methods returns the methods of pos's stage.
func (pos *position) methods() []*methodPlan {
	switch pos.stage {
	case ConfirmStage:
		return pos.det.methods
	case StepStage:
		return pos.step.methods
	case ResponseStage:
		return pos.resp.methods
	}
	return nil
}

// key returns the idempotency key of method's call at pos.
func (r *run) key(pos *position, method ident.Number, rollback bool) string {
	at := Cursor{Stage: pos.stage, Step: pos.stepID(), Response: responseID(pos)}
	return Key(r.rec.ID, at, r.rec.Detection, method, rollback)
}

// checkpoint sets the record's cursor to pos (nil: before the flow) and
// hands the record to the engine's Checkpointer, reporting whether the
// run goes on. A failed checkpoint stops the run: r.err says why.
func (r *run) checkpoint(pos *position) bool {
	if pos == nil || pos.stage == "" {
		r.rec.At = nil
		return r.save()
	}
	return r.checkpointAt(pos, pos.method)
}

// checkpointAt is checkpoint with the cursor at method index i of pos's
// stage.
func (r *run) checkpointAt(pos *position, i int) bool {
	c := &r.cursor
	*c = Cursor{Stage: pos.stage, Step: pos.stepID(), Response: responseID(pos)}
	if ms := pos.methods(); i < len(ms) {
		c.Method = ms[i].m.ID
	}
	r.rec.At = c
	return r.save()
}

func (r *run) save() bool {
	if !r.journal || r.err != nil {
		return r.err == nil
	}
	if n := len(r.rec.Events); n > 0 {
		r.rec.Updated = r.rec.Events[n-1].Time
		r.rec.Elapsed = duration.Duration(r.rec.Updated.Sub(r.rec.Started).Truncate(time.Second))
	}
	// A cancelled run still saves where it stopped.
	if err := r.fx.Checkpoint(context.Background(), r.rec); err != nil {
		r.err = err
		// The Checkpointer may still hold the map of its last success,
		// which is the spare: a change now copies the live map rather
		// than write to either.
		r.fields.kept, r.fields.spare = true, nil
		return false
	}
	r.fields.kept = true
	return true
}

func responseID(pos *position) ident.ID {
	if pos.resp != nil {
		return pos.resp.r.ID
	}
	return ""
}

// perform has a person do m: from the resume answer, or the Person.
func (r *run) perform(ctx context.Context, pos *position, step ident.ID, m *process.Method, inputs map[string]any) (Done, error) {
	if r.answer != nil {
		if out, ok := r.answer.Outputs[m.ID]; ok {
			return Done{Outputs: out, Actor: r.answer.Actor}, nil
		}
	}
	return r.fx.Perform(ctx, Task{Run: r.rec.ID, Stage: pos.stage, Step: step, Method: m, Inputs: inputs})
}

// merge checks outputs against the method's declared outputs and their
// field types and adds them to the run's fields. With complete, every
// declared output must be given, as a person's answer must.
func (r *run) merge(mp *methodPlan, outputs map[string]any, complete bool) error {
	for k, v := range outputs {
		f, declared := mp.output(k)
		if !declared {
			return fmt.Errorf("output %q is not one of the method's outputs %v", k, mp.m.Outputs)
		}
		if f == nil {
			continue
		}
		if err := f.Check(v); err != nil {
			return fmt.Errorf("output %s (%s%s): %v", k, f.Type, listSuffix(f), err)
		}
	}
	if complete {
		if missing := mp.missing(outputs); len(missing) > 0 {
			return fmt.Errorf("the reply leaves out %s: a method must give every output it declares (%s)",
				strings.Join(missing, ", "), joinIDs(mp.m.Outputs))
		}
	}
	for k, v := range outputs {
		if f, _ := mp.output(k); f != nil {
			v = normalize(f, v)
		}
		if r.e.c.redact != nil {
			v, _ = r.e.c.cleanValue(v)
		}
		r.setField(k, v)
	}
	return nil
}

// setField sets field k to v. If the live map was handed to a checkpoint
// since it became live, the Checkpointer may hold it: the spare, which it
// holds no more, is brought up to date and becomes live instead.
func (r *run) setField(k string, v any) {
	b := &r.fields
	if b.kept {
		live := r.rec.Fields
		if b.spare == nil {
			b.spare = maps.Clone(live)
			b.lag = make([]string, 0, 16)
		} else {
			for _, key := range b.lag {
				b.spare[key] = live[key]
			}
		}
		r.rec.Fields, b.spare = b.spare, live
		b.lag, b.kept = b.lag[:0], false
	}
	r.rec.Fields[k] = v
	if b.spare != nil {
		b.lag = append(b.lag, k)
	}
}

func listSuffix(f *process.Field) string {
	if f.List {
		return " list"
	}
	return ""
}

type callResult struct {
	res adapters.Result
	err error
}

// call calls mp's action at pos with retries of retryable errors,
// journaled (see journaledCall).
func (r *run) call(ctx context.Context, pos *position, mp *methodPlan, inputs map[string]any, key string, attempt int) (map[string]any, int, error) {
	return r.journaledCall(ctx, pos, callSpec{
		step: pos.stepID(), response: responseID(pos), method: mp.m.ID, action: mp.m.Action, adapter: mp.adapter,
		req: adapters.Request{Operation: mp.operation, Inputs: inputs, Method: string(mp.m.ID), Run: r.rec.ID, IdempotencyKey: key},
	}, attempt)
}

// callSpec is an adapter call as the journal records it.
type callSpec struct {
	step, response ident.ID
	method         ident.Number
	action         process.Action
	adapter        string
	req            adapters.Request
}

// journaledCall makes the call c, from attempt on, with retries of
// retryable errors, journaling each attempt: a call-started event,
// checkpointed (with the cursor at pos; a rollback's call has no pos),
// before it, and a retry event after a failed one. It returns the
// outputs, the last attempt made and its error. A failed checkpoint stops
// it before the call (r.err is set, and the error is ErrCheckpoint's).
func (r *run) journaledCall(ctx context.Context, pos *position, c callSpec, attempt int) (map[string]any, int, error) {
	if err := r.fx.Lookup(c.adapter); err != nil {
		return nil, attempt, err
	}
	key := c.req.IdempotencyKey
	backoff := r.e.c.backoff
	for n := 1; ; n++ {
		r.event(Event{Kind: EvCallStarted, Step: c.step, Method: c.method, Action: c.action, Response: c.response, Inputs: c.req.Inputs,
			Actor: c.adapter, IdempotencyKey: key, Attempt: attempt})
		saved := false
		if pos != nil {
			saved = r.checkpoint(pos)
		} else {
			saved = r.save()
		}
		if !saved {
			return nil, attempt, ErrCheckpoint
		}
		res := r.fx.Call(ctx, CallInput{Adapter: c.adapter, Request: c.req})
		if res.Attempts > 1 {
			attempt += res.Attempts - 1
		}
		if res.Err == nil {
			return res.Outputs, attempt, nil
		}
		err := res.Err
		if res.Uncertain && !adapters.IsOutcomeUnknown(err) {
			err = adapters.OutcomeUnknown(err)
		}
		if !adapters.IsRetryable(err) || n >= r.e.c.attempts || ctx.Err() != nil {
			return nil, attempt, err
		}
		r.event(Event{Kind: EvRetry, Step: c.step, Method: c.method, Action: c.action, Response: c.response, Error: err.Error(),
			IdempotencyKey: key, Attempt: attempt, Uncertain: adapters.IsOutcomeUnknown(err),
			Detail: fmt.Sprintf("attempt %d of %d failed; retrying in %v", n, r.e.c.attempts, backoff)})
		if !r.fx.Sleep(ctx, backoff) {
			return nil, attempt, fmt.Errorf("%w (then cancelled: %v)", err, ctx.Err())
		}
		backoff *= 2
		attempt++
	}
}

// callOnce makes one call with the engine's time limit, turning a panic
// into an error. With isolation it runs the call in a goroutine of its
// own, so that not even an adapter that ignores its context can hold up
// the run.
func (e *Engine) callOnce(ctx context.Context, a adapters.Adapter, req adapters.Request) (adapters.Result, error) {
	c := &e.c
	cctx := newCallCtx(ctx, &e.base, c.timeout)
	defer cctx.release()
	var cr callResult
	if c.isolate {
		ch := make(chan callResult, 1)
		go func() { ch <- protectedCall(cctx, a, req) }()
		select {
		case cr = <-ch:
		case <-cctx.Done():
			// Give the adapter a moment to stop what it started (a
			// command adapter kills its process group) before the run
			// goes on or stops; a success in that time took effect.
			t := time.NewTimer(c.grace)
			select {
			case cr = <-ch:
			case <-t.C:
				cr.err = cctx.Err()
			}
			t.Stop()
		}
	} else {
		cr = protectedCall(cctx, a, req)
	}
	if cr.err != nil && cctx.Err() != nil {
		// The caller's message names the method and its action.
		if err := ctx.Err(); err != nil {
			return adapters.Result{}, fmt.Errorf("cancelled: %w", err)
		}
		if errors.Is(cr.err, context.DeadlineExceeded) {
			return adapters.Result{}, fmt.Errorf("timed out after %v (it may have taken effect): %w", c.timeout, context.DeadlineExceeded)
		}
	}
	return cr.res, cr.err
}

func protectedCall(ctx context.Context, a adapters.Adapter, req adapters.Request) (cr callResult) {
	defer func() {
		if v := recover(); v != nil {
			cr = callResult{err: fmt.Errorf("adapter panicked: %v\n%s", v, firstFrames(debug.Stack()))}
		}
	}()
	res, err := a.Call(ctx, req)
	return callResult{res, err}
}

// firstFrames keeps the panic's own frames, dropping the runtime's.
func firstFrames(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") && i+3 < len(lines) {
			return strings.Join(lines[i+2:i+4], "\n")
		}
	}
	return ""
}

// evalError is the message for an expression at where that could not be
// evaluated: when it reads fields that are not known, it names them and
// the methods that should have given them, and says when the run is a dry
// run, which has no real outputs.
func (r *run) evalError(where string, prg *expr.Program, err error) string {
	missing := r.missingFields(prg.Refs())
	if missing == "" {
		return fmt.Sprintf("%s: %v", where, err)
	}
	msg := fmt.Sprintf("%s (%s): %s", where, prg.Source(), missing)
	if r.rec.DryRun {
		msg += "; a dry run calls no adapter, so it knows only the outputs given with it: give the outputs of the methods named"
	}
	return msg
}

func (r *run) fieldVars() *expr.Vars {
	r.vars.Fields = r.rec.Fields
	r.vars.Severity = string(r.rec.Severity)
	return &r.vars
}

func (r *run) event(e Event) {
	e.Time = r.fx.Now()
	if e.Error != "" || e.Detail != "" {
		e.Error, e.Detail = r.e.c.clean(e.Error), r.e.c.clean(e.Detail)
	}
	if r.e.c.redact != nil {
		e.Inputs, e.Outputs = r.e.c.cleanValues(e.Inputs), r.e.c.cleanValues(e.Outputs)
	}
	r.rec.Events = append(r.rec.Events, e)
	if r.e.c.sink != nil {
		e.Run = r.rec.ID
		r.e.c.sink(e)
	}
}

func (r *run) wait(pos *position, p *Pending, why string) {
	r.rec.Status = Waiting
	r.rec.Pending = p
	r.event(Event{Kind: EvWaiting, Step: p.Step, Method: p.Method, Response: p.Response, Detail: why})
	r.finishAt(pos)
}

// interrupt stops the run at pos because ctx is done: status interrupted,
// where it stopped in At.
func (r *run) interrupt(pos *position, ctx context.Context, what string) {
	r.rec.Status = Interrupted
	r.event(Event{Kind: EvInterrupted, Step: pos.stepID(), Response: responseID(pos), Error: stopReason(ctx), Detail: "stopped " + what})
	r.finishAt(pos)
}

// stopReason says, in words, why ctx is done: its cause when it has one
// of its own ("stopped by terminated"), else cancelled or timed out.
func stopReason(ctx context.Context) string {
	cause := context.Cause(ctx)
	switch {
	case cause == nil:
		return "stopped"
	case errors.Is(cause, context.Canceled) && cause == ctx.Err():
		return "the run's context was cancelled"
	case errors.Is(cause, context.DeadlineExceeded) && cause == ctx.Err():
		return "the run's deadline passed"
	}
	return cause.Error()
}

// failIn fails the run at pos; inside a response it records what took
// effect. The record keeps pos, so that Resume can retry from there.
func (r *run) failIn(pos *position, msg string) {
	if pos.stage == ResponseStage {
		applied := "nothing took effect"
		if len(r.rec.Applied) > 0 {
			if r.rec.DryRun {
				applied = joinNumbers("nothing took effect (a dry run); it would have applied: ", r.rec.Applied)
			} else {
				applied = joinNumbers("already applied: ", r.rec.Applied)
			}
		}
		r.event(Event{Kind: EvResponseFailed, Response: pos.resp.r.ID, Error: msg, Detail: applied})
		msg = fmt.Sprintf("response %s stopped: %s; %s", pos.resp.r.ID, msg, applied)
	}
	r.rec.Status = Failed
	r.rec.Error = r.e.c.clean(msg)
	r.event(Event{Kind: EvFailed, Error: msg})
	r.finishAt(pos)
}

// fail fails the run outside a method: nothing to retry.
func (r *run) fail(msg string) {
	r.rec.Status = Failed
	r.rec.Error = r.e.c.clean(msg)
	r.event(Event{Kind: EvFailed, Error: msg})
	r.finish()
}

// finishAt ends this go of the run with the cursor at pos, and
// checkpoints.
func (r *run) finishAt(pos *position) {
	r.end()
	r.checkpoint(pos)
}

// finish ends the run (or this go of it) and checkpoints.
func (r *run) finish() {
	r.end()
	if r.rec.Status == Completed || r.rec.Status == NoIncident || r.rec.Status == NotTriaged {
		r.rec.At = nil
	}
	r.save()
}

func (r *run) end() {
	rec := r.rec
	e := r.e
	// Later runs start with room for as many events as this one had (and
	// the completed event), and as many steps, methods and branches.
	learn(&e.eventCap, len(rec.Events)+2)
	learn(&e.pathCap, len(rec.Path))
	learn(&e.branchCap, len(rec.Branches))
	learn(&e.ranCap, len(rec.Ran))
	learn(&e.skipCap, len(rec.Skipped))
	learn(&e.appliedCap, len(rec.Applied))
	if rec.Status == Completed {
		r.event(Event{Kind: EvCompleted})
	}
	rec.Updated = r.fx.Now()
	rec.Elapsed = duration.Duration(rec.Updated.Sub(rec.Started).Truncate(time.Second))
}

func describeBranch(i int, b branchPlan) string {
	cond := "default"
	if b.when != nil {
		cond = b.when.Source()
	}
	switch b.way.kind {
	case playbook.Goto:
		return fmt.Sprintf("branches[%d] (%s): goto %s", i, cond, b.way.next.s.ID)
	case playbook.Respond:
		return fmt.Sprintf("branches[%d] (%s): respond %s", i, cond, b.way.respond.r.ID)
	}
	return fmt.Sprintf("branches[%d] (%s): end %s", i, cond, b.way.end)
}

// learn raises the capacity hint c to n, up to a limit, so that one run
// with a long history does not make every later run allocate for it.
func learn(c *atomic.Int32, n int) {
	if n > int(c.Load()) && n <= 256 {
		c.Store(int32(n))
	}
}

// withCap returns s, or, when s is nil, an empty slice with the capacity
// hint c: the first append allocates room for as many elements as earlier
// runs needed.
func withCap[S ~[]E, E any](s S, c *atomic.Int32) S {
	if s != nil {
		return s
	}
	return make(S, 0, max(int(c.Load()), 1))
}

// joinNumbers returns prefix followed by ns separated by commas.
func joinNumbers(prefix string, ns []ident.Number) string {
	n := len(prefix)
	for _, id := range ns {
		n += len(id) + 2
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(prefix)
	for i, id := range ns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(id))
	}
	return b.String()
}

// normalize gives integers one Go type (int64), however they were decoded,
// so that expressions see the same values before and after a record goes
// through JSON.
func normalize(f *process.Field, v any) any {
	if f.Type != process.Int && f.Type != process.Port {
		return v
	}
	if f.List {
		if l, ok := v.([]any); ok {
			out := make([]any, len(l))
			for i, e := range l {
				out[i] = toInt(e)
			}
			return out
		}
		return v
	}
	return toInt(v)
}

func toInt(v any) any {
	switch n := v.(type) {
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n)
		}
	case int:
		return int64(n)
	}
	return v
}

// sleep waits for d, reporting false if ctx was done first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
