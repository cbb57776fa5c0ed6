package cacao

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// DefaultTime is the created and modified time of exported playbooks when
// Options.Time is zero: a fixed instant, so that exports are
// byte-identical across runs.
var DefaultTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// TimeFormat is the CACAO timestamp layout: UTC, to the millisecond.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// AdapterCommand is the command type of an action step for a method that
// has an action: its command is the method's action,
// "<adapter>.<operation>", which the secops executor calls through the
// named adapter. CACAO's command-type-ov is an open vocabulary.
const AdapterCommand = "secops-adapter"

// Options tunes Export.
type Options struct {
	// Time is written as created and modified; zero means DefaultTime.
	Time time.Time
}

// File is one exported playbook with the id of the design playbook it
// comes from; write it to <ID>.json.
type File struct {
	// ID is the id of the design playbook.
	ID ident.ID
	// Playbook is the CACAO playbook exported from it.
	Playbook *Playbook
}

// Export converts every playbook of d into a CACAO 2.0 playbook, in the
// order of d.Playbooks. Identifiers are UUIDv5 in Namespace of names made
// from the design name, the playbook id and the step, method and branch
// they stand for, so the same design always gives the same files.
//
// Each design step becomes one action step per method of its process
// (a manual command carrying the procedure for person tasks, an
// AdapterCommand for methods with an action), followed by an
// if-condition step per conditional branch whose condition is the CEL
// expression, verbatim, with expression_language "cel" in the secops step
// extension. A response becomes its own chain of action steps (preceded
// by a manual approval action when it needs approval) ending in its own
// end step, once per place that responds with it, so each branch ends in
// a unique end step. Fields become playbook_variables. Every playbook
// is checked with Check; a design that gives a playbook Check rejects,
// or that refers to undefined processes, responses or steps, is an error.
func Export(d *secops.Design, opts Options) ([]File, error) {
	t := opts.Time
	if t.IsZero() {
		t = DefaultTime
	}
	var files []File
	var errs []error
	for i := range d.Playbooks {
		pb, err := exportPlaybook(d, &d.Playbooks[i], t.UTC())
		if err != nil {
			errs = append(errs, fmt.Errorf("playbook %s: %w", d.Playbooks[i].ID, err))
			continue
		}
		files = append(files, File{ID: d.Playbooks[i].ID, Playbook: pb})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return files, nil
}

// Encode writes pb as indented JSON followed by a newline.
func (pb *Playbook) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(pb)
}

// VariableName returns the CACAO variable name of a field id: the id
// between double underscores, with characters CACAO does not allow in
// names (the dot) as underscores, and an underscore before a leading
// digit.
func VariableName(id ident.ID) string {
	s := strings.ReplaceAll(string(id), ".", "_")
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	return "__" + s + "__"
}

// variableTypes maps field types to CACAO variable types. Types CACAO
// has no counterpart for are strings; the exact type travels in the
// playbook extension.
var variableTypes = map[process.Type]string{
	process.String: "string",
	process.Bool:   "bool",
	process.Int:    "integer",
	process.IP:     "ipv4-addr",
	process.CIDR:   "string",
	process.URL:    "uri",
	process.Domain: "string",
	process.Hash:   "hash",
	process.Host:   "string",
	process.User:   "string",
	process.Time:   "string",
	process.Port:   "integer",
}

type exporter struct {
	d      *secops.Design
	p      *playbook.Playbook
	pb     *Playbook
	prefix string
	errs   []error
}

func (x *exporter) id(kind, key string) string {
	return kind + "--" + uuid5(Namespace, x.prefix+key)
}

func (x *exporter) fail(format string, args ...any) {
	x.errs = append(x.errs, fmt.Errorf(format, args...))
}

