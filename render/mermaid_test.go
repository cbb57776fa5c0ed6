package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
)

// flowchart is a Mermaid flowchart as parsed by checkMermaid, labels
// decoded.
type flowchart struct {
	nodes map[string]string // id -> label, lines separated by \n
	edges []flowEdge
}

type flowEdge struct{ from, to, label string }

var (
	mmID       = `([A-Za-z][A-Za-z0-9_]*)`
	mmLabel    = `"([^"]*)"`
	mmNodeRE   = regexp.MustCompile(`^` + mmID + `(\(\(` + mmLabel + `\)\)|\(\[` + mmLabel + `\]\)|\{\{` + mmLabel + `\}\}|\[` + mmLabel + `\]|>` + mmLabel + `\])$`)
	mmEdgeRE   = regexp.MustCompile(`^` + mmID + ` -->(?:\|` + mmLabel + `\|)? ` + mmID + `$`)
	mmStackRE  = regexp.MustCompile(`^` + mmID + ` ~~~ ` + mmID + `$`)
	mmSubRE    = regexp.MustCompile(`^subgraph ` + mmID + `\[` + mmLabel + `\]$`)
	mmEntityRE = regexp.MustCompile(`#(quot|amp|lt|gt|35|124|96|58);`)
	// mmPrepassRE is what Mermaid's entity pre-pass rewrites, breaking
	// entities on the line.
	mmPrepassRE = regexp.MustCompile(`(style|classDef).*:\S*#.*;`)
	mmReserved  = map[string]bool{
		"end": true, "subgraph": true, "graph": true, "flowchart": true, "style": true, "class": true,
		"classdef": true, "click": true, "linkstyle": true, "direction": true, "call": true, "href": true,
	}
	mmDecode = strings.NewReplacer("#quot;", `"`, "#amp;", "&", "#lt;", "<", "#gt;", ">", "#35;", "#", "#124;", "|", "#96;", "`", "#58;", ":", "<br/>", "\n")
)

// checkMermaid parses the flowchart syntax that Mermaid writes, and
// reports everything that Mermaid could misread: an unquoted or badly
// escaped label, an unsafe, reserved or duplicate id, an edge to an
// undeclared node, unbalanced subgraphs, or any other line.
func checkMermaid(src string) (*flowchart, []error) {
	g := &flowchart{nodes: map[string]string{}}
	var errs []error
	fail := func(n int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("line %d: "+format, append([]any{n}, args...)...))
	}
	subgraphs := map[string]bool{}
	label := func(n int, raw string) string {
		rest := mmEntityRE.ReplaceAllString(strings.ReplaceAll(raw, "<br/>", ""), "")
		if i := strings.IndexAny(rest, "\"#&<>|`:\n"); i >= 0 {
			fail(n, "label %q has an unescaped %q", raw, rest[i])
		}
		return mmDecode.Replace(raw)
	}
	id := func(n int, s string) {
		if mmReserved[strings.ToLower(s)] || s[0] == 'o' || s[0] == 'x' {
			fail(n, "id %q is reserved or starts with o/x (read as an arrow end)", s)
		}
	}
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	if len(lines) == 0 || lines[0] != "flowchart TD" {
		fail(1, "want flowchart TD first")
	}
	depth := 0
	for i, l := range lines[1:] {
		n := i + 2
		l = strings.TrimSpace(l)
		if mmPrepassRE.MatchString(l) {
			fail(n, "Mermaid's entity pre-pass would rewrite %q", l)
		}
		switch {
		case strings.HasPrefix(l, "%%"): // a comment: the CEL of a branch
			if strings.Contains(l[2:], "%%") {
				fail(n, "comment %q holds %%%% (Mermaid's directive syntax)", l)
			}
		case mmStackRE.MatchString(l):
			m := mmStackRE.FindStringSubmatch(l)
			if !subgraphs[m[1]] || !subgraphs[m[2]] {
				fail(n, "invisible link between %s and %s, which are not both subgraphs", m[1], m[2])
			}
		case l == "end":
			if depth--; depth < 0 {
				fail(n, "end without subgraph")
			}
		case strings.HasPrefix(l, "direction "):
			if depth == 0 {
				fail(n, "direction outside a subgraph")
			}
		case mmSubRE.MatchString(l):
			m := mmSubRE.FindStringSubmatch(l)
			id(n, m[1])
			label(n, m[2])
			if subgraphs[m[1]] {
				fail(n, "duplicate subgraph %s", m[1])
			}
			subgraphs[m[1]] = true
			depth++
		case mmEdgeRE.MatchString(l):
			m := mmEdgeRE.FindStringSubmatch(l)
			e := flowEdge{from: m[1], to: m[3]}
			if strings.Contains(l, "-->|") {
				e.label = label(n, m[2])
			}
			for _, end := range []string{e.from, e.to} {
				if _, ok := g.nodes[end]; !ok {
					fail(n, "edge to undeclared node %s", end)
				}
			}
			g.edges = append(g.edges, e)
		case mmNodeRE.MatchString(l):
			m := mmNodeRE.FindStringSubmatch(l)
			id(n, m[1])
			if _, dup := g.nodes[m[1]]; dup {
				fail(n, "duplicate node %s", m[1])
			}
			var raw string
			for _, s := range m[3:] {
				raw += s // exactly one of the shape groups matched
			}
			g.nodes[m[1]] = label(n, raw)
		default:
			fail(n, "unrecognised line %q", l)
		}
	}
	if depth != 0 {
		fail(len(lines), "%d subgraphs not closed", depth)
	}
	for s := range subgraphs {
		if _, clash := g.nodes[s]; clash {
			fail(0, "subgraph id %s is also a node id", s)
		}
	}
	return g, errs
}

