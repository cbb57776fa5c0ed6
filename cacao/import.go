package cacao

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
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
	// Path is the JSON path of the property the note concerns, e.g.
	// $.workflow["action--1"].delay; empty when the note is about a
	// step as a whole, or the playbook.
	Path string
}

// String returns the message, prefixed with "<path>: " when Path is
// set, else with "<step>: " when Step is set.
func (n Note) String() string {
	switch {
	case n.Path != "":
		return n.Path + ": " + n.Message
	case n.Step != "":
		return n.Step + ": " + n.Message
	}
	return n.Message
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
	// Adapters are the webhook adapters the imported actions call, for
	// the adapters file (secops-adapters/v1) of the design: one per
	// http-api target of the steps run by SOARCA's soarca-http-api
	// capability or exported from webhook adapters, at the target's
	// address, in the order found.
	Adapters []config.Entry

	seen map[Note]bool
}

func (r *Report) note(step, format string, args ...any) {
	r.add(Note{Step: step, Message: fmt.Sprintf(format, args...)})
}

// dropped notes that the property at path was not carried over.
func (r *Report) dropped(step, path, format string, args ...any) {
	r.add(Note{Step: step, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (r *Report) add(n Note) {
	if r.seen == nil {
		r.seen = map[Note]bool{}
	}
	if !r.seen[n] {
		r.seen[n] = true
		r.Notes = append(r.Notes, n)
	}
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
	pb, raw, err := decode(data)
	if err != nil {
		return nil, nil, err
	}
	d, rep, err := ImportPlaybook(pb)
	if err != nil {
		return nil, nil, err
	}
	droppedFields(raw, pb, rep)
	return d, rep, nil
}

// Limits on what Import takes, so that no input makes it run away in
// time or memory. A workflow with more steps, or whose translation
// would make more design steps, fields or nesting than these allow, is
// an error.
const (
	// MaxSteps is the most workflow steps Import takes.
	MaxSteps = 10000
	// MaxFields is the most fields an imported design may have: declared
	// variables, undeclared arguments and decision fields together.
	MaxFields = 20000
	// maxBranches is the most branches one imported step gets from a
	// chain of CEL if-conditions; the rest are hung on a step of their
	// own, so that a long chain does not make every step copy the
	// branches of all those after it.
	maxBranches = 64
)

// ImportPlaybook converts pb into a design with one playbook.
//
// Steps written by Export (they carry the secops step extension) come
// back as the design steps, processes, methods, branches and responses
// they were made from; an if-condition guarding a method's action step
// becomes the method's when again. Other steps map as follows:
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
//     expression_language "cel", and those Export wrote as a STIX
//     translation with the CEL in the secops extension, become branch
//     conditions (the CEL);
//   - a while-condition runs its body at most once (designs have no
//     loops), then goes on with its on_completion (or its on_false, if
//     it has that instead); a way back into the loop from its body goes
//     on after the loop too;
//   - the branches of a parallel step run one after another, in the order
//     of next_steps, then its on_completion; none is lost;
//   - the end steps Export writes to close a branch (end_of in the
//     extension) carry no meaning; the steps Export writes once per way
//     into a design step are that one design step again;
//   - any other way back to a step already on the way (a cycle) ends the
//     playbook there, with a note;
//   - on_failure paths are dropped (designs have no failure paths);
//   - variables become fields (see the type mapping in the package
//     documentation); their values are kept in the field description.
//
// Scope and criteria are filled with the fewest placeholders that make
// the design valid, listed in Report.Placeholders. When the secops
// playbook extension names the incidents the playbook handles, each
// becomes a placeholder incident with a placeholder detection, so that
// alerts reach the playbook; the parties, responsibilities and design
// description it carries are restored as they were.
//
// Import is bounded by the size of the workflow: see MaxSteps and
// MaxFields. A workflow that would need more work than a small multiple
// of its size (parallel steps and conditions whose branches share long
// tails can multiply the design steps) is refused with an error.
func ImportPlaybook(pb *Playbook) (*secops.Design, *Report, error) {
	if pb.Type != "playbook" {
		return nil, nil, fmt.Errorf("not a CACAO playbook: type is %q", pb.Type)
	}
	if n := len(pb.Workflow); n > MaxSteps {
		return nil, nil, fmt.Errorf("the workflow has %d steps, more than the %d Import takes", n, MaxSteps)
	}
	if pb.WorkflowStart == "" {
		return nil, nil, errors.New("the playbook has no workflow_start")
	}
	if pb.Workflow[pb.WorkflowStart] == nil {
		return nil, nil, fmt.Errorf("workflow_start %q is not a step of the workflow", pb.WorkflowStart)
	}
	im := newImporter(pb)
	d := im.d
	im.ext = playbookExt(pb)
	pid := ident.ID(slug(pb.Name, "playbook"))
	d.Metadata = secops.Metadata{Name: ident.ID(slug(pb.Name, "imported")), Title: pb.Name, Description: pb.Description}
	var incidents []ident.ID
	if e := im.ext; e != nil && ident.ID(e.Design).Valid() {
		d.Metadata = secops.Metadata{Name: ident.ID(e.Design), Title: e.Title, Language: e.Language,
			Version: e.Version, Description: e.DesignDescription}
		if ident.ID(e.Playbook).Valid() {
			pid = ident.ID(e.Playbook)
		}
		for _, f := range e.Fields {
			if f.ID.Valid() && f.Type.Valid() && !im.fields[f.ID] {
				im.defineField(f)
				im.fieldByVar[VariableName(f.ID)] = f.ID
			}
		}
		for _, i := range e.Incidents {
			if id := ident.ID(i); id.Valid() && !slices.Contains(incidents, id) {
				incidents = append(incidents, id)
			} else if !id.Valid() {
				im.rep.note("", "incident %q: dropped, not a valid id", i)
			}
		}
		for _, p := range e.Parties {
			if p.ID.Valid() {
				im.party(p.ID, p.Name, p.Sourcing)
			}
		}
	}
	im.markings()
	im.references()
	vars := pb.PlaybookVariables
	if im.ext != nil {
		// The variables Export adds for the run, the severity and
		// secrets are not fields.
		vars = maps.Clone(vars)
		maps.DeleteFunc(vars, func(k string, _ Variable) bool { return strings.HasPrefix(k, "__secops_") })
	}
	im.variables("", vars)
	if pb.WorkflowException != "" {
		im.rep.note("", "workflow_exception %s: dropped, designs have no exception path", pb.WorkflowException)
	}
	im.p = &playbook.Playbook{ID: pid, Name: pb.Name, Description: pb.Description, Incidents: incidents}
	if im.p.Name == "" {
		im.p.Name = string(pid)
	}
	if e := im.ext; e != nil {
		im.p.Description = e.Description
	}
	if im.refText != "" {
		if im.p.Description != "" {
			im.p.Description += "\n\n"
		}
		im.p.Description += im.refText
	}
	start := pb.Workflow[pb.WorkflowStart]
	var w way
	switch {
	case start.Type != StepStart:
		im.rep.note(pb.WorkflowStart, "workflow_start is %s step, not a start step as CACAO requires: the flow starts with it", article(strconv.Quote(start.Type)))
		w = im.translate(pb.WorkflowStart, nil)
	case next(start) == "":
		im.rep.note(pb.WorkflowStart, "the start step leads nowhere (no on_completion): the playbook is empty")
		w = way{kind: playbook.End, to: "empty playbook"}
	default:
		w = im.translate(next(start), nil)
	}
	if im.err != nil {
		return nil, nil, im.err
	}
	switch w.kind {
	case playbook.Goto:
		im.p.Start = ident.ID(w.to)
	default:
		// The workflow starts with a way, not a step: hang it on a step.
		im.p.Start = im.router(pb.WorkflowStart, w)
	}
	if im.err != nil {
		return nil, nil, im.err
	}
	im.inputs()
	d.Playbooks = []playbook.Playbook{*im.p}
	im.conditionFields()
	im.placeholders()
	if len(incidents) == 0 {
		im.rep.note("", "the playbook names no incident it handles: no detection reaches it until you add them")
	}
	im.unconfigured(d)
	return d, im.rep, nil
}

// unconfigured notes each adapter the design's actions call that
// Report.Adapters does not hold (a command adapter exported as bash, an
// AdapterCommand): an adapters file made from the report lacks it.
func (im *importer) unconfigured(d *secops.Design) {
	have := map[string]bool{}
	for _, a := range im.rep.Adapters {
		have[string(a.Name)] = true
	}
	missing := map[string][]string{}
	for _, p := range d.Processes {
		for _, m := range p.Methods {
			for _, a := range []process.Action{m.Action, rollbackAction(m)} {
				if a != "" && !have[a.Adapter()] && !slices.Contains(missing[a.Adapter()], string(a)) {
					missing[a.Adapter()] = append(missing[a.Adapter()], string(a))
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(missing)) {
		im.rep.note("", "adapter %s (actions %s) is not among the adapters the import found, which have an address to call (http-api and openc2-http targets): add it to the adapters file by hand", name, strings.Join(missing[name], ", "))
	}
}

func rollbackAction(m process.Method) process.Action {
	if m.Rollback == nil {
		return ""
	}
	return m.Rollback.Action
}

// conditionFields declares the fields that the CEL conditions read but no
// variable or output defines, so that the design validates: a condition
// that is just such a field makes it a bool, any other a string.
func (im *importer) conditionFields() {
	var whens []string
	for _, p := range im.d.Processes {
		for _, m := range p.Methods {
			whens = append(whens, m.When)
		}
	}
	for _, pb := range im.d.Playbooks {
		for _, st := range pb.Steps {
			for _, b := range st.Branches {
				whens = append(whens, b.When)
			}
		}
	}
	for _, w := range whens {
		if w == "" {
			continue
		}
		prg, err := im.cel.Compile(expr.Fields, w)
		if err != nil {
			continue // validation reports it
		}
		sel, bare := prg.Selection()
		for _, ref := range prg.Refs() {
			id := ident.ID(ref)
			if !id.Valid() || im.fields[id] {
				continue
			}
			t := process.String
			if bare && sel == ref {
				t = process.Bool
			}
			im.defineField(process.Field{ID: id, Name: ref, Type: t})
			im.rep.note("", "field %s: declared as %s because the condition %q reads it", id, t, w)
		}
	}
}

// way is where a CACAO step leads, in design terms.
type way struct {
	kind     playbook.WayKind
	to       string
	branches []playbook.Branch
	// disposition is that of an end or a response, from its end step.
	disposition playbook.Disposition
}

// cont is a continuation: the steps to go on with, in order, when a
// branch ends (the on_completion of a condition, the later next_steps of
// a parallel step). Continuations are interned (see push), so equal ones
// are the same pointer and can key maps; nil is the empty one.
type cont struct {
	id   string
	tail *cont
	n    int // length
}

func (c *cont) len() int {
	if c == nil {
		return 0
	}
	return c.n
}

type contKey struct {
	id   string
	tail *cont
}

// at is a CACAO step translated with a continuation.
type at struct {
	id string
	c  *cont
}

type importer struct {
	pb         *Playbook
	ext        *PlaybookExtension
	d          *secops.Design
	p          *playbook.Playbook
	rep        *Report
	exts       map[string]*StepExtension // the secops extension of each workflow step
	conts      map[contKey]*cont
	memo       map[at]way
	active     map[string][]frame // the translations of each step under way
	lens       minTree
	loopExit   map[string][]*cont // where each while-condition being translated goes on after its loop
	fieldByVar map[string]ident.ID
	fields     map[ident.ID]bool
	procs      map[ident.Number]int // index in d.Processes
	responses  map[ident.ID]bool
	stepIDs    map[ident.ID]bool
	partyIDs   map[ident.ID]bool
	suffixes   map[string]int      // the last number fresh gave each base
	extSteps   map[string]ident.ID // the design step made for each step extension's step and process
	extPrint   map[string]string   // what the actions of that design step were: see chainPrint
	cel        expr.Cache          // the conditions compiled
	extTop     map[string]bool     // the top-level process numbers step extensions use
	nproc      int
	refs       []scope.Reference // the URLs of external_references
	refText    string            // external_references as text
	ndecision  int
	parties    []scope.Party

	work, budget int // translation work done, and the most allowed
	depth        int // translations under way
	maxDepth     int
	err          error
}

func newImporter(pb *Playbook) *importer {
	im := &importer{pb: pb, rep: &Report{}, d: &secops.Design{Format: secops.Format},
		exts: map[string]*StepExtension{}, conts: map[contKey]*cont{}, memo: map[at]way{},
		active: map[string][]frame{}, loopExit: map[string][]*cont{}, fieldByVar: map[string]ident.ID{},
		fields: map[ident.ID]bool{}, procs: map[ident.Number]int{}, responses: map[ident.ID]bool{},
		stepIDs: map[ident.ID]bool{}, partyIDs: map[ident.ID]bool{}, suffixes: map[string]int{}, extTop: map[string]bool{}, extSteps: map[string]ident.ID{}, extPrint: map[string]string{}}
	for id, s := range pb.Workflow {
		if s == nil {
			continue
		}
		if e := stepExt(s); e != nil {
			im.exts[id] = e
			top, _, _ := strings.Cut(e.Process, ".")
			im.extTop[top] = true
		}
	}
	im.budget = 8*len(pb.Workflow) + 256
	im.maxDepth = 4*len(pb.Workflow) + 64
	im.lens = newMinTree(im.maxDepth + 1)
	return im
}

// fail records the first reason the import cannot go on; translation
// then unwinds without doing more work.
func (im *importer) fail(format string, args ...any) {
	if im.err == nil {
		im.err = fmt.Errorf(format, args...)
	}
}

// next is the step that follows s when it completes.
func next(s *Step) string {
	if s.OnCompletion != "" {
		return s.OnCompletion
	}
	return s.OnSuccess
}

// push returns the continuation that goes on with id, then with c.
func (im *importer) push(id string, c *cont) *cont {
	if id == "" {
		return c
	}
	k := contKey{id, c}
	if x, ok := im.conts[k]; ok {
		return x
	}
	im.work++
	x := &cont{id: id, tail: c, n: c.len() + 1}
	im.conts[k] = x
	return x
}

func (im *importer) translate(id string, c *cont) way {
	k := at{id, c}
	if w, ok := im.memo[k]; ok {
		return w
	}
	if im.err != nil {
		return way{kind: playbook.End, to: "import failed"}
	}
	// A step met again while it is being translated is a loop, unless
	// the way back went on with part of the continuation it started
	// with (a parallel branch leading into a later one, the on_completion
	// of a condition): then the flow has moved on, and the step runs
	// again. Without such a pop the continuation it started with is
	// still at the bottom of the one it meets it with.
	if im.looped(id, c) {
		if exits := im.loopExit[id]; len(exits) > 0 {
			im.rep.note(id, "loop cut: designs have no cycles, the loop's body runs at most once, then the playbook goes on after the loop")
			return im.goOn(exits[len(exits)-1], "loop done")
		}
		im.rep.note(id, "loop cut: designs have no cycles, the playbook ends here")
		return way{kind: playbook.End, to: "loop"}
	}
	im.work++
	if im.work > im.budget {
		im.fail("the workflow is too tangled to import: its %d steps would make more than %d design steps "+
			"(the steps after a parallel step or a condition with on_completion are copied for each way into them)",
			len(im.pb.Workflow), im.budget)
		return way{kind: playbook.End, to: "import failed"}
	}
	if im.depth >= im.maxDepth {
		im.fail("the workflow nests too deeply to import: more than %d steps deep", im.depth)
		return way{kind: playbook.End, to: "import failed"}
	}
	im.active[id] = append(im.active[id], frame{im.depth, c})
	im.lens.set(im.depth, c.len())
	im.depth++
	w := im.translateStep(id, c)
	im.depth--
	im.active[id] = im.active[id][:len(im.active[id])-1]
	im.memo[k] = w
	return w
}

// looped reports whether step id is being translated with a
// continuation that c extends, with no pop below it on the way from
// there to here: every translation under way since then (and c) has a
// continuation at least as long. Only the latest translation of id can
// be so: each later one was entered after such a pop, which is still on
// the way.
func (im *importer) looped(id string, c *cont) bool {
	stack := im.active[id]
	if len(stack) == 0 {
		return false
	}
	top := stack[len(stack)-1]
	n := top.c.len()
	return c.len() >= n && im.lens.min(top.depth+1, im.depth) >= n
}

// frame is a translation under way: its depth in the stack of
// translations, and its continuation.
type frame struct {
	depth int
	c     *cont
}

// minTree is a segment tree of the lengths of the continuations of the
// translations under way, by depth, answering the least in a range in
// logarithmic time.
type minTree []int

func newMinTree(n int) minTree {
	t := make(minTree, 2*n)
	for i := range t {
		t[i] = math.MaxInt
	}
	return t
}

func (t minTree) set(i, v int) {
	i += len(t) / 2
	t[i] = v
	for i > 1 {
		i /= 2
		t[i] = min(t[2*i], t[2*i+1])
	}
}

// min returns the least length at depths [lo, hi), MaxInt if none.
func (t minTree) min(lo, hi int) int {
	m := math.MaxInt
	for lo, hi = lo+len(t)/2, hi+len(t)/2; lo < hi; lo, hi = lo/2, hi/2 {
		if lo&1 == 1 {
			m = min(m, t[lo])
			lo++
		}
		if hi&1 == 1 {
			hi--
			m = min(m, t[hi])
		}
	}
	return m
}

// goOn is where the flow goes after a branch ends: the continuation, or
// the end of the playbook.
func (im *importer) goOn(c *cont, reason string) way {
	if c != nil {
		return im.translate(c.id, c.tail)
	}
	return way{kind: playbook.End, to: reason}
}

func (im *importer) translateStep(id string, c *cont) way {
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
		e := im.exts[id]
		if e != nil && e.End != "" {
			reason = e.End
		}
		if reason == "" {
			reason = "end"
		}
		switch {
		case e == nil || e.EndOf == "when" || e.EndOf == "branches":
			return im.goOn(c, reason)
		case e.EndOf == "no-match":
			// The branches it closes have no default.
			return way{kind: playbook.None}
		}
		// A design end: nothing follows it (design branches do not
		// re-join), so the on_completion around it only closes blocks.
		return way{kind: playbook.End, to: reason, disposition: playbook.Disposition(e.Disposition)}
	case StepStart:
		return im.translate(next(s), c)
	case StepAction, StepPlaybookAction:
		return im.action(id, c)
	case StepIfCondition:
		if g, _, _ := im.unguard(id); g != id {
			return im.action(id, c)
		}
		var r reserved
		var f ident.ID
		cel := false
		condition := s.Condition
		if e := im.exts[id]; e != nil && e.ExpressionLanguage == ExpressionLanguage {
			_, err := im.cel.Compile(expr.Fields, s.Condition)
			cel = err == nil
		} else if e != nil && e.Condition != "" {
			// The design's CEL beside its STIX translation.
			_, err := im.cel.Compile(expr.Fields, e.Condition)
			if cel = err == nil; cel {
				condition = e.Condition
			}
		}
		if !cel {
			r = im.reserve(s)
			f = im.decisionField(id, process.Bool)
		}
		c2 := im.push(s.OnCompletion, c)
		onTrue := im.translate(s.OnTrue, c2)
		var onFalse way
		if s.OnFalse != "" {
			onFalse = im.translate(s.OnFalse, c2)
		} else {
			onFalse = im.goOn(c2, "condition false")
		}
		if cel {
			first := im.branch(condition, onTrue, id)
			if onFalse.kind == playbook.None {
				return way{kind: playbook.Branches, branches: []playbook.Branch{first}}
			}
			return way{kind: playbook.Branches, branches: append([]playbook.Branch{first}, im.rest(onFalse, id)...)}
		}
		im.rep.note(id, "condition %q is not CEL: it became a manual decision recorded in field %s", s.Condition, f)
		return im.decision(r, s, "Decide whether this holds: "+s.Condition, f, []playbook.Branch{
			im.branch("fields."+string(f), onTrue, id), im.branch("", onFalse, id)})
	case StepWhileCondition:
		r := im.reserve(s)
		f := im.decisionField(id, process.Bool)
		exit := s.OnCompletion
		if exit == "" {
			// Not CACAO, but seen: the way out of the loop as on_false.
			exit = s.OnFalse
		}
		c2 := im.push(exit, c)
		im.loopExit[id] = append(im.loopExit[id], c2)
		body := im.translate(s.OnTrue, c2)
		im.loopExit[id] = im.loopExit[id][:len(im.loopExit[id])-1]
		after := im.goOn(c2, "loop done")
		im.rep.note(id, "while-condition %q: its body runs at most once, on a manual decision recorded in field %s", s.Condition, f)
		return im.decision(r, s, "Decide whether this holds (the steps that follow run once if so): "+s.Condition, f,
			[]playbook.Branch{im.branch("fields."+string(f), body, id), im.branch("", after, id)})
	case StepSwitchCondition:
		r := im.reserve(s)
		c2 := im.push(s.OnCompletion, c)
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
		im.work += len(keys)
		var bs []playbook.Branch
		for _, k := range keys {
			bs = append(bs, im.branch("fields."+string(f)+" == "+strconv.Quote(k), im.translate(s.Cases[k], c2), id))
		}
		def := im.goOn(c2, "no case matched")
		if to, ok := s.Cases["default"]; ok {
			def = im.translate(to, c2)
		}
		bs = append(bs, im.branch("", def, id))
		im.rep.note(id, "switch-condition on %s: a person records the value in field %s; the cases became branches in key order", s.Switch, f)
		return im.decision(r, s, "Determine the value of "+s.Switch+" and record it.", f, bs)
	case StepParallel:
		rest := im.push(next(s), c)
		if len(s.NextSteps) == 0 {
			return im.goOn(rest, "end")
		}
		im.rep.note(id, "parallel steps run one after another in the order of next_steps: %s", strings.Join(s.NextSteps, ", "))
		for i := len(s.NextSteps) - 1; i >= 1; i-- {
			rest = im.push(s.NextSteps[i], rest)
		}
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
		b.Respond, b.Disposition = ident.ID(w.to), w.disposition
	case playbook.End:
		b.End, b.Disposition = w.to, w.disposition
	case playbook.None:
		b.End = "no branch matched"
	default:
		b.Goto = im.router(at, w)
	}
	return b
}

// rest turns the way taken when a condition is false into the branches
// that follow the condition's own.
func (im *importer) rest(w way, at string) []playbook.Branch {
	if w.kind == playbook.Branches && len(w.branches) < maxBranches {
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
	im.proc(pid).Methods = []process.Method{{ID: pid + ".1", Name: "Check the conditions",
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
		st.Respond, st.Disposition = ident.ID(w.to), w.disposition
	case playbook.End:
		st.End, st.Disposition = w.to, w.disposition
	case playbook.None:
		st.End = "no branch matched"
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
	im.proc(r.pid).Methods = []process.Method{{ID: r.pid + ".1", Name: st.Name, Procedure: procedure, Outputs: []ident.ID{f}}}
	st.Branches = bs
	return way{kind: playbook.Goto, to: string(st.ID)}
}

func (im *importer) decisionField(id string, t process.Type) ident.ID {
	var f ident.ID
	for {
		im.ndecision++
		f = ident.ID("decision_" + strconv.Itoa(im.ndecision))
		if !im.fields[f] {
			break
		}
	}
	im.defineField(process.Field{ID: f, Name: "Decision at " + id, Type: t})
	return f
}

// defineField adds f to the design, or fails when there are too many.
func (im *importer) defineField(f process.Field) {
	if len(im.d.Fields) >= MaxFields {
		im.fail("the playbook has more than %d variables, arguments and conditions: too many fields to import", MaxFields)
	}
	im.fields[f.ID] = true
	im.d.Fields = append(im.d.Fields, f)
}

// unguard returns the action step that the if-condition id guards, the
// guard's condition (CEL) and the step the flow goes on to after the
// action, when id is such a guard (Export writes one before the action
// step of a method with a when: on_true the action, which ends in an
// end step closing the branch, and on_completion where the flow goes
// on); otherwise it returns id, "" and the step after id.
func (im *importer) unguard(id string) (string, string, string) {
	s, e := im.pb.Workflow[id], im.exts[id]
	if s == nil {
		return id, "", ""
	}
	if s.Type != StepIfCondition || e == nil || e.Method == "" || s.OnFalse != "" || s.Condition == "" {
		return id, "", next(s)
	}
	when := e.When
	if when == "" && e.ExpressionLanguage == ExpressionLanguage {
		when = s.Condition
	}
	a, ae := im.pb.Workflow[s.OnTrue], im.exts[s.OnTrue]
	if a == nil || a.Type != StepAction || ae == nil || s.OnTrue == id || when == "" ||
		ae.Method != e.Method || ae.Process != e.Process || ae.Step != e.Step || ae.Response != e.Response {
		return id, "", next(s)
	}
	if end, ee := im.pb.Workflow[next(a)], im.exts[next(a)]; end == nil || end.Type != StepEnd || ee == nil || ee.EndOf != "when" {
		return id, "", next(s)
	}
	return s.OnTrue, when, next(s)
}

// action translates the action step id (or the guard of one) and, for
// steps Export wrote, the actions of the same design step or response
// that follow it.
func (im *importer) action(id string, c *cont) way {
	first, when, after := im.unguard(id)
	s, e := im.pb.Workflow[first], im.exts[first]
	if e != nil && e.Response != "" {
		return im.response(id, e)
	}
	chain := []chainLink{{first, when}}
	seen := map[string]bool{id: true, first: true}
	if e != nil && e.Step != "" {
		for !seen[after] {
			aid, w, then := im.unguard(after)
			n, ne := im.pb.Workflow[aid], im.exts[aid]
			if seen[aid] || n == nil || n.Type != StepAction || ne == nil || ne.Step != e.Step ||
				ne.Response != "" || ne.Process != e.Process || ne.Method == "" {
				break
			}
			seen[after], seen[aid] = true, true
			chain = append(chain, chainLink{aid, w})
			after = then
		}
	}
	im.work += len(chain)
	var st playbook.Step
	claimed := false // a step that claims to be a design step it is not
	if e != nil && e.Step != "" && ident.Number(e.Process).Valid() {
		// Export writes a design step once for each way into it: the
		// copies are one step.
		key := e.Step + "\x00" + e.Process
		if sid, ok := im.extSteps[key]; ok {
			if chainPrint(im, chain) == im.extPrint[key] {
				return way{kind: playbook.Goto, to: string(sid)}
			}
			im.rep.note(id, "its secops extension says it is design step %s again, but its actions differ from the first one's: imported as a step of its own", e.Step)
			claimed = true
		}
	}
	switch {
	case claimed:
		name := e.StepName
		if name == "" {
			name = s.Name
		}
		st = playbook.Step{ID: im.stepID(e.Step), Name: name}
		st.Process = im.newProcess(name, nil)
		for i, l := range chain {
			m := im.method(l.id, im.pb.Workflow[l.id], nil, st.Process+ident.Number("."+strconv.Itoa(i+1)))
			if l.when != "" {
				m.When = l.when
			}
			im.addMethod(st.Process, m)
		}
	case e != nil && e.Step != "" && ident.Number(e.Process).Valid():
		key := e.Step + "\x00" + e.Process
		st = playbook.Step{ID: im.stepID(e.Step), Name: e.StepName, Target: playbook.Target(e.Target)}
		im.extSteps[key] = st.ID
		im.extPrint[key] = chainPrint(im, chain)
		st.Process = im.extProcess(e)
		if !st.Target.Valid() {
			st.Target = ""
		}
		for _, l := range chain {
			if ce := im.exts[l.id]; ce.Method != "" {
				m := im.method(l.id, im.pb.Workflow[l.id], ce, ident.Number(ce.Method))
				if l.when != "" {
					m.When = l.when
				}
				im.addMethod(st.Process, m)
			}
		}
	default:
		name := s.Name
		if name == "" {
			name = "Step " + strconv.Itoa(len(im.p.Steps)+1)
		}
		st = playbook.Step{ID: im.stepID(name), Name: name}
		st.Process = im.newProcess(name, nil)
		im.addMethod(st.Process, im.method(first, s, nil, st.Process+".1"))
	}
	if st.Name == "" {
		st.Name = string(st.ID)
	}
	i := len(im.p.Steps)
	im.p.Steps = append(im.p.Steps, st)
	var w way
	if after == "" {
		w = im.goOn(c, "end")
	} else {
		w = im.translate(after, c)
	}
	im.setWay(&im.p.Steps[i], w, id)
	return way{kind: playbook.Goto, to: string(st.ID)}
}

// chainLink is an action step of a design step's chain, with the when
// of the if-condition guarding it.
type chainLink struct{ id, when string }

// chainPrint sums up the action steps of a chain, the methods, names,
// conditions and commands, to tell copies of one design step apart from
// steps that only claim to be it.
func chainPrint(im *importer, chain []chainLink) string {
	var b strings.Builder
	for _, l := range chain {
		s, e := im.pb.Workflow[l.id], im.exts[l.id]
		fmt.Fprintf(&b, "%s|%s|%s|%d;", e.Method, s.Name, e.When, len(s.Commands))
	}
	return b.String()
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
	if s.Timeout > 0 && (e == nil || e.Action == "") {
		est := duration.Duration((time.Duration(s.Timeout)*time.Millisecond + time.Second - 1).Truncate(time.Second))
		if m.Estimate == 0 {
			m.Estimate = est
			im.rep.dropped(id, "$.workflow["+strconv.Quote(id)+"].timeout", "became the method's estimate, %s (a design has adapter timeouts, not step timeouts)", est)
		} else {
			im.rep.dropped(id, "$.workflow["+strconv.Quote(id)+"].timeout", "dropped: the method has an estimate already")
		}
	}
	var texts, requests []string
	for _, c := range s.Commands {
		text := c.Command
		if text == "" && c.CommandB64 != "" {
			if b, err := base64.StdEncoding.DecodeString(c.CommandB64); err == nil {
				text = string(b)
			}
		}
		var call httpAdapter
		soarcaHTTP := false
		if e == nil && m.Action == "" && c.Type == "http-api" && Capability(im.pb.AgentDefinitions[s.Agent]) == capabilities["http-api"] {
			call, soarcaHTTP = im.httpCall(s, c)
		}
		switch {
		case c.Type == AdapterCommand && e != nil && process.Action(text).Valid():
			m.Action = process.Action(text)
		case e != nil && process.Action(e.Action).Valid() && (c.Type == "http-api" || c.Type == "bash"):
			// Export wrote it from the adapters file.
			m.Action = process.Action(e.Action)
			if c.Type == "http-api" {
				if h, ok := im.httpCall(s, c); ok {
					im.webhook(config.Entry{Name: ident.ID(m.Action.Adapter()), Kind: config.Webhook, URL: exportedURL(h.entry.URL, text)})
				}
			}
		case c.Type == "openc2-http":
			if a, ok := im.openc2Call(id, s, c, text, e); ok {
				m.Action = a
				break
			}
			im.rep.note(id, "openc2-http command carried as text in the procedure: its step has no http-api target with an address, or its content is not an OpenC2 command")
			texts = append(texts, "Send this OpenC2 command: "+strings.TrimSpace(text)+"\nContent: "+c.Content)
		case soarcaHTTP:
			// SOARCA's http-api capability calls the step's target: the
			// target is a webhook adapter, the request an operation.
			m.Action = call.action
			im.webhook(call.entry)
			im.rep.note(id, "http-api command %q of %s became action %s: the adapters file needs a webhook adapter %s at %s, and secops's webhook adapter POSTs its own JSON request (operation %s) to that URL instead of sending this request, which the method's note keeps",
				strings.TrimSpace(text), capabilities["http-api"], call.action, call.entry.Name, call.entry.URL, call.action.Operation())
			r := "Request: " + strings.TrimSpace(text)
			for _, h := range slices.Sorted(maps.Keys(c.Headers)) {
				r += fmt.Sprintf("\nHeader %s: %s", h, strings.Join(c.Headers[h], ", "))
			}
			if c.Content != "" {
				r += "\nContent: " + c.Content
			}
			requests = append(requests, r)
		case c.Type == "manual":
			if text != "" {
				texts = append(texts, text)
			}
		default:
			im.rep.note(id, "%s command carried as text in the procedure: secops has no adapter for it", c.Type)
			t := fmt.Sprintf("Run this %s command: %s", c.Type, strings.TrimSpace(text))
			for _, h := range slices.Sorted(maps.Keys(c.Headers)) {
				t += fmt.Sprintf("\nHeader %s: %s", h, strings.Join(c.Headers[h], ", "))
			}
			if c.Content != "" {
				t += "\nContent: " + c.Content
			}
			texts = append(texts, t)
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
	if e == nil {
		var who []string
		if a, ok := im.pb.AgentDefinitions[s.Agent]; ok && a.Name != "" {
			who = append(who, "Agent: "+a.Name)
		}
		var ts []string
		for _, t := range s.Targets {
			if a, ok := im.pb.TargetDefinitions[t]; ok && a.Name != "" {
				ts = append(ts, a.Name+" ("+a.Type+")")
			} else {
				ts = append(ts, t)
			}
		}
		if len(ts) > 0 {
			who = append(who, "Targets: "+strings.Join(ts, ", "))
		}
		m.Note = strings.Join(append(who, requests...), "\n")
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
	if im.responses[rid] {
		return way{kind: playbook.Respond, to: string(rid), disposition: im.responseDisposition(id, e.Response)}
	}
	r := response.Response{ID: rid, Name: e.ResponseName, Phase: response.Phase(e.ResponsePhase), Description: e.ResponseDescription}
	if !r.Phase.Valid() {
		r.Phase = response.FirstResponse
	}
	if r.Name == "" {
		r.Name = string(rid)
	}
	seen := map[string]bool{}
	for cid := id; !seen[cid]; {
		seen[cid] = true
		aid, when, then := im.unguard(cid)
		s, ce := im.pb.Workflow[aid], im.exts[aid]
		if s == nil || s.Type != StepAction || ce == nil || ce.Response != e.Response || (aid != cid && seen[aid]) {
			break
		}
		seen[aid] = true
		im.work++
		switch {
		case ce.Approval != "":
			r.Approval = ident.ID(ce.Approval)
			im.party(r.Approval, ce.ApprovalName, "")
		case ident.Number(ce.Process).Valid():
			pid := im.extProcess(ce)
			if len(r.Processes) == 0 || r.Processes[len(r.Processes)-1] != pid {
				r.Processes = append(r.Processes, pid)
			}
			if ce.Method != "" {
				m := im.method(aid, s, ce, ident.Number(ce.Method))
				if when != "" {
					m.When = when
				}
				im.addMethod(pid, m)
			}
		}
		cid = then
	}
	if len(r.Processes) == 0 {
		pid := im.newProcess(r.Name, nil)
		im.addMethod(pid, process.Method{ID: pid + ".1", Name: r.Name, Procedure: "Carry out " + r.Name + "."})
		r.Processes = []ident.Number{pid}
	}
	im.responses[rid] = true
	im.d.Responses = append(im.d.Responses, r)
	return way{kind: playbook.Respond, to: string(rid), disposition: im.responseDisposition(id, e.Response)}
}

// responseDisposition is the disposition on the end step of the
// response whose steps begin at id: the end step Export writes after
// them, with the response's id.
func (im *importer) responseDisposition(id, response string) playbook.Disposition {
	seen := map[string]bool{}
	for cid := id; cid != "" && !seen[cid]; {
		seen[cid] = true
		s := im.pb.Workflow[cid]
		if s == nil {
			return ""
		}
		if s.Type == StepEnd {
			if e := im.exts[cid]; e != nil && e.Response == response {
				return playbook.Disposition(e.Disposition)
			}
			return ""
		}
		_, _, cid = im.unguard(cid)
	}
	return ""
}

// party defines party id, once; name is its name, the id if empty.
func (im *importer) party(id ident.ID, name string, sourcing scope.Sourcing) {
	if im.partyIDs[id] {
		return
	}
	if name == "" {
		name = string(id)
	}
	im.partyIDs[id] = true
	im.parties = append(im.parties, scope.Party{ID: id, Name: name, Sourcing: sourcing})
}

// proc returns the process pid of the design, or nil.
func (im *importer) proc(pid ident.Number) *process.Process {
	if i, ok := im.procs[pid]; ok {
		return &im.d.Processes[i]
	}
	return nil
}

func (im *importer) defineProcess(p process.Process) {
	im.procs[p.ID] = len(im.d.Processes)
	im.d.Processes = append(im.d.Processes, p)
}

// extProcess defines, once, the process an extension names.
func (im *importer) extProcess(e *StepExtension) ident.Number {
	pid := ident.Number(e.Process)
	if im.proc(pid) == nil {
		name := e.ProcessName
		if name == "" {
			name = e.Process
		}
		im.defineProcess(process.Process{ID: pid, Name: name, Description: e.ProcessDescription})
	}
	return pid
}

// newProcess defines a process numbered after every top-level number in
// use, and not used by any step extension, so that new processes do not
// take the number of one a step extension names.
func (im *importer) newProcess(name string, methods []process.Method) ident.Number {
	for {
		im.nproc++
		pid := ident.Number(strconv.Itoa(im.nproc))
		if im.proc(pid) == nil && !im.extTop[string(pid)] {
			im.defineProcess(process.Process{ID: pid, Name: name, Methods: methods})
			return pid
		}
	}
}

func (im *importer) addMethod(pid ident.Number, m process.Method) {
	p := im.proc(pid)
	for _, have := range p.Methods {
		if have.ID == m.ID {
			return
		}
	}
	p.Methods = append(p.Methods, m)
}

// stepID returns a fresh step id made from name.
func (im *importer) stepID(name string) ident.ID {
	id := im.fresh(slug(name, "step"), im.stepIDs)
	im.stepIDs[id] = true
	return id
}

// fresh returns base, or base-2, base-3, ... the first that is not
// taken. It remembers where it got to for each base, so that many ids
// made from one base cost linear time.
func (im *importer) fresh(base string, taken map[ident.ID]bool) ident.ID {
	id := ident.ID(base)
	n := max(im.suffixes[base], 1)
	for taken[id] {
		n++
		id = ident.ID(base + "-" + strconv.Itoa(n))
	}
	im.suffixes[base] = n
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
	id := im.fresh(slug(strings.Trim(name, "_"), "var"), im.fields)
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
	im.defineField(f)
	im.fieldByVar[name] = id
	return id
}

// inputs sets the playbook inputs: those the extension lists, and every
// field a method or response reads that no earlier step can supply.
func (im *importer) inputs() {
	p := im.p
	if im.ext != nil {
		for _, i := range im.ext.Inputs {
			if id := ident.ID(i); im.fields[id] && !slices.Contains(p.Inputs, id) {
				p.Inputs = append(p.Inputs, id)
			}
		}
	}
	methods := func(pid ident.Number) []process.Method {
		if proc := im.proc(pid); proc != nil {
			return proc.Methods
		}
		return nil
	}
	responds := func(s *playbook.Step) []ident.ID {
		var rs []ident.ID
		if s.Respond != "" {
			rs = append(rs, s.Respond)
		}
		for _, b := range s.Branches {
			if b.Respond != "" {
				rs = append(rs, b.Respond)
			}
		}
		return rs
	}
	resp := map[ident.ID]*response.Response{}
	for i := range im.d.Responses {
		resp[im.d.Responses[i].ID] = &im.d.Responses[i]
	}
	// The fields that some step outputs and some method reads are the
	// only ones whose supply depends on the flow.
	produced := map[ident.ID]bool{}
	for _, s := range p.Steps {
		for _, m := range methods(s.Process) {
			for _, o := range m.Outputs {
				produced[o] = true
			}
		}
	}
	var tracked []ident.ID
	bit := map[ident.ID]int{}
	track := func(ms []process.Method) {
		for _, m := range ms {
			for _, in := range m.Inputs {
				if _, ok := bit[in]; !ok && produced[in] {
					bit[in] = len(tracked)
					tracked = append(tracked, in)
				}
			}
		}
	}
	index := map[ident.ID]int{}
	for i := range p.Steps {
		index[p.Steps[i].ID] = i
		track(methods(p.Steps[i].Process))
		for _, rid := range responds(&p.Steps[i]) {
			if r := resp[rid]; r != nil {
				for _, pid := range r.Processes {
					track(methods(pid))
				}
			}
		}
	}
	// Steps in an order where every step comes after the steps with a way
	// to it (the design has no cycles).
	order := make([]int, 0, len(p.Steps))
	state := make([]byte, len(p.Steps))
	for i := range p.Steps {
		if state[i] != 0 {
			continue
		}
		// An explicit stack: the graph may be deep.
		stack := []int{i}
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			if state[j] == 0 {
				state[j] = 1
				for _, to := range succs(&p.Steps[j]) {
					if k, ok := index[to]; ok && state[k] == 0 {
						stack = append(stack, k)
					}
				}
				continue
			}
			stack = stack[:len(stack)-1]
			if state[j] == 1 {
				state[j] = 2
				order = append(order, j)
			}
		}
	}
	slices.Reverse(order)
	// needs[i] are the fields step i reads before its own methods
	// output them: its methods' inputs, then its responses' inputs.
	type need struct {
		f   ident.ID
		met bool // an ancestor of the step outputs f
	}
	needs := make([][]need, len(p.Steps))
	for i := range p.Steps {
		add := func(own map[ident.ID]bool, ms []process.Method) {
			for _, m := range ms {
				for _, in := range m.Inputs {
					if !own[in] {
						needs[i] = append(needs[i], need{f: in})
					}
				}
				for _, o := range m.Outputs {
					own[o] = true
				}
			}
		}
		own := map[ident.ID]bool{}
		add(own, methods(p.Steps[i].Process))
		for _, rid := range responds(&p.Steps[i]) {
			if r := resp[rid]; r != nil {
				h := maps.Clone(own)
				for _, pid := range r.Processes {
					add(h, methods(pid))
				}
			}
		}
	}
	// have[i] says which tracked fields an ancestor of step i outputs, 64
	// fields (a chunk) at a time, so that memory stays linear in the steps
	// and time in the steps times the chunks.
	chunks := (len(tracked) + 63) / 64
	type out struct {
		step int
		bits uint64
	}
	outs := make([][]out, chunks)
	for i := range p.Steps {
		for _, m := range methods(p.Steps[i].Process) {
			for _, o := range m.Outputs {
				if b, ok := bit[o]; ok {
					outs[b/64] = append(outs[b/64], out{i, 1 << (b % 64)})
				}
			}
		}
	}
	type ref struct{ step, k int }
	reads := make([][]ref, chunks)
	for i := range needs {
		for k, n := range needs[i] {
			if b, ok := bit[n.f]; ok {
				reads[b/64] = append(reads[b/64], ref{i, k})
			}
		}
	}
	have := make([]uint64, len(p.Steps))
	own := make([]uint64, len(p.Steps))
	for c := range chunks {
		clear(have)
		clear(own)
		for _, o := range outs[c] {
			own[o.step] |= o.bits
		}
		for _, i := range order {
			for _, to := range succs(&p.Steps[i]) {
				if k, ok := index[to]; ok {
					have[k] |= have[i] | own[i]
				}
			}
		}
		for _, r := range reads[c] {
			if have[r.step]&(1<<(bit[needs[r.step][r.k].f]%64)) != 0 {
				needs[r.step][r.k].met = true
			}
		}
	}
	inputs := map[ident.ID]bool{}
	for _, in := range p.Inputs {
		inputs[in] = true
	}
	for i := range needs {
		for _, n := range needs[i] {
			if !n.met && !inputs[n.f] {
				inputs[n.f] = true
				p.Inputs = append(p.Inputs, n.f)
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
// for every phase, one severity that is the triage threshold, and for
// each incident the playbook handles, an incident in a placeholder
// domain and a detection of it. What the playbook extension carries
// (parties, responsibilities) is kept.
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
	if r := im.ext.responsibilities(im.partyIDs); r != nil {
		d.Scope.Responsibilities = *r
		for _, ph := range []struct {
			key string
			a   **scope.Assignment
		}{{"detection", &r.Detection}, {"triage", &r.Triage}, {"first_response", &r.FirstResponse},
			{"analysis", &r.Analysis}, {"response", &r.Response}} {
			if *ph.a == nil {
				*ph.a = a()
				rep.Placeholders = append(rep.Placeholders, "$.scope.responsibilities."+ph.key)
			}
		}
		d.Scope.Responsibilities = *r
	} else {
		d.Scope.Responsibilities = scope.Responsibilities{Detection: a(), Triage: a(), FirstResponse: a(), Analysis: a(), Response: a()}
		rep.Placeholders = append(rep.Placeholders, "$.scope.responsibilities")
	}
	d.Criteria = criteria.Criteria{
		Severities:      criteria.Severities{{ID: "medium", Name: "Medium"}},
		TriageThreshold: "medium",
	}
	rep.Placeholders = append(rep.Placeholders, "$.criteria.severities[0]", "$.criteria.triage_threshold")
	if incidents := d.Playbooks[0].Incidents; len(incidents) > 0 {
		source := d.Scope.Responsibilities.Detection.Responsible
		d.Scope.Domains = []scope.Domain{{ID: "imported", Name: "Imported incidents"}}
		rep.Placeholders = append(rep.Placeholders, "$.scope.domains[0]")
		key := im.incidentField()
		for i, id := range incidents {
			d.Scope.Incidents = append(d.Scope.Incidents, scope.Incident{ID: id, Name: string(id), Domain: "imported", References: im.refs})
			d.Criteria.Detections = append(d.Criteria.Detections, criteria.Detection{
				ID: id, Name: "Placeholder detection of " + string(id), Source: source,
				When: "alert." + string(key) + " == " + strconv.Quote(string(id)), Incident: id, Severity: d.Criteria.TriageThreshold,
			})
			rep.Placeholders = append(rep.Placeholders, fmt.Sprintf("$.scope.incidents[%d]", i), fmt.Sprintf("$.criteria.detections[%d]", i))
		}
		im.rep.note("", "incidents %v: placeholder incidents and detections (alert.%s) make the playbook reachable; replace them with the real ones",
			incidents, key)
	}
	slices.SortFunc(d.Processes, func(a, b process.Process) int { return compareNumbers(a.ID, b.ID) })
	for i := range d.Processes {
		slices.SortFunc(d.Processes[i].Methods, func(a, b process.Method) int { return compareNumbers(a.ID, b.ID) })
	}
}

// incidentField returns the string field the placeholder detections
// read from the alert, "incident" unless the design has a field of
// that name of another type, defining it (as a placeholder) if needed.
func (im *importer) incidentField() ident.ID {
	for n := 1; ; n++ {
		id := ident.ID("incident")
		if n > 1 {
			id = ident.ID("imported_incident_" + strconv.Itoa(n))
		}
		if !im.fields[id] {
			im.defineField(process.Field{ID: id, Name: "Incident (for the placeholder detections)", Type: process.String})
			im.rep.Placeholders = append(im.rep.Placeholders, fmt.Sprintf("$.fields[%d]", len(im.d.Fields)-1))
			return id
		}
		if f := im.d.Field(id); f.Type == process.String && !f.List {
			return id
		}
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
