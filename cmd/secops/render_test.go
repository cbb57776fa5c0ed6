package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/render"
)

const reference = "../../examples/targeted-attack/design.yaml"

// execute runs the command line with stdin and returns stdout, stderr and
// the exit status run would give.
func execute(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.code
	default:
		code = 2
	}
	return out.String(), errOut.String(), code
}

func TestRender(t *testing.T) {
	src, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(render.HelperEnv, filepath.Join(bin, render.HelperName)) // the html cases draw with it
	cache := t.TempDir()                                              // and it caches Graphviz there, not in the user's folder
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	out := filepath.Join(t.TempDir(), "runbook.html")
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string // in stdout, or in the file for -o
		file  string
	}{
		{name: "html to a file", args: []string{"render", "--format", "html", "-o", out, reference}, want: "<svg", file: out},
		{name: "html from stdin", stdin: string(src), args: []string{"render", "--format", "html", "-"}, want: "<svg"},
		{name: "markdown from stdin", stdin: string(src), args: []string{"render", "-"}, want: "# 例社 セキュリティ運用設計"},
		{name: "one playbook", args: []string{"render", "--format", "dot", "--playbook", "malware-triage", reference}, want: `digraph "malware-triage"`},
		{name: "unknown playbook", args: []string{"render", "--format", "dot", "--playbook", "nope", reference}, code: 2},
		{name: "playbook with html", args: []string{"render", "--format", "html", "--playbook", "malware-triage", reference}, code: 2},
		{name: "unknown format", args: []string{"render", "--format", "pdf", reference}, code: 2},
		{name: "stdin not a design", stdin: "[1, 2", args: []string{"render", "-"}, code: 2},
		{name: "missing file", args: []string{"render", "no-such.yaml"}, code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := execute(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.file != "" {
				b, err := os.ReadFile(tt.file)
				if err != nil {
					t.Fatal(err)
				}
				stdout = string(b)
			}
			if !strings.Contains(stdout, tt.want) {
				t.Errorf("output lacks %q", tt.want)
			}
		})
	}
}

// TestRenderCompletion: secops render --playbook <TAB> offers the
// design's playbook ids, with their names.
func TestRenderCompletion(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"all", []string{"__complete", "render", reference, "--playbook", ""},
			[]string{"targeted-attack-triage\t標的型攻撃による情報漏えい", "malware-triage\tマルウェア感染", ":4"}},
		{"prefix", []string{"__complete", "render", reference, "--playbook", "mal"},
			[]string{"malware-triage\tマルウェア感染", ":4"}},
		{"no design yet", []string{"__complete", "render", "--playbook", ""}, []string{":4"}},
		{"formats", []string{"__complete", "render", "--format", ""}, []string{"markdown", "html", "mermaid", "dot", ":4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, _ := execute(t, "", tt.args...)
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
				if !strings.HasPrefix(l, "Completion ended") {
					got = append(got, l)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("completions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExportNavigator(t *testing.T) {
	acme := "../../examples/acme-web/design.yaml"
	tests := []struct {
		name   string
		args   []string
		code   int
		layers int // -1: one layer as an object
	}{
		{"one design", []string{"export", "navigator", reference}, 0, -1},
		{"two designs", []string{"export", "navigator", reference, acme}, 0, 2},
		{"a design with errors", []string{"export", "navigator", reference, "../../testdata/invalid/cycle.yaml"}, 1, 0},
		{"no design", []string{"export", "navigator"}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := execute(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			switch {
			case tt.layers < 0:
				var l map[string]any
				if err := json.Unmarshal([]byte(stdout), &l); err != nil || l["domain"] != "enterprise-attack" {
					t.Errorf("not one layer (%v):\n%s", err, stdout)
				}
			case tt.layers > 0:
				var ls []map[string]any
				if err := json.Unmarshal([]byte(stdout), &ls); err != nil || len(ls) != tt.layers {
					t.Errorf("not %d layers (%v):\n%s", tt.layers, err, stdout)
				}
			default:
				if stdout != "" {
					t.Errorf("wrote %q, want nothing", stdout)
				}
			}
		})
	}
}
