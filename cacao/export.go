package cacao

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
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
	// Adapters, when set, makes actions an executor can call: a method
	// whose adapter is a webhook becomes an http-api command, one whose
	// adapter is a command a bash command, and a method done by a person
	// a manual command targeted at the responsible party. When nil,
	// methods with an action have an AdapterCommand that only the secops
	// executor understands.
	Adapters *config.File
}

// File is one exported playbook with the id of the design playbook it
// comes from; write it to <ID>.json.
type File struct {
	// ID is the id of the design playbook.
	ID ident.ID
	// Playbook is the CACAO playbook exported from it.
	Playbook *Playbook
	// Notes are what an executor following CACAO cannot use as it is:
	// each condition kept as CEL (no STIX comparison says the same),
	// with the step it is on, and each action left an AdapterCommand.
	Notes []Note
}

// AdapterCommands reports whether a step of f's playbook has an
// AdapterCommand, which only secops runs: an export without an
// adapters file (Options.Adapters) has one for every action.
func (f File) AdapterCommands() bool {
	for _, s := range f.Playbook.Workflow {
		for _, c := range s.Commands {
			if c.Type == AdapterCommand {
				return true
			}
		}
	}
	return false
}

// Export converts every playbook of d into a CACAO 2.0 playbook, in the
// order of d.Playbooks. Identifiers are UUIDv5 in Namespace of names made
// from the design name, the playbook id and the step, method and branch
// they stand for, so the same design always gives the same files.
//
// Each design step becomes one action step per method of its process;
// a method's when and the design's branches become block-structured
// if-conditions (each branch a sub-workflow ending in its own end step,
// the flow going on at on_completion); a design step reached by several
// ways is written once per way. Conditions with a STIX comparison form
// are written as one over the playbook variables, the others stay CEL
// and are listed in File.Notes. With opts.Adapters, actions are http-api
// and bash commands and manual steps target their party. See the
// package documentation for the details. Every playbook is checked with
// Check; a design that gives a playbook Check rejects, or that refers
// to undefined processes, responses or steps, is an error.
func Export(d *secops.Design, opts Options) ([]File, error) {
	t := opts.Time
	if t.IsZero() {
		t = DefaultTime
	}
	var files []File
	var errs []error
	for i := range d.Playbooks {
		pb, notes, err := exportPlaybook(d, &d.Playbooks[i], t.UTC(), opts.Adapters)
		if err != nil {
			errs = append(errs, fmt.Errorf("playbook %s: %w", d.Playbooks[i].ID, err))
			continue
		}
		files = append(files, File{ID: d.Playbooks[i].ID, Playbook: pb, Notes: notes})
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

// MaxExportSteps is the most workflow steps Export writes for one
// playbook. Design steps that several branches lead to are written once
// for each way into them (see the package documentation), which a
// design could make grow without bound.
const MaxExportSteps = 10000

type exporter struct {
	d        *secops.Design
	p        *playbook.Playbook
	pb       *Playbook
	prefix   string
	ts       string
	adapters map[ident.ID]*config.Entry // nil without Options.Adapters
	emitted  map[ident.ID]bool          // design steps written at least once
	onPath   map[ident.ID]bool          // design steps being written
	severity bool                       // a condition reads severity
	secrets  map[string]Variable        // the variables of secret headers
	cel      expr.Cache                 // the conditions compiled
	stix     map[string]stixResult      // the conditions translated
	notes    []Note
	noted    map[string]bool // the keys of notes made once
	errs     []error
}

func (x *exporter) id(kind, key string) string {
	return kind + "--" + uuid5(Namespace, x.prefix+key)
}

func (x *exporter) fail(format string, args ...any) {
	x.errs = append(x.errs, fmt.Errorf(format, args...))
}

func (x *exporter) put(id string, s *Step) {
	if len(x.pb.Workflow) >= MaxExportSteps {
		if len(x.pb.Workflow) == MaxExportSteps {
			x.fail("more than %d workflow steps: branches lead into the same steps too often to write each way out", MaxExportSteps)
		}
		return
	}
	x.pb.Workflow[id] = s
}

func ext(e StepExtension) map[string]json.RawMessage {
	return map[string]json.RawMessage{ExtensionID: rawJSON(e)}
}

func exportPlaybook(d *secops.Design, p *playbook.Playbook, t time.Time, af *config.File) (*Playbook, []Note, error) {
	name := string(d.Metadata.Name)
	x := &exporter{d: d, p: p, prefix: name + "/" + string(p.ID) + "/", ts: t.Format(TimeFormat),
		emitted: map[ident.ID]bool{}, onPath: map[ident.ID]bool{}}
	if af != nil {
		x.adapters = map[ident.ID]*config.Entry{}
		for i := range af.Adapters {
			x.adapters[af.Adapters[i].Name] = &af.Adapters[i]
		}
	}
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
		Created:       x.ts,
		Modified:      x.ts,
		Labels:        []string{"secops", "secops-design:" + name, "secops-playbook:" + string(p.ID)},
		Workflow:      map[string]*Step{},
		ExtensionDefinitions: map[string]ExtensionDefinition{ExtensionID: {
			Type: "extension-definition",
			Name: "secops design",
			Description: "Where a step comes from in a secops/v1 design: design step, process, method, " +
				"response. On condition steps, expression_language cel says that the condition is a CEL " +
				"expression over fields and severity, not STIX patterning; condition (or when) keeps the " +
				"design's CEL beside a STIX translation. end_of marks the end steps that close a branch " +
				"sub-workflow and carry no meaning of their own.",
			CreatedBy: identity("secops"),
			Schema:    extensionSchema,
			Version:   ExtensionVersion,
		}},
	}
	if d.Metadata.TLP != "" {
		x.marking(d.Metadata.TLP)
	}
	var incidents []string
	for _, i := range p.Incidents {
		incidents = append(incidents, string(i))
	}
	var inputs []string
	for _, i := range p.Inputs {
		inputs = append(inputs, string(i))
	}
	fields := usedFields(d, p, &x.cel)
	x.pb.PlaybookExtensions = map[string]json.RawMessage{ExtensionID: rawJSON(PlaybookExtension{
		Design: name, Title: d.Metadata.Title, Language: d.Metadata.Language, Version: d.Metadata.Version,
		Playbook: string(p.ID), Description: p.Description, Incidents: incidents, Inputs: inputs, Fields: fields,
		DesignDescription: d.Metadata.Description, Parties: d.Scope.Parties, Responsibilities: responsibilities(d),
	})}
	vars := map[string]Variable{}
	for _, f := range fields {
		v := VariableName(f.ID)
		if _, dup := vars[v]; dup || v == SeverityVariable || v == RunVariable {
			x.fail("field %s: variable name %s is taken", f.ID, v)
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
		vars[v] = Variable{Type: typ, Description: desc, External: slices.Contains(p.Inputs, f.ID)}
	}
	start := x.id("start", "start")
	x.pb.WorkflowStart = start
	first := ""
	if x.p.Step(p.Start) == nil {
		x.fail("start: unknown step %q", p.Start)
	} else {
		first = x.enter(p.Start, "", "")
	}
	x.put(start, &Step{Type: StepStart, Name: "Start: " + p.Name, OnCompletion: first})
	if x.severity {
		vars[SeverityVariable] = Variable{Type: "string", External: true,
			Description: "The id of the incident's severity (the CEL variable severity of the design's conditions)"}
	}
	if x.adapters != nil {
		vars[RunVariable] = Variable{Type: "string", External: true,
			Description: "The id of this run, set by the caller for each execution: sent as run, and the Idempotency-Key is made from it"}
	}
	for k, v := range x.secrets {
		vars[k] = v
	}
	if len(vars) > 0 {
		x.pb.PlaybookVariables = vars
	}
	if len(x.errs) == 0 {
		x.errs = Check(x.pb)
	}
	if err := errors.Join(x.errs...); err != nil {
		return nil, nil, err
	}
	sort.SliceStable(x.notes, func(i, j int) bool { return x.notes[i].Message < x.notes[j].Message })
	return x.pb, x.notes, nil
}

// ExtensionVersion is the version of the secops extension Export
// declares.
const ExtensionVersion = "2.0.0"

// tlpLevels maps design TLP levels to CACAO tlpv2_level values.
var tlpLevels = map[secops.TLP]string{
	secops.TLPClear: "TLP:CLEAR", secops.TLPGreen: "TLP:GREEN", secops.TLPAmber: "TLP:AMBER",
	secops.TLPAmberStrict: "TLP:AMBER+STRICT", secops.TLPRed: "TLP:RED",
}

// marking marks the playbook with a TLP 2.0 marking definition.
func (x *exporter) marking(t secops.TLP) {
	level := tlpLevels[t]
	if level == "" {
		x.fail("metadata.tlp: %q is not a TLP 2.0 level", t)
		return
	}
	id := "marking-tlp--" + uuid5(Namespace, "marking-tlp:"+level)
	x.pb.Markings = []string{id}
	x.pb.DataMarkingDefinitions = map[string]DataMarking{id: {Type: "marking-tlp", ID: id, Name: level,
		CreatedBy: identity("secops"), Created: DefaultTime.Format(TimeFormat), TLPv2Level: level}}
}

// usedFields returns the fields of d that playbook p uses: its inputs,
// the inputs and outputs of the methods it runs, and the fields its
// conditions read, in the order of d.Fields.
func usedFields(d *secops.Design, p *playbook.Playbook, cache *expr.Cache) []process.Field {
	used := map[ident.ID]bool{}
	for _, i := range p.Inputs {
		used[i] = true
	}
	cond := func(src string) {
		if src == "" {
			return
		}
		if prg, err := cache.Compile(expr.Fields, src); err == nil {
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

// enter writes design step sid and everything after it, and returns the
// id of its first CACAO step. ctx prefixes the keys of the ids; a step
// already written is written again under ctx+via, so that each way into
// it has steps of its own (CACAO branches never re-join).
func (x *exporter) enter(sid ident.ID, ctx, via string) string {
	s := x.p.Step(sid)
	if s == nil {
		return ""
	}
	if x.onPath[sid] {
		x.fail("step %s: the steps form a cycle", sid)
		return ""
	}
	if len(x.errs) > 0 {
		return ""
	}
	if x.emitted[sid] {
		ctx += via
	}
	x.emitted[sid] = true
	x.onPath[sid] = true
	defer delete(x.onPath, sid)
	return x.step(s, ctx)
}

// step writes the steps of s and what follows them under ctx.
func (x *exporter) step(s *playbook.Step, ctx string) string {
	proc := x.d.Process(s.Process)
	if proc == nil {
		x.fail("step %s: unknown process %q", s.ID, s.Process)
		return ""
	}
	key := ctx + "step/" + string(s.ID) + "/"
	base := StepExtension{Step: string(s.ID), StepName: s.Name, Target: string(s.Target)}
	after := ""
	switch {
	case s.Next != "":
		if x.p.Step(s.Next) == nil {
			x.fail("step %s: next: unknown step %q", s.ID, s.Next)
		}
		after = x.enter(s.Next, ctx, "via/"+string(s.ID)+"/next/")
	case s.Respond != "":
		after = x.respond(s.Respond, key+"respond", base, s.Disposition)
	case s.End != "":
		after = x.end(key+"end", s.End, base, s.Disposition)
	case len(s.Branches) > 0:
		after = x.branches(s, key, ctx, base)
	default:
		x.fail("step %s: no way on", s.ID)
	}
	return x.actions(proc, key, base, scope.Triage, after)
}

// closing writes an end step that closes a branch sub-workflow: it
// carries no meaning of its own (end_of says which block it closes).
func (x *exporter) closing(key, name, of string, base StepExtension) string {
	id := x.id("end", key)
	x.put(id, &Step{Type: StepEnd, Name: name,
		StepExtensions: ext(StepExtension{Step: base.Step, Response: base.Response, EndOf: of})})
	return id
}

// stixResult is what stixCondition returned for a condition.
type stixResult struct {
	stix         string
	ok, severity bool
}

// condition returns the condition property for a CEL condition: its
// STIX translation when it has one, else the CEL itself, marked with
// expression_language cel in e and listed in the notes.
func (x *exporter) condition(id, cel string, e *StepExtension) string {
	r, seen := x.stix[cel]
	if !seen {
		r.stix, r.ok, r.severity = stixCondition(cel, x.d.Field)
		if x.stix == nil {
			x.stix = map[string]stixResult{}
		}
		x.stix[cel] = r
	}
	stix, ok, sev := r.stix, r.ok, r.severity
	x.severity = x.severity || sev
	if ok {
		return stix
	}
	e.ExpressionLanguage = ExpressionLanguage
	where := "step " + e.Step
	if e.Response != "" {
		where += ", response " + e.Response
	}
	if e.Method != "" {
		where += ", method " + e.Method
	}
	x.notes = append(x.notes, Note{Step: id, Message: fmt.Sprintf("%s: condition %q has no STIX comparison form: kept as CEL (expression_language cel)", where, cel)})
	return cel
}

// actions writes one action step per method of proc, chained, the last
// going on to after; it returns the id of the first. The action step of
// a method with a when is the one step of the on_true branch of an
// if-condition whose condition is the when; the branch ends in an end
// step of its own and the if-condition goes on, at on_completion, to
// the next method's step. phase is the phase whose party does the
// methods done by people.
func (x *exporter) actions(proc *process.Process, key string, base StepExtension, phase scope.Phase, after string) string {
	base.Process, base.ProcessName, base.ProcessDescription = string(proc.ID), proc.Name, proc.Description
	if len(proc.Methods) == 0 {
		text := proc.Description
		if text == "" {
			text = proc.Name
		}
		id := x.id("action", key+"process")
		st := &Step{Type: StepAction, Name: proc.Name, Description: text, OnCompletion: after, StepExtensions: ext(base)}
		x.manual(st, text, x.party(phase))
		x.put(id, st)
		return id
	}
	next := after
	for i := len(proc.Methods) - 1; i >= 0; i-- {
		m := &proc.Methods[i]
		e := base
		e.Method, e.When, e.Note, e.Rollback, e.Action = string(m.ID), m.When, m.Note, m.Rollback, string(m.Action)
		if m.Estimate != 0 {
			e.Estimate = m.Estimate.String()
		}
		desc := m.Procedure
		if m.Note != "" {
			desc += "\n\n" + m.Note
		}
		st := &Step{
			Type: StepAction, Name: m.Name, Description: desc, OnCompletion: next,
			StepExtensions: ext(e), InArgs: x.vars(m.Inputs), OutArgs: x.vars(m.Outputs),
		}
		mkey := key + "method/" + string(m.ID)
		if m.Manual() {
			x.manual(st, m.Procedure, x.party(phase))
		} else {
			stage, where := "step", base.Step
			if base.Response != "" {
				stage, where = "response", base.Response
			}
			x.call(st, m, stage, where)
		}
		id := x.id("action", mkey)
		if m.When != "" {
			g := e
			g.Action = ""
			gid := x.id("if-condition", mkey+"/when")
			st.OnCompletion = x.closing(mkey+"/when/end", "End of: "+m.Name, "when", e)
			cond := x.condition(gid, m.When, &g)
			x.put(gid, &Step{
				Type: StepIfCondition, Name: "Only when: " + m.When, Condition: cond, OnTrue: id, OnCompletion: next,
				Description:    "Run " + m.Name + " only when this holds; otherwise go on without it.",
				StepExtensions: ext(g),
			})
			x.put(id, st)
			id = gid
		} else {
			x.put(id, st)
		}
		next = id
	}
	return next
}

// manual makes st a manual step: a person (the agent, a party) carries
// out text.
//
// With adapters the step is one an executor runs: its agent is SOARCA's
// manual capability (soarca-manual), which asks someone through its
// manual API, and its target the party, whom it asks.
func (x *exporter) manual(st *Step, text string, party partyRef) {
	st.Commands = []Command{{Type: "manual", Command: text}}
	if x.adapters == nil {
		x.agent(party.id, party.def)
		st.Agent = party.id
		return
	}
	x.target(party.id, party.def)
	st.Agent = x.capabilityAgent("manual")
	st.Targets = []string{party.id}
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

// branches writes the branches of s as nested if-conditions and returns
// the id of the first. Branch i's if-condition has the flow of branch i
// as its on_true branch, the if-condition of the next conditional branch
// (or the default branch's flow) as its on_false branch, and an end step
// of its own at on_completion, closing the block: every branch ends in
// an end step of its own, and since nothing follows branches in a
// design, on_completion only closes.
func (x *exporter) branches(s *playbook.Step, key, ctx string, base StepExtension) string {
	flows := make([]string, len(s.Branches))
	def := -1
	var conds []int
	for i := range s.Branches {
		b := &s.Branches[i]
		bkey := key + "branch/" + strconv.Itoa(i) + "/"
		switch {
		case b.Goto != "":
			if x.p.Step(b.Goto) == nil {
				x.fail("step %s: branch %d: unknown step %q", s.ID, i, b.Goto)
			}
			flows[i] = x.enter(b.Goto, ctx, "via/"+string(s.ID)+"/branch/"+strconv.Itoa(i)+"/")
		case b.Respond != "":
			flows[i] = x.respond(b.Respond, bkey+"respond", base, b.Disposition)
		case b.End != "":
			flows[i] = x.end(bkey+"end", b.End, base, b.Disposition)
		default:
			x.fail("step %s: branch %d: no way on", s.ID, i)
		}
		if b.When == "" {
			if def < 0 {
				def = i
			}
		} else if def < 0 {
			conds = append(conds, i)
		}
	}
	if len(conds) == 0 {
		if def < 0 {
			return ""
		}
		return flows[def]
	}
	var onFalse string
	if def >= 0 {
		onFalse = flows[def]
	} else {
		onFalse = x.closing(key+"no-match", "No branch of "+s.Name+" matched", "no-match", base)
	}
	for j := len(conds) - 1; j >= 0; j-- {
		i := conds[j]
		b := &s.Branches[i]
		bkey := key + "branch/" + strconv.Itoa(i) + "/"
		e := base
		e.Branch = &i
		id := x.id("if-condition", bkey+"if")
		cond := x.condition(id, b.When, &e)
		if e.ExpressionLanguage == "" {
			e.Condition = b.When
		}
		x.put(id, &Step{
			Type: StepIfCondition, Name: s.Name + ": " + b.When, Condition: cond, OnTrue: flows[i], OnFalse: onFalse,
			OnCompletion:   x.closing(bkey+"done", "End of the branches of "+s.Name, "branches", base),
			StepExtensions: ext(e),
		})
		onFalse = id
	}
	return onFalse
}

// end writes an end step; reason is the design's end reason, if any.
func (x *exporter) end(key, reason string, base StepExtension, disp playbook.Disposition) string {
	id := x.id("end", key)
	name := "End"
	if reason != "" {
		name = "End: " + reason
	}
	x.put(id, &Step{Type: StepEnd, Name: name, StepExtensions: ext(StepExtension{Step: base.Step, End: reason, Disposition: string(disp)})})
	return id
}

// respond writes the steps of response rid for one place that responds
// with it and returns the id of the first.
func (x *exporter) respond(rid ident.ID, key string, base StepExtension, disp playbook.Disposition) string {
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
	endID := x.id("end", key+"end")
	x.put(endID, &Step{Type: StepEnd, Name: "End: " + r.Name, StepExtensions: ext(StepExtension{Step: base.Step, Response: string(r.ID), Disposition: string(disp)})})
	next := endID
	for i := len(r.Processes) - 1; i >= 0; i-- {
		proc := x.d.Process(r.Processes[i])
		if proc == nil {
			x.fail("response %s: unknown process %q", r.ID, r.Processes[i])
			continue
		}
		next = x.actions(proc, key+"process/"+string(proc.ID)+"/", e, phase, next)
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
		st := &Step{Type: StepAction, Name: "Approval: " + r.Name, Description: text, OnCompletion: next, StepExtensions: ext(a)}
		x.manual(st, text, x.partyAgent(r.Approval))
		x.put(id, st)
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

// party returns the party responsible for phase.
func (x *exporter) party(phase scope.Phase) partyRef {
	var id ident.ID
	if a := x.d.Scope.Responsibilities.For(phase); a != nil {
		id = a.Responsible
	}
	return x.partyAgent(id)
}

// partyRef is a party as an agent-target: its id and definition.
type partyRef struct {
	id  string
	def AgentTarget
}

// partyAgent returns the agent-target of a party: a group for an
// in-house party, an organization for an outsourced one, and a group of
// operators when the party is unknown. manual defines it, as the agent
// of a step or as its target.
func (x *exporter) partyAgent(id ident.ID) partyRef {
	p := x.partyByID(id)
	if p == nil {
		p = &scope.Party{ID: "operators", Name: "Operators", Sourcing: scope.InHouse}
	}
	kind := "group"
	if p.Sourcing == scope.Outsourced {
		kind = "organization"
	}
	aid := kind + "--" + uuid5(Namespace, string(x.d.Metadata.Name)+"/party/"+string(p.ID))
	return partyRef{aid, AgentTarget{Type: kind, Name: p.Name, Description: "secops party " + string(p.ID)}}
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

func (x *exporter) target(id string, a AgentTarget) {
	if x.pb.TargetDefinitions == nil {
		x.pb.TargetDefinitions = map[string]AgentTarget{}
	}
	x.pb.TargetDefinitions[id] = a
}
