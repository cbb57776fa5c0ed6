package render

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/playbook"
)

// DOT writes the flow of playbook p of d as a Graphviz digraph, or, when p
// is nil, the flows of all its playbooks in one digraph, one cluster each.
// Shapes and labels are those of Mermaid: boxes for steps, hexagons for
// responses, rounded boxes for ends. Every id and label is a quoted DOT
// string.
func DOT(w io.Writer, d *secops.Design, p *playbook.Playbook) error {
	if d == nil {
		return errors.New("render: nil design")
	}
	wd := wordsFor(d.Metadata.Language)
	var b strings.Builder
	name, title := string(d.Metadata.Name), d.Metadata.Title
	if p != nil {
		name, title = string(p.ID), p.Name
	}
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(name))
	fmt.Fprintf(&b, "\tgraph [label=%s, labelloc=t, fontname=\"sans-serif\"];\n", dotQuote(oneLine(title)))
	b.WriteString("\tnode [fontname=\"sans-serif\"];\n")
	b.WriteString("\tedge [fontname=\"sans-serif\"];\n")
	if p != nil {
		writeDOTGraph(&b, newGraph(d, p, wd), "", "\t")
	} else {
		for i, pb := range playbooksOf(d, nil) {
			fmt.Fprintf(&b, "\tsubgraph %s {\n", dotQuote("cluster_"+strconv.Itoa(i+1)))
			fmt.Fprintf(&b, "\t\tlabel=%s;\n", dotQuote(oneLine(pb.Name)))
			writeDOTGraph(&b, newGraph(d, pb, wd), string(pb.ID)+"/", "\t\t")
			b.WriteString("\t}\n")
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDOTGraph(b *strings.Builder, g *graph, prefix, indent string) {
	for _, n := range g.nodes {
		label := make([]string, len(n.lines))
		for i, l := range n.lines {
			label[i] = dotEscape(oneLine(l))
		}
		var attrs string
		switch n.kind {
		case startNode:
			attrs = "shape=circle"
		case stepNode:
			attrs = "shape=box"
		case responseNode:
			attrs = "shape=hexagon, style=filled, fillcolor=\"#fde2e2\""
		case endNode:
			attrs = "shape=box, style=\"rounded,filled\", fillcolor=\"#e8e8e8\""
		default:
			attrs = "shape=box, style=dashed"
		}
		fmt.Fprintf(b, "%s%s [%s, label=\"%s\"];\n", indent, dotQuote(prefix+n.key), attrs, strings.Join(label, `\n`))
	}
	for _, e := range g.edges {
		if e.label == "" {
			fmt.Fprintf(b, "%s%s -> %s;\n", indent, dotQuote(prefix+e.from), dotQuote(prefix+e.to))
		} else {
			fmt.Fprintf(b, "%s%s -> %s [label=%s];\n", indent, dotQuote(prefix+e.from), dotQuote(prefix+e.to), dotQuote(oneLine(e.label)))
		}
	}
}

// dotEscaper escapes the inside of a quoted DOT string: backslashes
// (which labels read as escapes such as \n and \N), quotes, and line breaks.
var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)

// dotEscape escapes s for the inside of a quoted DOT string.
func dotEscape(s string) string { return dotEscaper.Replace(s) }

// dotQuote quotes s as a DOT string.
func dotQuote(s string) string { return `"` + dotEscape(s) + `"` }
