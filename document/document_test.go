package document

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/finding"
)

type item struct {
	ID    string            `json:"id"`
	On    bool              `json:"on,omitempty"`
	Count int               `json:"count,omitempty"`
	Wait  duration.Duration `json:"wait,omitempty"`
	Ptr   *bool             `json:"ptr,omitempty"`
	Tags  []string          `json:"tags,omitempty"`
	Extra map[string]any    `json:"extra,omitempty"`
}

type doc struct {
	Name  string `json:"name"`
	Items []item `json:"items"`
}

type at struct {
	Code finding.Code
	Path string
	Line int
	Col  int
}

func ats(l finding.List) []at {
	var out []at
	for _, f := range l {
		out = append(out, at{f.Code, f.Path, f.Line, f.Column})
	}
	return out
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []at
	}{
		{"valid", "name: x\nitems:\n  - {id: a, on: true, count: 3, wait: 2h, ptr: false, tags: [p, q], extra: {k: [1, x]}}\n", nil},
		{"valid json", `{"name": "x", "items": [{"id": "a", "wait": "1d"}]}`, nil},
		{"unknown keys, all of them", "name: x\nnmae: y\nitems:\n  - id: a\n    tgas: [p]\n", []at{
			{finding.UnknownField, "nmae", 2, 1},
			{finding.UnknownField, "items[0].tgas", 5, 5},
		}},
		{"wrong types", "name: [x]\nitems:\n  - id: 7\n    on: yes please\n    count: many\n    tags: p\n", []at{
			{finding.InvalidValue, "name", 1, 7},
			{finding.InvalidValue, "items[0].id", 3, 9},
			{finding.InvalidValue, "items[0].on", 4, 9},
			{finding.InvalidValue, "items[0].count", 5, 12},
			{finding.InvalidValue, "items[0].tags", 6, 11},
		}},
		{"bad duration", "items:\n  - {id: a, wait: soon}\n", []at{{finding.InvalidValue, "items[0].wait", 2, 19}}},
		{"json slow path", `{"name": "x", "items": [{"id": "a", "colour": "red"}]}`, []at{{finding.UnknownField, "items[0].colour", 1, 37}}},
		{"anchors", "items:\n  - &a {id: a}\n  - *a\n", nil},
		{"json slow path without spaces", `{"name":"x","items":[{"id":"a","colour":"red"}]}`, []at{{finding.UnknownField, "items[0].colour", 1, 32}}},
		{"json key in another case", `{"Name": "x", "items": []}`, []at{{finding.UnknownField, "Name", 1, 2}}},
		{"two documents", "name: a\n---\nname: b\n", []at{{finding.Syntax, "", 3, 1}}},
		{"a final ---", "name: a\n---\n", nil},
		{"%YAML 1.2", "%YAML 1.2\n---\nname: a\n", nil},
		{"byte order mark", "\ufeffname: a\n", nil},
		{"numbers beyond float64 in untyped values", "items:\n  - {id: a, extra: {big: 1e99999, ok: 123456789012345678901234, hex: 0xFFFFFFFFFFFFFFFFFFFF}}\n", []at{
			{finding.InvalidValue, "items[0].extra.big", 2, 26},
			{finding.InvalidValue, "items[0].extra.hex", 2, 70},
		}},
		{"a mapping that merges itself", "name: x\nitems:\n  - &a {<<: *a, id: a}\n", []at{{finding.InvalidValue, "items[0]", 3, 5}}},
		// Bounded by the depth limit: each merge goes one level deeper.
		{"a mapping that merges one that holds it", "items:\n  - &a {id: a, extra: {x: &b {<<: *a}}}\n",
			[]at{{finding.Syntax, "items[0].extra.x" + strings.Repeat(".extra.x", 20), 2, 5}}},
		{"tags", "name: !!str 12\nitems:\n  - !thing {id: a}\n  - {id: !!int 7}\n  - {id: b, on: !!bool yes, count: !!int x, extra: {f: !!float x, b: !!bool no}}\n", []at{
			{finding.InvalidValue, "items[0]", 3, 5},
			{finding.InvalidValue, "items[1].id", 4, 10},
			{finding.InvalidValue, "items[2].on", 5, 17},
			{finding.InvalidValue, "items[2].count", 5, 36},
			{finding.InvalidValue, "items[2].extra.f", 5, 56},
			{finding.InvalidValue, "items[2].extra.b", 5, 70},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v doc
			_, l, fatal := Decode([]byte(tt.in), "d.yaml", &v, "test document")
			if fatal {
				t.Fatalf("fatal: %v", l)
			}
			if diff := cmp.Diff(tt.want, ats(l)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, l)
			}
		})
	}
}

