//go:build unix

package gvcache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestPrepare(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, base string) // makes the unsafe state
		unsafe bool
		reason string
	}{
		{name: "fresh", setup: func(*testing.T, string) {}},
		{name: "existing and private", setup: func(t *testing.T, base string) {
			mkdir(t, filepath.Join(base, "secops/graphviz/go-graphviz/wazero-v1"), 0o755)
			write(t, filepath.Join(base, "secops/graphviz/go-graphviz/wazero-v1/abc"), 0o600)
		}},
		{name: "other secops files are not judged", setup: func(t *testing.T, base string) {
			mkdir(t, filepath.Join(base, "secops"), 0o700)
			write(t, filepath.Join(base, "secops/aaa"), 0o666)
		}},
		{name: "base writable by others", unsafe: true, reason: "the user's cache folder itself can be swapped", setup: func(t *testing.T, base string) {
			chmod(t, base, 0o777)
		}},
		{name: "cache folder writable by others", unsafe: true, setup: func(t *testing.T, base string) {
			mkdir(t, filepath.Join(base, "secops/graphviz"), 0o700)
			chmod(t, filepath.Join(base, "secops/graphviz"), 0o777)
		}},
		{name: "secops folder writable by group", unsafe: true, setup: func(t *testing.T, base string) {
			mkdir(t, filepath.Join(base, "secops"), 0o700)
			chmod(t, filepath.Join(base, "secops"), 0o770)
		}},
		{name: "go-graphviz folder writable by others", unsafe: true, reason: "what another user pre-creates in /tmp looks like this", setup: func(t *testing.T, base string) {
			mkdir(t, filepath.Join(base, "secops/graphviz/go-graphviz"), 0o700)
			chmod(t, filepath.Join(base, "secops/graphviz/go-graphviz"), 0o777)
		}},
		{name: "compiled module writable by others", unsafe: true, setup: func(t *testing.T, base string) {
			mkdir(t, filepath.Join(base, "secops/graphviz/go-graphviz/wazero-v1"), 0o700)
			write(t, filepath.Join(base, "secops/graphviz/go-graphviz/wazero-v1/abc"), 0o600)
			chmod(t, filepath.Join(base, "secops/graphviz/go-graphviz/wazero-v1/abc"), 0o666)
		}},
		{name: "cache folder a link", unsafe: true, reason: "a link can point anywhere", setup: func(t *testing.T, base string) {
			mkdir(t, filepath.Join(base, "secops"), 0o700)
			if err := os.Symlink(t.TempDir(), filepath.Join(base, "secops/graphviz")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a link in the cache", unsafe: true, setup: func(t *testing.T, base string) {
			mkdir(t, filepath.Join(base, "secops/graphviz"), 0o700)
			if err := os.Symlink("/tmp/go-graphviz", filepath.Join(base, "secops/graphviz/go-graphviz")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "cache folder a file", unsafe: true, setup: func(t *testing.T, base string) {
			mkdir(t, filepath.Join(base, "secops"), 0o700)
			write(t, filepath.Join(base, "secops/graphviz"), 0o600)
		}},
		{name: "owned by another user", unsafe: true, reason: "only root can make this", setup: func(t *testing.T, base string) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to give a folder away")
			}
			mkdir(t, filepath.Join(base, "secops/graphviz/go-graphviz"), 0o755)
			if err := os.Chown(filepath.Join(base, "secops/graphviz/go-graphviz"), 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			chmod(t, base, 0o700)
			tt.setup(t, base)
			dir, err := Prepare(base)
			if tt.unsafe {
				var ue *UnsafeError
				if !errors.As(err, &ue) {
					t.Fatalf("Prepare = %q, %v; want an *UnsafeError", dir, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if want := filepath.Join(base, "secops", "graphviz"); dir != want {
				t.Errorf("Prepare = %q, want %q", dir, want)
			}
			for _, d := range []string{filepath.Join(base, "secops"), dir} {
				fi, err := os.Lstat(d)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm()&0o077 != 0 && tt.name == "fresh" {
					t.Errorf("%s made with mode %v, want 0700", d, fi.Mode().Perm())
				}
			}
		})
	}
}

func TestPrepareRelative(t *testing.T) {
	if _, err := Prepare("cache"); err == nil {
		t.Error("a relative base was used")
	}
}

// TestSetup: TMPDIR points at the private folder, or at os.DevNull when
// there is none to be had.
func TestSetup(t *testing.T) {
	t.Setenv("TMPDIR", os.TempDir()) // restored after the test
	base := t.TempDir()
	chmod(t, base, 0o700)
	t.Setenv("XDG_CACHE_HOME", base)
	t.Setenv("HOME", base)
	dir, err := Setup()
	if err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv("TMPDIR"); got != dir || dir != filepath.Join(base, "secops", "graphviz") {
		t.Errorf("TMPDIR = %q, dir = %q, want both %q", got, dir, filepath.Join(base, "secops", "graphviz"))
	}

	chmod(t, dir, 0o777)
	dir, err = Setup()
	if err == nil || dir != "" {
		t.Errorf("Setup with a world-writable folder = %q, %v; want an error", dir, err)
	}
	if got := os.Getenv("TMPDIR"); got != os.DevNull {
		t.Errorf("TMPDIR = %q, want %q", got, os.DevNull)
	}
	if _, err := os.Stat(filepath.Join(os.TempDir(), "go-graphviz")); err == nil {
		t.Errorf("%s/go-graphviz exists", os.TempDir())
	}
}

func mkdir(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(dir, mode); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), mode); err != nil {
		t.Fatal(err)
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
