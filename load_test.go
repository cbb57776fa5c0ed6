package secops

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/finding"
)

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ignoreSource compares designs as saved documents: where they were
// loaded from does not matter, and an empty list is an absent one.
var ignoreSource = cmp.Options{cmpopts.IgnoreUnexported(Design{}), cmpopts.EquateEmpty()}

// TestRoundTrip saves each example as YAML and as JSON and loads it back:
// the design must not change.
func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("examples/*/design.yaml")
	files = append(files, "testdata/minimal.yaml")
	for _, f := range files {
		d, err := LoadFile(f)
		require.NoError(t, err, f)
		for _, format := range []string{"yaml", "json"} {
			var buf bytes.Buffer
			if format == "yaml" {
				require.NoError(t, d.WriteYAML(&buf))
			} else {
				require.NoError(t, d.WriteJSON(&buf))
			}
			back, err := Load(&buf, "saved."+format)
			if err != nil {
				t.Errorf("%s as %s: load: %v", f, format, err)
				continue
			}
			if diff := cmp.Diff(d, back, ignoreSource); diff != "" {
				t.Errorf("%s as %s: save → load changed the design (-want +got):\n%s", f, format, diff)
			}
		}
	}
}

// TestJSONFindingsHavePositions checks that a JSON document, which takes
// the fast decoding path, still gets positions for its findings.
func TestJSONFindingsHavePositions(t *testing.T) {
	d, err := LoadFile("testdata/minimal.yaml")
	require.NoError(t, err)
	d.Playbooks[0].Steps[0].Process = "9.9"
	var buf bytes.Buffer
	require.NoError(t, d.WriteJSON(&buf))
	back, err := Load(&buf, "bad.json")
	require.NoError(t, err)
	l := finding.From(back.Validate())
	if len(l) == 0 {
		t.Fatal("no finding")
	}
	got := findingsAt(l)[0]
	if got.Code != finding.UnknownRef || got.Path != "playbooks[0].steps[0].process" || got.Line == 0 {
		t.Errorf("finding = %+v", l[0])
	}
	// A JSON document with an unknown key falls back to the slow path.
	_, err = Load(strings.NewReader(`{"format": "secops/v1", "metadat": {}}`), "x.json")
	if diff := cmp.Diff([]at{{finding.UnknownField, "metadat", 1}}, findingsAt(finding.From(err))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestHostileInput feeds documents meant to exhaust the loader: each gives
// one finding, quickly.
func TestHostileInput(t *testing.T) {
	laughs := "format: secops/v1\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 9; i++ {
		name := string(rune('b' + i))
		laughs += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	laughs += "metadata:\n  name: " + "*" + prev + "\n"
	tests := []struct {
		name string
		doc  string
		code finding.Code
	}{
		{"too large", "format: secops/v1\n" + strings.Repeat("# padding\n", document.MaxSize/10+1), finding.Syntax},
		{"billion laughs in a design", laughs, finding.UnknownField},
		{"deep flow", "format: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000), finding.Syntax},
		{"deep block", deepBlock(200), finding.Syntax},
		{"deep dashes", "scope:\n  parties:\n" + strings.Repeat("- ", 200) + "x\n", finding.Syntax},
		{"invalid utf-8", "format: secops/v1\nmetadata:\n  name: \xff\xfe\n", finding.Syntax},
		{"empty", "", finding.Syntax},
		{"not a mapping", "- a\n- b\n", finding.InvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var d *Design
			var err error
			go func() {
				defer close(done)
				d, err = Load(strings.NewReader(tt.doc), "hostile.yaml")
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Load did not return")
			}
			l := finding.From(err)
			if tt.name == "billion laughs in a design" {
				// Typed fields stop the expansion at the first list where a
				// string is wanted; every finding is still reported.
				if len(l) > 100 {
					t.Errorf("%d findings", len(l))
				}
				return
			}
			if len(l) == 0 || l[0].Code != tt.code {
				t.Fatalf("Load = %v, want a %s finding", err, tt.code)
			}
			if tt.code == finding.Syntax && (d != nil || len(l) != 1) {
				t.Errorf("want a nil design and one finding, got %v and %d findings", d != nil, len(l))
			}
		})
	}
}

// TestBillionLaughs expands aliases into an untyped alert: the loader
// stops with one finding instead of building 10^10 values.
func TestBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("format: secops-scenarios/v1\ndesign: d.yaml\nx-anchors:\n  - &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for i := 0; i < 9; i++ {
		name := string(rune('b' + i))
		b.WriteString("  - &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n")
		prev = name
	}
	b.WriteString("scenarios:\n  - id: boom\n    alert: {a: *" + prev + "}\n")
	f, err := LoadScenarios(strings.NewReader(b.String()), "laughs.yaml")
	l := finding.From(err)
	if f != nil || len(l) != 1 || l[0].Code != finding.Syntax {
		t.Errorf("LoadScenarios = %v, %v; want one syntax finding", f != nil, err)
	}
}

func deepBlock(n int) string {
	var b strings.Builder
	b.WriteString("format: secops/v1\nmetadata:\n")
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i+1) + "k:\n")
	}
	return b.String()
}

// TestLoadScenarios loads the bundled scenario files.
func TestLoadScenarios(t *testing.T) {
	files, _ := filepath.Glob("examples/*/scenarios.yaml")
	for _, f := range files {
		s, err := LoadScenarioFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(s.Scenarios) == 0 {
			t.Errorf("%s: no scenarios", f)
		}
	}
	_, err := LoadScenarios(strings.NewReader("format: secops-scenarios/v2\ndesign: d.yaml\nscenarios: []\nextra: 1\n"), "s.yaml")
	if diff := cmp.Diff([]at{{finding.UnknownField, "extra", 4}, {finding.InvalidValue, "format", 1}}, findingsAt(finding.From(err))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = LoadScenarios(strings.NewReader("format: secops-scenarios/v1\nscenarios: []\n"), "s.yaml")
	if diff := cmp.Diff([]at{{finding.Required, "design", 1}}, findingsAt(finding.From(err))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestRoundTripStrings saves strings that YAML is apt to change (spaces,
// tabs, line ends, words it reads as other types) and loads them back.
func TestRoundTripStrings(t *testing.T) {
	d, err := LoadFile("testdata/minimal.yaml")
	require.NoError(t, err)
	odd := []string{
		"  line1\n  line2", "tab\tinside", "\tx", "x\t", ".inf", "? q", "\n", "   \n  x",
		"true", "null", "~", "1.1", "0x1F", "1e99999", "12345678901234567890123", "2026-11-20", "- item", "a: b", "a #b", "#c", "@x", "`x`",
		"line\n", "two\n\n", "last line ", "日本語: テキスト", "C&C/マルウェア通信", "'quoted'", "\"dq\"", "back\\slash",
		"x\u2028y", "yes", "No", "<<", "%YAML", "!tag", "*alias", "&anchor", "{flow}", "[list]", "ok text",
	}
	for _, s := range odd {
		d.Metadata.Title = s
		d.Scope.Parties[0].Name = s
		d.Processes[0].Methods[0].Procedure = s
		var buf bytes.Buffer
		require.NoError(t, d.WriteYAML(&buf))
		back, err := Load(bytes.NewReader(buf.Bytes()), "odd.yaml")
		if err != nil {
			t.Errorf("%q: saved design does not load: %v\n%s", s, err, buf.String())
			continue
		}
		if diff := cmp.Diff(d, back, ignoreSource); diff != "" {
			t.Errorf("%q: save → load changed the design (-want +got):\n%s", s, diff)
		}
	}
}
