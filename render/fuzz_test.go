package render

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/process"
)

// FuzzWrap: wrapping never panics, keeps every non-space character in
// order, and returns lines without surrounding space.
func FuzzWrap(f *testing.F) {
	for _, s := range []string{"", " ", "6.1 同事象が確認された別端末あり", "fr-isolate-web-server", "（「", "a\u0301b", "。。。", "\xff\xfe", "攻撃継続確認 (事象が確認できた全端末)"} {
		f.Add(s, 100.0)
	}
	f.Fuzz(func(t *testing.T, s string, width float64) {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "?")
		}
		lines := wrap(s, width, 12)
		squash := func(x string) string { return strings.Join(strings.Fields(x), "") }
		if got, want := squash(strings.Join(lines, "")), squash(oneLine(s)); got != want {
			t.Errorf("wrap(%q) = %q: text changed", s, lines)
		}
		for _, l := range lines {
			if l == "" || strings.TrimSpace(l) != l {
				t.Errorf("wrap(%q): line %q", s, l)
			}
		}
	})
}

// FuzzDescribe: any condition, valid CEL or not, is said in words or
// given back as written, on one line, without panicking.
func FuzzDescribe(f *testing.F) {
	for _, s := range []string{"size(fields.a) > 0", "fields.b", "!has(fields.a) || fields.c >= 1", `severity == "x"`, "((", "fields.a.b.c", `fields["a"] && 1 < size(fields.a)`} {
		f.Add(s)
	}
	d := &secops.Design{Fields: []process.Field{{ID: "a", Name: "A list", List: true}, {ID: "b", Name: "B"}}}
	f.Fuzz(func(t *testing.T, src string) {
		for _, w := range []*words{&english, &japanese} {
			if got := describe(d, w, src); strings.ContainsAny(got, "\n\r") {
				t.Errorf("describe(%q) = %q: more than one line", src, got)
			}
		}
	})
}
