package bundle_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/bundle"
)

// TestLoadEach: every design in order, stdin once, a missing file as an
// error of its own, and the adapter configuration's own findings once.
func TestLoadEach(t *testing.T) {
	unusedAdapters := "../examples/lab/adapters.yaml" // has adapters acme-web does not use
	got := bundle.LoadEach([]string{"../examples/acme-web/design.yaml", "-", "missing.yaml", "-", "../examples/acme-web/design.yaml"},
		unusedAdapters, strings.NewReader("format: secops/v1\n"))
	type row struct {
		File                 string
		InAdapters, InDesign int // findings positioned in each file
		Err                  bool
	}
	var rows []row
	for _, r := range got {
		w := row{File: r.File, Err: r.Err != nil}
		for _, f := range r.Findings {
			if f.File == unusedAdapters {
				w.InAdapters++
			} else {
				w.InDesign++
			}
		}
		rows = append(rows, w)
	}
	a, d := rows[0].InAdapters, rows[0].InDesign
	if a == 0 || d == 0 {
		t.Fatalf("want findings in both files: %+v", rows[0])
	}
	want := []row{{"../examples/acme-web/design.yaml", a, d, false}, {bundle.Stdin, rows[1].InAdapters, rows[1].InDesign, false},
		{"missing.yaml", 0, 0, true}, {bundle.Stdin, 0, 0, true}, {"../examples/acme-web/design.yaml", 0, d, false}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !errors.Is(got[3].Err, bundle.ErrStdinTwice) {
		t.Errorf("the second -: %v", got[3].Err)
	}
}
