package executor

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
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
	rec    *Record
	answer *Answer
	vars   expr.Vars
}

// position is where a run continues.
type position struct {
	stage   Stage
	det     *detectionPlan
	step    *stepPlan
	resp    *responsePlan
	method  int  // index of the next method of the stage
	entered bool // the step or response was already entered
}

// Run runs alert through the design. See Executor.
func (e *Engine) Run(ctx context.Context, alert map[string]any) (*Record, error) {
	if alert == nil {
		return nil, errors.New("run: nil alert")
	}
	p := e.c.plan
	now := e.c.clock()
	// The record and the run's state in one allocation.
	both := &struct {
		run
		rec Record
	}{}
	rec := &both.rec
	*rec = Record{
		ID:         e.c.newID(),
		Design:     p.design.Source(),
		DesignName: p.design.Metadata.Name,
		// The digest costs a JSON encoding of the design, once per plan.
		DesignDigest: p.Digest(),
		DryRun:       e.c.dryRun,
		Alert:        alert,
		Fields:       make(map[string]any, len(alert)+len(p.fields)),
		Started:      now,
		Updated:      now,
		Events:       make([]Event, 0, e.eventCap.Load()),
	}
	r := &both.run
	r.e, r.rec = e, rec
	if e.c.dryRun {
		// The dry run's outputs answer its methods as a resume answer
		// would; approvals still go to the Approver.
		r.answer = &Answer{Outputs: e.c.dryOuts, Actor: "dry-run"}
	}
	r.event(Event{Kind: EvStarted})
	for k, v := range alert {
		if f := p.fields[k]; f != nil {
			if err := f.Check(v); err != nil {
				r.fail(fmt.Sprintf("alert: %s: %v", k, err))
				return rec, nil
			}
			v = normalize(f, v)
		}
		rec.Fields[k] = v
	}
	r.vars.Alert = alert
	for _, dp := range p.detections {
		ok, err := dp.when.Eval(ctx, &r.vars)
		if err != nil {
			// An alert without a key the rule reads does not match it:
			// alerts of other kinds carry other keys.
			if absent := absentKeys(alert, dp.when, err); absent != "" {
				r.event(Event{Kind: EvNotMatched, Error: err.Error(),
					Detail: fmt.Sprintf("detection %s (%s): the alert has no %s", dp.d.ID, dp.when.Source(), absent)})
				continue
			}
			r.fail(fmt.Sprintf("detection %s: %v", dp.d.ID, err))
			return rec, nil
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
		return rec, nil
	}
	rec.Status = NoIncident
	r.event(Event{Kind: EvNoDetection, Detail: "no detection rule matches the alert"})
	r.finish()
	return rec, nil
}

// absentKeys returns, comma-separated, the keys prg reads that alert
// lacks, when err (from evaluating prg) is the missing key's; otherwise
// "".
func absentKeys(alert map[string]any, prg *expr.Program, err error) string {
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

// Resume continues a waiting run. See Executor.
func (e *Engine) Resume(ctx context.Context, rec *Record, answer Answer) (*Record, error) {
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
	pos := position{stage: rec.Pending.Stage, entered: true}
	var methods []*methodPlan
	switch pos.stage {
	case ConfirmStage:
		for _, dp := range p.detections {
			if dp.d.ID == rec.Detection {
				pos.det = dp
			}
		}
		if pos.det == nil || pos.det.confirm == nil {
			return rec, fmt.Errorf("resume: detection %q has no confirmation in this design", rec.Detection)
		}
		methods = pos.det.methods
	case StepStage:
		pb := p.playbooks[rec.Playbook]
		if pb == nil {
			return rec, fmt.Errorf("resume: unknown playbook %q", rec.Playbook)
		}
		if pos.step = pb.steps[rec.Pending.Step]; pos.step == nil {
			return rec, fmt.Errorf("resume: playbook %s has no step %q", rec.Playbook, rec.Pending.Step)
		}
		methods = pos.step.methods
	case ResponseStage:
		if pos.resp = p.responses[rec.Pending.Response]; pos.resp == nil {
			return rec, fmt.Errorf("resume: unknown response %q", rec.Pending.Response)
		}
		methods = pos.resp.methods
	default:
		return rec, fmt.Errorf("resume: unknown stage %q", pos.stage)
	}
	if m := rec.Pending.Method; m != "" {
		pos.method = -1
		for i, mp := range methods {
			if mp.m.ID == m {
				pos.method = i
			}
		}
		if pos.method < 0 {
			return rec, fmt.Errorf("resume: method %s is not in %s %s%s", m, pos.stage, rec.Pending.Step, rec.Pending.Response)
		}
	}
	// Values that went through JSON come back as float64 and []any.
	for k, v := range rec.Fields {
		if f := p.fields[k]; f != nil {
			rec.Fields[k] = normalize(f, v)
		}
	}
	rec.Pending = nil
	rec.Status = ""
	r := &run{e: e, rec: rec, answer: &answer}
	if err := r.checkDesign("resume"); err != nil {
		return rec, err // not reached: checked above, before rec changed
	}
	r.event(Event{Kind: EvResumed, Actor: answer.Actor})
	r.advance(ctx, pos)
	return rec, nil
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
				pos = position{stage: StepStage, step: w.next}
			case playbook.Respond:
				rec.Response = w.respond.r.ID
				pos = position{stage: ResponseStage, resp: w.respond}
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
			}
			if rp.r.Approval != "" && rec.Approved == "" && !r.approve(ctx, rp) {
				return
			}
			if !r.methods(ctx, &pos, rp.methods) {
				return
			}
			now := r.e.c.clock()
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

// approve gets the approval of rp, reporting whether the run goes on.
func (r *run) approve(ctx context.Context, rp *responsePlan) bool {
	rec := r.rec
	party := rp.r.Approval
	var d Decision
	var err error
	switch {
	case r.answer != nil && r.answer.Approve:
		d = Decision{Approved: true, Actor: r.answer.Actor}
	case r.answer != nil && r.answer.Reject:
		d = Decision{Approved: false, Actor: r.answer.Actor}
	case r.e.c.approver != nil:
		d, err = r.e.c.approver.Approve(ctx, Approval{Run: rec.ID, Response: rp.r.ID, Party: party, Incident: rec.Incident, Severity: rec.Severity})
	default:
		err = ErrWaiting
	}
	if errors.Is(err, ErrWaiting) {
		r.wait(&Pending{Stage: ResponseStage, Response: rp.r.ID, Party: party},
			fmt.Sprintf("response %s needs the approval of %s", rp.r.ID, party))
		return false
	}
	if err != nil {
		r.fail(fmt.Sprintf("approval of response %s by %s: %v", rp.r.ID, party, err))
		return false
	}
	actor := d.Actor
	if actor == "" {
		actor = string(party)
	}
	if !d.Approved {
		r.event(Event{Kind: EvRejected, Response: rp.r.ID, Actor: actor})
		r.fail(fmt.Sprintf("response %s was not approved by %s", rp.r.ID, party))
		return false
	}
	rec.Approved = string(party)
	r.event(Event{Kind: EvApproval, Response: rp.r.ID, Actor: actor, Detail: rp.approved})
	return true
}

// methods runs ms from pos.method on, reporting whether the run goes on.
func (r *run) methods(ctx context.Context, pos *position, ms []*methodPlan) bool {
	rec := r.rec
	var step ident.ID
	if pos.step != nil {
		step = pos.step.s.ID
	}
	for ; pos.method < len(ms); pos.method++ {
		mp := ms[pos.method]
		m := mp.m
		if err := ctx.Err(); err != nil {
			r.failIn(pos, fmt.Sprintf("cancelled before method %s: %v", m.ID, err))
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
		inputs := make(map[string]any, len(m.Inputs))
		for _, in := range m.Inputs {
			if v, ok := rec.Fields[string(in)]; ok {
				inputs[string(in)] = v
			}
		}
		var (
			outputs map[string]any
			actor   string
			err     error
			dry     bool
		)
		if m.Manual() {
			var d Done
			d, err = r.perform(ctx, pos, step, m, inputs)
			if errors.Is(err, ErrWaiting) {
				r.wait(&Pending{Stage: pos.stage, Step: step, Response: responseID(pos), Method: m.ID, Procedure: m.Procedure, Outputs: m.Outputs},
					fmt.Sprintf("method %s (%s) is for a person: %s", m.ID, m.Name, m.Procedure))
				return false
			}
			outputs, actor = d.Outputs, d.Actor
		} else if rec.DryRun {
			// Nothing is called: the outputs are those given with the
			// dry run, if any.
			actor, dry = "dry-run", true
			if r.answer != nil {
				outputs = r.answer.Outputs[m.ID]
			}
		} else {
			actor = mp.adapter
			outputs, err = r.call(ctx, step, mp, inputs)
			// The message names the method and its action already.
			var ce *adapters.CallError
			if errors.As(err, &ce) && ce.Adapter == mp.adapter && ce.Operation == mp.operation && ce.Err != nil {
				err = ce.Err
			}
		}
		if err == nil {
			err = r.merge(mp, outputs)
		}
		if err != nil {
			msg := fmt.Sprintf("method %s", m.ID)
			if !m.Manual() {
				msg += fmt.Sprintf(" (%s)", m.Action)
			}
			msg += ": " + err.Error()
			r.event(Event{Kind: EvMethodFailed, Step: step, Method: m.ID, Action: m.Action, Inputs: inputs, Outputs: outputs, Error: msg, Actor: actor})
			r.failIn(pos, msg)
			return false
		}
		rec.Ran = append(withCap(rec.Ran, &r.e.ranCap), m.ID)
		rec.Estimate += m.Estimate
		if pos.stage == ResponseStage {
			rec.Applied = append(withCap(rec.Applied, &r.e.appliedCap), m.ID)
		}
		r.event(Event{Kind: EvMethod, Step: step, Method: m.ID, Action: m.Action, Response: responseID(pos), Inputs: inputs, Outputs: outputs, Actor: actor, DryRun: dry})
	}
	return true
}

func responseID(pos *position) ident.ID {
	if pos.resp != nil {
		return pos.resp.r.ID
	}
	return ""
}

// perform has a person do m: from the resume answer, or the Person.
func (r *run) perform(ctx context.Context, pos *position, step ident.ID, m *process.Method, inputs map[string]any) (d Done, err error) {
	if r.answer != nil {
		if out, ok := r.answer.Outputs[m.ID]; ok {
			return Done{Outputs: out, Actor: r.answer.Actor}, nil
		}
	}
	if r.e.c.person == nil {
		return Done{}, ErrWaiting
	}
	defer func() {
		if v := recover(); v != nil {
			d, err = Done{}, fmt.Errorf("person handler panicked: %v", v)
		}
	}()
	return r.e.c.person.Perform(ctx, Task{Run: r.rec.ID, Stage: pos.stage, Step: step, Method: m, Inputs: inputs})
}

// merge checks outputs against the method's declared outputs and their
// field types and adds them to the run's fields.
func (r *run) merge(mp *methodPlan, outputs map[string]any) error {
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
	for k, v := range outputs {
		if f, _ := mp.output(k); f != nil {
			v = normalize(f, v)
		}
		r.rec.Fields[k] = v
	}
	return nil
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

// call calls mp's action with retries of retryable errors.
func (r *run) call(ctx context.Context, step ident.ID, mp *methodPlan, inputs map[string]any) (map[string]any, error) {
	c := &r.e.c
	a, ok := c.registry.Lookup(mp.adapter)
	if !ok {
		return nil, fmt.Errorf("no adapter %q is configured", mp.adapter)
	}
	req := adapters.Request{Operation: mp.operation, Inputs: inputs, Method: string(mp.m.ID), Run: r.rec.ID}
	backoff := c.backoff
	for attempt := 1; ; attempt++ {
		res, err := r.e.callOnce(ctx, a, req)
		if err == nil {
			return res.Outputs, nil
		}
		if !adapters.IsRetryable(err) || attempt >= c.attempts || ctx.Err() != nil {
			return nil, err
		}
		r.event(Event{Kind: EvRetry, Step: step, Method: mp.m.ID, Action: mp.m.Action, Error: err.Error(),
			Detail: fmt.Sprintf("attempt %d of %d failed; retrying in %v", attempt, c.attempts, backoff)})
		if !sleep(ctx, backoff) {
			return nil, fmt.Errorf("%w (then cancelled: %v)", err, ctx.Err())
		}
		backoff *= 2
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
			cr.err = cctx.Err()
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
			return adapters.Result{}, fmt.Errorf("timed out after %v", c.timeout)
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
	e.Time = r.e.c.clock()
	r.rec.Events = append(r.rec.Events, e)
	if r.e.c.sink != nil {
		e.Run = r.rec.ID
		r.e.c.sink(e)
	}
}

func (r *run) wait(p *Pending, why string) {
	r.rec.Status = Waiting
	r.rec.Pending = p
	r.event(Event{Kind: EvWaiting, Step: p.Step, Method: p.Method, Response: p.Response, Detail: why})
	r.finish()
}

// failIn fails the run; inside a response it records what took effect.
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
	r.fail(msg)
}

func (r *run) fail(msg string) {
	r.rec.Status = Failed
	r.rec.Error = msg
	r.event(Event{Kind: EvFailed, Error: msg})
	r.finish()
}

func (r *run) finish() {
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
	rec.Updated = r.e.c.clock()
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
