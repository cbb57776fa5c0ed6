package suite_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/suite"
)

const reference = "../examples/targeted-attack/scenarios.yaml"

func TestReference(t *testing.T) {
	s, err := suite.Load(reference)
	if err != nil {
		t.Fatal(err)
	}
	var recs []*executor.Record
	for _, r := range s.Run(context.Background()) {
		if !r.Passed() {
			t.Errorf("%s: %v", r.Scenario.ID, r.Mismatches)
		}
		recs = append(recs, r.Record)
	}
	type counts struct{ Steps, Branches, Responses suite.Count }
	var got []counts
	for _, c := range suite.Cover(s.Plan, recs) {
		got = append(got, counts{c.Steps, c.Branches, c.Responses})
	}
	// The reference scenarios miss three branches; see the report in
	// TestReferenceMisses.
	want := []counts{
		{suite.Count{Hit: 8, Total: 8}, suite.Count{Hit: 4, Total: 6}, suite.Count{Hit: 2, Total: 3}},
		{suite.Count{Hit: 4, Total: 4}, suite.Count{Hit: 3, Total: 4}, suite.Count{Hit: 2, Total: 3}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("coverage (-want +got):\n%s", diff)
	}
}

// writeScenarios writes a scenario file for the reference design.
func writeScenarios(t testing.TB, dir, body string) string {
	t.Helper()
	design, err := filepath.Abs("../examples/targeted-attack/design.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "scenarios.yaml")
	text := fmt.Sprintf("format: secops-scenarios/v1\ndesign: %s\nscenarios:\n%s", design, body)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFailures(t *testing.T) {
	path := writeScenarios(t, t.TempDir(), `
  - id: wrong-expectations
    alert: {category: rat, signature: "RAT:PlugX", host: pc-f, src_ip: 10.0.1.77, dst_ip: 192.0.2.44}
    outputs:
      "1.2.2": {service: tcp, port: 8443}
      "1.2.3": {process_name: x.exe}
      "1.2.4": {c2_domain: c2.example.org, c2_location: unknown, c2_registrant: unknown}
      "1.3.1": {lateral_ips: [10.0.0.10, 10.0.0.11, 10.0.0.12, 10.0.1.5, 10.0.1.6]}
    expect:
      severity: high
      path: [c2-traffic, aggregate]
      skipped: ["1.2.2"]
      response: fr-3
      within_target: false
  - id: missing-outputs
    alert: {category: rat, signature: "RAT:PlugX", host: pc-f, src_ip: 10.0.1.77, dst_ip: 192.0.2.44}
    outputs:
      "1.2.2": {service: tcp, port: 8443}
      "1.2.3": {process_name: x.exe}
      "1.2.4": {c2_domain: c2.example.org, c2_location: unknown, c2_registrant: unknown}
      "1.3.1": {lateral_ips: []}
    expect:
      response: fr-3
`)
	s, err := suite.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	results := s.Run(context.Background())
	want := [][]suite.Mismatch{
		{
			{Key: "severity", Want: "high", Got: "medium"},
			{Key: "path", Want: "[c2-traffic aggregate]", Got: "[c2-traffic lateral-traffic]"},
			{Key: "skipped", Want: "[1.2.2]", Got: "[1.2.1]"},
			{Key: "response", Want: "fr-3", Got: "fr-2"},
			{Key: "within_target", Want: "false", Got: "true (estimate 45m, target 2h)"},
		},
		{{Key: "run", Want: "completed", Got: "method 1.4.1: scenario missing-outputs gives no outputs for it (調査結果の集約), and it declares outputs [iocs]"}},
	}
	for i, r := range results {
		if diff := cmp.Diff(want[i], r.Mismatches); diff != "" {
			t.Errorf("%s: mismatches (-want +got):\n%s", r.Scenario.ID, diff)
		}
	}
}

func TestMissingActionOutputs(t *testing.T) {
	path := writeScenarios(t, t.TempDir(), `
  - id: no-edr-answer
    alert: {category: rat, signature: "RAT:PlugX", host: pc-f, src_ip: 10.0.1.77, dst_ip: 192.0.2.44}
`)
	s, err := suite.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	r := s.Run(context.Background())[0]
	if r.Passed() || !strings.Contains(r.Mismatches[0].Got, "method 1.2.2") {
		t.Errorf("mismatches %v; want a failed run naming method 1.2.2", r.Mismatches)
	}
}

func TestBrokenDesign(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "design.yaml"), []byte("format: secops/v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(path, []byte("format: secops-scenarios/v1\ndesign: design.yaml\nscenarios: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := suite.Load(path); err == nil {
		t.Error("no error for a design with errors")
	}
}

// BenchmarkSuite1000 loads and runs a generated file of 1,000 scenarios,
// the reference six repeated, as secops test would: the design is loaded,
// validated and compiled once.
func BenchmarkSuite1000(b *testing.B) {
	f, err := secops.LoadScenarioFile(reference)
	if err != nil {
		b.Fatal(err)
	}
	design, _ := filepath.Abs("../examples/targeted-attack/design.yaml")
	f.Design = design
	base := f.Scenarios
	f.Scenarios = nil
	for i := range 1000 {
		sc := base[i%len(base)]
		sc.ID = ident.ID(fmt.Sprintf("%s-%d", sc.ID, i))
		f.Scenarios = append(f.Scenarios, sc)
	}
	var buf bytes.Buffer
	if err := document.EncodeYAML(&buf, f); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	path := filepath.Join(b.TempDir(), "scenarios.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := suite.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range s.Run(context.Background()) {
			if !r.Passed() {
				b.Fatalf("%s: %v", r.Scenario.ID, r.Mismatches)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/scenario")
}

// TestEmptyOutputs: an empty outputs entry for a method that declares
// outputs fails the scenario as a missing one does, for a person's
// method and for an action.
func TestEmptyOutputs(t *testing.T) {
	path := writeScenarios(t, t.TempDir(), `
  - id: empty-manual
    alert: {category: rat, signature: "RAT:PlugX", host: pc-f, src_ip: 10.0.1.77, dst_ip: 192.0.2.44}
    outputs:
      "1.2.2": {service: tcp, port: 8443}
      "1.2.3": {process_name: x.exe}
      "1.2.4": {c2_domain: c2.example.org, c2_location: unknown, c2_registrant: unknown}
      "1.3.1": {lateral_ips: []}
      "1.4.1": {}
  - id: empty-action
    alert: {category: rat, signature: "RAT:PlugX", host: pc-f, src_ip: 10.0.1.77, dst_ip: 192.0.2.44}
    outputs:
      "1.2.2": {}
`)
	s, err := suite.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"method 1.4.1: scenario empty-manual gives no outputs for it",
		"method 1.2.2 (edr.connections_by_ip): the scenario gives no outputs for the method",
	}
	for i, r := range s.Run(context.Background()) {
		if r.Passed() || r.Mismatches[0].Key != "run" || !strings.HasPrefix(r.Mismatches[0].Got, want[i]) {
			t.Errorf("%s: mismatches %v; want a failed run: %s…", r.Scenario.ID, r.Mismatches, want[i])
		}
	}
}

// TestScenarioFileChecked: a scenario file that does not fit its design
// does not load; its findings carry paths and positions.
func TestScenarioFileChecked(t *testing.T) {
	path := writeScenarios(t, t.TempDir(), `
  - id: typo
    alert: {category: rat, hots: pc-f}
    outputs:
      "1.2.2": {service: tcp, port: "8443"}
      "9.9.9": {x: 1}
    expect: {path: [c2-trafic]}
  - id: typo
    alert: {category: rat}
`)
	_, err := suite.Load(path)
	fl := finding.From(err)
	if fl == nil {
		t.Fatalf("err %v, want findings", err)
	}
	type got struct {
		Code finding.Code
		Path string
	}
	var gs []got
	for _, f := range fl {
		gs = append(gs, got{f.Code, f.Path})
		if f.Position.Line == 0 {
			t.Errorf("%s: no position", f.Path)
		}
	}
	want := []got{
		{finding.UnknownRef, "scenarios[0].alert.hots"},
		{finding.InvalidValue, `scenarios[0].outputs["1.2.2"].port`},
		{finding.UnknownRef, `scenarios[0].outputs["9.9.9"]`},
		{finding.UnknownRef, "scenarios[0].expect.path[0]"},
		{finding.DuplicateID, "scenarios[1].id"},
	}
	if diff := cmp.Diff(want, gs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
