package executor

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
)

// Plan is a design compiled for execution: every expression compiled once,
// every reference resolved, every field's type at hand. A Plan is
// immutable and safe for concurrent use; all the runs of an Engine, and
// all the engines built from it with WithPlan, share it.
type Plan struct {
	design     *secops.Design
	digest     func() string // of the design, computed on first use
	detections []*detectionPlan
	playbooks  map[ident.ID]*playbookPlan
	byIncident map[ident.ID]*playbookPlan
	responses  map[ident.ID]*responsePlan
	methods    map[ident.Number]*methodPlan
	fields     map[string]*process.Field
	adapters   []string
	order      []*playbookPlan // playbooks in document order
}

type detectionPlan struct {
	d       *criteria.Detection
	when    *expr.Program
	confirm *expr.Program
	methods []*methodPlan // the confirm process's methods
	detail  string        // of the detected event
}

type methodPlan struct {
	m    *process.Method
	when *expr.Program // nil: always runs
	// outputs lists each declared output with its field (nil when
	// unknown), for type checks. A method has a few outputs: a list is
	// quicker to search than a map.
	outputs []output
	// adapter and operation split the action.
	adapter, operation string
}

type output struct {
	id string
	f  *process.Field
}

// output returns the field of the declared output id, and whether id is
// declared.
func (mp *methodPlan) output(id string) (*process.Field, bool) {
	for _, o := range mp.outputs {
		if o.id == id {
			return o.f, true
		}
	}
	return nil, false
}

type playbookPlan struct {
	pb    *playbook.Playbook
	start *stepPlan
	steps map[ident.ID]*stepPlan
	order []*stepPlan
}

type stepPlan struct {
	s        *playbook.Step
	methods  []*methodPlan
	way      way
	branches []branchPlan
}

type branchPlan struct {
	when *expr.Program // nil: the default
	way  way
	desc string // of the branch event
}

// way is where a step or branch leads, resolved.
type way struct {
	kind    playbook.WayKind
	next    *stepPlan
	respond *responsePlan
	end     string
}

type responsePlan struct {
	r        *response.Response
	methods  []*methodPlan // the methods of all its processes, in order
	approved string        // the detail of its approval event
}

