package render

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/secopsdesign/secops/ident"
)

// TestFormat: each format is its own function's output; a playbook is
// drawn alone in mermaid and dot only, and an unknown one is named with
// the ones there are.
func TestFormat(t *testing.T) {
	d := load(t, "testdata/tricky.yaml", false)
	pb := &d.Playbooks[0]
	for _, tc := range []struct {
		format string
		id     ident.ID
		own    func(*bytes.Buffer) error
		err    string
	}{
		{"markdown", "", func(b *bytes.Buffer) error { return Markdown(b, d) }, ""},
		{"mermaid", "", func(b *bytes.Buffer) error { return Mermaid(b, d, nil) }, ""},
		{"mermaid", pb.ID, func(b *bytes.Buffer) error { return Mermaid(b, d, pb) }, ""},
		{"dot", pb.ID, func(b *bytes.Buffer) error { return DOT(b, d, pb) }, ""},
		{"markdown", pb.ID, nil, "formats mermaid and dot only, not markdown"},
		{"dot", "no-such", nil, `no playbook "no-such"; the design has: ` + string(pb.ID)},
		{"pdf", "", nil, `format "pdf": want markdown, html, mermaid, dot`},
	} {
		var got, want bytes.Buffer
		err := Format(context.Background(), &got, d, tc.format, tc.id)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %s: %v, want %q", tc.format, tc.id, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s %s: %v", tc.format, tc.id, err)
		}
		if err := tc.own(&want); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s %s: Format differs from the format's own function", tc.format, tc.id)
		}
	}
}
