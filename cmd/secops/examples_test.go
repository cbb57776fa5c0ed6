package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestBundledScenarios runs every bundled scenario file: all pass, and
// together they exercise every step, branch and response of each design.
func TestBundledScenarios(t *testing.T) {
	files, err := filepath.Glob("../../examples/*/*scenarios.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("scenario files: %v %v", files, err)
	}
	var out bytes.Buffer
	if err := testFiles(context.Background(), &out, files, true); err != nil {
		t.Fatalf("secops test: %v\n%s", err, out.String())
	}
	text := out.String()
	if strings.Contains(text, "FAIL") || strings.Contains(text, "missed:") {
		t.Errorf("failures or missed branches:\n%s", text)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "coverage:") && strings.Count(line, "(100.0%)") != 3 {
			t.Errorf("not fully covered: %s", line)
		}
	}
}

// TestValidateBundled validates every bundled design with --strict.
func TestValidateBundled(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*/design.yaml")
	var out bytes.Buffer
	if err := validateFiles(&out, io.Discard, nil, files, validateOptions{format: "text", strict: true}); err != nil {
		t.Errorf("validate --strict: %v\n%s", err, out.String())
	}
}

// TestValidateUnreadableFile: a file that cannot be read does not hide
// the findings of the others, and the JSON output stays an array that
// holds it too.
func TestValidateUnreadableFile(t *testing.T) {
	var out bytes.Buffer
	err := validateFiles(&out, io.Discard, nil, []string{"../../testdata/invalid/cycle.yaml", "no-such-file.yaml"}, validateOptions{format: "json"})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 {
		t.Errorf("error = %v, want exit status 2", err)
	}
	var rows []map[string]any
	if jerr := json.Unmarshal(out.Bytes(), &rows); jerr != nil || len(rows) != 2 || rows[0]["code"] != "cycle" ||
		rows[1]["code"] != "fatal" || rows[1]["file"] != "no-such-file.yaml" {
		t.Errorf("output = %s (%v), want the cycle finding, then the unreadable file", out.String(), jerr)
	}
}

// TestValidateExitCodes checks the exit status of secops validate.
func TestValidateExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"validate", "../../examples/targeted-attack/design.yaml"}, 0},
		{[]string{"validate", "--strict", "../../testdata/invalid/unused.yaml"}, 1},
		{[]string{"validate", "../../testdata/invalid/unused.yaml"}, 0},
		{[]string{"validate", "../../testdata/invalid/cycle.yaml"}, 1},
		{[]string{"validate", "--format", "json", "../../testdata/invalid/syntax.yaml"}, 1},
		{[]string{"validate", "no-such-file.yaml"}, 2},
		{[]string{"validate", "--format", "xml", "../../testdata/minimal.yaml"}, 2},
		{[]string{"validate"}, 2},
		{[]string{"schema", "--scenarios", "--adapters"}, 2},
	}
	for _, tt := range tests {
		if got := run(tt.args); got != tt.want {
			t.Errorf("secops %s: exit %d, want %d", strings.Join(tt.args, " "), got, tt.want)
		}
	}
}
