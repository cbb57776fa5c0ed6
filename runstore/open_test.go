package runstore_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secopsdesign/secops/runstore"
)

// TestOpen: a URL opens the store of its scheme; one Open cannot open
// says what it can, and for a store of this module not linked in, what
// to import.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := runstore.Open("dir:" + dir)
	if err != nil {
		t.Fatalf("Open(dir:): %v", err)
	}
	if _, ok := s.(*runstore.Dir); !ok {
		t.Errorf("Open(dir:) is a %T, want a *runstore.Dir", s)
	}
	s.Close()

	tests := []struct {
		url  string
		want []string
	}{
		{"sqlite:" + filepath.Join(dir, "runs.db"), []string{"not linked", "import github.com/secopsdesign/secops/runstore/sqlite"}},
		{"mysql:x", []string{`unknown kind of store "mysql"`, "dir:PATH"}},
		{"runs.db", []string{"want", "dir:PATH"}},
		{"dir:", []string{"want", "dir:PATH"}},
		{":x", []string{"want", "dir:PATH"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := runstore.Open(tt.url)
			if err == nil {
				s.Close()
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q: want one saying %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), tt.url) {
				t.Errorf("error %q does not name the URL", err)
			}
		})
	}
}

// TestRegister: a registered scheme opens through Open with the path
// after the scheme, shows in Schemes and in what Open's errors offer;
// registering a scheme twice, an invalid one or a nil Opener panics.
func TestRegister(t *testing.T) {
	var got string
	refused := errors.New("refused")
	runstore.Register("registertest", func(path string) (runstore.Store, error) {
		got = path
		if path == "bad" {
			return nil, refused
		}
		return runstore.NewMemory(), nil
	})
	s, err := runstore.Open("registertest:a/b:c")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got != "a/b:c" {
		t.Errorf("the Opener got path %q, want a/b:c", got)
	}
	if _, err := runstore.Open("registertest:bad"); !errors.Is(err, refused) {
		t.Errorf("Open of a path the Opener refuses: %v, want its error", err)
	}
	schemes := strings.Join(runstore.Schemes(), " ")
	if !strings.Contains(schemes, "dir") || !strings.Contains(schemes, "registertest") {
		t.Errorf("Schemes() = %s, want dir and registertest", schemes)
	}
	if _, err := runstore.Open("nosuch:x"); err == nil || !strings.Contains(err.Error(), "registertest:PATH") {
		t.Errorf("Open of an unknown scheme: %v, want the registered schemes offered", err)
	}
	open := func(string) (runstore.Store, error) { return runstore.NewMemory(), nil }
	for name, register := range map[string]func(){
		"twice":    func() { runstore.Register("registertest", open) },
		"dir":      func() { runstore.Register("dir", open) },
		"empty":    func() { runstore.Register("", open) },
		"colon":    func() { runstore.Register("a:b", open) },
		"nil open": func() { runstore.Register("registertest-nil", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			register()
		})
	}
}
