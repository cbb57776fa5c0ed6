package render

import (
	"strings"

	"github.com/secopsdesign/secops"
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
	responseNode
	endNode
	missingNode // a reference to a step that the playbook does not have
)

// A node is identified by a key unique within its graph: "start",
// "step:<id>", "respond:<id>", "end:<reason>" or "missing:<id>".
type node struct {
	key   string
	kind  nodeKind
	raw   string   // the step or response id, or the end reason
	lines []string // the label, one entry per line, unescaped
}

type edge struct {
	from, to string // node keys
	label    string // unescaped; empty for an unconditional way
}

// newGraph builds the flow of p: a start node, one node per step in
// document order, then responses and ends in order of first reference.
func newGraph(d *secops.Design, p *playbook.Playbook, w *words) *graph {
	g := &graph{pb: p, index: map[string]int{}}
	g.add(node{key: "start", kind: startNode, lines: []string{w.start}})
	for i := range p.Steps {
		s := &p.Steps[i]
		proc := string(s.Process)
		if pr := d.Process(s.Process); pr != nil {
			proc += " " + pr.Name
		}
		g.add(node{key: "step:" + string(s.ID), kind: stepNode, raw: string(s.ID), lines: []string{s.Name, proc}})
	}
	if p.Start != "" {
		g.link("start", g.to(d, w, playbook.Way{Kind: playbook.Goto, To: string(p.Start)}), "")
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		from := "step:" + string(s.ID)
		for _, way := range s.Ways() {
			if way.Kind != playbook.Branches {
				g.link(from, g.to(d, w, way), "")
			}
		}
		for j := range s.Branches {
			b := &s.Branches[j]
			label := w.otherwise
			if b.When != "" {
				label = oneLine(b.When)
			}
			for _, way := range b.Ways() {
				g.link(from, g.to(d, w, way), label)
			}
		}
	}
	return g
}

func (g *graph) add(n node) {
	if _, ok := g.index[n.key]; ok {
		return
	}
	g.index[n.key] = len(g.nodes)
	g.nodes = append(g.nodes, n)
}

func (g *graph) link(from, to, label string) {
	g.edges = append(g.edges, edge{from: from, to: to, label: label})
}

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
// one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// responseWord is how a response is referred to in text.
func responseWord(w *words, r *response.Response) string {
	if r == nil {
		return w.responsePhases[response.FirstResponse]
	}
	return or(w.responsePhases, r.Phase)
}
