package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadmeFirstDesign follows the README's "Write your first design" as
// a reader would, in an empty folder: it writes each YAML block to the
// file its first line names, makes each "change `A` to `B`" edit, runs
// each "$ go run ./cmd/secops ..." line of a console block, and checks
// that what the command writes (stdout, then stderr, then go run's
// "exit status N" when it fails) is what the README shows.
func TestReadmeFirstDesign(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "\n## Write your first design\n")
	if start < 0 {
		t.Fatal(`the README has no "Write your first design" section`)
	}
	section := readme[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	t.Chdir(t.TempDir())
	// The section's parts in order: code blocks and edits.
	part := regexp.MustCompile("(?s)```(yaml|console)\n(.*?)```|[Cc]hange `([^`]+)`(?: back)? to `([^`]+)`")
	var files, commands, edits int
	last := "" // the file written last, which the edits apply to
	for _, m := range part.FindAllStringSubmatch(section, -1) {
		switch {
		case m[1] == "yaml":
			first, _, _ := strings.Cut(m[2], "\n")
			name, ok := strings.CutPrefix(first, "# ")
			if !ok || !strings.HasSuffix(name, ".yaml") {
				t.Fatalf("a YAML block that does not start with # FILE.yaml: %q", first)
			}
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(m[2]), 0o644); err != nil {
				t.Fatal(err)
			}
			files++
			if strings.Contains(m[2], "format: secops/v1") {
				last = name
			}
		case m[1] == "console":
			for _, c := range consoleCommands(t, m[2]) {
				commands++
				code, stdout, stderr := runCLI(t, "", c.args...)
				got := stdout + stderr
				if code != 0 {
					got += "exit status " + strconv.Itoa(code) + "\n"
				}
				if diff := cmp.Diff(c.output, got); diff != "" {
					t.Errorf("$ %s (-README +got):\n%s", c.line, diff)
				}
			}
		default:
			src, err := os.ReadFile(last)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(src), m[3]); n != 1 {
				t.Fatalf("change %q: found %d times in %s, want once", m[3], n, last)
			}
			if err := os.WriteFile(last, []byte(strings.Replace(string(src), m[3], m[4], 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			edits++
		}
	}
	if files < 2 || commands < 3 || edits < 2 {
		t.Errorf("read %d files, %d commands and %d edits from the walk; want at least 2, 3 and 2", files, commands, edits)
	}
}

type consoleCommand struct {
	line, output string
	args         []string
}

// consoleCommands reads a console block: "$ go run ./cmd/secops ARGS"
// lines, each followed by its output.
func consoleCommands(t *testing.T, block string) []consoleCommand {
	t.Helper()
	var out []consoleCommand
	for line := range strings.Lines(block) {
		if cmdline, ok := strings.CutPrefix(line, "$ "); ok {
			cmdline = strings.TrimSpace(cmdline)
			args, ok := strings.CutPrefix(cmdline, "go run ./cmd/secops ")
			if !ok {
				t.Fatalf("a command that is not secops's: %q", cmdline)
			}
			out = append(out, consoleCommand{line: cmdline, args: strings.Fields(args)})
			continue
		}
		if len(out) == 0 {
			t.Fatalf("output before any command: %q", line)
		}
		out[len(out)-1].output += line
	}
	return out
}