// mermaidBlocks returns the ```mermaid blocks of a Markdown document.
func mermaidBlocks(md string) []string {
	var blocks []string
	for _, part := range strings.Split(md, "```mermaid\n")[1:] {
		body, _, _ := strings.Cut(part, "```\n")
		blocks = append(blocks, body)
	}
	return blocks
}

// mermaidOutputs renders every design's flowcharts: all playbooks, each
// playbook alone, and those embedded in the Markdown runbook.
func mermaidOutputs(t *testing.T) map[string]string {
	t.Helper()
	outs := map[string]string{}
	for _, ds := range designs {
		d := loadOptional(t, ds.path, ds.optional)
		if d == nil {
			continue
		}
		for name, p := range playbookChoices(d) {
			var b bytes.Buffer
			if err := Mermaid(&b, d, p); err != nil {
				t.Fatal(err)
			}
			outs[ds.name+"/"+name] = b.String()
		}
		var md bytes.Buffer
		if err := Markdown(&md, d); err != nil {
			t.Fatal(err)
		}
		blocks := mermaidBlocks(md.String())
		if len(blocks) != len(d.Playbooks) {
			t.Errorf("%s: %d mermaid blocks in the runbook, want one per playbook (%d)", ds.name, len(blocks), len(d.Playbooks))
		}
		for i, b := range blocks {
			outs[fmt.Sprintf("%s/markdown block %d", ds.name, i+1)] = b
		}
	}
	return outs
}

func TestMermaidSyntax(t *testing.T) {
	for name, src := range mermaidOutputs(t) {
		t.Run(name, func(t *testing.T) {
			g, errs := checkMermaid(src)
			for _, err := range errs {
				t.Error(err)
			}
			if len(g.nodes) == 0 {
				t.Error("no nodes")
			}
		})
	}
}

// TestMermaidHostile draws playbooks whose names, conditions and ids are
// made of what Mermaid reads as syntax.
func TestMermaidHostile(t *testing.T) {
	nasty := []string{
		`"`, `#quot;`, `#`, `&`, `&amp;`, `<b>`, `</script>`, `]`, `[`, `)`, `((`, `{{`, `}`, `|`, "`md`",
		"end", "subgraph", "line\nbreak", "lifestyle:C&C", "classDef:#x;", `\`, `%%`, `;`, "o", "x", "C&C/マルウェア", "-->", "---o", "A-->B",
	}
	for _, s := range nasty {
		t.Run(s, func(t *testing.T) {
			d := hostileDesign(s)
			for _, p := range []*playbook.Playbook{nil, &d.Playbooks[0]} {
				var b bytes.Buffer
				if err := Mermaid(&b, d, p); err != nil {
					t.Fatal(err)
				}
				g, errs := checkMermaid(b.String())
				for _, err := range errs {
					t.Errorf("%v\n%s", err, b.String())
				}
				if want := oneLine("step " + s); !hasLabelLine(g, want) {
					t.Errorf("no node labelled %q in\n%s", want, b.String())
				}
				if len(g.edges) != 6 {
					t.Errorf("%d edges, want 6:\n%s", len(g.edges), b.String())
				}
			}
		})
	}
}

// hasLabelLine reports whether a node's label starts with want, after
// its step number, wherever the label is wrapped.
func hasLabelLine(g *flowchart, want string) bool {
	want = strings.Join(strings.Fields(want), "")
	for _, l := range g.nodes {
		l = stepNumberRE.ReplaceAllString(l, "")
		if strings.HasPrefix(strings.Join(strings.Fields(l), ""), want) {
			return true
		}
	}
	return false
}

var stepNumberRE = regexp.MustCompile(`^[0-9]+\. `)

// hostileDesign returns a design with one playbook whose text is built
// around s, with step ids that collide once made safe.
func hostileDesign(s string) *secops.Design {
	return &secops.Design{
		Metadata:  secops.Metadata{Name: "hostile", Title: s},
		Processes: []process.Process{{ID: "1", Name: "process " + s}},
		Responses: []response.Response{{ID: ident.ID("r-" + s), Name: "response " + s, Phase: response.FirstResponse}},
		Playbooks: []playbook.Playbook{{
			ID: ident.ID(s), Name: "playbook " + s, Start: "a-b",
			Steps: []playbook.Step{
				{ID: "a-b", Name: "step " + s, Process: "1", Next: "a_b"},
				{ID: "a_b", Name: s, Process: "1", Branches: []playbook.Branch{
					{When: `fields.x == "` + s + `"`, Goto: "a.b"},
					{When: s, Respond: ident.ID("r-" + s)},
					{End: s},
				}},
				{ID: "a.b", Name: "end", Process: "1", End: "end"},
			},
		}},
	}
}
