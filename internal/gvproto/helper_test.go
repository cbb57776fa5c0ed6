// The tests of cmd/secops-graphviz live here, not beside it: a test
// binary of that package would link go-graphviz, whose package init
// compiles its module into the user's own cache (and package tmpdir would
// point TMPDIR, and so t.TempDir, at it). These run the built helper,
// each run with a temporary TMPDIR and cache folder.
package gvproto_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/secopsdesign/secops/internal/gvproto"
)

// TestInitOrderImports checks the condition under which package tmpdir
// runs before go-graphviz compiles its module (see tmpdir's doc): all it
// imports is imported by wazero too.
func TestInitOrderImports(t *testing.T) {
	deps := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	wazero := deps("github.com/tetratelabs/wazero")
	for _, p := range deps("github.com/secopsdesign/secops/internal/gvcache/tmpdir") {
		if !slices.Contains(wazero, p) && !strings.HasPrefix(p, "github.com/secopsdesign/secops/internal/gvcache") {
			t.Errorf("internal/gvcache/tmpdir imports %s, which wazero does not: go-graphviz may then compile its module before TMPDIR is set", p)
		}
	}
}

// buildDir holds the helper the tests build; TestMain removes it.
var buildDir string

func TestMain(m *testing.M) {
	var err error
	if buildDir, err = os.MkdirTemp("", "secops-graphviz-test"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(buildDir)
	os.Exit(code)
}

var helper = sync.OnceValues(func() (string, error) {
	p := filepath.Join(buildDir, "secops-graphviz")
	if out, err := exec.Command("go", "build", "-o", p, "github.com/secopsdesign/secops/cmd/secops-graphviz").CombinedOutput(); err != nil {
		return "", &buildError{err, out}
	}
	return p, nil
})

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + string(e.out) }

// runHelper runs the built helper on a small graph with the given TMPDIR
// and user cache folder, and returns its output and standard error.
func runHelper(t *testing.T, tmp, cache string, extraEnv ...string) (stdout, stderr string) {
	t.Helper()
	cmd := helperCmd(t, tmp, cache, extraEnv)
	cmd.Stdin = strings.NewReader("digraph { a -> b }")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("secops-graphviz: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "<svg") {
		t.Fatalf("no <svg> in %q", out.String())
	}
	return out.String(), errOut.String()
}

// helperCmd is the built helper with args, run with the given TMPDIR and
// user cache folder.
func helperCmd(t *testing.T, tmp, cache string, extraEnv []string, args ...string) *exec.Cmd {
	t.Helper()
	p, err := helper()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(p, args...)
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "TMPDIR", "XDG_CACHE_HOME", "HOME", "GODEBUG":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, append([]string{"TMPDIR=" + tmp, "XDG_CACHE_HOME=" + cache, "HOME=" + cache}, extraEnv...)...)
	return cmd
}

// exitCode runs cmd and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// TestCacheNotInTMPDIR: the helper compiles Graphviz with its cache in the
// user's cache folder, never in $TMPDIR, even when another user has
// planted a cache there; package tmpdir's init runs before go-graphviz's.
func TestCacheNotInTMPDIR(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no owner check on Windows: the cache is never used there")
	}
	tmp, cache := t.TempDir(), t.TempDir()
	_, trace := runHelper(t, tmp, cache, "GODEBUG=inittrace=1")
	ours := strings.Index(trace, "init github.com/secopsdesign/secops/internal/gvcache/tmpdir ")
	theirs := strings.Index(trace, "init github.com/goccy/go-graphviz/internal/wasm ")
	if ours < 0 || theirs < 0 || ours > theirs {
		t.Errorf("package tmpdir is initialised at %d, go-graphviz's wasm at %d: tmpdir must come first", ours, theirs)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("the helper wrote %s in TMPDIR", entries[0].Name())
	}
	private := filepath.Join(cache, "secops", "graphviz", "go-graphviz")
	var entry string // the compiled module, relative to go-graphviz's folder
	_ = filepath.WalkDir(private, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			entry, _ = filepath.Rel(private, p)
		}
		return nil
	})
	if entry == "" {
		t.Fatalf("nothing cached in %s", private)
	}

	// Another user's /tmp/go-graphviz, with a bad entry where the
	// compiled module would be: go-graphviz would fail on it (or run a
	// crafted one). The helper never looks.
	planted := filepath.Join(tmp, "go-graphviz", entry)
	if err := os.MkdirAll(filepath.Dir(planted), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(planted, []byte("not a compiled module"), 0o666); err != nil {
		t.Fatal(err)
	}
	runHelper(t, tmp, t.TempDir())
}

// TestServe: the exchange secops has with the helper.
func TestServe(t *testing.T) {
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, dot := range []string{"digraph { a -> b }", "digraph { a -> ", "digraph { c }"} {
		_ = enc.Encode(gvproto.Request{DOT: dot})
	}
	var out, errOut bytes.Buffer
	cmd := helperCmd(t, t.TempDir(), t.TempDir(), nil, gvproto.ServeFlag)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = &in, &out, &errOut
	if code := exitCode(t, cmd); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	dec := json.NewDecoder(&out)
	var hello gvproto.Hello
	if err := dec.Decode(&hello); err != nil {
		t.Fatal(err)
	}
	if hello.Program != gvproto.Program || hello.Version != gvproto.Version {
		t.Errorf("hello = %+v", hello)
	}
	for i, wantSVG := range []bool{true, false, true} {
		var r gvproto.Reply
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if got := strings.Contains(r.SVG, "<svg"); got != wantSVG || (r.Error == "") != wantSVG || r.Fatal {
			t.Errorf("reply %d = %+v, want SVG %v", i, r, wantSVG)
		}
	}
}

func TestUsage(t *testing.T) {
	var errOut bytes.Buffer
	cmd := helperCmd(t, t.TempDir(), t.TempDir(), nil, "-x")
	cmd.Stderr = &errOut
	if code := exitCode(t, cmd); code != 2 || !strings.Contains(errOut.String(), "usage") {
		t.Errorf("-x: exit %d, stderr %q", code, errOut.String())
	}
	if code := exitCode(t, helperCmd(t, t.TempDir(), t.TempDir(), nil, filepath.Join(t.TempDir(), "none.dot"))); code != 2 {
		t.Errorf("a missing file: exit %d", code)
	}
}