func exportPlaybook(d *secops.Design, p *playbook.Playbook, t time.Time) (*Playbook, error) {
	name := string(d.Metadata.Name)
	x := &exporter{d: d, p: p, prefix: name + "/" + string(p.ID) + "/"}
	ts := t.Format(TimeFormat)
	desc := p.Description
	if desc == "" {
		desc = p.Name
		if d.Metadata.Title != "" {
			desc += " (" + d.Metadata.Title + ")"
		}
	}
	x.pb = &Playbook{
		Type:          "playbook",
		SpecVersion:   SpecVersion,
		ID:            "playbook--" + uuid5(Namespace, "playbook:"+name+"/"+string(p.ID)),
		Name:          p.Name,
		Description:   desc,
		PlaybookTypes: []string{"investigation"},
		CreatedBy:     identity(name),
		Created:       ts,
		Modified:      ts,
		Labels:        []string{"secops", "secops-design:" + name, "secops-playbook:" + string(p.ID)},
		Workflow:      map[string]*Step{},
		ExtensionDefinitions: map[string]ExtensionDefinition{ExtensionID: {
			Type: "extension-definition",
			Name: "secops design",
			Description: "Where a step comes from in a secops/v1 design: design step, process, method, " +
				"response; expression_language names the language of if-condition conditions (cel: " +
				"a CEL expression over fields, not STIX patterning). An if-condition that names a method " +
				"guards that method's action step: the method runs only when the condition holds.",
			CreatedBy: identity("secops"),
			Schema:    extensionSchema,
			Version:   "1.1.0",
		}},
	}
	var incidents []string
	for _, i := range p.Incidents {
		incidents = append(incidents, string(i))
	}
	var inputs []string
	for _, i := range p.Inputs {
		inputs = append(inputs, string(i))
	}
	fields := usedFields(d, p)
	x.pb.PlaybookExtensions = map[string]json.RawMessage{ExtensionID: rawJSON(PlaybookExtension{
		Design: name, Title: d.Metadata.Title, Language: d.Metadata.Language, Version: d.Metadata.Version,
		Playbook: string(p.ID), Description: p.Description, Incidents: incidents, Inputs: inputs, Fields: fields,
		DesignDescription: d.Metadata.Description, Parties: d.Scope.Parties, Responsibilities: responsibilities(d),
	})}
	if len(fields) > 0 {
		x.pb.PlaybookVariables = map[string]Variable{}
		for _, f := range fields {
			v := VariableName(f.ID)
			if _, dup := x.pb.PlaybookVariables[v]; dup {
				x.fail("field %s: variable name %s is taken by another field", f.ID, v)
			}
			typ := variableTypes[f.Type]
			if typ == "" {
				typ = "string"
			}
			desc := f.Name
			if f.List {
				desc += " (list of " + string(f.Type) + ")"
			}
			if f.Description != "" {
				desc += ": " + f.Description
			}
			x.pb.PlaybookVariables[v] = Variable{Type: typ, Description: desc, External: slices.Contains(p.Inputs, f.ID)}
		}
	}
	if x.p.Step(p.Start) == nil {
		x.fail("start: unknown step %q", p.Start)
	}
	start := x.id("start", "start")
	x.pb.WorkflowStart = start
	x.pb.Workflow[start] = &Step{Type: StepStart, Name: "Start: " + p.Name, OnCompletion: x.entry(p.Start)}
	for i := range p.Steps {
		x.step(&p.Steps[i])
	}
	if len(x.errs) == 0 {
		x.errs = Check(x.pb)
	}
	if err := errors.Join(x.errs...); err != nil {
		return nil, err
	}
	return x.pb, nil
}

