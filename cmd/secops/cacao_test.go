package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters/config"
)

// execute runs the command line args and returns its output and error.
func cacaoCommand(args ...string) (string, string, error) {
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errOut.String(), err
}

// TestExportCacaoHelp: --help says plainly that the timestamps are a
// fixed date by default, and how to change them.
func TestExportCacaoHelp(t *testing.T) {
	out, _, err := cacaoCommand("export", "cacao", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2000-01-01T00:00:00.000Z", "not the time of the export", "--time", "SOURCE_DATE_EPOCH"} {
		if !strings.Contains(out, want) {
			t.Errorf("help does not say %q:\n%s", want, out)
		}
	}
}

// TestCacaoRoundTrip: each bundled example exports, each playbook
// imports, and the imported design validates with exit status 0.
func TestCacaoRoundTrip(t *testing.T) {
	designs, _ := filepath.Glob("../../examples/*/design.yaml")
	if len(designs) == 0 {
		t.Skip("no bundled examples")
	}
	for _, design := range designs {
		t.Run(filepath.Base(filepath.Dir(design)), func(t *testing.T) {
			dir := t.TempDir()
			out, _, err := cacaoCommand("export", "cacao", design, "--out", dir)
			if err != nil {
				t.Fatal(err)
			}
			files := strings.Fields(out)
			if len(files) == 0 {
				t.Fatal("no files exported")
			}
			for _, f := range files {
				yaml := strings.TrimSuffix(f, ".json") + ".yaml"
				if _, _, err := cacaoCommand("import", "cacao", f, "--out", yaml); err != nil {
					t.Fatalf("import %s: %v", f, err)
				}
				if got := run([]string{"validate", yaml}); got != 0 {
					b, _ := os.ReadFile(yaml)
					t.Errorf("validate %s: exit %d\n%s", yaml, got, b)
				}
			}
		})
	}
}

// TestImportCacaoNotAPlaybook: a STIX bundle is refused, saying why.
func TestImportCacaoNotAPlaybook(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(path, []byte(`{"type": "bundle", "id": "bundle--1", "objects": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := cacaoCommand("import", "cacao", path)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 {
		t.Fatalf("error %v, want exit status 2", err)
	}
	if want := `not a CACAO playbook: type is "bundle"`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to say %q", err, want)
	}
}

// TestExportCacaoAdapters: with --adapters the lab's command adapters
// become bash commands and nothing says secops-adapter; without, stderr
// says so. Conditions kept as CEL are listed with their step.
func TestExportCacaoAdapters(t *testing.T) {
	const design = "../../examples/targeted-attack/design.yaml"
	const adapters = "../../examples/lab/adapters.yaml"
	if _, err := os.Stat(adapters); err != nil {
		t.Skip(err)
	}
	tests := []struct {
		name     string
		args     []string
		stderr   []string // substrings stderr must hold
		noStderr []string // and must not
		commands []string // command types the files must hold
	}{
		{
			name: "with adapters",
			args: []string{"--adapters", adapters},
			stderr: []string{`step search-others: condition "size(fields.other_hosts) > 0" has no STIX comparison form: kept as CEL`,
				"adapter edr is a command adapter: its methods are bash commands for the secops executor"},
			noStderr: []string{"pass --adapters"},
			commands: []string{`"type": "bash"`, `"type": "manual"`, `"name": "soarca-manual"`},
		},
		{
			name: "webhooks at an IP address",
			args: []string{"--adapters", "webhooks"},
			stderr: []string{"adapter edr: target http-api--", "url http://10.0.0.5 does not match the CACAO 2.0 schema's url pattern",
				"adapter firewall: target http-api--"},
			noStderr: []string{"pass --adapters", "is a command adapter"},
			commands: []string{`"type": "http-api"`, `"name": "soarca-http-api"`, `"POST /hooks/edr HTTP/1.1"`, `"http://10.0.0.5"`},
		},
		{
			name:     "without",
			stderr:   []string{"pass --adapters FILE", "kept as CEL"},
			commands: []string{`"type": "secops-adapter"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if slices.Equal(tt.args, []string{"--adapters", "webhooks"}) {
				path := filepath.Join(t.TempDir(), "adapters.yaml")
				src := "format: secops-adapters/v1\nadapters:\n"
				for _, n := range []string{"edr", "firewall", "threatintel"} {
					src += "  - {name: " + n + ", kind: webhook, url: \"http://10.0.0.5/hooks/" + n + "\"}\n"
				}
				if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
				tt.args = []string{"--adapters", path}
			}
			out, errOut, err := cacaoCommand(append([]string{"export", "cacao", design, "--out", dir}, tt.args...)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr does not say %q:\n%s", s, errOut)
				}
			}
			for _, s := range tt.noStderr {
				if strings.Contains(errOut, s) {
					t.Errorf("stderr says %q:\n%s", s, errOut)
				}
			}
			files := strings.Fields(out)
			if len(files) != 2 {
				t.Fatalf("files %v", files)
			}
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.commands {
				if !strings.Contains(string(b), c) {
					t.Errorf("%s has no %s command", files[0], c)
				}
			}
		})
	}
}

