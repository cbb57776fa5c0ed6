package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/schema"
)

// runCLI runs a command line with stdin and returns its exit status,
// stdout and stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runWith(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

const (
	minimal = "../../testdata/minimal.yaml"
	invalid = "../../testdata/invalid/"
)

// TestUnknownCommand: a word that names no command is an error on stderr
// with exit status 2 and a suggestion, wherever it is; nothing goes to
// stdout, so that "secops import cacoa x.json > design.yaml" cannot write
// help into the design.
func TestUnknownCommand(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string // a part of stderr; "" for none
	}{
		{[]string{"import", "cacoa", "x.json"}, 2, `unknown command "cacoa" for "secops import"; did you mean "cacao"?`},
		{[]string{"export", "cacoa", "d.yaml", "--out", "dir"}, 2, `did you mean "cacao"?`},
		{[]string{"valdate", "d.yaml"}, 2, `unknown command "valdate" for "secops"; did you mean "validate"?`},
		{[]string{"valdate", "--format", "json", "d.yaml"}, 2, `did you mean "validate"?`},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"import"}, 2, "secops import needs a command: cacao"},
		{[]string{"runs"}, 2, "secops runs needs a command: list, show"},
		{[]string{"export", "--out", "dir"}, 2, "secops export needs a command: cacao"},
		{[]string{"help", "validate"}, 0, ""},
		{[]string{"__complete", "valid"}, 0, ""},
		{[]string{"completion", "bash"}, 0, ""},
		{[]string{"import", "--help"}, 0, ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, "", tt.args...)
		if code != tt.code {
			t.Errorf("secops %s: exit %d, want %d", strings.Join(tt.args, " "), code, tt.code)
		}
		if tt.stderr != "" && !strings.Contains(stderr, tt.stderr) {
			t.Errorf("secops %s: stderr %q, want %q in it", strings.Join(tt.args, " "), stderr, tt.stderr)
		}
		if tt.code != 0 && stdout != "" {
			t.Errorf("secops %s: stdout %q, want nothing", strings.Join(tt.args, " "), stdout)
		}
	}
	// Shell completion goes through cobra's hidden command.
	if _, stdout, _ := runCLI(t, "", "__complete", "valid"); !strings.HasPrefix(stdout, "validate") {
		t.Errorf("completion of valid: %q", stdout)
	}
}

// jsonRow is what a test reads of a finding in JSON output.
type jsonRow struct {
	Code string `json:"code"`
	File string `json:"file"`
	Line int    `json:"line"`
}