// usedFields returns the fields of d that playbook p uses: its inputs,
// the inputs and outputs of the methods it runs, and the fields its
// conditions read, in the order of d.Fields.
func usedFields(d *secops.Design, p *playbook.Playbook) []process.Field {
	used := map[ident.ID]bool{}
	for _, i := range p.Inputs {
		used[i] = true
	}
	cond := func(src string) {
		if src == "" {
			return
		}
		if prg, err := expr.Compile(expr.Fields, src); err == nil {
			for _, r := range prg.Refs() {
				used[ident.ID(r)] = true
			}
		}
	}
	proc := func(id ident.Number) {
		if pr := d.Process(id); pr != nil {
			for _, m := range pr.Methods {
				for _, f := range append(append([]ident.ID{}, m.Inputs...), m.Outputs...) {
					used[f] = true
				}
				cond(m.When)
			}
		}
	}
	resp := func(id ident.ID) {
		if r := d.Response(id); r != nil {
			for _, pid := range r.Processes {
				proc(pid)
			}
		}
	}
	for _, s := range p.Steps {
		proc(s.Process)
		resp(s.Respond)
		for _, b := range s.Branches {
			cond(b.When)
			resp(b.Respond)
		}
	}
	var l []process.Field
	for _, f := range d.Fields {
		if used[f.ID] {
			l = append(l, f)
		}
	}
	return l
}

// responsibilities returns the responsibilities of d, or nil if none is
// assigned.
func responsibilities(d *secops.Design) *scope.Responsibilities {
	r := d.Scope.Responsibilities
	if r == (scope.Responsibilities{}) {
		return nil
	}
	return &r
}

func identity(name string) string { return "identity--" + uuid5(Namespace, "identity:"+name) }

// entry is the id of the first step of design step sid: the action
// step of its first method, or the if-condition guarding it.
func (x *exporter) entry(sid ident.ID) string {
	s := x.p.Step(sid)
	if s == nil {
		return ""
	}
	key := "step/" + string(sid) + "/"
	p := x.d.Process(s.Process)
	if p == nil || len(p.Methods) == 0 {
		return x.id("action", key+"process")
	}
	return x.methodEntry(key, &p.Methods[0])
}

// methodEntry is the id of the first step written for method m: the
// if-condition guarding its action step when it has a when, else the
// action step.
func (x *exporter) methodEntry(key string, m *process.Method) string {
	if m.When != "" {
		return x.id("if-condition", key+"method/"+string(m.ID)+"/when")
	}
	return x.id("action", key+"method/"+string(m.ID))
}

// step writes the action steps of s and what follows them.
func (x *exporter) step(s *playbook.Step) {
	proc := x.d.Process(s.Process)
	if proc == nil {
		x.fail("step %s: unknown process %q", s.ID, s.Process)
		return
	}
	key := "step/" + string(s.ID) + "/"
	base := StepExtension{Step: string(s.ID), StepName: s.Name, Target: string(s.Target)}
	after := ""
	switch {
	case s.Next != "":
		if x.p.Step(s.Next) == nil {
			x.fail("step %s: next: unknown step %q", s.ID, s.Next)
		}
		after = x.entry(s.Next)
	case s.Respond != "":
		after = x.respond(s.Respond, key+"respond", base)
	case s.End != "":
		after = x.end(key+"end", s.End, base)
	case len(s.Branches) > 0:
		after = x.branches(s, key, base)
	default:
		x.fail("step %s: no way on", s.ID)
	}
	x.actions(proc, key, base, x.party(scope.Triage), after)
}

