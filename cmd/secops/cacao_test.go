package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