// TestValidateJSON: with --format json every outcome is a JSON array on
// stdout, a file that cannot be read and a command without files
// included, so that a parser never reads a failure as clean.
func TestValidateJSON(t *testing.T) {
	design, err := os.ReadFile(minimal)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  []jsonRow
	}{
		{"missing file", "", []string{"nosuch.yaml"}, 2, []jsonRow{{"fatal", "nosuch.yaml", 0}}},
		{"no file", "", nil, 2, []jsonRow{{"fatal", "", 0}}},
		{"unknown flag", "", []string{"--frob", minimal}, 2, []jsonRow{{"fatal", "", 0}}},
		{"clean", "", []string{minimal}, 0, []jsonRow{}},
		{"findings", "", []string{invalid + "cycle.yaml"}, 1, []jsonRow{{"cycle", invalid + "cycle.yaml", 75}}},
		{"stdin", string(design), []string{"-"}, 0, []jsonRow{}},
		{"stdin twice", string(design), []string{"-", "-"}, 2, []jsonRow{{"fatal", "<stdin>", 0}}},
		{"stdin with findings", "format: secops/v1\nmetdata: {}\n", []string{"-"}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, _ := runCLI(t, tt.stdin, append([]string{"validate", "--format", "json"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			var got []jsonRow
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("stdout is not a JSON array: %v\n%s", err, stdout)
			}
			if tt.want == nil {
				for _, r := range got {
					if r.File != "<stdin>" || r.Line == 0 {
						t.Errorf("finding %+v, want one in <stdin> with a line", r)
					}
				}
				if len(got) == 0 {
					t.Error("no finding")
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateSummary: success is silent unless asked (-v, or stderr is
// a terminal), and a list of findings is followed by their count, on
// stderr, so that stdout stays one finding a line.
func TestValidateSummary(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{minimal}, ""},
		{[]string{"-v", minimal}, minimal + ": 0 errors, 0 warnings\n"},
		{[]string{invalid + "cycle.yaml"}, "1 error, 0 warnings\n"},
		{[]string{invalid + "unused.yaml", invalid + "cycle.yaml"}, "1 error, 1 warning in 2 files\n"},
		{[]string{"-v", invalid + "unused.yaml", minimal}, invalid + "unused.yaml: 0 errors, 1 warning\n" + minimal + ": 0 errors, 0 warnings\n0 errors, 1 warning in 2 files\n"},
	}
	for _, tt := range tests {
		_, _, stderr := runCLI(t, "", append([]string{"validate"}, tt.args...)...)
		if diff := cmp.Diff(tt.stderr, stderr); diff != "" {
			t.Errorf("validate %s: stderr (-want +got):\n%s", strings.Join(tt.args, " "), diff)
		}
	}
}

var positionRE = regexp.MustCompile(`^(.+?):(\d+):(\d+): \w+: .*\[([a-z-]+)\]$`)

// TestFindingOrder: the findings of several files, and those that other
// commands print (export cacao refusing a design with errors), come in
// one order: file, line, column and code.
func TestFindingOrder(t *testing.T) {
	files := []string{invalid + "unknown-field.yaml", invalid + "invalid-value-id.yaml", invalid + "unavailable-input.yaml"}
	_, validateOut, _ := runCLI(t, "", append([]string{"validate"}, files...)...)
	_, _, exportErr := runCLI(t, "", "export", "cacao", invalid+"invalid-value-id.yaml", "--out", t.TempDir())
	for name, out := range map[string]string{"validate": validateOut, "export cacao": exportErr} {
		type key struct {
			file      string
			line, col int
			code      string
		}
		var got []key
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			m := positionRE.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("%s: not a finding: %q", name, line)
			}
			l, _ := strconv.Atoi(m[2])
			c, _ := strconv.Atoi(m[3])
			got = append(got, key{m[1], l, c, m[4]})
		}
		if len(got) < 5 {
			t.Fatalf("%s: %d findings", name, len(got))
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if a.file > b.file || a.file == b.file && (a.line > b.line || a.line == b.line && (a.col > b.col || a.col == b.col && a.code > b.code)) {
				t.Errorf("%s: %+v before %+v", name, a, b)
			}
		}
	}
}

// TestOtherFormatCLI: a document of another secops format given to the
// wrong command is one finding that names the right one.
func TestOtherFormatCLI(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"validate", "../../examples/targeted-attack/scenarios.yaml"}, "use it with secops test"},
		{[]string{"test", "../../examples/targeted-attack/design.yaml"}, "use it with secops validate"},
	}
	for _, tt := range tests {
		code, stdout, _ := runCLI(t, "", tt.args...)
		if code != 1 {
			t.Errorf("secops %s: exit %d, want 1", strings.Join(tt.args, " "), code)
		}
		findings := 0
		for _, line := range strings.Split(stdout, "\n") {
			if positionRE.MatchString(line) {
				findings++
			}
		}
		if findings != 1 {
			t.Errorf("secops %s: %d findings, want 1:\n%s", strings.Join(tt.args, " "), findings, stdout)
		}
		if !strings.Contains(stdout, tt.want) {
			t.Errorf("secops %s: %q not in\n%s", strings.Join(tt.args, " "), tt.want, stdout)
		}
	}
}

