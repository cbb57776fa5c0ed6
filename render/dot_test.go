package render

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/playbook"
)

// dotOutputs renders every design as DOT: all playbooks at once, then each
// playbook alone.
func dotOutputs(t *testing.T) map[string][]byte {
	t.Helper()
	outs := map[string][]byte{}
	for _, ds := range designs {
		d := loadOptional(t, ds.path, ds.optional)
		if d == nil {
			continue
		}
		for name, p := range playbookChoices(d) {
			var b bytes.Buffer
			if err := DOT(&b, d, p); err != nil {
				t.Fatalf("%s %s: %v", ds.name, name, err)
			}
			outs[ds.name+"/"+name] = b.Bytes()
		}
	}
	return outs
}

// playbookChoices returns nil (all playbooks) under "all", and each
// playbook under its id.
func playbookChoices(d *secops.Design) map[string]*playbook.Playbook {
	m := map[string]*playbook.Playbook{"all": nil}
	for i := range d.Playbooks {
		m["playbook "+string(d.Playbooks[i].ID)] = &d.Playbooks[i]
	}
	return m
}

// loadOptional is load without skipping: it returns nil for an optional
// design that does not exist.
func loadOptional(t *testing.T, path string, optional bool) *secops.Design {
	t.Helper()
	var d *secops.Design
	t.Run("load "+path, func(t *testing.T) { d = load(t, path, optional) })
	return d
}

// systemDot returns the path of Graphviz's dot when it is installed and
// works: dot -Tsvg draws a trivial graph. A half-installed Graphviz (dot
// on PATH without its plugins, "Format: svg not recognized") counts as
// absent, so that the tests that need it skip instead of failing.
var systemDot = sync.OnceValue(func() string {
	dot, err := exec.LookPath("dot")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, dot, "-Tsvg")
	cmd.Stdin = strings.NewReader("digraph { a -> b }")
	out, err := cmd.Output()
	if err != nil || !bytes.Contains(out, []byte("<svg")) {
		return ""
	}
	return dot
})

// TestDOTGraphviz feeds every DOT output to Graphviz's dot -Tsvg, when dot
// is installed and works (Debian: apt-get install graphviz).
func TestDOTGraphviz(t *testing.T) {
	dot := systemDot()
	if dot == "" {
		t.Skip("no working dot -Tsvg (Graphviz) on PATH")
	}
	for name, src := range dotOutputs(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, dot, "-Tsvg")
			cmd.Stdin = bytes.NewReader(src)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("dot -Tsvg: %v\n%s\ninput:\n%s", err, stderr.String(), src)
			}
			if strings.Contains(stderr.String(), "Error") || strings.Contains(stderr.String(), "syntax") {
				t.Errorf("dot -Tsvg complained:\n%s", stderr.String())
			}
			if !bytes.Contains(stdout.Bytes(), []byte("<svg")) {
				t.Errorf("dot -Tsvg wrote no SVG")
			}
		})
	}
}

// checkDOT tokenises DOT the way Graphviz does (quoted strings with
// backslash escapes, bare words, punctuation) and reports an unterminated
// string, unbalanced braces or brackets, a bare word where the renderer
// must have quoted, and an edge to a node that was not declared.
func checkDOT(src string) []error {
	var errs []error
	var toks []string
	for i := 0; i < len(src); {
		switch c := src[i]; {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '"':
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			if j >= len(src) {
				return append(errs, fmt.Errorf("unterminated string at byte %d", i))
			}
			toks = append(toks, src[i:j+1])
			i = j + 1
		case strings.ContainsRune("{}[];,=", rune(c)):
			toks = append(toks, string(c))
			i++
		case strings.HasPrefix(src[i:], "->"):
			toks = append(toks, "->")
			i += 2
		default:
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			if j == i {
				return append(errs, fmt.Errorf("unexpected %q at byte %d", c, i))
			}
			toks = append(toks, src[i:j])
			i = j
		}
	}
	keywords := map[string]bool{"digraph": true, "subgraph": true, "graph": true, "node": true, "edge": true}
	depth, inAttrs := 0, false
	declared := map[string]bool{}
	var edgeEnds []string
	for i, tok := range toks {
		switch tok {
		case "{":
			depth++
		case "}":
			depth--
		case "[":
			inAttrs = true
		case "]":
			inAttrs = false
		case ";", ",", "=":
		case "->":
			if i == 0 || i+1 == len(toks) {
				errs = append(errs, fmt.Errorf("dangling ->"))
				continue
			}
			edgeEnds = append(edgeEnds, toks[i-1], toks[i+1])
		default:
			if tok[0] == '"' || inAttrs || keywords[tok] || tok == "label" {
				if tok[0] == '"' && !inAttrs && i+1 < len(toks) && toks[i+1] == "[" && (i == 0 || toks[i-1] != "->") {
					declared[tok] = true
				}
				continue
			}
			errs = append(errs, fmt.Errorf("bare word %q outside attributes", tok))
		}
		if depth < 0 {
			errs = append(errs, fmt.Errorf("unbalanced }"))
		}
	}
	if depth != 0 || inAttrs {
		errs = append(errs, fmt.Errorf("unbalanced braces or brackets"))
	}
	for _, e := range edgeEnds {
		if !declared[e] {
			errs = append(errs, fmt.Errorf("edge end %s is not a declared node", e))
		}
	}
	return errs
}

func TestDOTSyntax(t *testing.T) {
	for name, src := range dotOutputs(t) {
		t.Run(name, func(t *testing.T) {
			for _, err := range checkDOT(string(src)) {
				t.Error(err)
			}
		})
	}
}

// TestDOTHostile draws the hostile playbooks of TestMermaidHostile, checks
// them in Go and, when Graphviz is installed, with dot -Tsvg.
func TestDOTHostile(t *testing.T) {
	dot := systemDot()
	for _, s := range []string{`"`, `\`, `a\`, `\"`, `\n`, `\N`, "line\nbreak", `<b>`, `{`, `}`, `]`, `;`, `->`, "C&C/マルウェア", "end", "node", "subgraph"} {
		t.Run(s, func(t *testing.T) {
			var b bytes.Buffer
			if err := DOT(&b, hostileDesign(s), nil); err != nil {
				t.Fatal(err)
			}
			for _, err := range checkDOT(b.String()) {
				t.Errorf("%v\n%s", err, b.String())
			}
			if dot == "" {
				return
			}
			cmd := exec.Command(dot, "-Tsvg")
			cmd.Stdin = &b
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("dot -Tsvg: %v\n%s", err, out)
			}
		})
	}
}
