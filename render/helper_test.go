package render

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestFindHelperMissing: no helper anywhere is ErrNoHelper, with the
// command that installs it.
func TestFindHelperMissing(t *testing.T) {
	t.Setenv(HelperEnv, "")
	t.Setenv("PATH", t.TempDir())
	_, err := FindHelper()
	if !errors.Is(err, ErrNoHelper) {
		t.Fatalf("FindHelper() = %v, want ErrNoHelper", err)
	}
	if want := "go install github.com/secopsdesign/secops/cmd/secops-graphviz@"; !strings.Contains(err.Error(), want) {
		t.Errorf("the error does not say %q:\n%v", want, err)
	}

	t.Setenv(HelperEnv, filepath.Join(t.TempDir(), "nothing-here"))
	if _, err := FindHelper(); !errors.Is(err, ErrNoHelper) || !strings.Contains(err.Error(), HelperEnv) {
		t.Errorf("FindHelper() with $%s naming nothing = %v, want ErrNoHelper naming the variable", HelperEnv, err)
	}

	// HTML says the same, and writes nothing.
	t.Setenv(HelperEnv, "")
	var b strings.Builder
	h := &Helper{}
	err = HTML(context.Background(), &b, load(t, designs[0].path, false), WithDrawer(h))
	if !errors.Is(err, ErrNoHelper) {
		t.Errorf("HTML without a helper = %v, want ErrNoHelper", err)
	}
	if b.Len() != 0 {
		t.Errorf("HTML wrote %d bytes though it failed", b.Len())
	}
}

// fakeHelper writes a shell script that stands in for the helper.
func fakeHelper(t *testing.T, script string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts")
	}
	p := filepath.Join(t.TempDir(), "fake-helper")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHelperFailures: a helper that fails, or a program that is not the
// helper, is an error that says what happened, never a hang or a panic.
func TestHelperFailures(t *testing.T) {
	tests := []struct {
		name, script string
		want         []string // in the error
	}{
		{"exits", `echo "no module for you" >&2; exit 3`, []string{"exit status 3", "no module for you"}},
		{"exits quietly", `exit 0`, []string{"stopped without answering"}},
		{"not the helper", `echo "hello, world"; cat >/dev/null`, []string{"does not answer as secops-graphviz does"}},
		{"another version", `echo '{"program":"secops-graphviz","version":99}'; cat >/dev/null`, []string{"version 99", "want version 1"}},
		{"another program", `echo '{"program":"dot","version":1}'; cat >/dev/null`, []string{`"dot"`}},
		{"dies on the request", `echo '{"program":"secops-graphviz","version":1}'; read x; echo "out of memory" >&2; exit 1`, []string{"exit status 1", "out of memory"}},
		{"hangs", `exec sleep 30`, []string{context.DeadlineExceeded.Error()}},
		{"fails to draw", `echo '{"program":"secops-graphviz","version":1}'; while read x; do echo '{"error":"Graphviz cannot read the graph"}'; done`, []string{"render: Graphviz cannot read the graph"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Helper{Path: fakeHelper(t, tt.script)}
			defer h.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			start := time.Now()
			svg, err := h.DrawSVG(ctx, []byte("digraph { a -> b }"))
			if err == nil {
				t.Fatalf("DrawSVG = %q, nil; want an error", svg)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("DrawSVG took %v", d)
			}
		})
	}
}

// TestHelperRestarts: a helper that died while idle is started again, and
// Close leaves a Helper that can draw again.
func TestHelperRestarts(t *testing.T) {
	h := &Helper{Path: helperPath}
	defer h.Close()
	ctx := context.Background()
	draw := func() {
		t.Helper()
		svg, err := h.DrawSVG(ctx, []byte("digraph { a -> b }"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(svg), "<svg") {
			t.Fatalf("no <svg> in %q", svg)
		}
	}
	draw()
	h.mu.Lock()
	if err := h.proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-h.proc.waited
	h.mu.Unlock()
	draw()
	if err := h.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	draw()

	// A graph Graphviz cannot read is an error, and the helper goes on.
	if _, err := h.DrawSVG(ctx, []byte("digraph { a -> ")); err == nil {
		t.Error("a broken graph drew")
	}
	draw()
}

// TestWithDrawer: HTML and SVG draw with the Drawer given, and report its
// errors.
func TestWithDrawer(t *testing.T) {
	d := load(t, designs[0].path, false)
	var calls int
	dr := DrawerFunc(func(ctx context.Context, dot []byte) ([]byte, error) {
		calls++
		if !strings.HasPrefix(string(dot), "digraph") {
			t.Errorf("the drawer got %.40q, not DOT", dot)
		}
		return []byte(`<?xml version="1.0"?><svg width="10pt" height="20pt"><g class="node"/></svg>`), nil
	})
	var b strings.Builder
	if err := HTML(context.Background(), &b, d, WithDrawer(dr)); err != nil {
		t.Fatal(err)
	}
	if calls != len(d.Playbooks) {
		t.Errorf("the drawer was called %d times, want %d", calls, len(d.Playbooks))
	}
	if !strings.Contains(b.String(), `<svg role="img" style="max-width:100%;height:auto" width="10pt" height="20pt">`) {
		t.Error("the drawer's SVG is not in the page, sized to scale")
	}

	boom := errors.New("boom")
	failing := DrawerFunc(func(context.Context, []byte) ([]byte, error) { return nil, boom })
	if err := SVG(context.Background(), new(strings.Builder), d, &d.Playbooks[0], WithDrawer(failing)); !errors.Is(err, boom) {
		t.Errorf("SVG with a failing drawer = %v, want boom", err)
	}
	notSVG := DrawerFunc(func(context.Context, []byte) ([]byte, error) { return []byte("hello"), nil })
	if err := SVG(context.Background(), new(strings.Builder), d, &d.Playbooks[0], WithDrawer(notSVG)); err == nil {
		t.Error("SVG took a drawing with no <svg>")
	}
}

// TestHelperDamagedCache: a damaged compiled module in the helper's cache
// makes go-graphviz panic as it starts; the drawing goes on without the
// cache.
func TestHelperDamagedCache(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no cache on Windows")
	}
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	draw := func() {
		t.Helper()
		h := &Helper{Path: helperPath}
		defer h.Close()
		if _, err := h.DrawSVG(context.Background(), []byte("digraph { a -> b }")); err != nil {
			t.Fatal(err)
		}
	}
	draw()
	var damaged int
	_ = filepath.WalkDir(filepath.Join(cache, "secops"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			damaged++
			return os.WriteFile(p, []byte("not a compiled module"), 0o600)
		}
		return nil
	})
	if damaged == 0 {
		t.Fatal("nothing was cached")
	}
	draw()
}

// TestBuiltByGoRun tells a program go run built (whose folder the
// no-helper message must not name) from an installed one.
func TestBuiltByGoRun(t *testing.T) {
	tests := []struct {
		exe  string
		want bool
	}{
		{"/root/.cache/go-build/26/2656f-d/secops", true},
		{"/tmp/go-build1234567/b001/exe/secops", true},
		{`C:\Users\a\AppData\Local\go-build\26\2656f-d\secops.exe`, runtime.GOOS == "windows"},
		{"/root/go/bin/secops", false},
		{"/usr/local/bin/secops", false},
		{"/tmp/go-build1234567/b001/render.test", false},
	}
	for _, tt := range tests {
		if got := builtByGoRun(tt.exe); got != tt.want {
			t.Errorf("builtByGoRun(%q) = %v, want %v", tt.exe, got, tt.want)
		}
	}
}
