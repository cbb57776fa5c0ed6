package review

import (
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
)

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
	memo := map[ident.ID]span{}
	visiting := map[ident.ID]bool{}
	var step func(id ident.ID) span
	way := func(w playbook.Way) span {
		switch w.Kind {
		case playbook.Goto:
			return step(ident.ID(w.To))
		case playbook.Respond:
			if r := d.Response(ident.ID(w.To)); r != nil {
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
		s := methodsSpan(d, st.Process)
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
