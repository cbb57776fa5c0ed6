package secops

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/secopsdesign/secops/finding"
)

func TestCheckScenarios(t *testing.T) {
	d, lf, err := LoadFile("testdata/minimal.yaml")
	if err == nil {
		err = lf.Err()
	}
	require.NoError(t, err)
	const doc = `format: secops-scenarios/v1
design: minimal.yaml
scenarios:
  - id: one
    alert: {category: malware, host: pc-a, colour: red}
    outputs:
      "1.1.1": {spreading: "yes", other: 1}
      "9.9.9": {x: 1}
    expect:
      detection: edr-malware
      incident: none
      severity: hihg
      playbook: malware-triage
      path: [spread, nowhere]
      skipped: ["1.1.2"]
      response: isolate
  - id: one
    alert: {host: "pc a"}
`
	f, err := LoadScenarios(strings.NewReader(doc), "s.yaml")
	require.NoError(t, err)
	got := findingsAt(d.CheckScenarios(f))
	want := []at{
		{finding.UnknownRef, "scenarios[0].alert.colour", 5},
		{finding.InvalidValue, `scenarios[0].outputs["1.1.1"].spreading`, 7},
		{finding.UnknownRef, `scenarios[0].outputs["1.1.1"].other`, 7},
		{finding.UnknownRef, `scenarios[0].outputs["9.9.9"]`, 8},
		{finding.UnknownRef, "scenarios[0].expect.severity", 12},
		{finding.UnknownRef, "scenarios[0].expect.path[1]", 14},
		{finding.UnknownRef, "scenarios[0].expect.skipped[0]", 15},
		{finding.DuplicateID, "scenarios[1].id", 17},
		{finding.InvalidValue, "scenarios[1].alert.host", 18},
	}
	byPath := cmpopts.SortSlices(func(a, b at) bool { return a.Path < b.Path })
	if diff := cmp.Diff(want, got, byPath); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestBundledScenariosCheck: the bundled scenario files match their designs.
func TestBundledScenariosCheck(t *testing.T) {
	files, _ := filepath.Glob("examples/*/*scenarios.yaml")
	for _, path := range files {
		f, err := LoadScenarioFile(path)
		require.NoError(t, err)
		d, lf, err := LoadFile(filepath.Join(filepath.Dir(path), f.Design))
		if err == nil {
			err = lf.Err()
		}
		require.NoError(t, err)
		if l := d.CheckScenarios(f); len(l) > 0 {
			t.Errorf("%s:\n%v", path, l)
		}
	}
}
