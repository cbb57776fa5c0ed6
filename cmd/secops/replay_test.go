package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// replayCommand runs a command line with stdin and returns its output,
// its stderr and its exit status.
func replayCommand(stdin []byte, args ...string) (string, string, int) {
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(bytes.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	code := 0
	if err != nil {
		code = 2
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), code
}

const (
	replayDesign = "../../examples/targeted-attack/design.yaml"
	replayAlerts = "../../review/testdata/targeted-attack.jsonl"
)

func TestReplayCommand(t *testing.T) {
	alerts, err := os.ReadFile(replayAlerts)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(alerts)
	zw.Close()
	gzPath := filepath.Join(t.TempDir(), "alerts.jsonl.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		stdin    []byte
		args     []string
		code     int
		contains []string
	}{
		{"text", nil, []string{replayDesign, replayAlerts, "--group-by", "category"}, 0,
			[]string{"Replay of 2648 alerts", "mssp-rat-signature         361", "port-scan     1200", "design.yaml:199:13: warning: criteria.detections[1].when:", "[detection-never-matched]"}},
		{"stdin gzip", gz.Bytes(), []string{replayDesign, "-"}, 0, []string{"Replay of 2648 alerts", "-:27:1: warning: not JSON"}},
		{"gzip file", nil, []string{replayDesign, gzPath}, 0, []string{"Replay of 2648 alerts"}},
		{"two files", nil, []string{replayDesign, replayAlerts, gzPath}, 0, []string{"Replay of 5296 alerts"}},
		{"unknown keys", []byte(`{"category":"rat","vendor_id":7}`), []string{replayDesign, "-"}, 0, []string{"-:1:1: warning: alert: vendor_id: not a field of the design"}},
		{"unknown keys ignored", []byte(`{"category":"rat","vendor_id":7}`), []string{replayDesign, "-", "--ignore-unknown-keys"}, 0, []string{"mssp-rat-signature         1"}},
		{"no time key", nil, []string{replayDesign, replayAlerts, "--time-key", ""}, 0, []string{"Replay of 2648 alerts"}},
		{"bad format", nil, []string{replayDesign, replayAlerts, "--format", "yaml"}, 2, []string{`invalid argument "yaml" for "--format" flag: must be text, json or markdown`}},
		{"charts without markdown", nil, []string{replayDesign, replayAlerts, "--charts", "x"}, 2, []string{"--charts needs --format markdown"}},
		{"missing alerts", nil, []string{replayDesign, "nope.jsonl"}, 2, []string{"nope.jsonl"}},
		{"folder", nil, []string{replayDesign, "."}, 2, []string{"is a folder"}},
		{"invalid design", nil, []string{"../../testdata/invalid/cycle.yaml", replayAlerts}, 1, []string{"[cycle]", "has errors"}},
		{"missing design", nil, []string{"nope.yaml", replayAlerts}, 2, []string{"nope.yaml"}},
		{"one argument", nil, []string{replayDesign}, 2, []string{"requires at least 2 arg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := replayCommand(tt.stdin, append([]string{"replay"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			for _, want := range tt.contains {
				if !strings.Contains(out+errOut, want) {
					t.Errorf("output does not have %q:\n%s\n%s", want, out, errOut)
				}
			}
		})
	}
}

func TestReplayCommandJSONAndMarkdown(t *testing.T) {
	out, errOut, code := replayCommand(nil, "replay", replayDesign, replayAlerts, "--format", "json")
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	var rep struct {
		Alerts, Matched, Unmatched, Invalid int
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(struct{ Alerts, Matched, Unmatched, Invalid int }{2648, 601, 2040, 7}, rep); diff != "" {
		t.Errorf("JSON report (-want +got):\n%s", diff)
	}

	dir := filepath.Join(t.TempDir(), "charts")
	out, errOut, code = replayCommand(nil, "replay", replayDesign, replayAlerts, "--format", "markdown", "--charts", dir)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	for _, f := range []string{"alerts-per-day.svg", "detections.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("%s: %v, %.40q", f, err, b)
		}
		if !strings.Contains(out, "]("+filepath.ToSlash(filepath.Join(dir, f))+")") {
			t.Errorf("the report does not link %s", f)
		}
	}
}
