package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/response"
)

// A graph is the flow of one playbook, independent of the output syntax.
type graph struct {
	pb    *playbook.Playbook
	nodes []node
	edges []edge
	index map[string]int // node key -> position in nodes
}

type nodeKind int

const (
	startNode nodeKind = iota
	stepNode
	confirmNode // the confirmation a detection asks for before the playbook
	responseNode
	endNode
	missingNode // a reference to a step that the playbook does not have
)

// A node is identified by a key unique within its graph: "start",
// "confirm:<process>", "step:<id>", "respond:<id>", "end:<reason>" or
// "missing:<id>".
type node struct {
	key   string
	kind  nodeKind
	raw   string   // the step or response id, or the end reason
	lines []string // the label, one entry per paragraph, unescaped and unwrapped
}

// An edge is a way from one node to another. A branch's edge carries its
// number in evaluation order ("6.1": the first branch of step 6) and its
// condition in words; tip is the condition as written (CEL).
type edge struct {
	from, to string // node keys
	number   string // "6.1", or "" for an unconditional way
	label    string // the condition in words, unescaped; "" for an unconditional way
	tip      string // the CEL, or ""
}

// text is the edge's label as drawn: its number and its condition.
func (e edge) text() string {
	if e.number == "" {
		return e.label
	}
	return e.number + " " + e.label
}

// numbering maps the steps of p to their numbers in flow order (see
// flowOrder), 1 first; a duplicated id gets the number of its first entry.
func numbering(p *playbook.Playbook) ([]*playbook.Step, map[ident.ID]int) {
	steps := flowOrder(p)
	number := map[ident.ID]int{}
	for n, s := range steps {
		if p.Step(s.ID) == s {
			number[s.ID] = n + 1
		}
	}
	return steps, number
}

// confirmations returns the detections at or above the triage threshold
// that lead to p, those that ask for a confirmation first and those that
// do not, in the order of the criteria.
func confirmations(d *secops.Design, p *playbook.Playbook) (confirm, direct []*criteria.Detection) {
	for i := range d.Criteria.Detections {
		dt := &d.Criteria.Detections[i]
		if !d.Criteria.Triaged(dt.Severity) || d.PlaybookFor(dt.Incident) != p {
			continue
		}
		if dt.Confirm != nil {
			confirm = append(confirm, dt)
		} else {
			direct = append(direct, dt)
		}
	}
	return confirm, direct
}

