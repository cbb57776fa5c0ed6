package render_test

import (
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
	//     s_c2["Is it C#amp;C?<br/>1.2 Check C#amp;C traffic"]
	//     r_fr_4{{"First response fr-4<br/>Isolate"}}
	//     e3(["End<br/>false positive"])
	//     start --> s_c2
	//     s_c2 -->|"fields.score #gt; 7"| r_fr_4
	//     s_c2 -->|"otherwise"| e3
}

func ExampleDOT() {
	d := design()
	if err := render.DOT(os.Stdout, d, d.Playbook("c2-triage")); err != nil {
		fmt.Println(err)
	}
	// Output:
	// digraph "c2-triage" {
	// 	graph [label="C&C triage", labelloc=t, fontname="sans-serif"];
	// 	node [fontname="sans-serif"];
	// 	edge [fontname="sans-serif"];
	// 	"start" [shape=circle, label="Start"];
	// 	"step:c2" [shape=box, label="Is it C&C?\n1.2 Check C&C traffic"];
	// 	"respond:fr-4" [shape=hexagon, style=filled, fillcolor="#fde2e2", label="First response fr-4\nIsolate"];
	// 	"end:false positive" [shape=box, style="rounded,filled", fillcolor="#e8e8e8", label="End\nfalse positive"];
	// 	"start" -> "step:c2";
	// 	"step:c2" -> "respond:fr-4" [label="fields.score > 7"];
	// 	"step:c2" -> "end:false positive" [label="otherwise"];
	// }
}

func ExampleMarkdown() {
	var b strings.Builder
	if err := render.Markdown(&b, design()); err != nil {
		fmt.Println(err)
	}
	// Print the playbook's numbered procedure only.
	md := b.String()
	start := strings.Index(md, "#### On the alerted host")
	end := strings.Index(md, "#### Flow")
	fmt.Print(md[start:end])
	// Output:
	// #### On the alerted host
	//
	// 1. **Is it C&C?** (`c2`)
	//    - Process: 1.2 Check C&C traffic
	//    - If `fields.score > 7`: First response `fr-4` “Isolate”
	//    - Otherwise: End: false positive
}