// actions writes one action step per method of proc, chained, the last
// going on to after; it returns the id of the first. The action step of
// a method with a when is guarded by an if-condition whose condition is
// the when: on_true runs the action, on_false skips it, and both go on
// to the same step.
func (x *exporter) actions(proc *process.Process, key string, base StepExtension, agent, after string) string {
	base.Process, base.ProcessName, base.ProcessDescription = string(proc.ID), proc.Name, proc.Description
	if len(proc.Methods) == 0 {
		e := base
		text := proc.Description
		if text == "" {
			text = proc.Name
		}
		id := x.id("action", key+"process")
		x.pb.Workflow[id] = &Step{
			Type: StepAction, Name: proc.Name, Description: text, OnCompletion: after,
			StepExtensions: map[string]json.RawMessage{ExtensionID: rawJSON(e)},
			Commands:       []Command{{Type: "manual", Command: text}}, Agent: agent,
		}
		return id
	}
	next := after
	for i := len(proc.Methods) - 1; i >= 0; i-- {
		m := &proc.Methods[i]
		e := base
		e.Method, e.When, e.Note, e.Rollback = string(m.ID), m.When, m.Note, m.Rollback
		if m.Estimate != 0 {
			e.Estimate = m.Estimate.String()
		}
		desc := m.Procedure
		if m.Note != "" {
			desc += "\n\n" + m.Note
		}
		st := &Step{
			Type: StepAction, Name: m.Name, Description: desc, OnCompletion: next,
			StepExtensions: map[string]json.RawMessage{ExtensionID: rawJSON(e)},
			InArgs:         x.vars(m.Inputs), OutArgs: x.vars(m.Outputs),
		}
		if m.Manual() {
			st.Commands = []Command{{Type: "manual", Command: m.Procedure}}
			st.Agent = agent
		} else {
			st.Commands = []Command{{Type: AdapterCommand, Command: string(m.Action),
				Description: "Call operation " + m.Action.Operation() + " of the " + m.Action.Adapter() + " adapter"}}
			st.Agent = x.adapter(m.Action.Adapter())
		}
		id := x.id("action", key+"method/"+string(m.ID))
		x.pb.Workflow[id] = st
		if m.When != "" {
			g := e
			g.ExpressionLanguage = ExpressionLanguage
			gid := x.methodEntry(key, m)
			x.pb.Workflow[gid] = &Step{
				Type: StepIfCondition, Name: "Only when: " + m.When, Condition: m.When, OnTrue: id, OnFalse: next,
				Description:    "Run " + m.Name + " only when this holds; otherwise go on without it.",
				StepExtensions: map[string]json.RawMessage{ExtensionID: rawJSON(g)},
			}
			id = gid
		}
		next = id
	}
	return next
}

func (x *exporter) vars(ids []ident.ID) []string {
	var l []string
	for _, id := range ids {
		if x.d.Field(id) == nil {
			x.fail("unknown field %q", id)
		}
		l = append(l, VariableName(id))
	}
	return l
}

// branches writes the if-condition chain of s and returns its first id.
func (x *exporter) branches(s *playbook.Step, key string, base StepExtension) string {
	var next string
	for i := len(s.Branches) - 1; i >= 0; i-- {
		b := &s.Branches[i]
		bkey := key + "branch/" + strconv.Itoa(i) + "/"
		var to string
		switch {
		case b.Goto != "":
			if x.p.Step(b.Goto) == nil {
				x.fail("step %s: branch %d: unknown step %q", s.ID, i, b.Goto)
			}
			to = x.entry(b.Goto)
		case b.Respond != "":
			to = x.respond(b.Respond, bkey+"respond", base)
		case b.End != "":
			to = x.end(bkey+"end", b.End, base)
		default:
			x.fail("step %s: branch %d: no way on", s.ID, i)
		}
		if b.When == "" {
			next = to // the default branch: the last one, by the format's rules
			continue
		}
		if next == "" {
			next = x.end(key+"no-match", "", base)
			x.pb.Workflow[next].Name = "No branch of " + s.Name + " matched"
		}
		e := base
		e.ExpressionLanguage = ExpressionLanguage
		e.Branch = &i
		id := x.id("if-condition", bkey+"if")
		x.pb.Workflow[id] = &Step{
			Type: StepIfCondition, Name: s.Name + ": " + b.When, Condition: b.When, OnTrue: to, OnFalse: next,
			StepExtensions: map[string]json.RawMessage{ExtensionID: rawJSON(e)},
		}
		next = id
	}
	return next
}

// end writes an end step; reason is the design's end reason, if any.
func (x *exporter) end(key, reason string, base StepExtension) string {
	id := x.id("end", key)
	name := "End"
	e := StepExtension{Step: base.Step, End: reason}
	if reason != "" {
		name = "End: " + reason
	}
	x.pb.Workflow[id] = &Step{Type: StepEnd, Name: name, StepExtensions: map[string]json.RawMessage{ExtensionID: rawJSON(e)}}
	return id
}

