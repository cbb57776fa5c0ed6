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

// Mermaid writes the flow of playbook p of d as a Mermaid flowchart, or,
// when p is nil, the flows of all its playbooks in one flowchart, one
// subgraph each, stacked top to bottom by invisible links. Steps are
// rectangles labelled with their number in flow order, their name and the
// process; a confirmation that a detection asks for comes first;
// responses are hexagons, ends are stadiums. Branch edges carry their
// number in evaluation order ("6.1": the first branch of step 6) and their
// condition in words from the fields' names, with the CEL in a comment
// (%% 6.1: …) before the edge; the default branch is "otherwise" in the
// design's language. Labels are wrapped with <br/> at word or CJK
// character boundaries, never inside an id.
//
// Every label is quoted, with the characters that Mermaid would read as
// syntax written as entity codes (#quot;, #amp;, #lt;, #gt;, #58; …), and
// node ids are made of ASCII letters, digits and underscores only.
func Mermaid(w io.Writer, d *secops.Design, p *playbook.Playbook) error {
	if d == nil {
		return errors.New("render: nil design")
	}
	var b strings.Builder
	writeMermaid(&b, d, p)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMermaid(b *strings.Builder, d *secops.Design, p *playbook.Playbook) {
	wd := wordsFor(d.Metadata.Language)
	b.WriteString("flowchart TD\n")
	ids := mermaidIDs{}
	if p != nil {
		writeMermaidGraph(b, newGraph(d, p, wd), &ids, "", "    ")
		return
	}
	var subs []string
	for i, pb := range playbooksOf(d, nil) {
		prefix := "p" + strconv.Itoa(i+1) + "_"
		sub := ids.get("playbook:"+string(pb.ID), "p"+strconv.Itoa(i+1))
		subs = append(subs, sub)
		fmt.Fprintf(b, "    subgraph %s[\"%s\"]\n", sub, mermaidText(pb.Name))
		b.WriteString("        direction TB\n")
		writeMermaidGraph(b, newGraph(d, pb, wd), &ids, prefix, "        ")
		b.WriteString("    end\n")
	}
	// Invisible links stack the playbooks top to bottom.
	for i := 1; i < len(subs); i++ {
		fmt.Fprintf(b, "    %s ~~~ %s\n", subs[i-1], subs[i])
	}
}

func writeMermaidGraph(b *strings.Builder, g *graph, ids *mermaidIDs, prefix, indent string) {
	id := func(key string) string {
		n := g.nodes[g.index[key]]
		switch n.kind {
		case startNode:
			return ids.get(prefix+key, prefix+"start")
		case stepNode:
			return ids.get(prefix+key, prefix+"s_"+sanitize(n.raw))
		case confirmNode:
			return ids.get(prefix+key, prefix+"c_"+sanitize(n.raw))
		case responseNode:
			return ids.get(prefix+key, prefix+"r_"+sanitize(n.raw))
		case endNode:
			return ids.get(prefix+key, prefix+"e"+strconv.Itoa(g.index[key]))
		default:
			return ids.get(prefix+key, prefix+"m_"+sanitize(n.raw))
		}
	}
	for _, n := range g.nodes {
		lines := wrapLines(n.lines, mermaidWrap, mermaidFont)
		label := make([]string, len(lines))
		for i, l := range lines {
			label[i] = mermaidText(l)
		}
		text := `"` + strings.Join(label, "<br/>") + `"`
		var shape string
		switch n.kind {
		case startNode:
			shape = "((" + text + "))"
		case stepNode, confirmNode:
			shape = "[" + text + "]"
		case responseNode:
			shape = "{{" + text + "}}"
		case endNode:
			shape = "([" + text + "])"
		default:
			shape = ">" + text + "]"
		}
		fmt.Fprintf(b, "%s%s%s\n", indent, id(n.key), shape)
	}
	for _, e := range g.edges {
		if e.label == "" {
			fmt.Fprintf(b, "%s%s --> %s\n", indent, id(e.from), id(e.to))
			continue
		}
		lines := wrap(e.text(), mermaidWrap, mermaidFont)
		for i, l := range lines {
			lines[i] = mermaidText(l)
		}
		if e.tip != "" { // the CEL as a footnote: Mermaid has no edge tooltips
			fmt.Fprintf(b, "%s%%%% %s: %s\n", indent, e.number, commentSafe.Replace(oneLine(e.tip)))
		}
		fmt.Fprintf(b, "%s%s -->|\"%s\"| %s\n", indent, id(e.from), strings.Join(lines, "<br/>"), id(e.to))
	}
}

// Mermaid draws labels at 16 px and wraps a line wider than 200 px where
// it likes (inside a Japanese word or an id): lines are kept narrower.
const (
	mermaidFont = 16.0
	mermaidWrap = 190.0
)

// mermaidIDs hands out node ids unique within one flowchart: the same key
// always gets the same id, and two keys whose wanted ids collide (a-b and
// a_b both sanitise to a_b) get distinct ones.
type mermaidIDs struct {
	byKey map[string]string
	used  map[string]bool
}

func (m *mermaidIDs) get(key, want string) string {
	if m.byKey == nil {
		m.byKey, m.used = map[string]string{}, map[string]bool{}
	}
	if id, ok := m.byKey[key]; ok {
		return id
	}
	id := want
	for n := 2; m.used[id]; n++ {
		id = want + "_" + strconv.Itoa(n)
	}
	m.byKey[key], m.used[id] = id, true
	return id
}

// sanitize keeps ASCII letters and digits and turns every other character
// into an underscore.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

// mermaidEntities are the characters written as entity codes inside a
// quoted Mermaid label: the quote itself, the entity introducer, the HTML
// specials, the edge-label delimiter, the backtick that would start a
// Markdown string, and the colon, because Mermaid's entity pre-pass
// rewrites any line matching /style.*:\S*#.*;/ (a step named
// "lifestyle:C&C" would lose its "&").
var mermaidEntities = strings.NewReplacer(
	`"`, "#quot;",
	"#", "#35;",
	"&", "#amp;",
	"<", "#lt;",
	">", "#gt;",
	"|", "#124;",
	"`", "#96;",
	":", "#58;",
)

// commentSafe keeps CEL in a Mermaid comment from being read as syntax:
// % could make a %%{…}%% directive and # the entity pre-pass's pattern, so
// both become their fullwidth forms.
var commentSafe = strings.NewReplacer("%", "％", "#", "＃")

// mermaidText escapes s for the inside of a quoted Mermaid label, on one
// line.
func mermaidText(s string) string { return mermaidEntities.Replace(oneLine(s)) }
