package review

import (
	"slices"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// loadParties lists the parties responsible for triage (confirmations
// and steps), first response and response, in that order, each once:
// the parties the workload is shared among.
func loadParties(d *secops.Design) []ident.ID {
	var out []ident.ID
	for _, ph := range []scope.Phase{scope.Triage, scope.FirstResponse, scope.Response} {
		if a := d.Scope.Responsibilities.For(ph); a != nil && !slices.Contains(out, a.Responsible) {
			out = append(out, a.Responsible)
		}
	}
	return out
}

// responsible reports whether party is responsible for phase in d.
func responsible(d *secops.Design, ph scope.Phase, party ident.ID) bool {
	a := d.Scope.Responsibilities.For(ph)
	return a != nil && a.Responsible == party
}

// responsePhase is the phase of the scope a response belongs to.
func responsePhase(r *response.Response) scope.Phase {
	if r.Phase == response.Later {
		return scope.Response
	}
	return scope.FirstResponse
}

// span is the shortest and longest time a part of a design takes by its
// estimates: the shortest skips every method with a when and takes the
// cheapest way on, the longest runs every method and takes the dearest.
type span struct{ min, max time.Duration }

func (a span) plus(b span) span { return span{a.min + b.min, a.max + b.max} }

// methodsSpan is the span of the methods of the processes ids, in order.
func methodsSpan(d *secops.Design, ids ...ident.Number) span {
	var s span
	for _, id := range ids {
		pr := d.Process(id)
		if pr == nil {
			continue
		}
		for i := range pr.Methods {
			s = s.plus(methodSpan(&pr.Methods[i]))
		}
	}
	return s
}

func methodSpan(m *process.Method) span {
	e := m.Estimate.Std()
	if m.When != "" {
		return span{0, e}
	}
	return span{e, e}
}

// playbookSpan is the span of a playbook from its start to its end,
// responses included. Steps on a cycle (which validation rejects) count
// once.
func playbookSpan(d *secops.Design, pb *playbook.Playbook) span {
	return playbookSpanOf(d, pb, true, func(*response.Response) bool { return true })
}

// playbookSpanOf is playbookSpan counting only some of the methods: the
// steps' when steps is set, and the responses for which resp holds. It
// is the span of one party's share: the shortest and longest that share
// can be, each over its own path.
func playbookSpanOf(d *secops.Design, pb *playbook.Playbook, steps bool, resp func(*response.Response) bool) span {
	memo := map[ident.ID]span{}
	visiting := map[ident.ID]bool{}
	var step func(id ident.ID) span
	way := func(w playbook.Way) span {
		switch w.Kind {
		case playbook.Goto:
			return step(ident.ID(w.To))
		case playbook.Respond:
			if r := d.Response(ident.ID(w.To)); r != nil && resp(r) {
				return methodsSpan(d, r.Processes...)
			}
		}
		return span{}
	}
	step = func(id ident.ID) span {
		if s, ok := memo[id]; ok {
			return s
		}
		st := pb.Step(id)
		if st == nil || visiting[id] {
			return span{}
		}
		visiting[id] = true
		defer delete(visiting, id)
		var s span
		if steps {
			s = methodsSpan(d, st.Process)
		}
		if len(st.Branches) > 0 {
			var ways span
			for i := range st.Branches {
				w := way(st.Branches[i].Way())
				if i == 0 || w.min < ways.min {
					ways.min = w.min
				}
				ways.max = max(ways.max, w.max)
			}
			s = s.plus(ways)
		} else if ws := st.Ways(); len(ws) == 1 {
			s = s.plus(way(ws[0]))
		}
		memo[id] = s
		return s
	}
	return step(pb.Start)
}
