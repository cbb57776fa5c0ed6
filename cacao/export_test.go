package cacao

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
)

// bundled lists the bundled example designs; absent ones are skipped.
var bundled = []string{
	"../examples/targeted-attack/design.yaml",
	"../examples/acme-web/design.yaml",
}

func loadDesign(t *testing.T, path string) *secops.Design {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s: %v", path, err)
	}
	d, err := secops.LoadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

func TestExportValid(t *testing.T) {
	s := playbookSchema(t)
	for _, path := range bundled {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			d := loadDesign(t, path)
			files, err := Export(d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(d.Playbooks) {
				t.Errorf("got %d files, want %d", len(files), len(d.Playbooks))
			}
			for _, f := range files {
				if err := validateSchema(t, s, f.Playbook); err != nil {
					t.Errorf("%s: schema: %v", f.ID, err)
				}
				for _, err := range Check(f.Playbook) {
					t.Errorf("%s: check: %v", f.ID, err)
				}
			}
		})
	}
}

func TestExportDeterministic(t *testing.T) {
	for _, path := range bundled {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			encode := func(opts Options) []byte {
				files, err := Export(loadDesign(t, path), opts)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				for _, f := range files {
					if err := f.Playbook.Encode(&buf); err != nil {
						t.Fatal(err)
					}
				}
				return buf.Bytes()
			}
			a, b := encode(Options{}), encode(Options{})
			if !bytes.Equal(a, b) {
				t.Error("two exports of the same design differ")
			}
			if c := encode(Options{Time: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)}); !bytes.Contains(c, []byte(`"2026-01-02T03:04:05.006Z"`)) {
				t.Error("Options.Time is not written")
			}
		})
	}
}
