package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
)

const referencePath = "../examples/targeted-attack/design.yaml"

func markdownOf(t *testing.T, d *secops.Design) string {
	t.Helper()
	var b bytes.Buffer
	if err := Markdown(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// splitRow splits a GitHub table row into cells the way GitHub does: a
// backslash-escaped pipe belongs to the cell (and loses its backslash),
// any other pipe separates cells.
func splitRow(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row):
			if row[i+1] != '|' {
				cur.WriteByte('\\')
			}
			cur.WriteByte(row[i+1])
			i++
		case row[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(row[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// tables returns the tables of a Markdown document, each as its rows of
// cells, header first, delimiter row left out.
func tables(t *testing.T, md string) [][][]string {
	t.Helper()
	var all [][][]string
	var cur [][]string
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "|") {
			if cur != nil {
				all, cur = append(all, cur), nil
			}
			continue
		}
		if cur == nil && (i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "| ---")) {
			t.Errorf("line %d: table row with no delimiter row after the header: %s", i+1, l)
		}
		if !strings.HasPrefix(l, "| ---") {
			cur = append(cur, splitRow(l))
		}
	}
	return all
}

// TestMarkdownTables checks that every row of every table has as many
// cells as its header, so no pipe or line break in the design's text
// breaks a table on GitHub.
func TestMarkdownTables(t *testing.T) {
	for _, ds := range designs {
		t.Run(ds.name, func(t *testing.T) {
			md := markdownOf(t, load(t, ds.path, ds.optional))
			tbs := tables(t, md)
			if len(tbs) < 5 {
				t.Errorf("%d tables, want at least 5", len(tbs))
			}
			for _, tb := range tbs {
				for _, row := range tb[1:] {
					if len(row) != len(tb[0]) {
						t.Errorf("row has %d cells, header %d:\nheader %q\nrow    %q", len(row), len(tb[0]), tb[0], row)
					}
				}
			}
			if n := strings.Count(md, "```"); n%2 != 0 {
				t.Errorf("%d code fences: one is not closed", n)
			}
		})
	}
}

// section returns the part of md under the second-level heading whose
// title is title, up to the next second-level heading.
func section(t *testing.T, md, title string) string {
	t.Helper()
	for _, part := range strings.Split(md, "\n## ")[1:] {
		head, body, _ := strings.Cut(part, "\n")
		if _, name, _ := strings.Cut(head, ". "); name == title {
			return body
		}
	}
	t.Fatalf("no section %q", title)
	return ""
}

// TestAcceptanceProcessTable: a person who never saw the YAML finds every
// method of the reference design, with its procedure, inputs and outputs
// (field names and ids), under its process in the process table of the
// runbook, and every step links to its process and methods.
func TestAcceptanceProcessTable(t *testing.T) {
	d := load(t, referencePath, false)
	w := wordsFor(d.Metadata.Language)
	md := markdownOf(t, d)
	sec := section(t, md, w.processTable)
	if tbs := tables(t, sec); len(tbs) != 0 {
		t.Errorf("%d tables in the process table section, want none (prose does not fit in cells)", len(tbs))
	}
	fieldRef := func(id string) string {
		f := d.Field(ident.ID(id))
		if f == nil {
			t.Fatalf("reference design has no field %s", id)
		}
		return fmt.Sprintf("%s (`%s`)", text(f.Name), id)
	}
	for _, p := range d.Processes {
		head := "\n### " + `<a id="process-` + string(p.ID) + `"></a>` + text(string(p.ID)) + " " + text(p.Name) + "\n"
		at := strings.Index(sec, head)
		if at < 0 {
			t.Errorf("no heading %q", head)
			continue
		}
		body := sec[at+len(head):]
		if end := strings.Index(body, "\n### "); end >= 0 {
			body = body[:end]
		}
		for _, me := range p.Methods {
			item := "- " + `<a id="method-` + string(me.ID) + `"></a>**` + text(string(me.ID)) + " " + text(me.Name) + "**: " + mdProse(me.Procedure) + "\n"
			at := strings.Index(body, item)
			if at < 0 {
				t.Errorf("method %s: no item %q under process %s", me.ID, item, p.ID)
				continue
			}
			rest := body[at+len(item):]
			if end := strings.Index(rest, "\n- "); end >= 0 {
				rest = rest[:end]
			}
			for _, in := range me.Inputs {
				if !strings.Contains(rest, fieldRef(string(in))) {
					t.Errorf("method %s: inputs lack %s:\n%s", me.ID, fieldRef(string(in)), rest)
				}
			}
			for _, out := range me.Outputs {
				if !strings.Contains(rest, fieldRef(string(out))) {
					t.Errorf("method %s: outputs lack %s:\n%s", me.ID, fieldRef(string(out)), rest)
				}
			}
		}
	}
	for i := range d.Playbooks {
		p := &d.Playbooks[i]
		for _, s := range p.Steps {
			if link := "](#process-" + string(s.Process) + ")"; !strings.Contains(playbookBody(t, md, w, p), link) {
				t.Errorf("%s: step %s does not link to process %s", p.ID, s.ID, s.Process)
			}
		}
	}
}

// TestAcceptanceFlowcharts: every way on of every step of the reference
// design (next, and each branch with its number and condition in words or
// "otherwise") is an edge of the Mermaid flowchart, the same flowchart is
// in the runbook, and the DOT graph has the way too, through a label node.
func TestAcceptanceFlowcharts(t *testing.T) {
	d := load(t, referencePath, false)
	w := wordsFor(d.Metadata.Language)
	md := markdownOf(t, d)
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for i := range d.Playbooks {
		p := &d.Playbooks[i]
		t.Run(string(p.ID), func(t *testing.T) {
			var mm, dot bytes.Buffer
			if err := Mermaid(&mm, d, p); err != nil {
				t.Fatal(err)
			}
			if err := DOT(&dot, d, p); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(md, "```mermaid\n"+mm.String()+"```\n") {
				t.Error("the runbook does not embed the playbook's flowchart")
			}
			g, errs := checkMermaid(mm.String())
			for _, err := range errs {
				t.Error(err)
			}
			byLabel := map[string]string{} // label without white space -> node id
			for id, l := range g.nodes {
				byLabel[squash(l)] = id
			}
			_, number := numbering(p)
			stepNode := func(id string) string {
				s := p.Step(ident.ID(id))
				label := fmt.Sprintf("%d. %s\n%s %s", number[s.ID], s.Name, s.Process, d.Process(s.Process).Name)
				n, ok := byLabel[squash(label)]
				if !ok {
					t.Fatalf("no node for step %s (label %q)", id, label)
				}
				return n
			}
			target := func(way playbook.Way) (mermaidNode, dotNode string) {
				switch way.Kind {
				case playbook.Goto:
					return stepNode(way.To), "step:" + way.To
				case playbook.Respond:
					r := d.Response(ident.ID(way.To))
					n, ok := byLabel[squash(or(w.responsePhases, r.Phase)+" "+way.To+"\n"+r.Name)]
					if !ok {
						t.Fatalf("no node for response %s", way.To)
					}
					return n, "respond:" + way.To
				default:
					t.Fatalf("unexpected way %v in the reference", way)
					return "", ""
				}
			}
			has := func(from, to, label string) bool {
				for _, got := range g.edges {
					if got.from == from && got.to == to && squash(got.label) == squash(label) {
						return true
					}
				}
				return false
			}
			// DOT: "from" -> "label:N" [arrowhead=none]; "label:N" -> "to".
			dotLabelTo := map[string]string{}
			for _, m := range regexp.MustCompile(`(?m)^\t"(label:[0-9]+)" -> ("[^"]*");$`).FindAllStringSubmatch(dot.String(), -1) {
				dotLabelTo[m[1]] = m[2]
			}
			dotHas := func(from, to string, labelled bool) bool {
				if !labelled {
					return strings.Contains(dot.String(), "\t"+dotQuote(from)+" -> "+dotQuote(to)+";\n")
				}
				for _, m := range regexp.MustCompile(`(?m)^\t`+regexp.QuoteMeta(dotQuote(from))+` -> "(label:[0-9]+)" \[arrowhead=none\];$`).FindAllStringSubmatch(dot.String(), -1) {
					if dotLabelTo[m[1]] == dotQuote(to) {
						return true
					}
				}
				return false
			}
			edges := 0
			for _, s := range p.Steps {
				from := stepNode(string(s.ID))
				type way struct {
					playbook.Way
					label string
				}
				var ways []way
				for _, wy := range s.Ways() {
					if wy.Kind != playbook.Branches {
						ways = append(ways, way{wy, ""})
					}
				}
				for k, b := range s.Branches {
					label := w.otherwise
					if b.When != "" {
						label = describe(d, w, b.When)
					}
					ways = append(ways, way{b.Way(), fmt.Sprintf("%d.%d %s", number[s.ID], k+1, label)})
				}
				for _, wy := range ways {
					edges++
					to, dotTo := target(wy.Way)
					if !has(from, to, wy.label) {
						t.Errorf("step %s: no Mermaid edge to %s labelled %q", s.ID, to, wy.label)
					}
					if !dotHas("step:"+string(s.ID), dotTo, wy.label != "") {
						t.Errorf("step %s: no DOT way to %s", s.ID, dotTo)
					}
				}
			}
			confirm, _ := confirmations(d, p)
			extra := 1 // the edge from the start node
			if len(confirm) > 0 {
				extra += 2 // the confirmation's two ways
			}
			if got := len(g.edges) - extra; got != edges {
				t.Errorf("%d edges besides the start and the confirmation, want %d", got, edges)
			}
		})
	}
}

// playbookBody returns the part of md about playbook p: from its heading
// to the heading of its flowchart.
func playbookBody(t *testing.T, md string, w *words, p *playbook.Playbook) string {
	t.Helper()
	at := strings.Index(md, "("+code(string(p.ID))+")\n")
	if at < 0 {
		t.Fatalf("no heading for playbook %s", p.ID)
	}
	body := md[at:]
	return body[:strings.Index(body, "\n#### "+w.flow+": ")]
}

// TestMarkdownSteps: the steps of the reference playbook are numbered in
// flow order, each with its target, and no heading repeats (the target is
// said per step, not by headings that would come back: 1–5 on the alerted
// host, 6–7 across the fleet, 8 on the host again).
func TestMarkdownSteps(t *testing.T) {
	d := load(t, referencePath, false)
	w := wordsFor(d.Metadata.Language)
	md := markdownOf(t, d)
	p := d.Playbook("targeted-attack-triage")
	body := playbookBody(t, md, w, p)
	var got []string
	for l := range strings.SplitSeq(body, "\n") {
		if n, rest, ok := strings.Cut(l, ". **"); ok && !strings.HasPrefix(l, " ") {
			_, id, _ := strings.Cut(rest, "(`")
			id, rest, _ = strings.Cut(id, "`)")
			_, target, _ := strings.Cut(rest, " — ")
			target, _, _ = strings.Cut(target, "<a ")
			got = append(got, n+" "+id+" "+target)
		}
	}
	want := []string{
		"1 exfil-data 該当端末内", "2 c2-traffic 該当端末内", "3 lateral-traffic 該当端末内", "4 aggregate 該当端末内", "5 offer-report 該当端末内",
		"6 search-others 該当端末外", "7 continuity-all 該当端末外", "8 continuity-host 該当端末内",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	seen := map[string]bool{}
	for l := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(l, "#") {
			if seen[l] {
				t.Errorf("heading %q repeats", l)
			}
			seen[l] = true
		}
	}
}

// TestMarkdownFolded: text that YAML folded (">-") has no space between
// two Japanese characters where a line break was.
func TestMarkdownFolded(t *testing.T) {
	d := load(t, referencePath, false)
	md := markdownOf(t, d)
	for _, want := range []string{
		"バンキングトロジャン", // threats of user-pcs, folded between バンキング and トロジャン
		"検知〜一次対応の運用設計。検知はMSSP、解析は専門企業に依頼し、トリアージ", // the description
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the runbook lacks %q", want)
		}
	}
}

// TestMarkdownNoEmptyColumns: no table has a column that is empty in
// every row.
func TestMarkdownNoEmptyColumns(t *testing.T) {
	for _, ds := range designs {
		t.Run(ds.name, func(t *testing.T) {
			for _, tb := range tables(t, markdownOf(t, load(t, ds.path, ds.optional))) {
				for c := range tb[0] {
					empty := true
					for _, row := range tb[1:] {
						if c < len(row) && row[c] != "" {
							empty = false
						}
					}
					if empty && len(tb) > 1 {
						t.Errorf("column %q is empty in every row", tb[0][c])
					}
				}
			}
		})
	}
}

// stepRefRE matches a reference to a numbered step in either language.
var stepRefRE = regexp.MustCompile(`(?:手順 |step )([0-9]+)`)

// TestMarkdownFlowOrder: in every playbook of the bundled examples, every
// step is listed exactly once, numbered 1 to n, and every way on from a
// step (next, or a branch's goto) refers to a later step, so the runbook
// can be followed top to bottom.
func TestMarkdownFlowOrder(t *testing.T) {
	for _, ds := range designs[:2] {
		t.Run(ds.name, func(t *testing.T) {
			d := load(t, ds.path, ds.optional)
			md := markdownOf(t, d)
			for i := range d.Playbooks {
				p := &d.Playbooks[i]
				listed := map[string]int{} // step id -> times listed
				cur := 0                   // number of the step being read
				for l := range strings.SplitSeq(playbookBody(t, md, wordsFor(d.Metadata.Language), p), "\n") {
					if n, rest, ok := strings.Cut(l, ". **"); ok && !strings.HasPrefix(l, " ") {
						num, err := strconv.Atoi(n)
						if err != nil || num != cur+1 {
							t.Errorf("%s: step numbered %q after %d", p.ID, n, cur)
						}
						cur = num
						_, id, _ := strings.Cut(rest, "(`")
						id, _, _ = strings.Cut(id, "`)")
						listed[id]++
						continue
					}
					if cur == 0 || !strings.HasPrefix(l, " ") {
						continue // the start line, headings, blank lines
					}
					for _, m := range stepRefRE.FindAllStringSubmatch(l, -1) {
						if to, _ := strconv.Atoi(m[1]); to <= cur {
							t.Errorf("%s: step %d refers back to step %d: %s", p.ID, cur, to, l)
						}
					}
				}
				if cur != len(p.Steps) {
					t.Errorf("%s: %d steps numbered, the playbook has %d", p.ID, cur, len(p.Steps))
				}
				for _, s := range p.Steps {
					if n := listed[string(s.ID)]; n != 1 {
						t.Errorf("%s: step %s listed %d times, want 1", p.ID, s.ID, n)
					}
				}
			}
		})
	}
}

// mdVisibleRE strips what GitHub does not show of a cell: anchors, link
// targets, emphasis and code marks.
var mdVisibleRE = regexp.MustCompile(`<a id="[^"]*"></a>|\]\([^)]*\)|[\[*` + "`" + `]|<br>`)

// TestMarkdownTablesFit: the tables of both examples fit GitHub's column
// (about 830 px, some 100 Latin or 50 Japanese characters a line): at most
// five columns, and no row whose text would need more than three lines a
// column on average.
func TestMarkdownTablesFit(t *testing.T) {
	for _, ds := range designs[:2] {
		t.Run(ds.name, func(t *testing.T) {
			for _, tb := range tables(t, markdownOf(t, load(t, ds.path, ds.optional))) {
				if len(tb[0]) > 5 {
					t.Errorf("table %q has %d columns", tb[0], len(tb[0]))
				}
				for _, row := range tb[1:] {
					width := 0.0
					for _, c := range row {
						width += textWidth(mdVisibleRE.ReplaceAllString(c, ""), 14)
					}
					if width > 3*830 {
						t.Errorf("row %q is %.0f px of text", row, width)
					}
				}
			}
		})
	}
}