// Compile compiles d for execution. d should have been validated: Compile
// reports only what makes execution impossible (an expression that does
// not compile, a reference to nothing), all at once, as a finding.List.
func Compile(d *secops.Design) (*Plan, error) {
	if d == nil {
		return nil, fmt.Errorf("compile: nil design")
	}
	var (
		cache expr.Cache
		fl    finding.List
	)
	p := &Plan{
		design:     d,
		playbooks:  map[ident.ID]*playbookPlan{},
		byIncident: map[ident.ID]*playbookPlan{},
		responses:  map[ident.ID]*responsePlan{},
		methods:    map[ident.Number]*methodPlan{},
		fields:     map[string]*process.Field{},
	}
	compile := func(scope expr.Scope, src string, path *finding.Path) *expr.Program {
		if src == "" {
			return nil
		}
		prg, err := cache.Compile(scope, src)
		if err != nil {
			fl = append(fl, finding.New(finding.Expression, path, "%v", err))
		}
		return prg
	}
	p.digest = sync.OnceValue(func() string { return designDigest(d) })
	for i := range d.Fields {
		p.fields[string(d.Fields[i].ID)] = &d.Fields[i]
	}
	adapters := map[string]bool{}
	for i := range d.Processes {
		pr := &d.Processes[i]
		for j := range pr.Methods {
			m := &pr.Methods[j]
			path := finding.NewPath("processes").Index(i).Child("methods").Index(j)
			mp := &methodPlan{m: m, when: compile(expr.Fields, m.When, path.Child("when"))}
			for k, o := range m.Outputs {
				f := p.fields[string(o)]
				if f == nil {
					fl = append(fl, finding.New(finding.UnknownRef, path.Child("outputs").Index(k), "unknown field %q", o))
				}
				if _, dup := mp.output(string(o)); !dup {
					mp.outputs = append(mp.outputs, output{string(o), f})
				}
			}
			if m.Action != "" {
				mp.adapter, mp.operation = m.Action.Adapter(), m.Action.Operation()
				adapters[mp.adapter] = true
			}
			if m.Rollback != nil && m.Rollback.Action != "" {
				adapters[m.Rollback.Action.Adapter()] = true
			}
			p.methods[m.ID] = mp
		}
	}
	for _, s := range d.Criteria.Severities {
		if s.Escalation != nil && s.Escalation.Action != "" {
			adapters[s.Escalation.Action.Adapter()] = true
		}
	}
	for a := range adapters {
		p.adapters = append(p.adapters, a)
	}
	sort.Strings(p.adapters)
	methodsOf := func(id ident.Number, path *finding.Path) []*methodPlan {
		pr := d.Process(id)
		if pr == nil {
			fl = append(fl, finding.New(finding.UnknownRef, path, "unknown process %q", id))
			return nil
		}
		ms := make([]*methodPlan, len(pr.Methods))
		for i := range pr.Methods {
			ms[i] = p.methods[pr.Methods[i].ID]
		}
		return ms
	}
	for i := range d.Responses {
		r := &d.Responses[i]
		rp := &responsePlan{r: r, approved: "approved for " + string(r.Approval)}
		for j, id := range r.Processes {
			rp.methods = append(rp.methods, methodsOf(id, finding.NewPath("responses").Index(i).Child("processes").Index(j))...)
		}
		p.responses[r.ID] = rp
	}
	for i := range d.Criteria.Detections {
		det := &d.Criteria.Detections[i]
		path := finding.NewPath("criteria", "detections").Index(i)
		dp := &detectionPlan{d: det, when: compile(expr.Alert, det.When, path.Child("when")),
			detail: fmt.Sprintf("%s: incident %s, severity %s", det.ID, det.Incident, det.Severity)}
		if det.Confirm != nil {
			dp.confirm = compile(expr.Fields, det.Confirm.When, path.Child("confirm").Child("when"))
			dp.methods = methodsOf(det.Confirm.Process, path.Child("confirm").Child("process"))
		}
		if d.Criteria.Severities.Get(det.Severity) == nil {
			fl = append(fl, finding.New(finding.UnknownRef, path.Child("severity"), "unknown severity %q", det.Severity))
		}
		p.detections = append(p.detections, dp)
	}
	for i := range d.Playbooks {
		pb := &d.Playbooks[i]
		path := finding.NewPath("playbooks").Index(i)
		pp := &playbookPlan{pb: pb, steps: map[ident.ID]*stepPlan{}}
		for j := range pb.Steps {
			s := &pb.Steps[j]
			sp := &stepPlan{s: s, methods: methodsOf(s.Process, path.Child("steps").Index(j).Child("process"))}
			pp.steps[s.ID] = sp
			pp.order = append(pp.order, sp)
		}
		resolve := func(w playbook.Way, path *finding.Path) way {
			out := way{kind: w.Kind}
			switch w.Kind {
			case playbook.Goto:
				if out.next = pp.steps[ident.ID(w.To)]; out.next == nil {
					fl = append(fl, finding.New(finding.UnknownRef, path, "unknown step %q", w.To))
				}
			case playbook.Respond:
				if out.respond = p.responses[ident.ID(w.To)]; out.respond == nil {
					fl = append(fl, finding.New(finding.UnknownRef, path, "unknown response %q", w.To))
				}
			case playbook.End:
				out.end = w.To
			}
			return out
		}
		for j, sp := range pp.order {
			spath := path.Child("steps").Index(j)
			ways := sp.s.Ways()
			if len(ways) != 1 {
				fl = append(fl, finding.New(finding.DeadEnd, spath, "step %q needs exactly one way on", sp.s.ID))
				continue
			}
			if ways[0].Kind != playbook.Branches {
				sp.way = resolve(ways[0], spath)
				continue
			}
			sp.way.kind = playbook.Branches
			for k := range sp.s.Branches {
				b := &sp.s.Branches[k]
				bpath := spath.Child("branches").Index(k)
				bw := b.Ways()
				if len(bw) != 1 {
					fl = append(fl, finding.New(finding.DeadEnd, bpath, "a branch needs exactly one of goto, respond, end"))
					continue
				}
				sp.branches = append(sp.branches, branchPlan{when: compile(expr.Fields, b.When, bpath.Child("when")), way: resolve(bw[0], bpath)})
			}
		}
		if pp.start = pp.steps[pb.Start]; pp.start == nil {
			fl = append(fl, finding.New(finding.UnknownRef, path.Child("start"), "unknown step %q", pb.Start))
		}
		p.playbooks[pb.ID] = pp
		p.order = append(p.order, pp)
		for _, inc := range pb.Incidents {
			if _, dup := p.byIncident[inc]; !dup {
				p.byIncident[inc] = pp
			}
		}
	}
	if err := fl.Err(); err != nil {
		return nil, err
	}
	for _, pp := range p.order {
		for _, sp := range pp.order {
			for i := range sp.branches {
				sp.branches[i].desc = describeBranch(i, sp.branches[i])
			}
		}
	}
	return p, nil
}

// Design returns the design the plan was compiled from.
func (p *Plan) Design() *secops.Design { return p.design }

// Digest returns "sha256:" and the hex SHA-256 of the design's canonical
// JSON (secops.Design.WriteJSON): two designs have the same digest when
// they say the same, however their files are laid out. A record keeps the
// digest of the design its run started with; see CheckRecord.
func (p *Plan) Digest() string { return p.digest() }

func designDigest(d *secops.Design) string {
	h := sha256.New()
	if err := d.WriteJSON(h); err != nil {
		// A design that cannot be written matches no record.
		return "unknown: " + err.Error()
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Adapters returns, sorted, the names of the adapters the design's actions
// and rollback actions call.
func (p *Plan) Adapters() []string { return p.adapters }

// Method returns the method with the given id, or nil.
func (p *Plan) Method(id ident.Number) *process.Method {
	if mp := p.methods[id]; mp != nil {
		return mp.m
	}
	return nil
}
