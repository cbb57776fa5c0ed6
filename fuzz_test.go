package secops

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/finding"
)

// FuzzLoad checks that the loader and the validator never panic, that a
// document that loads with no finding survives save → load unchanged, and
// that every finding of a loaded document has a position in its source.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"examples/*/*.yaml", "testdata/*.yaml", "testdata/invalid/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"format": "secops/v1", "metadata": {"name": "x"}}`))
	if base, err := os.ReadFile("testdata/minimal.yaml"); err == nil {
		for _, tt := range hostileCases {
			if tt.name != "a hundred thousand repeated inputs" { // too large a seed
				f.Add([]byte(tt.apply(f, base)))
			}
		}
	}
	for _, doc := range []string{
		"%YAML 1.2\n---\nformat: secops/v1\n", "format: secops/v1\n---\n", "\xef\xbb\xbfformat: secops/v1\n",
		"a: &a {x: 1}\nb: {<<: *a, y: 2}\n", "items:\n  - *nope\n", "a: 1\na: 2\n", "x: !!str 1.1\n",
		`{"metadata": {"title": "\u0000"}}`, "metadata:\n  title: a\tb\n",
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, lf, err := Load(bytes.NewReader(data), "fuzz.yaml")
		if err == nil {
			err = lf.Err()
		}
		if d == nil {
			if l := finding.From(err); len(l) != 1 {
				t.Fatalf("nil design with %d findings: %v", len(l), err)
			}
			return
		}
		verr := d.Validate()
		for _, fd := range finding.From(verr) {
			if fd.Line == 0 {
				t.Errorf("finding without a position: %v", fd)
			}
		}
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := d.WriteYAML(&buf); err != nil {
			t.Fatalf("WriteYAML: %v", err)
		}
		back, lf, err := Load(&buf, "saved.yaml")
		if err == nil {
			err = lf.Err()
		}
		if err != nil {
			t.Fatalf("saved design does not load: %v\n%s", err, buf.String())
		}
		if diff := cmp.Diff(d, back, ignoreSource); diff != "" {
			t.Errorf("save → load changed the design (-want +got):\n%s", diff)
		}
	})
}
