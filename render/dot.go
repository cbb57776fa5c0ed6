package render

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/playbook"
)

// DOT writes the flow of playbook p of d as a Graphviz digraph, or, when p
// is nil, the flows of all its playbooks in one digraph, one cluster each,
// stacked top to bottom (invisible edges tie each cluster to the next).
//
// Steps are boxes numbered in flow order, responses hexagons, ends rounded
// boxes; a confirmation that a detection asks for comes first. Each branch
// is drawn as a small node of its own on the way from its step, labelled
// with its number in evaluation order ("6.1") and its condition in words,
// with the CEL as the node's tooltip: labels are nodes, so Graphviz never
// lets two of them overlap. Labels are wrapped at word (and, in CJK text,
// character) boundaries, never inside an id. Every id and label is a
// quoted DOT string.
func DOT(w io.Writer, d *secops.Design, p *playbook.Playbook) error {
	if d == nil {
		return errors.New("render: nil design")
	}
	var b strings.Builder
	writeDOT(&b, d, p, false)
	_, err := io.WriteString(w, b.String())
	return err
}

// Sizes, in points, of what the graphs draw.
const (
	nodeFont   = 12.0  // node labels
	labelFont  = 11.0  // branch labels
	nodeWrap   = 200.0 // the widest line of a node label
	labelWrap  = 150.0 // the widest line of a branch label
	lineHeight = 1.3   // times the font size
	padX, padY = 10.0, 6.0
)

// writeDOT writes the digraph. With sized, every node gets a fixed size
// computed from the width of its text (see textWidth): the in-process
// Graphviz has no font metrics, so it would size boxes from guesses.
func writeDOT(b *strings.Builder, d *secops.Design, p *playbook.Playbook, sized bool) {
	wd := wordsFor(d.Metadata.Language)
	name, title := string(d.Metadata.Name), d.Metadata.Title
	if p != nil {
		name, title = string(p.ID), p.Name
	}
	fmt.Fprintf(b, "digraph %s {\n", dotQuote(name))
	if sized && p != nil {
		// The SVG's element ids start with the graph's: unique in a page
		// that holds several flows.
		for i := range d.Playbooks {
			if &d.Playbooks[i] == p {
				fmt.Fprintf(b, "\tgraph [id=\"flow_%d\"];\n", i+1)
			}
		}
	}
	fmt.Fprintf(b, "\tgraph [label=%s, labelloc=t, fontname=\"sans-serif\", fontsize=14, rankdir=TB, nodesep=\"0.3\", ranksep=\"0.3\"];\n", dotQuote(oneLine(title)))
	fmt.Fprintf(b, "\tnode [fontname=\"sans-serif\", fontsize=%g, margin=\"0.1,0.05\"];\n", nodeFont)
	b.WriteString("\tedge [fontname=\"sans-serif\"];\n")
	if p != nil {
		writeDOTGraph(b, newGraph(d, p, wd), "", "\t", sized)
	} else {
		var last string // the last node of the previous cluster
		for i, pb := range playbooksOf(d, nil) {
			prefix := string(pb.ID) + "/"
			fmt.Fprintf(b, "\tsubgraph %s {\n", dotQuote("cluster_"+strconv.Itoa(i+1)))
			fmt.Fprintf(b, "\t\tlabel=%s;\n", dotQuote(oneLine(pb.Name)))
			g := newGraph(d, pb, wd)
			writeDOTGraph(b, g, prefix, "\t\t", sized)
			b.WriteString("\t}\n")
			if last != "" {
				fmt.Fprintf(b, "\t%s -> %s [style=invis];\n", dotQuote(last), dotQuote(prefix+"start"))
			}
			last = prefix + g.nodes[len(g.nodes)-1].key
		}
	}
	b.WriteString("}\n")
}

// box is a node's size in points for its wrapped lines at a font size.
func box(lines []string, size float64) (w, h float64) {
	for _, l := range lines {
		w = max(w, textWidth(l, size))
	}
	return w + 2*padX, float64(len(lines))*size*lineHeight + 2*padY
}

// wrapLines wraps each paragraph of a label.
func wrapLines(paras []string, width, size float64) []string {
	var lines []string
	for _, p := range paras {
		lines = append(lines, wrap(p, width, size)...)
	}
	return lines
}

// inches formats points as the inches Graphviz sizes nodes in, rounded up.
func inches(pt float64) string {
	return strconv.FormatFloat(math.Ceil(pt/72*100)/100, 'f', 2, 64)
}

func writeDOTGraph(b *strings.Builder, g *graph, prefix, indent string, sized bool) {
	for _, n := range g.nodes {
		lines := wrapLines(n.lines, nodeWrap, nodeFont)
		label := make([]string, len(lines))
		for i, l := range lines {
			label[i] = dotEscape(l)
		}
		var attrs string
		w, h := box(lines, nodeFont)
		switch n.kind {
		case startNode:
			attrs = "shape=circle"
			w = max(w, h)
			h = w
		case stepNode:
			attrs = "shape=box"
		case confirmNode:
			attrs = "shape=box, style=\"filled,bold\", fillcolor=\"#e6f0ff\""
		case responseNode:
			attrs = "shape=hexagon, style=filled, fillcolor=\"#fde2e2\""
			w += h // the slanted sides
		case endNode:
			attrs = "shape=box, style=\"rounded,filled\", fillcolor=\"#e8e8e8\""
		default:
			attrs = "shape=box, style=dashed"
		}
		if sized {
			attrs += ", fixedsize=true, width=\"" + inches(w) + "\", height=\"" + inches(h) + "\""
		}
		fmt.Fprintf(b, "%s%s [%s, label=\"%s\"];\n", indent, dotQuote(prefix+n.key), attrs, strings.Join(label, `\n`))
	}
	for i, e := range g.edges {
		if e.label == "" {
			fmt.Fprintf(b, "%s%s -> %s;\n", indent, dotQuote(prefix+e.from), dotQuote(prefix+e.to))
			continue
		}
		// The label is a node between the step and where it leads.
		lbl := prefix + "label:" + strconv.Itoa(i+1)
		lines := wrapLines([]string{e.text()}, labelWrap, labelFont)
		label := make([]string, len(lines))
		for i, l := range lines {
			label[i] = dotEscape(l)
		}
		attrs := fmt.Sprintf("shape=box, style=\"rounded,dashed\", color=\"#888888\", fontsize=%g", labelFont)
		if e.tip != "" {
			attrs += ", tooltip=" + dotQuote(e.tip)
		} else {
			attrs += ", tooltip=" + dotQuote(e.text())
		}
		if sized {
			w, h := box(lines, labelFont)
			attrs += ", fixedsize=true, width=\"" + inches(w) + "\", height=\"" + inches(h) + "\""
		}
		fmt.Fprintf(b, "%s%s [%s, label=\"%s\"];\n", indent, dotQuote(lbl), attrs, strings.Join(label, `\n`))
		fmt.Fprintf(b, "%s%s -> %s [arrowhead=none];\n", indent, dotQuote(prefix+e.from), dotQuote(lbl))
		fmt.Fprintf(b, "%s%s -> %s;\n", indent, dotQuote(lbl), dotQuote(prefix+e.to))
	}
}

// dotEscaper escapes the inside of a quoted DOT string: backslashes
// (which labels read as escapes such as \n and \N), quotes, and line breaks.
var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)

// dotEscape escapes s for the inside of a quoted DOT string.
func dotEscape(s string) string { return dotEscaper.Replace(s) }

// dotQuote quotes s as a DOT string.
func dotQuote(s string) string { return `"` + dotEscape(s) + `"` }
