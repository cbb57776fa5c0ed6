package secops

import (
	"fmt"
	"math"
	"strings"

	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
)

// graph is a playbook's steps as a directed graph over step indexes.
type graph struct {
	pb    *playbook.Playbook
	i     int          // playbook index
	start int          // -1 when start is missing or unknown
	succ  [][]int      // step index -> successor step indexes
	resp  [][]ident.ID // step index -> responses it may end in
	reach []bool       // reachable from start
	order []int        // reachable steps in topological order (when acyclic)
	cycle bool         // some cycle is reachable or not
}

// checkFlows runs the graph, data-flow, rollback and time-budget checks.
func (v *validator) checkFlows() {
	d := v.d
	graphs := make([]*graph, len(d.Playbooks))
	for i := range d.Playbooks {
		g := v.buildGraph(i)
		graphs[i] = g
		v.checkReach(g)
		v.checkCycles(g)
	}
	v.checkDataFlow(graphs)
	v.checkRollbacks()
	v.checkBudgets(graphs)
}

func (v *validator) buildGraph(i int) *graph {
	pb := &v.d.Playbooks[i]
	steps := v.steps[i]
	g := &graph{pb: pb, i: i, start: -1, succ: make([][]int, len(pb.Steps)), resp: make([][]ident.ID, len(pb.Steps))}
	if j, ok := steps[pb.Start]; ok {
		g.start = j
	}
	for j := range pb.Steps {
		s := &pb.Steps[j]
		if k, ok := steps[s.Next]; ok {
			g.succ[j] = append(g.succ[j], k)
		}
		if s.Respond != "" {
			g.resp[j] = append(g.resp[j], s.Respond)
		}
		for _, b := range s.Branches {
			if k, ok := steps[b.Goto]; ok {
				g.succ[j] = append(g.succ[j], k)
			}
			if b.Respond != "" {
				g.resp[j] = append(g.resp[j], b.Respond)
			}
		}
	}
	return g
}

// checkReach marks the steps reachable from start and reports the others.
func (v *validator) checkReach(g *graph) {
	g.reach = make([]bool, len(g.pb.Steps))
	if g.start < 0 {
		return // the missing or unknown start is reported already
	}
	stack := []int{g.start}
	g.reach[g.start] = true
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, k := range g.succ[j] {
			if !g.reach[k] {
				g.reach[k] = true
				stack = append(stack, k)
			}
		}
	}
	for j, ok := range g.reach {
		if !ok {
			v.add(finding.UnreachableStep, stepPath(g.i, j), "step %q cannot be reached from start %q", g.pb.Steps[j].ID, g.pb.Start)
		}
	}
}

// checkCycles finds the cycles of the graph by depth-first search, reports
// each back edge once, and otherwise records a topological order of the
// reachable steps.
func (v *validator) checkCycles(g *graph) {
	const (
		white = iota
		grey
		black
	)
	n := len(g.pb.Steps)
	color := make([]byte, n)
	post := make([]int, 0, n)
	onStack := make([]int, 0, n)
	type frame struct{ node, next int }
	for root := 0; root < n; root++ {
		if color[root] != white {
			continue
		}
		stack := []frame{{root, 0}}
		color[root] = grey
		onStack = append(onStack[:0], root)
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.next < len(g.succ[f.node]) {
				k := g.succ[f.node][f.next]
				f.next++
				switch color[k] {
				case white:
					color[k] = grey
					stack = append(stack, frame{k, 0})
					onStack = append(onStack, k)
				case grey:
					if g.reach[k] {
						g.cycle = true // a cycle that a run can enter
					}
					v.reportCycle(g, f.node, k, onStack)
				}
				continue
			}
			color[f.node] = black
			post = append(post, f.node)
			stack = stack[:len(stack)-1]
			onStack = onStack[:len(onStack)-1]
		}
	}
	if g.cycle {
		return
	}
	for i := len(post) - 1; i >= 0; i-- {
		if g.reach[post[i]] {
			g.order = append(g.order, post[i])
		}
	}
}

func (v *validator) reportCycle(g *graph, from, to int, onStack []int) {
	var ids []string
	for i := len(onStack) - 1; i >= 0; i-- {
		if onStack[i] == to {
			for _, j := range onStack[i:] {
				ids = append(ids, string(g.pb.Steps[j].ID))
			}
			break
		}
	}
	ids = append(ids, string(g.pb.Steps[to].ID))
	s := &g.pb.Steps[from]
	p := stepPath(g.i, from).Child("next")
	if s.Next != g.pb.Steps[to].ID {
		for k, b := range s.Branches {
			if b.Goto == g.pb.Steps[to].ID {
				p = stepPath(g.i, from).Child("branches").Index(k).Child("goto")
				break
			}
		}
	}
	v.add(finding.Cycle, p, "the steps form a cycle: %s", strings.Join(ids, " → "))
}

