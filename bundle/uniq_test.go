package bundle

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/finding"
)

func TestUniq(t *testing.T) {
	f := finding.Finding{Severity: finding.Error, Code: finding.UnknownRef, Path: "processes[2].methods[3].action", Message: `no adapter "threatintel"`}
	g := f
	g.Path = "processes[3].methods[0].action"
	if diff := cmp.Diff(finding.List{f, g}, uniq(finding.List{f, g, f})); diff != "" {
		t.Errorf("uniq (-want +got):\n%s", diff)
	}
}