// TestTestJSON: secops test --format json writes one object a line, one
// per scenario, then the summary.
func TestTestJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test", "--format", "json", "../../examples/acme-web/scenarios.yaml", "../../testdata/minimal.yaml")
	if code != 1 {
		t.Errorf("exit %d, want 1 (minimal.yaml is a design): %s", code, stderr)
	}
	type event struct {
		Action     string            `json:"action"`
		File       string            `json:"file"`
		Scenario   string            `json:"scenario"`
		Findings   []json.RawMessage `json:"findings"`
		Passed     *int              `json:"passed"`
		Failed     *int              `json:"failed"`
		Unrunnable *int              `json:"unrunnable"`
	}
	var events []event
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not a JSON object: %q: %v", sc.Text(), err)
		}
		events = append(events, e)
	}
	passed, unrunnable := 0, 0
	for _, e := range events[:len(events)-1] {
		switch {
		case e.Action == "pass" && e.Scenario != "" && strings.HasSuffix(e.File, "scenarios.yaml"):
			passed++
		case e.Action == "fail" && e.Scenario == "" && strings.HasSuffix(e.File, "minimal.yaml") && len(e.Findings) == 1:
			unrunnable++
		default:
			t.Errorf("unexpected event %+v", e)
		}
	}
	last := events[len(events)-1]
	if passed != 13 || unrunnable != 1 || last.Action != "fail" || last.Passed == nil || *last.Passed != 13 || *last.Failed != 0 || *last.Unrunnable != 1 {
		t.Errorf("%d scenarios passed, %d files unrunnable, summary %+v; want 13, 1 and a failing summary", passed, unrunnable, last)
	}
}

// TestVersionAndOutput: --version says what was built; schema -o writes
// the schema to a file and nothing to stdout.
func TestVersionAndOutput(t *testing.T) {
	code, stdout, _ := runCLI(t, "", "--version")
	if code != 0 || !strings.HasPrefix(stdout, "secops ") || strings.TrimSpace(stdout) == "secops" {
		t.Errorf("--version: exit %d, %q", code, stdout)
	}
	path := filepath.Join(t.TempDir(), "design.schema.json")
	code, stdout, stderr := runCLI(t, "", "schema", "-o", path)
	if code != 0 || stdout != "" {
		t.Fatalf("schema -o: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := schema.Get(schema.Design)
	if !bytes.Equal(got, want) {
		t.Error("schema -o wrote something else than the design schema")
	}
	if code, _, _ := runCLI(t, "", "schema", "-o", filepath.Join(t.TempDir(), "no", "such", "dir.json")); code != 2 {
		t.Errorf("schema -o into a missing directory: exit %d, want 2", code)
	}
}

// TestFormatFlagHint: --json where --format json is meant says so.
func TestFormatFlagHint(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"validate", "--json", minimal}, "unknown flag: --json (did you mean --format json?)"},
		{[]string{"review", "--markdown", "runs"}, "unknown flag: --markdown (did you mean --format markdown?)"},
		{[]string{"validate", "--frob", minimal}, "unknown flag: --frob\n"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, "", tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestValidateAdapters: validate --adapters checks the adapter
// configuration against the design, as run does, calling nothing.
func TestValidateAdapters(t *testing.T) {
	design := "../../examples/targeted-attack/design.yaml"
	code, _, _ := runCLI(t, "", "validate", design, "--adapters", "../../examples/openc2-nft/adapters.yaml")
	if code != 0 {
		t.Errorf("matching adapters: exit %d", code)
	}
	code, out, _ := runCLI(t, "", "validate", design, "--adapters", "../../examples/acme-web/adapters.yaml")
	if code != 1 || !strings.Contains(out, `action firewall.block_ip: no adapter "firewall" in the adapter configuration [unknown-ref]`) {
		t.Errorf("adapters of another design: exit %d\n%s", code, out)
	}
}
