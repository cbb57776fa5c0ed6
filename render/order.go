package render

import (
	"slices"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
)

// flowOrder returns the steps of p in the order a person follows them:
// first the steps reachable from p.Start, each after every reachable step
// that leads to it, then the unreachable steps in the same way among
// themselves. Ties go to the step that comes first in the file. A step
// id that is listed twice refers to its first entry, as p.Step does.
//
// A flow with a cycle (invalid, but still rendered) has no such order;
// its steps are returned in file order.
func flowOrder(p *playbook.Playbook) []*playbook.Step {
	first := make(map[ident.ID]int, len(p.Steps)) // id -> index of its first entry
	for i := range p.Steps {
		if _, dup := first[p.Steps[i].ID]; !dup {
			first[p.Steps[i].ID] = i
		}
	}
	next := make([][]int, len(p.Steps)) // index -> indices of the steps it leads to
	for i := range p.Steps {
		s := &p.Steps[i]
		ways := s.Ways()
		for j := range s.Branches {
			ways = append(ways, s.Branches[j].Ways()...)
		}
		for _, w := range ways {
			if to, ok := first[ident.ID(w.To)]; ok && w.Kind == playbook.Goto {
				next[i] = append(next[i], to)
			}
		}
	}

	reachable := make([]bool, len(p.Steps))
	if i, ok := first[p.Start]; ok {
		reachable[i] = true
		for queue := []int{i}; len(queue) > 0; queue = queue[1:] {
			for _, to := range next[queue[0]] {
				if !reachable[to] {
					reachable[to] = true
					queue = append(queue, to)
				}
			}
		}
	}

	order := make([]int, 0, len(p.Steps))
	for _, part := range []bool{true, false} {
		// Kahn's algorithm over the steps of this part and the ways
		// between them, taking the ready step first in the file.
		in := make([]int, len(p.Steps))
		var ready []int // sorted
		for i := range p.Steps {
			if reachable[i] != part {
				continue
			}
			for _, to := range next[i] {
				if reachable[to] == part {
					in[to]++
				}
			}
		}
		for i := range p.Steps {
			if reachable[i] == part && in[i] == 0 {
				ready = append(ready, i)
			}
		}
		for len(ready) > 0 {
			i := ready[0]
			ready = ready[1:]
			order = append(order, i)
			for _, to := range next[i] {
				if reachable[to] != part {
					continue
				}
				if in[to]--; in[to] == 0 {
					at, _ := slices.BinarySearch(ready, to)
					ready = slices.Insert(ready, at, to)
				}
			}
		}
	}

	steps := make([]*playbook.Step, len(p.Steps))
	if len(order) < len(p.Steps) { // a cycle: file order
		for i := range p.Steps {
			steps[i] = &p.Steps[i]
		}
		return steps
	}
	for k, i := range order {
		steps[k] = &p.Steps[i]
	}
	return steps
}
