package render

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// designs are the designs every test renders: the two bundled examples and
// a fixture full of characters that the output syntaxes read as syntax.
var designs = []struct {
	name, path string
	optional   bool // skip when the file does not exist (yet)
}{
	{"targeted-attack", "../examples/targeted-attack/design.yaml", false},
	{"acme-web", "../examples/acme-web/design.yaml", true},
	{"tricky", "testdata/tricky.yaml", false},
}

// load reads a design for a test, refusing only a nil design as the
// command does; it skips an optional design that does not exist.
func load(t *testing.T, path string, optional bool) *secops.Design {
	t.Helper()
	if _, err := os.Stat(path); optional && os.IsNotExist(err) {
		t.Skipf("%s does not exist yet", path)
	}
	d, lf, err := secops.LoadFile(path)
	if err == nil {
		err = lf.Err()
	}
	if d == nil {
		t.Fatalf("LoadFile(%s): %v", path, err)
	}
	return d
}

// outputs are the renderings that have golden files, by file suffix.
var outputs = []struct {
	suffix string
	render func(*bytes.Buffer, *secops.Design) error
}{
	{".md", func(b *bytes.Buffer, d *secops.Design) error { return Markdown(b, d) }},
	{".mmd", func(b *bytes.Buffer, d *secops.Design) error { return Mermaid(b, d, nil) }},
	{".dot", func(b *bytes.Buffer, d *secops.Design) error { return DOT(b, d, nil) }},
	{".html", func(b *bytes.Buffer, d *secops.Design) error { return HTML(context.Background(), b, d) }},
}

func TestGolden(t *testing.T) {
	for _, ds := range designs {
		for _, out := range outputs {
			t.Run(ds.name+out.suffix, func(t *testing.T) {
				d := load(t, ds.path, ds.optional)
				var got bytes.Buffer
				if err := out.render(&got, d); err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", ds.name+out.suffix+".golden")
				if *update {
					if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./render -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), got.String()); diff != "" {
					t.Errorf("%s mismatch (-want +got), run go test ./render -update if intended:\n%s", golden, diff)
				}
			})
		}
	}
}

// TestDeterministic renders every design twice and compares: map
// iteration or anything else random must not leak into the output.
func TestDeterministic(t *testing.T) {
	for _, ds := range designs {
		for _, out := range outputs {
			t.Run(ds.name+out.suffix, func(t *testing.T) {
				d := load(t, ds.path, ds.optional)
				var a, b bytes.Buffer
				if err := out.render(&a, d); err != nil {
					t.Fatal(err)
				}
				if err := out.render(&b, d); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(a.String(), b.String()); diff != "" {
					t.Errorf("two renderings differ (-first +second):\n%s", diff)
				}
			})
		}
	}
}
