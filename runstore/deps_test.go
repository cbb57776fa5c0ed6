package runstore_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestNoSQLiteDependency: whoever uses the Store interface, the Memory
// or the Dir store does not link SQLite; package runstore/sqlite
// registers its store when imported.
func TestNoSQLiteDependency(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no go command to list the dependencies with")
		}
		t.Skip("no go command to list the dependencies with")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "modernc.org/") || strings.HasSuffix(pkg, "/runstore/sqlite") {
			t.Errorf("package runstore depends on %s", pkg)
		}
	}
}
