package change_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/secopsdesign/secops/change"
)

// TestLoadDesign: a file is a file; REV:PATH is read from git, and a
// revision git does not know is git's own message.
func TestLoadDesign(t *testing.T) {
	b, err := change.LoadDesign("../examples/acme-web/design.yaml")
	if err != nil || b.Design == nil || !b.OK() {
		t.Fatalf("a file: %v", err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no git, which CI has")
		}
		t.Skip("no git")
	}
	if _, err := change.LoadDesign("no-such-revision-x1:design.yaml"); err == nil || !strings.HasPrefix(err.Error(), "git show no-such-revision-x1:design.yaml: ") {
		t.Errorf("an unknown revision: %v", err)
	}
}