// fieldSet is a set of field ids local to one playbook, as a bit set over
// the playbook's own numbering of the fields it mentions.
type fieldSet []uint64

func (s fieldSet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
func (s fieldSet) set(i int)      { s[i/64] |= 1 << (i % 64) }

// union adds o to s and reports whether s grew.
func (s fieldSet) union(o fieldSet) bool {
	grew := false
	for i := range s {
		if n := s[i] | o[i]; n != s[i] {
			s[i], grew = n, true
		}
	}
	return grew
}

// flowFields numbers the fields that one playbook mentions.
type flowFields struct {
	ids   map[ident.ID]int
	words int
}

func (f *flowFields) num(id ident.ID) int {
	n, ok := f.ids[id]
	if !ok {
		n = len(f.ids)
		f.ids[id] = n
	}
	return n
}

func (f *flowFields) newSet() fieldSet { return make(fieldSet, f.words) }

// checkDataFlow checks that every input of every method that can run is
// available on some path: from the playbook's inputs, a confirmation
// process, or the outputs of a method before it.
func (v *validator) checkDataFlow(graphs []*graph) {
	d := v.d
	// Confirmation outputs that may reach each incident's playbook, and the
	// inputs an alert supplies to confirmations (those of the playbooks that
	// handle the incident).
	handlers := map[ident.ID][]int{} // incident -> playbooks that handle it
	for k := range d.Playbooks {
		for _, inc := range d.Playbooks[k].Incidents {
			handlers[inc] = append(handlers[inc], k)
		}
	}
	confirmOut := map[ident.ID][]ident.ID{}
	for i, det := range d.Criteria.Detections {
		if det.Confirm == nil {
			continue
		}
		p := v.process(det.Confirm.Process)
		if p == nil {
			continue
		}
		var supplied []ident.ID
		handled := false
		for _, k := range handlers[det.Incident] {
			supplied = append(supplied, d.Playbooks[k].Inputs...)
			handled = true
		}
		for _, m := range p.Methods {
			confirmOut[det.Incident] = append(confirmOut[det.Incident], m.Outputs...)
		}
		if !handled {
			continue
		}
		have := map[ident.ID]bool{}
		for _, id := range supplied {
			have[id] = true
		}
		for _, m := range p.Methods {
			for _, in := range m.Inputs {
				if !have[in] {
					v.add(finding.UnavailableInput, detectionPath(i).Child("confirm", "process"),
						"confirmation method %s needs %q, which the alert (the inputs of the playbooks for %q) does not supply", m.ID, in, det.Incident)
				}
			}
			for _, out := range m.Outputs {
				have[out] = true
			}
		}
	}

	for _, g := range graphs {
		v.flowPlaybook(g, confirmOut)
	}
}

func (v *validator) flowPlaybook(g *graph, confirmOut map[ident.ID][]ident.ID) {
	pb := g.pb
	if g.start < 0 {
		return
	}
	ff := &flowFields{ids: map[ident.ID]int{}}
	for _, id := range pb.Inputs {
		ff.num(id)
	}
	for _, inc := range pb.Incidents {
		for _, id := range confirmOut[inc] {
			ff.num(id)
		}
	}
	gen := make([][]int, len(pb.Steps))
	for j := range pb.Steps {
		if p := v.process(pb.Steps[j].Process); p != nil {
			for _, m := range p.Methods {
				for _, id := range m.Inputs {
					ff.num(id)
				}
				for _, id := range m.Outputs {
					gen[j] = append(gen[j], ff.num(id))
				}
			}
		}
		for _, r := range g.resp[j] {
			v.forResponseMethods(r, func(m *process.Method) {
				for _, id := range m.Inputs {
					ff.num(id)
				}
				for _, id := range m.Outputs {
					ff.num(id)
				}
			})
		}
	}
	ff.words = (len(ff.ids) + 63) / 64
	entry := ff.newSet()
	for _, id := range pb.Inputs {
		entry.set(ff.ids[id])
	}
	for _, inc := range pb.Incidents {
		for _, id := range confirmOut[inc] {
			entry.set(ff.ids[id])
		}
	}
	// in[j]: fields that may be known when step j starts (union over paths).
	in := make([]fieldSet, len(pb.Steps))
	in[g.start] = entry
	out := func(j int) fieldSet {
		s := ff.newSet()
		s.union(in[j])
		for _, n := range gen[j] {
			s.set(n)
		}
		return s
	}
	flow := func(j int) (changed []int) {
		o := out(j)
		for _, k := range g.succ[j] {
			if in[k] == nil {
				in[k] = ff.newSet()
				in[k].union(o)
				changed = append(changed, k)
			} else if in[k].union(o) {
				changed = append(changed, k)
			}
		}
		return changed
	}
	if g.order != nil {
		for _, j := range g.order {
			flow(j)
		}
	} else { // cyclic: iterate to a fixed point
		work := []int{g.start}
		queued := make([]bool, len(pb.Steps))
		queued[g.start] = true
		for len(work) > 0 {
			j := work[0]
			work = work[1:]
			queued[j] = false
			for _, k := range flow(j) {
				if !queued[k] {
					queued[k] = true
					work = append(work, k)
				}
			}
		}
	}
	for j := range pb.Steps {
		if in[j] == nil || !g.reach[j] {
			continue
		}
		s := &pb.Steps[j]
		have := ff.newSet()
		have.union(in[j])
		if p := v.process(s.Process); p != nil {
			for _, m := range p.Methods {
				v.needInputs(&m, have, ff, stepPath(g.i, j).Child("process"), fmt.Sprintf("step %q", s.ID))
			}
		}
		for k, r := range g.resp[j] {
			rp := stepPath(g.i, j).Child("respond")
			if s.Respond != r {
				rp = v.branchRespondPath(g.i, j, r)
			}
			rh := ff.newSet()
			rh.union(have)
			_ = k
			v.forResponseMethods(r, func(m *process.Method) {
				v.needInputs(m, rh, ff, rp, fmt.Sprintf("response %q after step %q", r, s.ID))
			})
		}
	}
}

func (v *validator) branchRespondPath(i, j int, r ident.ID) *finding.Path {
	for k, b := range v.d.Playbooks[i].Steps[j].Branches {
		if b.Respond == r {
			return stepPath(i, j).Child("branches").Index(k).Child("respond")
		}
	}
	return stepPath(i, j)
}

// needInputs reports each input of m missing from have, then adds m's
// outputs to have.
func (v *validator) needInputs(m *process.Method, have fieldSet, ff *flowFields, p *finding.Path, where string) {
	for _, id := range m.Inputs {
		if n, ok := ff.ids[id]; ok && !have.has(n) {
			v.add(finding.UnavailableInput, p, "method %s in %s needs %q, which neither the playbook inputs nor any earlier step supplies", m.ID, where, id)
		}
	}
	for _, id := range m.Outputs {
		have.set(ff.ids[id])
	}
}

// forResponseMethods calls f for every method of response id, in order.
func (v *validator) forResponseMethods(id ident.ID, f func(m *process.Method)) {
	ri, ok := v.responses[id]
	if !ok {
		return
	}
	r := &v.d.Responses[ri]
	for _, pid := range r.Processes {
		if p := v.process(pid); p != nil {
			for k := range p.Methods {
				f(&p.Methods[k])
			}
		}
	}
}

// checkRollbacks reports actions of first responses that cannot be undone.
func (v *validator) checkRollbacks() {
	seen := map[ident.Number]bool{}
	for ri, r := range v.d.Responses {
		if r.Phase != response.FirstResponse {
			continue
		}
		for _, pid := range r.Processes {
			pi, ok := v.processes[pid]
			if !ok {
				continue
			}
			for k, m := range v.d.Processes[pi].Methods {
				if m.Action == "" || m.Rollback != nil || seen[m.ID] {
					continue
				}
				seen[m.ID] = true
				v.add(finding.MissingRollback, methodPath(pi, k).Child("action"),
					"method %s performs %s in first response %q (%s) but has no rollback", m.ID, m.Action, r.ID, responsePath(ri))
			}
		}
	}
}

// cost is a longest-path length in nanoseconds; noPath marks a step from
// which no first response can be reached.
type cost = int64

const noPath cost = math.MinInt64

// addCost adds two non-negative costs, saturating instead of overflowing,
// so that absurd estimates still exceed every target.
func addCost(a, b cost) cost {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// checkBudgets compares, for each detection at or above the triage
// threshold whose severity has a first_response target, the longest path of
// estimates from detection to a first response, through each playbook that
// handles the incident, with the target. Only methods on such paths are
// expected to have an estimate.
func (v *validator) checkBudgets(graphs []*graph) {
	d := v.d
	type procCost struct {
		total cost
		done  bool
	}
	costs := make([]procCost, len(d.Processes))
	// estimate returns a process's estimate, warning once about each of its
	// methods without one.
	estimate := func(id ident.Number) cost {
		pi, ok := v.processes[id]
		if !ok {
			return 0
		}
		if c := &costs[pi]; c.done {
			return c.total
		}
		var total cost
		for k, m := range d.Processes[pi].Methods {
			if m.Estimate <= 0 {
				ep := methodPath(pi, k).Child("estimate")
				if v.explicitZero(ep) {
					v.add(finding.InvalidValue, ep, "estimate must be positive; leave it out when it is not known")
				} else {
					v.add(finding.MissingEstimate, ep, "method %shas no estimate, on a path that a first_response target applies to; it counts as 0", strings.TrimLeft(string(m.ID)+" ", " "))
				}
				continue
			}
			total = addCost(total, cost(m.Estimate))
		}
		costs[pi] = procCost{total, true}
		return total
	}
	respCost := func(id ident.ID) cost {
		ri, ok := v.responses[id]
		if !ok || d.Responses[ri].Phase != response.FirstResponse {
			return noPath
		}
		var total cost
		for _, pid := range d.Responses[ri].Processes {
			total = addCost(total, estimate(pid))
		}
		return total
	}
	// longest holds, per step, the longest path to a first response: its
	// length and the next step (or -1 with the response) on it.
	type longest struct {
		total cost
		next  int
		resp  ident.ID
	}
	memo := map[int][]longest{}
	solve := func(g *graph) []longest {
		if best, ok := memo[g.i]; ok {
			return best
		}
		best := make([]longest, len(g.pb.Steps))
		for j := range best {
			best[j] = longest{total: noPath, next: -1}
		}
		for o := len(g.order) - 1; o >= 0; o-- {
			j := g.order[o]
			b := longest{total: noPath, next: -1}
			for _, k := range g.succ[j] {
				if best[k].total > b.total {
					b = longest{total: best[k].total, next: k}
				}
			}
			for _, r := range g.resp[j] {
				if c := respCost(r); c > b.total {
					b = longest{total: c, next: -1, resp: r}
				}
			}
			if b.total != noPath {
				b.total = addCost(b.total, estimate(g.pb.Steps[j].Process))
			}
			best[j] = b
		}
		memo[g.i] = best
		return best
	}
	pathOf := func(g *graph, best []longest) string {
		var ids []string
		for j := g.start; j >= 0; j = best[j].next {
			ids = append(ids, string(g.pb.Steps[j].ID))
			if best[j].next < 0 {
				ids = append(ids, string(best[j].resp))
			}
		}
		return strings.Join(ids, " → ")
	}
	handlers := map[ident.ID][]*graph{}
	for k := range d.Playbooks {
		for _, inc := range d.Playbooks[k].Incidents {
			handlers[inc] = append(handlers[inc], graphs[k])
		}
	}
	for i, det := range d.Criteria.Detections {
		sev := d.Criteria.Severities.Get(det.Severity)
		if sev == nil || sev.Targets.FirstResponse <= 0 || !d.Criteria.Triaged(det.Severity) {
			continue
		}
		for _, g := range handlers[det.Incident] {
			if g.start < 0 || g.cycle {
				continue
			}
			best := solve(g)
			if best[g.start].total == noPath {
				continue
			}
			total := best[g.start].total
			var parts []string
			if det.Confirm != nil {
				c := estimate(det.Confirm.Process)
				total = addCost(total, c)
				parts = append(parts, fmt.Sprintf("confirmation %s %s", det.Confirm.Process, duration.Duration(c)))
			}
			if target := sev.Targets.FirstResponse; duration.Duration(total) > target {
				parts = append(parts, pathOf(g, best))
				v.add(finding.TargetExceeded, detectionPath(i).Child("severity"),
					"the longest path from detection %q through playbook %q to a first response takes %s (%s), over the %s first_response target of %s",
					det.ID, g.pb.ID, duration.Duration(total), strings.Join(parts, ", then "), target, sev.ID)
			}
		}
	}
}

// process returns the process with the given id through the index, or nil.
func (v *validator) process(id ident.Number) *process.Process {
	if i, ok := v.processes[id]; ok {
		return &v.d.Processes[i]
	}
	return nil
}