// newGraph builds the flow of p: a start node, the confirmations that the
// detections of p's incidents ask for (decision 0), one node per step in
// flow order, then responses and ends in order of first reference.
func newGraph(d *secops.Design, p *playbook.Playbook, w *words) *graph {
	g := &graph{pb: p, index: map[string]int{}}
	g.add(node{key: "start", kind: startNode, lines: []string{w.start}})
	steps, number := numbering(p)
	confirm, direct := confirmations(d, p)
	var confirmKeys []string
	for _, dt := range confirm {
		key := "confirm:" + string(dt.Confirm.Process) + ":" + dt.Confirm.When
		if _, ok := g.index[key]; !ok {
			g.add(node{key: key, kind: confirmNode, raw: string(dt.Confirm.Process),
				lines: []string{w.confirm, g.processLine(d, dt.Confirm.Process)}})
			confirmKeys = append(confirmKeys, key)
		}
	}
	for _, s := range steps {
		if p.Step(s.ID) != s {
			continue // a duplicate id: references go to the first
		}
		g.add(node{key: "step:" + string(s.ID), kind: stepNode, raw: string(s.ID),
			lines: []string{strconv.Itoa(number[s.ID]) + ". " + s.Name, g.processLine(d, s.Process)}})
	}
	first := playbook.Way{Kind: playbook.Goto, To: string(p.Start)}
	if p.Start != "" {
		switch {
		case len(confirmKeys) == 0:
			g.link(edge{from: "start", to: g.to(d, w, first)})
		case len(confirmKeys) == 1 && len(direct) == 0:
			g.link(edge{from: "start", to: confirmKeys[0]})
		default: // which detection goes where
			for _, key := range confirmKeys {
				var names []string
				for _, dt := range confirm {
					if "confirm:"+string(dt.Confirm.Process)+":"+dt.Confirm.When == key {
						names = append(names, dt.Name)
					}
				}
				g.link(edge{from: "start", to: key, label: strings.Join(names, w.sep)})
			}
			var names []string
			for _, dt := range direct {
				names = append(names, dt.Name)
			}
			g.link(edge{from: "start", to: g.to(d, w, first), label: strings.Join(names, w.sep)})
		}
		for _, key := range confirmKeys {
			when := key[strings.Index(key[len("confirm:"):], ":")+len("confirm:")+1:]
			g.link(edge{from: key, to: g.to(d, w, first), number: "0.1", label: describe(d, w, when), tip: oneLine(when)})
			g.link(edge{from: key, to: g.to(d, w, playbook.Way{Kind: playbook.End, To: w.notIncident}), number: "0.2", label: w.otherwise})
		}
	}
	for _, s := range steps {
		if p.Step(s.ID) != s {
			continue
		}
		from := "step:" + string(s.ID)
		for _, way := range s.Ways() {
			if way.Kind != playbook.Branches {
				g.link(edge{from: from, to: g.to(d, w, way)})
			}
		}
		for j := range s.Branches {
			b := &s.Branches[j]
			e := edge{from: from, number: fmt.Sprintf("%d.%d", number[s.ID], j+1), label: w.otherwise}
			if b.When != "" {
				e.label, e.tip = describe(d, w, b.When), oneLine(b.When)
			}
			for _, way := range b.Ways() {
				e.to = g.to(d, w, way)
				g.link(e)
			}
		}
	}
	return g
}

// processLine is how a node names the process it runs: "1.2 Name".
func (g *graph) processLine(d *secops.Design, id ident.Number) string {
	if pr := d.Process(id); pr != nil {
		return string(id) + " " + pr.Name
	}
	return string(id)
}

func (g *graph) add(n node) {
	if _, ok := g.index[n.key]; ok {
		return
	}
	g.index[n.key] = len(g.nodes)
	g.nodes = append(g.nodes, n)
}

func (g *graph) link(e edge) { g.edges = append(g.edges, e) }

// to returns the key of the node that way leads to, adding the node when
// it is a response, an end or a missing step.
func (g *graph) to(d *secops.Design, w *words, way playbook.Way) string {
	switch way.Kind {
	case playbook.Goto:
		key := "step:" + way.To
		if _, ok := g.index[key]; ok {
			return key
		}
		key = "missing:" + way.To
		g.add(node{key: key, kind: missingNode, raw: way.To, lines: []string{"? " + way.To}})
		return key
	case playbook.Respond:
		key := "respond:" + way.To
		lines := []string{"? " + way.To}
		if r := d.Response(ident.ID(way.To)); r != nil {
			lines = []string{or(w.responsePhases, r.Phase) + " " + way.To, r.Name}
		}
		g.add(node{key: key, kind: responseNode, raw: way.To, lines: lines})
		return key
	default: // playbook.End
		key := "end:" + way.To
		lines := []string{w.end}
		if way.To != "" {
			lines = append(lines, way.To)
		}
		g.add(node{key: key, kind: endNode, raw: way.To, lines: lines})
		return key
	}
}

// playbooksOf returns p alone, or every playbook of d when p is nil.
func playbooksOf(d *secops.Design, p *playbook.Playbook) []*playbook.Playbook {
	if p != nil {
		return []*playbook.Playbook{p}
	}
	all := make([]*playbook.Playbook, len(d.Playbooks))
	for i := range d.Playbooks {
		all[i] = &d.Playbooks[i]
	}
	return all
}

// oneLine collapses every run of white space in s, newlines included, into
// one space. Prose that YAML may have folded goes through joinFolded
// instead.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// responseWord is how a response is referred to in text.
func responseWord(w *words, r *response.Response) string {
	if r == nil {
		return w.responsePhases[response.FirstResponse]
	}
	return or(w.responsePhases, r.Phase)
}
