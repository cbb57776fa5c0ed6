package cacao

import (
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// Note is one thing Import could not carry over as it was. Step is the
// CACAO step id it concerns, empty for the playbook.
type Note struct {
	// Step is the id of the CACAO step the note concerns; empty when it
	// concerns the playbook.
	Step string
	// Message says what was dropped or changed.
	Message string
}

// String returns the message, prefixed with "<step>: " when Step is set.
func (n Note) String() string {
	if n.Step == "" {
		return n.Message
	}
	return n.Step + ": " + n.Message
}

// Report says what Import could not carry over, and which values of the
// design are placeholders for what CACAO does not carry.
type Report struct {
	// Notes lists what was dropped or changed, in the order found.
	Notes []Note
	// Placeholders are the YAML paths ("$.scope.parties[0]") of the
	// placeholder values; WriteYAML marks each with a TODO(import)
	// comment.
	Placeholders []string
}

func (r *Report) note(step, format string, args ...any) {
	r.Notes = append(r.Notes, Note{step, fmt.Sprintf(format, args...)})
}

// TODO is the comment WriteYAML puts on every placeholder.
const TODO = " TODO(import): placeholder, CACAO does not carry this; replace it"

// WriteYAML writes d like (*secops.Design).WriteYAML, with a
// "# TODO(import)" comment on each path of placeholders.
func WriteYAML(w io.Writer, d *secops.Design, placeholders []string) error {
	cm := yaml.CommentMap{}
	for _, p := range placeholders {
		cm[p] = []*yaml.Comment{yaml.LineComment(TODO)}
	}
	b, err := yaml.MarshalWithOptions(d, yaml.UseLiteralStyleIfMultiline(true), yaml.Indent(2),
		yaml.IndentSequence(true), yaml.WithComment(cm))
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Import reads one CACAO 2.0 playbook in JSON and returns a complete
// secops/v1 design holding it as its one playbook. See ImportPlaybook.
func Import(r io.Reader) (*secops.Design, *Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, nil, err
	}
	pb, err := Decode(data)
	if err != nil {
		return nil, nil, err
	}
	return ImportPlaybook(pb)
}

// ImportPlaybook converts pb into a design with one playbook.
//
// Steps written by Export (they carry the secops step extension) come
// back as the design steps, processes, methods, branches and responses
// they were made from. Other steps map as follows:
//
//   - an action step becomes a design step running a process of its own
//     with one method; manual commands give the procedure, other commands
//     are written into the procedure as text (there is no adapter for
//     them), and in_args and out_args give the inputs and outputs;
//   - a playbook-action step becomes such a method too, asking a person
//     to run the referenced playbook;
//   - a condition (if, while, or switch) becomes a step whose manual
//     method records the decision in a new bool field (a string field
//     for switch), and branches on that field: CACAO conditions are
//     STIX patterns, not CEL. Only if-conditions marked with
//     expression_language "cel" are carried verbatim as branch
//     conditions;
//   - a while-condition runs its body at most once (designs have no
//     loops), then goes on with its on_completion;
//   - the branches of a parallel step run one after another, in the order
//     of next_steps, then its on_completion;
//   - on_failure paths are dropped (designs have no failure paths);
//   - variables become fields (see the type mapping in the package
//     documentation); their values are kept in the field description.
//
// Scope and criteria are filled with the fewest placeholders that make
// the design valid, listed in Report.Placeholders.
func ImportPlaybook(pb *Playbook) (*secops.Design, *Report, error) {
	if pb.Workflow[pb.WorkflowStart] == nil {
		return nil, nil, fmt.Errorf("workflow_start %q is not a step of the workflow", pb.WorkflowStart)
	}
	im := &importer{pb: pb, rep: &Report{}, memo: map[string]way{}, busy: map[string]bool{},
		fieldByVar: map[string]ident.ID{}, stepIDs: map[ident.ID]bool{}}
	im.ext = playbookExt(pb)
	d := &secops.Design{Format: secops.Format}
	im.d = d
	pid := ident.ID(slug(pb.Name, "playbook"))
	d.Metadata = secops.Metadata{Name: ident.ID(slug(pb.Name, "imported")), Title: pb.Name, Description: pb.Description}
	if e := im.ext; e != nil && ident.ID(e.Design).Valid() {
		d.Metadata = secops.Metadata{Name: ident.ID(e.Design), Title: e.Title, Language: e.Language, Version: e.Version}
		if ident.ID(e.Playbook).Valid() {
			pid = ident.ID(e.Playbook)
		}
		for _, f := range e.Fields {
			if f.ID.Valid() && f.Type.Valid() && d.Field(f.ID) == nil {
				d.Fields = append(d.Fields, f)
				im.fieldByVar[VariableName(f.ID)] = f.ID
			}
		}
		if len(e.Incidents) > 0 {
			im.rep.note("", "incidents %v: dropped, the design has no incidents to refer to", e.Incidents)
		}
	}
	im.variables("", pb.PlaybookVariables)
	if pb.WorkflowException != "" {
		im.rep.note("", "workflow_exception %s: dropped, designs have no exception path", pb.WorkflowException)
	}
	im.p = &playbook.Playbook{ID: pid, Name: pb.Name, Description: pb.Description}
	if im.p.Name == "" {
		im.p.Name = string(pid)
	}
	if e := im.ext; e != nil {
		im.p.Description = e.Description
	}
	start := pb.Workflow[pb.WorkflowStart]
	w := im.translate(next(start), nil)
	switch w.kind {
	case playbook.Goto:
		im.p.Start = ident.ID(w.to)
	default:
		// The workflow starts with a way, not a step: hang it on a step.
		im.p.Start = im.router(pb.WorkflowStart, w)
	}
	im.inputs()
	d.Playbooks = []playbook.Playbook{*im.p}
	im.placeholders()
	return d, im.rep, nil
}

// way is where a CACAO step leads, in design terms.
type way struct {
	kind     playbook.WayKind
	to       string
	branches []playbook.Branch
}

type importer struct {
	pb         *Playbook
	ext        *PlaybookExtension
	d          *secops.Design
	p          *playbook.Playbook
	rep        *Report
	memo       map[string]way
	busy       map[string]bool
	fieldByVar map[string]ident.ID
	stepIDs    map[ident.ID]bool
	nproc      int
	parties    []scope.Party
}

// next is the step that follows s when it completes.
func next(s *Step) string {
	if s.OnCompletion != "" {
		return s.OnCompletion
	}
	return s.OnSuccess
}

func (im *importer) translate(id string, cont []string) way {
	key := id + "|" + strings.Join(cont, ",")
	if w, ok := im.memo[key]; ok {
		return w
	}
	if im.busy[key] {
		im.rep.note(id, "loop cut: designs have no cycles, the playbook ends here")
		return way{kind: playbook.End, to: "loop"}
	}
	im.busy[key] = true
	w := im.translateStep(id, cont)
	delete(im.busy, key)
	im.memo[key] = w
	return w
}

// goOn is where the flow goes after a branch ends: the continuation, or
// the end of the playbook.
func (im *importer) goOn(cont []string, reason string) way {
	if len(cont) > 0 {
		return im.translate(cont[0], cont[1:])
	}
	return way{kind: playbook.End, to: reason}
}

func prepend(id string, cont []string) []string {
	if id == "" {
		return cont
	}
	return append([]string{id}, cont...)
}

func (im *importer) translateStep(id string, cont []string) way {
	s := im.pb.Workflow[id]
	if s == nil {
		im.rep.note(id, "no such step: the playbook ends here")
		return way{kind: playbook.End, to: "missing step"}
	}
	if s.OnFailure != "" {
		im.rep.note(id, "on_failure %s: dropped, designs have no failure paths", s.OnFailure)
	}
	switch s.Type {
	case StepEnd:
		reason := s.Name
		if e := stepExt(s); e != nil && e.End != "" {
			reason = e.End
		}
		if reason == "" {
			reason = "end"
		}
		return im.goOn(cont, reason)
	case StepStart:
		return im.translate(next(s), cont)
	case StepAction, StepPlaybookAction:
		return im.action(id, s, cont)
	case StepIfCondition:
		var r reserved
		var f ident.ID
		cel := false
		if e := stepExt(s); e != nil && e.ExpressionLanguage == ExpressionLanguage {
			_, err := expr.Compile(expr.Fields, s.Condition)
			cel = err == nil
		}
		if !cel {
			r = im.reserve(s)
			f = im.decisionField(id, process.Bool)
		}
		cont2 := prepend(s.OnCompletion, cont)
		onTrue := im.translate(s.OnTrue, cont2)
		var onFalse way
		if s.OnFalse != "" {
			onFalse = im.translate(s.OnFalse, cont2)
		} else {
			onFalse = im.goOn(cont2, "condition false")
		}
		if cel {
			first := im.branch(s.Condition, onTrue, id)
			return way{kind: playbook.Branches, branches: append([]playbook.Branch{first}, im.rest(onFalse, id)...)}
		}
		im.rep.note(id, "condition %q is not CEL: it became a manual decision recorded in field %s", s.Condition, f)
		return im.decision(r, s, "Decide whether this holds: "+s.Condition, f, []playbook.Branch{
			im.branch("fields."+string(f), onTrue, id), im.branch("", onFalse, id)})
	case StepWhileCondition:
		r := im.reserve(s)
		f := im.decisionField(id, process.Bool)
		cont2 := prepend(s.OnCompletion, cont)
		body := im.translate(s.OnTrue, cont2)
		after := im.goOn(cont2, "loop done")
		im.rep.note(id, "while-condition %q: its body runs at most once, on a manual decision recorded in field %s", s.Condition, f)
		return im.decision(r, s, "Decide whether this holds (the steps that follow run once if so): "+s.Condition, f,
			[]playbook.Branch{im.branch("fields."+string(f), body, id), im.branch("", after, id)})
	case StepSwitchCondition:
		r := im.reserve(s)
		cont2 := prepend(s.OnCompletion, cont)
		v := strings.TrimSuffix(s.Switch, ":value")
		f, ok := im.fieldByVar[v]
		if !ok {
			f = im.decisionField(id, process.String)
		}
		keys := make([]string, 0, len(s.Cases))
		for k := range s.Cases {
			if k != "default" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var bs []playbook.Branch
		for _, k := range keys {
			bs = append(bs, im.branch("fields."+string(f)+" == "+strconv.Quote(k), im.translate(s.Cases[k], cont2), id))
		}
		def := im.goOn(cont2, "no case matched")
		if to, ok := s.Cases["default"]; ok {
			def = im.translate(to, cont2)
		}
		bs = append(bs, im.branch("", def, id))
		im.rep.note(id, "switch-condition on %s: a person records the value in field %s; the cases became branches in key order", s.Switch, f)
		return im.decision(r, s, "Determine the value of "+s.Switch+" and record it.", f, bs)
	case StepParallel:
		if len(s.NextSteps) == 0 {
			return im.goOn(prepend(next(s), cont), "end")
		}
		im.rep.note(id, "parallel steps run one after another in the order of next_steps: %s", strings.Join(s.NextSteps, ", "))
		rest := append(append([]string{}, s.NextSteps[1:]...), prepend(next(s), cont)...)
		return im.translate(s.NextSteps[0], rest)
	}
	im.rep.note(id, "step type %q is not known: the playbook ends here", s.Type)
	return way{kind: playbook.End, to: "unknown step type " + s.Type}
}

// branch makes a branch taking w; a way that is itself branches is hung
// on a step of its own.
func (im *importer) branch(when string, w way, at string) playbook.Branch {
	b := playbook.Branch{When: when}
	switch w.kind {
	case playbook.Goto:
		b.Goto = ident.ID(w.to)
	case playbook.Respond:
		b.Respond = ident.ID(w.to)
	case playbook.End:
		b.End = w.to
	default:
		b.Goto = im.router(at, w)
	}
	return b
}

// rest turns the way taken when a condition is false into the branches
// that follow the condition's own.
func (im *importer) rest(w way, at string) []playbook.Branch {
	if w.kind == playbook.Branches {
		return w.branches
	}
	return []playbook.Branch{im.branch("", w, at)}
}

// router makes a step for a way that has no step to hang on: a person
// checks the conditions.
func (im *importer) router(at string, w way) ident.ID {
	pid := im.newProcess("Check the conditions", nil)
	var conds []string
	for _, b := range w.branches {
		if b.When != "" {
			conds = append(conds, b.When)
		}
	}
	proc := im.d.Process(pid)
	proc.Methods = []process.Method{{ID: pid + ".1", Name: "Check the conditions",
		Procedure: "Check which of these conditions holds: " + strings.Join(conds, "; ")}}
	sid := im.stepID("check")
	st := playbook.Step{ID: sid, Name: "Check the conditions", Process: pid}
	im.setWay(&st, w, at)
	im.p.Steps = append(im.p.Steps, st)
	return sid
}

func (im *importer) setWay(st *playbook.Step, w way, at string) {
	switch w.kind {
	case playbook.Goto:
		st.Next = ident.ID(w.to)
	case playbook.Respond:
		st.Respond = ident.ID(w.to)
	case playbook.End:
		st.End = w.to
	case playbook.Branches:
		st.Branches = w.branches
	}
}

// reserved is a decision step made before the steps it leads to, so
// that steps and processes are numbered in the order of the flow.
type reserved struct {
	index int
	pid   ident.Number
}

// reserve makes the step and process of a decision at s.
func (im *importer) reserve(s *Step) reserved {
	name := s.Name
	if name == "" {
		name = "Decision"
	}
	pid := im.newProcess(name, nil)
	im.p.Steps = append(im.p.Steps, playbook.Step{ID: im.stepID(name), Name: name, Process: pid})
	return reserved{len(im.p.Steps) - 1, pid}
}

// decision completes the reserved step r: its one manual method records
// a decision in field f, and it has branches bs.
func (im *importer) decision(r reserved, s *Step, procedure string, f ident.ID, bs []playbook.Branch) way {
	st := &im.p.Steps[r.index]
	if s.Description != "" {
		procedure += "\n\n" + s.Description
	}
	im.d.Process(r.pid).Methods = []process.Method{{ID: r.pid + ".1", Name: st.Name, Procedure: procedure, Outputs: []ident.ID{f}}}
	st.Branches = bs
	return way{kind: playbook.Goto, to: string(st.ID)}
}

func (im *importer) decisionField(id string, t process.Type) ident.ID {
	n := 1
	for im.d.Field(ident.ID("decision_"+strconv.Itoa(n))) != nil {
		n++
	}
	f := ident.ID("decision_" + strconv.Itoa(n))
	im.d.Fields = append(im.d.Fields, process.Field{ID: f, Name: "Decision at " + id, Type: t})
	return f
}

// action translates the action step id and, for steps Export wrote, the
// actions of the same design step or response that follow it.
func (im *importer) action(id string, s *Step, cont []string) way {
	e := stepExt(s)
	if e != nil && e.Response != "" {
		return im.response(id, e)
	}
	chain := []string{id}
	if e != nil && e.Step != "" {
		for {
			n := im.pb.Workflow[next(im.pb.Workflow[chain[len(chain)-1]])]
			if n == nil || n.Type != StepAction {
				break
			}
			ne := stepExt(n)
			if ne == nil || ne.Step != e.Step || ne.Response != "" || ne.Process != e.Process || ne.Method == "" {
				break
			}
			chain = append(chain, next(im.pb.Workflow[chain[len(chain)-1]]))
		}
	}
	var st playbook.Step
	if e != nil && e.Step != "" && ident.Number(e.Process).Valid() {
		st = playbook.Step{ID: im.stepID(e.Step), Name: e.StepName, Target: playbook.Target(e.Target)}
		st.Process = im.extProcess(e)
		if !st.Target.Valid() {
			st.Target = ""
		}
		for _, cid := range chain {
			cs := im.pb.Workflow[cid]
			if ce := stepExt(cs); ce.Method != "" {
				im.addMethod(st.Process, im.method(cid, cs, ce, ident.Number(ce.Method)))
			}
		}
	} else {
		name := s.Name
		if name == "" {
			name = "Step " + strconv.Itoa(len(im.p.Steps)+1)
		}
		st = playbook.Step{ID: im.stepID(name), Name: name}
		st.Process = im.newProcess(name, nil)
		im.addMethod(st.Process, im.method(id, s, nil, st.Process+".1"))
	}
	if st.Name == "" {
		st.Name = string(st.ID)
	}
	i := len(im.p.Steps)
	im.p.Steps = append(im.p.Steps, st)
	w := im.translate(next(im.pb.Workflow[chain[len(chain)-1]]), cont)
	if next(im.pb.Workflow[chain[len(chain)-1]]) == "" {
		w = im.goOn(cont, "end")
	}
	im.setWay(&im.p.Steps[i], w, id)
	return way{kind: playbook.Goto, to: string(st.ID)}
}

// method makes the method for action step s.
func (im *importer) method(id string, s *Step, e *StepExtension, mid ident.Number) process.Method {
	im.variables(id, s.StepVariables)
	m := process.Method{ID: mid, Name: s.Name, Inputs: im.args(id, s.InArgs), Outputs: im.args(id, s.OutArgs)}
	if e != nil {
		m.When, m.Note, m.Rollback = e.When, e.Note, e.Rollback
		if e.Estimate != "" {
			if est, err := duration.Parse(e.Estimate); err == nil {
				m.Estimate = est
			}
		}
	}
	var texts []string
	for _, c := range s.Commands {
		text := c.Command
		if text == "" && c.CommandB64 != "" {
			if b, err := base64.StdEncoding.DecodeString(c.CommandB64); err == nil {
				text = string(b)
			}
		}
		switch {
		case c.Type == AdapterCommand && e != nil && process.Action(text).Valid():
			m.Action = process.Action(text)
		case c.Type == "manual":
			if text != "" {
				texts = append(texts, text)
			}
		default:
			im.rep.note(id, "%s command carried as text in the procedure: secops has no adapter for it", c.Type)
			texts = append(texts, fmt.Sprintf("Run this %s command: %s", c.Type, strings.TrimSpace(text)))
		}
	}
	if s.Type == StepPlaybookAction {
		im.rep.note(id, "playbook-action: a person runs playbook %s", s.PlaybookID)
		texts = append(texts, "Run the playbook "+s.PlaybookID+".")
	}
	if m.Action != "" {
		// The procedure of an adapter method is the step description.
		texts = nil
	}
	desc := s.Description
	if e != nil {
		// Export appended the note and the condition to the procedure.
		if e.Note != "" {
			desc = strings.Replace(desc, "\n\n"+e.Note, "", 1)
		}
		if e.When != "" {
			desc = strings.Replace(desc, "\n\nOnly when: "+e.When, "", 1)
		}
	}
	switch {
	case len(texts) > 0 && e == nil && desc != "" && !slices.Contains(texts, desc):
		m.Procedure = desc + "\n\n" + strings.Join(texts, "\n")
	case len(texts) > 0:
		m.Procedure = strings.Join(texts, "\n")
	case desc != "":
		m.Procedure = desc
	default:
		m.Procedure = s.Name
	}
	if m.Procedure == "" {
		m.Procedure = "(no procedure given)"
		im.rep.note(id, "no command, description or name: the procedure is a placeholder")
	}
	if m.Name == "" {
		m.Name = firstLine(m.Procedure)
	}
	if s.Agent != "" && e == nil {
		if a, ok := im.pb.AgentDefinitions[s.Agent]; ok && a.Name != "" {
			m.Note = "Agent: " + a.Name
		}
	}
	if len(s.Targets) > 0 && e == nil {
		im.rep.note(id, "targets %s: dropped, a method has no targets", strings.Join(s.Targets, ", "))
	}
	return m
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return s
}

// response translates the actions Export wrote for a response.
func (im *importer) response(id string, e *StepExtension) way {
	rid := ident.ID(e.Response)
	if !rid.Valid() {
		rid = ident.ID(slug(e.Response, "response"))
	}
	if im.d.Response(rid) != nil {
		return way{kind: playbook.Respond, to: string(rid)}
	}
	r := response.Response{ID: rid, Name: e.ResponseName, Phase: response.Phase(e.ResponsePhase), Description: e.ResponseDescription}
	if !r.Phase.Valid() {
		r.Phase = response.FirstResponse
	}
	if r.Name == "" {
		r.Name = string(rid)
	}
	for cid := id; ; {
		s := im.pb.Workflow[cid]
		if s == nil || s.Type != StepAction {
			break
		}
		ce := stepExt(s)
		if ce == nil || ce.Response != e.Response {
			break
		}
		switch {
		case ce.Approval != "":
			r.Approval = ident.ID(ce.Approval)
			im.party(r.Approval, ce.ApprovalName)
		case ident.Number(ce.Process).Valid():
			pid := im.extProcess(ce)
			if len(r.Processes) == 0 || r.Processes[len(r.Processes)-1] != pid {
				r.Processes = append(r.Processes, pid)
			}
			if ce.Method != "" {
				im.addMethod(pid, im.method(cid, s, ce, ident.Number(ce.Method)))
			}
		}
		cid = next(s)
	}
	if len(r.Processes) == 0 {
		pid := im.newProcess(r.Name, nil)
		im.addMethod(pid, process.Method{ID: pid + ".1", Name: r.Name, Procedure: "Carry out " + r.Name + "."})
		r.Processes = []ident.Number{pid}
	}
	im.d.Responses = append(im.d.Responses, r)
	return way{kind: playbook.Respond, to: string(rid)}
}

func (im *importer) party(id ident.ID, name string) {
	for _, p := range im.parties {
		if p.ID == id {
			return
		}
	}
	if name == "" {
		name = string(id)
	}
	im.parties = append(im.parties, scope.Party{ID: id, Name: name})
}

// extProcess defines, once, the process an extension names.
func (im *importer) extProcess(e *StepExtension) ident.Number {
	pid := ident.Number(e.Process)
	if im.d.Process(pid) == nil {
		name := e.ProcessName
		if name == "" {
			name = e.Process
		}
		im.d.Processes = append(im.d.Processes, process.Process{ID: pid, Name: name, Description: e.ProcessDescription})
	}
	return pid
}

// newProcess defines a process numbered after every top-level number in
// use.
func (im *importer) newProcess(name string, methods []process.Method) ident.Number {
	for {
		im.nproc++
		pid := ident.Number(strconv.Itoa(im.nproc))
		if im.d.Process(pid) == nil && !im.extUses(pid) {
			im.d.Processes = append(im.d.Processes, process.Process{ID: pid, Name: name, Methods: methods})
			return pid
		}
	}
}

// extUses reports whether a step extension anywhere names process pid or
// one under it, so that new processes do not take its number.
func (im *importer) extUses(pid ident.Number) bool {
	for _, s := range im.pb.Workflow {
		if e := stepExt(s); e != nil && (e.Process == string(pid) || strings.HasPrefix(e.Process, string(pid)+".")) {
			return true
		}
	}
	return false
}

func (im *importer) addMethod(pid ident.Number, m process.Method) {
	p := im.d.Process(pid)
	for _, have := range p.Methods {
		if have.ID == m.ID {
			return
		}
	}
	p.Methods = append(p.Methods, m)
}

// stepID returns a fresh step id made from name.
func (im *importer) stepID(name string) ident.ID {
	base := slug(name, "step")
	id := ident.ID(base)
	for n := 2; im.stepIDs[id]; n++ {
		id = ident.ID(base + "-" + strconv.Itoa(n))
	}
	im.stepIDs[id] = true
	return id
}

// args maps variable names to field ids, defining fields for variables
// that are declared nowhere.
func (im *importer) args(id string, names []string) []ident.ID {
	var l []ident.ID
	for _, n := range names {
		n = strings.TrimSuffix(n, ":value")
		f, ok := im.fieldByVar[n]
		if !ok {
			f = im.addField(n, Variable{Type: "string"})
			im.rep.note(id, "variable %s is not declared: it became a string field", n)
		}
		if !slices.Contains(l, f) {
			l = append(l, f)
		}
	}
	return l
}

// variables defines a field for each variable not defined yet.
func (im *importer) variables(id string, vars map[string]Variable) {
	names := make([]string, 0, len(vars))
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, ok := im.fieldByVar[n]; !ok {
			im.addField(n, vars[n])
			if v := vars[n]; v.Value != nil && *v.Value != "" {
				im.rep.note(id, "variable %s: its value is kept only in the field description", n)
			}
		}
	}
}

// fieldTypes maps CACAO variable types to field types.
var fieldTypes = map[string]process.Type{
	"bool": process.Bool, "integer": process.Int, "long": process.Int, "ipv4-addr": process.IP,
	"ipv6-addr": process.IP, "hash": process.Hash, "md5-hash": process.Hash, "sha256-hash": process.Hash,
	"sha1-hash": process.Hash, "uri": process.URL, "string": process.String,
}

func (im *importer) addField(name string, v Variable) ident.ID {
	base := slug(strings.Trim(name, "_"), "var")
	id := ident.ID(base)
	for n := 2; im.d.Field(id) != nil; n++ {
		id = ident.ID(base + "-" + strconv.Itoa(n))
	}
	t, ok := fieldTypes[v.Type]
	if !ok {
		t = process.String
		im.rep.note("", "variable %s of type %s became a string field", name, v.Type)
	}
	f := process.Field{ID: id, Name: v.Description, Type: t}
	if f.Name == "" {
		f.Name = name
	}
	if v.Value != nil && *v.Value != "" {
		f.Description = "CACAO value: " + *v.Value
	}
	im.d.Fields = append(im.d.Fields, f)
	im.fieldByVar[name] = id
	return id
}

// inputs sets the playbook inputs: those the extension lists, and every
// field a method or response reads that no earlier step can supply.
func (im *importer) inputs() {
	p := im.p
	if im.ext != nil {
		for _, i := range im.ext.Inputs {
			if im.d.Field(ident.ID(i)) != nil {
				p.Inputs = append(p.Inputs, ident.ID(i))
			}
		}
	}
	// preds[s] are the steps with a way to s.
	preds := map[ident.ID][]ident.ID{}
	for _, s := range p.Steps {
		for _, to := range succs(&s) {
			preds[to] = append(preds[to], s.ID)
		}
	}
	outputs := func(pid ident.Number) []ident.ID {
		var l []ident.ID
		if proc := im.d.Process(pid); proc != nil {
			for _, m := range proc.Methods {
				l = append(l, m.Outputs...)
			}
		}
		return l
	}
	// supplied by an ancestor of s (s included when self is true).
	ancestors := func(sid ident.ID) map[ident.ID]bool {
		seen := map[ident.ID]bool{}
		var walk func(ident.ID)
		walk = func(id ident.ID) {
			for _, pr := range preds[id] {
				if !seen[pr] {
					seen[pr] = true
					walk(pr)
				}
			}
		}
		walk(sid)
		return seen
	}
	need := func(have map[ident.ID]bool, methods []process.Method) {
		for _, m := range methods {
			for _, in := range m.Inputs {
				if !have[in] && !slices.Contains(p.Inputs, in) {
					p.Inputs = append(p.Inputs, in)
				}
			}
			for _, o := range m.Outputs {
				have[o] = true
			}
		}
	}
	for _, s := range p.Steps {
		have := map[ident.ID]bool{}
		for a := range ancestors(s.ID) {
			for _, o := range outputs(p.Step(a).Process) {
				have[o] = true
			}
		}
		if proc := im.d.Process(s.Process); proc != nil {
			need(have, proc.Methods)
		}
		var rs []ident.ID
		if s.Respond != "" {
			rs = append(rs, s.Respond)
		}
		for _, b := range s.Branches {
			if b.Respond != "" {
				rs = append(rs, b.Respond)
			}
		}
		for _, rid := range rs {
			h := map[ident.ID]bool{}
			for k := range have {
				h[k] = true
			}
			if r := im.d.Response(rid); r != nil {
				for _, pid := range r.Processes {
					if proc := im.d.Process(pid); proc != nil {
						need(h, proc.Methods)
					}
				}
			}
		}
	}
}

func succs(s *playbook.Step) []ident.ID {
	var l []ident.ID
	if s.Next != "" {
		l = append(l, s.Next)
	}
	for _, b := range s.Branches {
		if b.Goto != "" {
			l = append(l, b.Goto)
		}
	}
	return l
}

// placeholders fills what CACAO does not carry: one party responsible
// for every phase, one severity that is the triage threshold.
func (im *importer) placeholders() {
	d, rep := im.d, im.rep
	d.Scope.Parties = im.parties
	var who ident.ID
	if len(d.Scope.Parties) > 0 {
		who = d.Scope.Parties[0].ID
	} else {
		who = "security-team"
		d.Scope.Parties = []scope.Party{{ID: who, Name: "Security team", Sourcing: scope.InHouse}}
		rep.Placeholders = append(rep.Placeholders, "$.scope.parties[0]")
	}
	a := func() *scope.Assignment { return &scope.Assignment{Responsible: who} }
	d.Scope.Responsibilities = scope.Responsibilities{Detection: a(), Triage: a(), FirstResponse: a(), Analysis: a(), Response: a()}
	d.Criteria = criteria.Criteria{
		Severities:      criteria.Severities{{ID: "medium", Name: "Medium"}},
		TriageThreshold: "medium",
	}
	rep.Placeholders = append(rep.Placeholders, "$.scope.responsibilities", "$.criteria.severities[0]", "$.criteria.triage_threshold")
	slices.SortFunc(d.Processes, func(a, b process.Process) int { return compareNumbers(a.ID, b.ID) })
	for i := range d.Processes {
		slices.SortFunc(d.Processes[i].Methods, func(a, b process.Method) int { return compareNumbers(a.ID, b.ID) })
	}
}

// compareNumbers orders dotted numbers part by part.
func compareNumbers(a, b ident.Number) int {
	as, bs := strings.Split(string(a), "."), strings.Split(string(b), ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}

// slug makes an id ([a-z0-9][a-z0-9._-]*) from s, or returns def.
func slug(s, def string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.':
			if r == '_' || r == '.' {
				if b.Len() == 0 {
					continue
				}
			}
			b.WriteRune(r)
			dash = false
		default:
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.Trim(b.String(), "-._")
	if len(out) > 60 {
		out = strings.Trim(out[:60], "-._")
	}
	if out == "" {
		return def
	}
	return out
}