// respond writes the steps of response rid for one place that responds
// with it and returns the id of the first.
func (x *exporter) respond(rid ident.ID, key string, base StepExtension) string {
	r := x.d.Response(rid)
	if r == nil {
		x.fail("step %s: unknown response %q", base.Step, rid)
		return ""
	}
	key += "/"
	e := StepExtension{Step: base.Step, Target: base.Target, Response: string(r.ID), ResponseName: r.Name,
		ResponsePhase: string(r.Phase), ResponseDescription: r.Description}
	phase := scope.FirstResponse
	if r.Phase == response.Later {
		phase = scope.Response
	}
	agent := x.party(phase)
	endID := x.id("end", key+"end")
	x.pb.Workflow[endID] = &Step{Type: StepEnd, Name: "End: " + r.Name,
		StepExtensions: map[string]json.RawMessage{ExtensionID: rawJSON(StepExtension{Step: base.Step, Response: string(r.ID)})}}
	next := endID
	for i := len(r.Processes) - 1; i >= 0; i-- {
		proc := x.d.Process(r.Processes[i])
		if proc == nil {
			x.fail("response %s: unknown process %q", r.ID, r.Processes[i])
			continue
		}
		next = x.actions(proc, key+"process/"+string(proc.ID)+"/", e, agent, next)
	}
	if r.Approval != "" {
		a := e
		a.Approval = string(r.Approval)
		who := string(r.Approval)
		if p := x.partyByID(r.Approval); p != nil {
			who = p.Name
			a.ApprovalName = p.Name
		}
		text := "Obtain the approval of " + who + " before running " + r.Name + "."
		id := x.id("action", key+"approval")
		x.pb.Workflow[id] = &Step{
			Type: StepAction, Name: "Approval: " + r.Name, Description: text, OnCompletion: next,
			StepExtensions: map[string]json.RawMessage{ExtensionID: rawJSON(a)},
			Commands:       []Command{{Type: "manual", Command: text}}, Agent: x.partyAgent(r.Approval),
		}
		next = id
	}
	return next
}

func (x *exporter) partyByID(id ident.ID) *scope.Party {
	for i := range x.d.Scope.Parties {
		if x.d.Scope.Parties[i].ID == id {
			return &x.d.Scope.Parties[i]
		}
	}
	return nil
}

// party returns the agent for the party responsible for phase.
func (x *exporter) party(phase scope.Phase) string {
	var id ident.ID
	if a := x.d.Scope.Responsibilities.For(phase); a != nil {
		id = a.Responsible
	}
	return x.partyAgent(id)
}

// partyAgent defines and returns the agent of a party: a group for an
// in-house party, an organization for an outsourced one, and a group of
// operators when the party is unknown.
func (x *exporter) partyAgent(id ident.ID) string {
	p := x.partyByID(id)
	if p == nil {
		p = &scope.Party{ID: "operators", Name: "Operators", Sourcing: scope.InHouse}
	}
	kind := "group"
	if p.Sourcing == scope.Outsourced {
		kind = "organization"
	}
	aid := kind + "--" + uuid5(Namespace, string(x.d.Metadata.Name)+"/party/"+string(p.ID))
	x.agent(aid, AgentTarget{Type: kind, Name: p.Name, Description: "secops party " + string(p.ID)})
	return aid
}

// adapter defines and returns the agent that calls the operations of an
// adapter: a security-category agent of category orchestrator, the
// secops executor.
func (x *exporter) adapter(name string) string {
	aid := "security-category--" + uuid5(Namespace, string(x.d.Metadata.Name)+"/adapter/"+name)
	x.agent(aid, AgentTarget{Type: "security-category", Name: name,
		Description: "The secops executor calling the " + name + " adapter", Category: []string{"orchestrator"}})
	return aid
}

func (x *exporter) agent(id string, a AgentTarget) {
	if x.pb.AgentDefinitions == nil {
		x.pb.AgentDefinitions = map[string]AgentTarget{}
	}
	x.pb.AgentDefinitions[id] = a
}
