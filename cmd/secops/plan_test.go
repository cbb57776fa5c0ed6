package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// widened writes the reference design with its internal-scan detection
// widened to port scans into dir, and returns its path.
func widened(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(replayDesign)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `when: alert.category == "internal-scan"`, `when: alert.category == "internal-scan" || alert.category == "port-scan"`, 1)
	path := filepath.Join(dir, "design.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPlanCommand(t *testing.T) {
	alerts, err := os.ReadFile(replayAlerts)
	if err != nil {
		t.Fatal(err)
	}
	wide := widened(t, t.TempDir())
	tests := []struct {
		name     string
		stdin    []byte
		args     []string
		code     int
		contains []string
	}{
		{"same design", nil, []string{replayDesign, replayDesign, replayAlerts}, 0, []string{"No changes: the 2648 alerts"}},
		{"changed", nil, []string{replayDesign, wide, replayAlerts}, 2, []string{"1200    (unmatched)  mssp-internal-scan", "targeted-attack.jsonl:3, :6, :7, :11, :13", "Plan: 1200 of 2648 alerts move"}},
		{"stdin, json", alerts, []string{replayDesign, wide, "-", "--format", "json"}, 2, []string{`"changed": 1200`, `"moves": [`, `"workload": {`}},
		{"markdown", nil, []string{replayDesign, wide, replayAlerts, "--format", "markdown"}, 2, []string{"| 1200 | (unmatched) | mssp-internal-scan |", "<details>"}},
		{"bad format", nil, []string{replayDesign, wide, replayAlerts, "--format", "csv"}, 1, []string{`invalid argument "csv" for "--format" flag: must be text, json or markdown`}},
		{"bad flag", nil, []string{replayDesign, wide, replayAlerts, "--nope"}, 1, []string{"unknown flag"}},
		{"too few", nil, []string{replayDesign, wide}, 1, []string{"needs OLD, NEW and at least one alert file"}},
		{"missing alerts", nil, []string{replayDesign, wide, "nope.jsonl"}, 1, []string{"nope.jsonl: not an alert file"}},
		{"missing design", nil, []string{"nope.yaml", wide, replayAlerts}, 1, []string{"nope.yaml"}},
		{"invalid design", nil, []string{"../../testdata/invalid/cycle.yaml", wide, replayAlerts}, 1, []string{"has errors"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := replayCommand(tt.stdin, append([]string{"plan"}, tt.args...)...)
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

// OLD as a git revision: the design as committed, against the work
// tree's.
func TestPlanGitRevision(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no git")
		}
		t.Skip("no git")
	}
	alerts, err := filepath.Abs(replayAlerts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	b, err := os.ReadFile(replayDesign)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "design.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "design.yaml"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "design"}} {
		c := exec.Command(git, args...)
		c.Dir = dir
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	widened(t, dir)
	t.Chdir(dir)
	out, errOut, code := replayCommand(nil, "plan", "HEAD:design.yaml", "design.yaml", alerts)
	if code != 2 || !strings.Contains(out, "Plan of HEAD:design.yaml → design.yaml") || !strings.Contains(out, "1200 of 2648 alerts move") {
		t.Errorf("exit %d:\n%s\n%s", code, out, errOut)
	}
	_, errOut, code = replayCommand(nil, "plan", "HEAD:nope.yaml", "design.yaml", alerts)
	if code != 1 || !strings.Contains(errOut, "git show HEAD:nope.yaml") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
