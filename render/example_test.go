package render_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/render"
	"github.com/secopsdesign/secops/response"
)

// design is a small English design with one playbook: check for C&C
// traffic, then isolate the host if the attack goes on.
func design() *secops.Design {
	return &secops.Design{
		Format:   secops.Format,
		Metadata: secops.Metadata{Name: "acme", Title: "ACME SOC", Language: "en"},
		Fields:   []process.Field{{ID: "score", Name: "Threat score", Type: process.Int}},
		Processes: []process.Process{
			{ID: "1.2", Name: "Check C&C traffic"},
			{ID: "2.2", Name: "Isolate the host"},
		},
		Responses: []response.Response{
			{ID: "fr-4", Name: "Isolate", Phase: response.FirstResponse, Processes: []ident.Number{"2.2"}},
		},
		Playbooks: []playbook.Playbook{{
			ID: "c2-triage", Name: "C&C triage", Start: "c2",
			Steps: []playbook.Step{
				{ID: "c2", Name: "Is it C&C?", Target: playbook.Host, Process: "1.2", Branches: []playbook.Branch{
					{When: `fields.score > 7`, Respond: "fr-4"},
					{End: "false positive"},
				}},
			},
		}},
	}
}

func ExampleMermaid() {
	d := design()
	if err := render.Mermaid(os.Stdout, d, d.Playbook("c2-triage")); err != nil {
		fmt.Println(err)
	}
	// Output:
	// flowchart TD
	//     start(("Start"))
	//     s_c2["1. Is it C#amp;C?<br/>1.2 Check C#amp;C traffic"]
	//     r_fr_4{{"First response fr-4<br/>Isolate"}}
	//     e3(["End<br/>false positive"])
	//     start --> s_c2
	//     %% 1.1: fields.score > 7
	//     s_c2 -->|"1.1 Threat score #gt; 7"| r_fr_4
	//     s_c2 -->|"1.2 otherwise"| e3
}

func ExampleDOT() {
	d := design()
	if err := render.DOT(os.Stdout, d, d.Playbook("c2-triage")); err != nil {
		fmt.Println(err)
	}
	// Output:
	// digraph "c2-triage" {
	// 	graph [label="C&C triage", labelloc=t, fontname="sans-serif", fontsize=14, rankdir=TB, nodesep="0.3", ranksep="0.3"];
	// 	node [fontname="sans-serif", fontsize=12, margin="0.1,0.05"];
	// 	edge [fontname="sans-serif"];
	// 	"start" [shape=circle, label="Start"];
	// 	"step:c2" [shape=box, label="1. Is it C&C?\n1.2 Check C&C traffic"];
	// 	"respond:fr-4" [shape=hexagon, style=filled, fillcolor="#fde2e2", label="First response fr-4\nIsolate"];
	// 	"end:false positive" [shape=box, style="rounded,filled", fillcolor="#e8e8e8", label="End\nfalse positive"];
	// 	"start" -> "step:c2";
	// 	"label:2" [shape=box, style="rounded,dashed", color="#888888", fontsize=11, tooltip="fields.score > 7", label="1.1 Threat score > 7"];
	// 	"step:c2" -> "label:2" [arrowhead=none];
	// 	"label:2" -> "respond:fr-4";
	// 	"label:3" [shape=box, style="rounded,dashed", color="#888888", fontsize=11, tooltip="1.2 otherwise", label="1.2 otherwise"];
	// 	"step:c2" -> "label:3" [arrowhead=none];
	// 	"label:3" -> "end:false positive";
	// }
}

func ExampleMarkdown() {
	var b strings.Builder
	if err := render.Markdown(&b, design()); err != nil {
		fmt.Println(err)
	}
	// Print the playbook's numbered procedure only.
	md := b.String()
	start := strings.Index(md, "1. **")
	end := strings.Index(md, "#### Flow:")
	fmt.Print(md[start:end])
	// Output:
	// 1. **Is it C&C?** (`c2`) — On the alerted host<a id="step-c2-triage-c2"></a>
	//    - Process: [1.2 Check C&C traffic](#process-1.2)
	//    - 1.1 If threat score \> 7: First response [`fr-4` “Isolate”](#response-fr-4) — `fields.score > 7`
	//    - 1.2 Otherwise: End: false positive
}

func ExampleHTML() {
	var b strings.Builder
	if err := render.HTML(context.Background(), &b, design()); err != nil {
		fmt.Println(err)
	}
	page := b.String()
	// The flow is drawn inline; the decision is in words, the CEL beside it.
	fmt.Println(strings.Count(page, "<svg"), "flow drawn")
	start := strings.Index(page, `<ol class="decisions">`)
	end := strings.Index(page[start:], "</ol>")
	fmt.Println(page[start : start+end+len("</ol>")])
	// Output:
	// 1 flow drawn
	// <ol class="decisions">
	// <li><span class="num">1.1</span> If threat score &gt; 7 → <a href="#response-fr-4">First response fr-4 “Isolate”</a> <span class="cel"><code>fields.score &gt; 7</code></span></li>
	// <li><span class="num">1.2</span> Otherwise → End: false positive</li>
	// </ol>
}

func ExampleSVG() {
	d := design()
	var b strings.Builder
	if err := render.SVG(context.Background(), &b, d, d.Playbook("c2-triage")); err != nil {
		fmt.Println(err)
	}
	svg := b.String()
	// Start, step, response, end, and a label node per branch.
	fmt.Println(strings.HasPrefix(svg, "<svg"), strings.Count(svg, `class="node"`), "nodes")
	fmt.Println(strings.Contains(svg, ">1.1 Threat score &gt; 7<"))
	// Output:
	// true 6 nodes
	// true
}
