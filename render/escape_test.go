package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEscapes(t *testing.T) {
	tests := []struct {
		name string
		f    func(string) string
		in   string
		want string
	}{
		{"text plain", text, "C&C/マルウェア通信 (1.2)", "C&C/マルウェア通信 (1.2)"},
		{"text emphasis and code", text, "*a* _b_ `c` ~d~", `\*a\* \_b\_ \` + "`" + `c\` + "`" + ` \~d\~`},
		{"text html and links", text, "<b>[x](y)</b>", `\<b\>\[x\](y)\</b\>`},
		{"text entity", text, "&amp; & &#35; &x", `\&amp; & &\#35; &x`},
		{"text backslash", text, `a\b`, `a\\b`},
		{"text newlines collapse", text, "a\n  b\tc", "a b c"},
		{"text heading mark", text, "# x #", `\# x \#`},
		{"text keeps numbers", text, "1.0.0", "1.0.0"},
		{"paragraph list start", paragraph, "- a\n1. b\n+ c\n= d", `\- a\` + "\n" + `1\. b\` + "\n" + `\+ c\` + "\n" + `\= d`},
		{"paragraph pipe", paragraph, "a | b", `a \| b`},
		{"paragraph blank lines", paragraph, "a\n\nb\n", "a\\\nb"},
		{"code plain", code, `a == "b" && c`, "`a == \"b\" && c`"},
		{"code backticks", code, "a`b``c", "```a`b``c```"},
		{"code edge backtick", code, "`x", "`` `x ``"},
		{"code empty", code, "", ""},
		{"code newline", code, "a\nb", "`a b`"},
		{"cell pipe", cell, "a|b `c|d`", `a\|b ` + "`c\\|d`"},
		{"cell escaped pipe", cell, `a\|b`, `a\\|b`},
		{"cell lines", cell, "a\nb\r\nc", "a<br>b<br>c"},
		{"mermaid quote", mermaidText, `say "hi"`, "say #quot;hi#quot;"},
		{"mermaid specials", mermaidText, "C&C <x> | `y` #1", "C#amp;C #lt;x#gt; #124; #96;y#96; #35;1"},
		{"mermaid entity stays text", mermaidText, "#quot;", "#35;quot;"},
		{"mermaid brackets and japanese", mermaidText, "[該当端末] (a) {b}", "[該当端末] (a) {b}"},
		{"mermaid newline", mermaidText, "a\nb", "a b"},
		{"mermaid colon", mermaidText, "style:C&C", "style#58;C#amp;C"},
		{"dot quote", dotEscape, `say "hi"`, `say \"hi\"`},
		{"dot backslash", dotEscape, `a\nb\`, `a\\nb\\`},
		{"dot newline", dotEscape, "a\nb", `a\nb`},
		{"sanitize", sanitize, "a-b.c_d/é", "a_b_c_d__"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.f(tt.in)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestMermaidIDs(t *testing.T) {
	var ids mermaidIDs
	got := []string{
		ids.get("step:a-b", "s_"+sanitize("a-b")),
		ids.get("step:a_b", "s_"+sanitize("a_b")),
		ids.get("step:a.b", "s_"+sanitize("a.b")),
		ids.get("step:a-b", "s_"+sanitize("a-b")),
		ids.get("step:a_b_2", "s_"+sanitize("a_b_2")),
	}
	want := []string{"s_a_b", "s_a_b_2", "s_a_b_3", "s_a_b", "s_a_b_2_2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestWordsFor(t *testing.T) {
	tests := []struct {
		lang string
		want *words
	}{
		{"ja", &japanese},
		{"ja-JP", &japanese},
		{"JA", &japanese},
		{"en", &english},
		{"en-GB", &english},
		{"fr", &english},
		{"", &english},
		{"jav", &english},
	}
	for _, tt := range tests {
		if got := wordsFor(tt.lang); got != tt.want {
			t.Errorf("wordsFor(%q) = %s words, want %s", tt.lang, got.scope, tt.want.scope)
		}
	}
}

// TestCheckers makes sure the syntax checks of the tests catch what they
// are meant to catch.
func TestCheckers(t *testing.T) {
	mermaid := []struct{ name, src string }{
		{"unquoted label", "flowchart TD\n    a[x]\n"},
		{"raw quote", "flowchart TD\n    a[\"x\"y\"]\n"},
		{"raw ampersand", "flowchart TD\n    a[\"C&C\"]\n"},
		{"raw angle", "flowchart TD\n    a[\"<b>\"]\n"},
		{"duplicate node", "flowchart TD\n    a[\"x\"]\n    a[\"y\"]\n"},
		{"undeclared edge end", "flowchart TD\n    a[\"x\"]\n    a --> b\n"},
		{"reserved id", "flowchart TD\n    end[\"x\"]\n"},
		{"o id", "flowchart TD\n    ops[\"x\"]\n"},
		{"unsafe id", "flowchart TD\n    a-b[\"x\"]\n"},
		{"unclosed subgraph", "flowchart TD\n    subgraph p[\"x\"]\n"},
		{"unquoted edge label", "flowchart TD\n    a[\"x\"]\n    a -->|y| a\n"},
		{"entity pre-pass", "flowchart TD\n    s_style[\"a:b#amp;c\"]\n"},
	}
	for _, tt := range mermaid {
		if _, errs := checkMermaid(tt.src); len(errs) == 0 {
			t.Errorf("checkMermaid: %s: no error for\n%s", tt.name, tt.src)
		}
	}
	if _, errs := checkMermaid("flowchart TD\n    a[\"C#amp;C<br/>x\"]\n    b{{\"y\"}}\n    a -->|\"#quot;\"| b\n"); len(errs) > 0 {
		t.Errorf("checkMermaid: good flowchart: %v", errs)
	}
	dot := []struct{ name, src string }{
		{"unterminated", `digraph "g" { "a" [label="x]; }`},
		{"escaped end quote", `digraph "g" { "a" [label="x\"]; }`},
		{"undeclared", `digraph "g" { "a" [label="x"]; "a" -> "b"; }`},
		{"bare id", `digraph "g" { a [label="x"]; }`},
		{"unbalanced", `digraph "g" { "a" [label="x"];`},
	}
	for _, tt := range dot {
		if errs := checkDOT(tt.src); len(errs) == 0 {
			t.Errorf("checkDOT: %s: no error for %s", tt.name, tt.src)
		}
	}
	if errs := checkDOT(`digraph "g" { "a" [label="x\\"]; "b" [label="y"]; "a" -> "b" [label="z"]; }`); len(errs) > 0 {
		t.Errorf("checkDOT: good graph: %v", errs)
	}
}