// TestImportCacaoReports: dropped properties are listed with their JSON
// path and a malformed playbook is a message with the path, exit 2.
func TestImportCacaoReports(t *testing.T) {
	dir := t.TempDir()
	const head = `{"type":"playbook","spec_version":"cacao-2.0","id":"playbook--00000000-0000-4000-8000-000000000000","name":"P",` +
		`"created_by":"identity--00000000-0000-4000-8000-000000000000","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",`
	tests := []struct {
		name, json string
		code       int
		want       string // in stderr, or the error
	}{
		{"dropped", head + `"priority":3,"markings":["marking-tlp--1"],"data_marking_definitions":{"marking-tlp--1":{"type":"marking-tlp","id":"marking-tlp--1","created_by":"identity--1","created":"2024-01-01T00:00:00.000Z","tlpv2_level":"TLP:RED"}},"workflow_start":"start--0","workflow":{"start--0":{"type":"start","on_completion":"end--1"},"end--1":{"type":"end","delay":5}}}`,
			0, `$.workflow["end--1"].delay: dropped`},
		{"array workflow", head + `"workflow_start":"start--0","workflow":[]}`, 2, "workflow: want an object of steps, got an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			if err := os.WriteFile(path, []byte(tt.json), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errOut, err := cacaoCommand("import", "cacao", path)
			code := 0
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
				errOut += err.Error()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.code, tt.want)
			}
			if code == 0 && (!strings.Contains(errOut, "$.priority: dropped") || !strings.Contains(out, "tlp: red")) {
				t.Errorf("priority not listed, or TLP not carried:\n%s\n%s", errOut, out)
			}
		})
	}
}

// TestImportCacaoAdapters: --adapters writes the webhook adapters the
// imported actions call, a file secops run loads; the playbook exported
// with webhooks gives them back at their URLs.
func TestImportCacaoAdapters(t *testing.T) {
	const design = "../../examples/targeted-attack/design.yaml"
	dir := t.TempDir()
	adapters := filepath.Join(dir, "adapters.yaml")
	src := "format: secops-adapters/v1\nadapters:\n" +
		"  - {name: edr, kind: webhook, url: \"https://edr.example.org/hooks/secops\"}\n" +
		"  - {name: firewall, kind: webhook, url: \"https://fw.example.org/api?v=2\"}\n" +
		"  - {name: threatintel, kind: webhook, url: \"https://ti.example.org/\"}\n"
	if err := os.WriteFile(adapters, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := cacaoCommand("export", "cacao", design, "--out", filepath.Join(dir, "out"), "--adapters", adapters)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	back := filepath.Join(dir, "back.yaml")
	if _, errOut, err := cacaoCommand("import", "cacao", strings.Fields(out)[0], "--out", filepath.Join(dir, "design.yaml"), "--adapters", back); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	f, err := config.LoadFile(back)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range f.Adapters {
		got[string(a.Name)] = string(a.Kind) + " " + a.URL
	}
	want := map[string]string{"edr": "webhook https://edr.example.org/hooks/secops", "firewall": "webhook https://fw.example.org/api?v=2",
		"threatintel": "webhook https://ti.example.org/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("adapters (-want +got):\n%s", diff)
	}
}
