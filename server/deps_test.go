package server_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoTemporalDependency: whoever embeds the store-backed server does
// not link the Temporal SDK or gRPC; Temporal is a driver of package runs
// that registers itself when imported.
func TestNoTemporalDependency(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the dependencies with")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "go.temporal.io/") || strings.HasPrefix(pkg, "google.golang.org/grpc") ||
			strings.HasSuffix(pkg, "/executor/temporal") {
			t.Errorf("package server depends on %s", pkg)
		}
	}
}
