package render

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// helperPath is the secops-graphviz built for these tests.
var helperPath string

// TestMain builds the SVG helper (cmd/secops-graphviz) once and points
// HelperEnv at it, so that every HTML and SVG rendering in the tests,
// examples included, draws the way the secops command does: in the
// helper's process, with a user cache folder of their own.
func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "secops-graphviz-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	helperPath = filepath.Join(dir, HelperName)
	if out, err := exec.Command("go", "build", "-o", helperPath, "../cmd/secops-graphviz").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ../cmd/secops-graphviz: %v\n%s", err, out)
		return 2
	}
	os.Setenv(HelperEnv, helperPath)
	// The helper caches its compiled Graphviz in the user's cache folder:
	// for the tests, one of their own, removed with the rest.
	cache := filepath.Join(dir, "cache")
	if err := os.Mkdir(cache, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	os.Setenv("XDG_CACHE_HOME", cache) // os.UserCacheDir on Linux and the BSDs
	os.Setenv("HOME", cache)           // on macOS: $HOME/Library/Caches
	defer defaultHelper.Close()
	return m.Run()
}