func TestKnownJSONKeys(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}`, true},
		{`{"a": "B: {", "b": ["x", "y"]}`, true},
		{`{"a": 1, "a": 2}`, false},
		{`{"a": {"x": 1}, "b": {"x": 1, "x": 2}}`, false},
		{`{"A": 1}`, true},
		{`{"a\u0041": 1}`, false},
	}
	for _, tt := range tests {
		if got := knownJSONKeys([]byte(tt.in), reflect.TypeFor[map[string]any]()); got != tt.want {
			t.Errorf("knownJSONKeys(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestKnownJSONKeysTyped(t *testing.T) {
	typ := reflect.TypeFor[doc]()
	tests := []struct {
		in   string
		want bool
	}{
		{`{"name": "x", "items": [{"id": "a", "extra": {"Any": {"Key": 1}}, "tags": ["x"]}]}`, true},
		{`{"name": "x", "items": [{"id": "a", "colour": "red"}]}`, false},
		{`{"name": "x", "nmae": "y"}`, false},
		{`{"name": {"deep": 1}}`, false},
		{`{"items": [{"wait": "2h", "ptr": true}, {"id": "b"}]}`, true},
		{`{"items": [{"id": "a"}, {"id": "b", "id": "c"}]}`, false},
		{`{"Name": "x"}`, false},
		{`{"n\u0061me": "x"}`, false},
		{`{"name": "x", "items": [{"ſd": "a"}]}`, false},
		{`{"name": "x", "items": [{"Kd": "a"}]}`, false},
	}
	for _, tt := range tests {
		if got := knownJSONKeys([]byte(tt.in), typ); got != tt.want {
			t.Errorf("knownJSONKeys(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDecodeValues(t *testing.T) {
	var v doc
	_, l, _ := Decode([]byte("name: x\nitems:\n  - {id: a, on: true, count: 3, wait: 90m, ptr: false, tags: [], extra: {n: 1, f: 1.5, s: s, l: [true]}}\n"), "d.yaml", &v, "test")
	if l != nil {
		t.Fatal(l)
	}
	f := false
	var tabs doc
	if _, l, _ := Decode([]byte("name: a\tb   c\nitems: [{id: \"q\\tr\"}, {id: x\ty}]\n"), "t.yaml", &tabs, "test"); l != nil {
		t.Fatal(l)
	}
	if diff := cmp.Diff(doc{Name: "a\tb   c", Items: []item{{ID: "q\tr"}, {ID: "x\ty"}}}, tabs); diff != "" {
		t.Errorf("tabs (-want +got):\n%s", diff)
	}
	want := doc{Name: "x", Items: []item{{ID: "a", On: true, Count: 3, Wait: duration.Duration(90 * 60e9), Ptr: &f, Tags: []string{},
		Extra: map[string]any{"n": int64(1), "f": 1.5, "s": "s", "l": []any{true}}}}}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestMerge: merging is shallow, a mapping's own keys win whole, and a
// merged list may come through an alias defined beside it.
func TestMerge(t *testing.T) {
	type inner struct {
		X string `json:"x,omitempty"`
		Y string `json:"y,omitempty"`
	}
	type outer struct {
		A    string `json:"a,omitempty"`
		B    string `json:"b,omitempty"`
		N    inner  `json:"n,omitzero"`
		Defs []any  `json:"defs,omitempty"`
	}
	tests := []struct {
		name, in string
		want     outer
	}{
		{"own keys replace merged ones whole", "defs: [&m {a: A, n: {x: X}}]\n<<: *m\nn: {y: Y}\n", outer{A: "A", N: inner{Y: "Y"}}},
		{"the first of merged mappings wins", "<<: [{n: {x: X}}, {n: {y: Y}, b: B}]\n", outer{B: "B", N: inner{X: "X"}}},
		{"merged list through a sibling alias", "defs: [&d {a: A1}, &e {a: A2, b: B2}, &s [*d, *e]]\n<<: *s\n", outer{A: "A1", B: "B2"}},
	}
	for _, tt := range tests {
		var got outer
		if _, l, _ := Decode([]byte(tt.in), "m.yaml", &got, "test"); l != nil {
			t.Errorf("%s: %v", tt.name, l)
			continue
		}
		got.Defs = nil
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestEncodeValues: floats read back as floats, and invalid UTF-8 is
// written as U+FFFD rather than as other characters.
func TestEncodeValues(t *testing.T) {
	type v struct {
		Name  string         `json:"name"`
		Extra map[string]any `json:"extra"`
	}
	in := v{Name: "caf\xe9", Extra: map[string]any{"big": 1e21, "small": 1e-7, "three": 3.0, "inf": math.Inf(1)}}
	var buf bytes.Buffer
	if err := EncodeYAML(&buf, in); err != nil {
		t.Fatal(err)
	}
	var got v
	if _, l, _ := Decode(buf.Bytes(), "v.yaml", &got, "test"); l != nil {
		t.Fatalf("%v\n%s", l, buf.String())
	}
	want := v{Name: "caf\uFFFD", Extra: map[string]any{"big": 1e21, "small": 1e-7, "three": 3.0, "inf": math.Inf(1)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s\n%s", diff, buf.String())
	}
}

func TestMergeIntoMap(t *testing.T) {
	var got map[string]any
	if _, l, _ := Decode([]byte("x: &c {host: pc-a, port: 1}\ny: {<<: *c, port: 2}\n"), "m.yaml", &got, "test"); l != nil {
		t.Fatal(l)
	}
	want := map[string]any{"host": "pc-a", "port": int64(2)}
	if diff := cmp.Diff(want, got["y"]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestFatal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		code finding.Code // finding.Syntax when empty
	}{
		{"syntax", "name: [x\n", 1, ""},
		{"json duplicate key", `{"name": "x", "name": "y", "items": []}`, 1, finding.DuplicateKey},
		{"empty", "", 1, ""},
		{"comments only", "# nothing\n", 1, ""},
		{"not utf-8", "name: ok\nitems: \xc3\x28\n", 2, ""},
		{"too deep", "name: " + strings.Repeat("{a: ", 70) + "b" + strings.Repeat("}", 70), 1, ""},
		{"too large", strings.Repeat("#\n", MaxSize/2+1), 0, ""},
		// YAML has no forward or undefined aliases: the parser stops there.
		{"undefined alias", "items:\n  - *nope\n", 2, ""},
		{"duplicate key", "name: a\nitems: []\nname: b\n", 3, finding.DuplicateKey},
		{"unclosed flow sequence", "name: [x,\n  y\nitems: []\n", 3, ""},
		{"%YAML 2.0", "%YAML 2.0\n---\nname: x\n", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v doc
			_, l, fatal := Decode([]byte(tt.in), "d.yaml", &v, "test")
			code := tt.code
			if code == "" {
				code = finding.Syntax
			}
			if !fatal || len(l) != 1 || l[0].Code != code || l[0].Line != tt.line {
				t.Errorf("Decode = fatal %v, %v; want one %s finding at line %d", fatal, l, code, tt.line)
			}
		})
	}
}

func TestNesting(t *testing.T) {
	tests := []struct {
		in       string
		min, max int
	}{
		{"a: 1\nb: 2\n", 1, 1},
		{"a:\n  b:\n    c: 1\n", 3, 3},
		{"a:\n  - b: 1\n    c:\n      - x\n", 3, 5},
		{"a: [1, [2, [3]]]\n", 3, 4},
		{"a: \"[[[[[\"\nb: '{{{{'\n# [[[[[\n", 1, 1},
		{"- - - - x\n", 4, 5},
		{"text: |\n  [[[[\n  {{{{\n", 1, 2},
		{"- a: >-\n    [[[[\n\n    [[[[\n- b: [1]\n", 2, 3},
		{"a: it's [[[[\nb: c\n", 5, 5},
		{"a: 'open\n" + strings.Repeat("[", 100), 65, 101},
	}
	for _, tt := range tests {
		if got, _ := nesting([]byte(tt.in)); got < tt.min || got > tt.max {
			t.Errorf("nesting(%q) = %d, want %d..%d", tt.in, got, tt.min, tt.max)
		}
	}
}

func TestPosition(t *testing.T) {
	src, _, _ := Decode([]byte("name: x\nitems:\n  - id: a\n    tags: [p, q]\n  - id: b\n"), "d.yaml", &doc{}, "test")
	tests := []struct {
		path      string
		key       bool
		line, col int
	}{
		{"name", false, 1, 7},
		{"name", true, 1, 1},
		{"items[0].tags[1]", false, 4, 15},
		{"items[1]", false, 5, 5},
		{"items[1].tags", false, 5, 5},      // missing: the entry that would hold it
		{"items[7]", false, 2, 1},           // missing: the key of the list
		{"format", false, 1, 1},             // missing at the top: the document
		{"items[0].id.deeper", false, 3, 5}, // past a scalar: the scalar's key
	}
	for _, tt := range tests {
		got := src.Position(tt.path, tt.key)
		if got.Line != tt.line || got.Column != tt.col || got.File != "d.yaml" {
			t.Errorf("Position(%q, %v) = %v, want d.yaml:%d:%d", tt.path, tt.key, got, tt.line, tt.col)
		}
	}
	if got := (*Source)(nil).Position("x", false); got != (finding.Position{}) {
		t.Errorf("nil source gives %v", got)
	}
}

func TestLooksNumeric(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"12", true}, {"-12", true}, {"+1.5", true}, {".5", true}, {"1.", true}, {"1e99999", true}, {"1E-3", true},
		{"0x1F", true}, {"0o17", true}, {"0b101", true}, {"1_000", true}, {"123456789012345678901234567890", true},
		{"", false}, {".", false}, {"--1", false}, {"1.1.1", false}, {"2026-11-20", false}, {"1e", false},
		{"0x", false}, {"12:30", false}, {"v1", false}, {"1a", false}, {".inf", false},
	} {
		if got := looksNumeric(tt.in); got != tt.want {
			t.Errorf("looksNumeric(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
