package main

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/secopsdesign/secops/render"
)

// TestNoGraphvizLinked: the secops binary links neither go-graphviz nor
// wazero. go-graphviz compiles its WebAssembly module in a package init,
// reading compiled code from a cache in the shared temporary folder; in
// secops every command, validate and run included, would do that at start.
func TestNoGraphvizLinked(t *testing.T) {
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	info, err := buildinfo.ReadFile(filepath.Join(bin, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/goccy/go-graphviz" || dep.Path == "github.com/tetratelabs/wazero" {
			t.Errorf("secops links %s %s; draw through the secops-graphviz helper instead", dep.Path, dep.Version)
		}
	}
}

// graphvizEnv is the environment for running secops or its helper with a
// fresh, empty temporary folder and user cache folder (returned), no
// $SECOPS_GRAPHVIZ, and PATH reduced to path.
func graphvizEnv(t *testing.T, path string) (env []string, tmp, cache string) {
	t.Helper()
	tmp, cache = t.TempDir(), t.TempDir()
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "TMPDIR", "XDG_CACHE_HOME", "HOME", "PATH", render.HelperEnv:
		default:
			env = append(env, kv)
		}
	}
	env = append(env, "TMPDIR="+tmp, "XDG_CACHE_HOME="+cache, "HOME="+cache, "PATH="+path)
	return env, tmp, cache
}

// assertEmpty fails unless dir has nothing in it.
func assertEmpty(t *testing.T, dir, why string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s: %s appeared in the temporary folder", why, e.Name())
	}
}

// TestCommandsLeaveTMPDIRAlone: validate, and render in the formats that
// need no drawing, neither make nor read $TMPDIR/go-graphviz.
func TestCommandsLeaveTMPDIRAlone(t *testing.T) {
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	design, _ := filepath.Abs(reference)
	for _, args := range [][]string{
		{"validate", design},
		{"render", "--format", "dot", design},
		{"render", "--format", "mermaid", design},
		{"render", "--format", "markdown", design},
	} {
		t.Run(strings.Join(args[:len(args)-1], " "), func(t *testing.T) {
			env, tmp, cache := graphvizEnv(t, t.TempDir())
			cmd := exec.Command(filepath.Join(bin, "secops"), args...)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("secops %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			assertEmpty(t, tmp, "secops "+args[0])
			assertEmpty(t, cache, "secops "+args[0])
		})
	}
}

// TestRenderHTMLHelper: secops render --format html draws its flows with
// the secops-graphviz next to it, which caches the compiled Graphviz in
// the user's cache folder (made 0700), never in $TMPDIR.
func TestRenderHTMLHelper(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the cache needs an owner check, which Windows has not")
	}
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	design, _ := filepath.Abs(reference)
	env, tmp, cache := graphvizEnv(t, t.TempDir())
	cmd := exec.Command(filepath.Join(bin, "secops"), "render", "--format", "html", design)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("secops render --format html: %v\n%s", err, stderrOf(err))
	}
	if got := strings.Count(string(out), "<svg"); got != 2 {
		t.Errorf("%d <svg> in the page, want 2 (one per playbook)", got)
	}
	assertEmpty(t, tmp, "secops render --format html")
	dir := filepath.Join(cache, "secops", "graphviz")
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("no cache folder: %v", err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("%s has mode %v, want 0700", dir, fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dir, "go-graphviz")); err != nil {
		t.Errorf("the compiled Graphviz was not cached: %v", err)
	}
}

// TestRenderHTMLUnsafeCache: a cache folder that others can write is not
// used: the drawing goes on without a cache, and nothing is written in it
// or in $TMPDIR.
func TestRenderHTMLUnsafeCache(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no owner check on Windows: the cache is never used there")
	}
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	design, _ := filepath.Abs(reference)
	env, tmp, cache := graphvizEnv(t, t.TempDir())
	dir := filepath.Join(cache, "secops", "graphviz")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "secops"), "render", "--format", "html", design)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("secops render --format html: %v\n%s", err, stderrOf(err))
	}
	if !strings.Contains(string(out), "<svg") {
		t.Error("no <svg> in the page")
	}
	assertEmpty(t, dir, "a world-writable cache folder")
	assertEmpty(t, tmp, "secops render --format html")
}

// TestRenderHTMLNoHelper: without the helper, render --format html fails
// with exit status 2 and says how to install it; the other formats work.
func TestRenderHTMLNoHelper(t *testing.T) {
	bin, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	alone := t.TempDir()
	secops := filepath.Join(alone, "secops")
	src, err := os.ReadFile(filepath.Join(bin, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secops, src, 0o755); err != nil {
		t.Fatal(err)
	}
	design, _ := filepath.Abs(reference)
	env, _, _ := graphvizEnv(t, t.TempDir())

	cmd := exec.Command(secops, "render", "--format", "html", design)
	cmd.Env = env
	out, err := cmd.Output()
	if code := processExit(err); code != 2 {
		t.Fatalf("exit status %d (%v), want 2", code, err)
	}
	if len(out) != 0 {
		t.Errorf("stdout has %d bytes, want none", len(out))
	}
	msg := string(stderrOf(err))
	for _, want := range []string{"secops-graphviz", "go install github.com/secopsdesign/secops/cmd/secops-graphviz@", render.HelperEnv} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine") {
		t.Errorf("stderr looks like a crash:\n%s", msg)
	}

	cmd = exec.Command(secops, "render", "--format", "dot", design)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("render --format dot without the helper: %v\n%s", err, out)
	}
}

// stderrOf is the standard error an *exec.ExitError kept.
func stderrOf(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}

// processExit is the exit status of a finished command, or -1.
func processExit(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
