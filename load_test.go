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
		d, lf, err := LoadFile(f)
		if err == nil {
			err = lf.Err()
		}
		require.NoError(t, err, f)
		for _, format := range []string{"yaml", "json"} {
			var buf bytes.Buffer
			if format == "yaml" {
				require.NoError(t, d.WriteYAML(&buf))
			} else {
				require.NoError(t, d.WriteJSON(&buf))
			}
			back, lf, err := Load(&buf, "saved."+format)
			if err == nil {
				err = lf.Err()
			}
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
	d, lf, err := LoadFile("testdata/minimal.yaml")
	if err == nil {
		err = lf.Err()
	}
	require.NoError(t, err)
	d.Playbooks[0].Steps[0].Process = "9.9"
	var buf bytes.Buffer
	require.NoError(t, d.WriteJSON(&buf))
	back, lf, err := Load(&buf, "bad.json")
	if err == nil {
		err = lf.Err()
	}
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
	_, lf, err = Load(strings.NewReader(`{"format": "secops/v1", "metadat": {}}`), "x.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]at{{finding.UnknownField, "metadat", 1}}, findingsAt(lf)); diff != "" {
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
				var lf finding.List
				d, lf, err = Load(strings.NewReader(tt.doc), "hostile.yaml")
				if err == nil {
					err = lf.Err()
				}
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
	d, lf, err := LoadFile("testdata/minimal.yaml")
	if err == nil {
		err = lf.Err()
	}
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
		back, lf, err := Load(bytes.NewReader(buf.Bytes()), "odd.yaml")
		if err == nil {
			err = lf.Err()
		}
		if err != nil {
			t.Errorf("%q: saved design does not load: %v\n%s", s, err, buf.String())
			continue
		}
		if diff := cmp.Diff(d, back, ignoreSource); diff != "" {
			t.Errorf("%q: save → load changed the design (-want +got):\n%s", s, diff)
		}
	}
}

// hostileCase is a variant of testdata/minimal.yaml written to slip
// something past the loader.
type hostileCase struct {
	name     string
	old, new string // the first old in minimal.yaml becomes new
	fatal    bool   // nothing can be read: a nil design
	want     []at
}

var hostileCases = []hostileCase{
	{"NUL in a plain scalar", "Search the EDR", "Search\x00 the EDR", true,
		[]at{{finding.InvalidValue, "", 42}}},
	{"NUL inside quotes", "procedure: Search the EDR", "procedure: \"Search\x00 the EDR", true,
		[]at{{finding.InvalidValue, "", 42}}},
	{"DEL in a comment", "# The smallest", "# The\x7f smallest", true,
		[]at{{finding.InvalidValue, "", 1}}},
	{"escaped NUL", "procedure: Search the EDR for the same hash on other hosts.", `procedure: "Search\0 the EDR"`, false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].procedure", 42}}},
	{"escaped ESC", "procedure: Search the EDR for the same hash on other hosts.", `procedure: "\e[31mred"`, false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].procedure", 42}}},
	{"escaped carriage return", "procedure: Search the EDR for the same hash on other hosts.", `procedure: "line\rover"`, false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].procedure", 42}}},
	{"escaped NEL", "procedure: Search the EDR for the same hash on other hosts.", `procedure: "a\Nb"`, false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].procedure", 42}}},
	{"control character in a key", "  name: minimal\n", "  name: minimal\n  \"ti\\atle\": x\n", false,
		[]at{{finding.InvalidValue, "metadata.ti\atle", 6}}},
	{"small integer for a string", "name: Look for spread", "name: 12", false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].name", 41}}},
	{"20-digit integer for a string", "name: Look for spread", "name: 99999999999999999999", false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].name", 41}}},
	{"integer beyond float64 for a string", "name: Look for spread", "name: 1" + strings.Repeat("0", 400), false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].name", 41}}},
	{"1e99999 for a string", "name: Look for spread", "name: 1e99999", false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].name", 41}}},
	{"long hex for a string", "name: Look for spread", "name: 0xFFFFFFFFFFFFFFFFFFFFFFFF", false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].name", 41}}},
	{"custom tag", "procedure: Search the EDR", "procedure: !evil Search the EDR", false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].procedure", 42}}},
	{"python tag on a mapping", "rollback: {procedure", "rollback: !!python/object:os.system {procedure", false,
		// The rollback is dropped, so the action has none.
		[]at{{finding.MissingRollback, "processes[1].methods[0].action", 54}, {finding.InvalidValue, "processes[1].methods[0].rollback", 55}}},
	{"binary tag", "procedure: Search the EDR for the same hash on other hosts.", "procedure: !!binary U2VhcmNo", false,
		[]at{{finding.InvalidValue, "processes[0].methods[0].procedure", 42}}},
	{"repeated playbook inputs", "    inputs: [host]\n    start:", "    inputs: [host, host, host]\n    start:", false,
		[]at{{finding.DuplicateID, "playbooks[0].inputs[1]", 63}}},
	{"a hundred thousand repeated inputs", "    inputs: [host]\n    start:", "    inputs: [host" + strings.Repeat(", host", 100000) + "]\n    start:", false,
		[]at{{finding.DuplicateID, "playbooks[0].inputs[1]", 63}}},
	{"repeated method inputs and outputs", "        inputs: [host]\n        outputs: [spreading]", "        inputs: [host, host]\n        outputs: [spreading, spreading]", false,
		[]at{{finding.DuplicateID, "processes[0].methods[0].inputs[1]", 43}, {finding.DuplicateID, "processes[0].methods[0].outputs[1]", 44}}},
	{"repeated response processes", `processes: ["2.1"]`, `processes: ["2.1", "2.1"]`, false,
		[]at{{finding.DuplicateID, "responses[0].processes[1]", 58}}},
	{"repeated playbook incidents", "incidents: [malware]", "incidents: [malware, malware]", false,
		[]at{{finding.DuplicateID, "playbooks[0].incidents[1]", 62}}},
	{"repeated informed parties", "detection: {responsible: soc}", "detection: {responsible: soc, informed: [csirt, csirt], consulted: [soc, soc]}", false,
		[]at{{finding.DuplicateID, "scope.responsibilities.detection.informed[1]", 15}, {finding.DuplicateID, "scope.responsibilities.detection.consulted[1]", 15}}},
}

// TestHostileValues: control characters, numbers of any size where a
// string is wanted, custom tags and repeated ids are findings at the
// value, or, where the text cannot be read at all, one finding at the
// character.
func TestHostileValues(t *testing.T) {
	base, err := os.ReadFile("testdata/minimal.yaml")
	require.NoError(t, err)
	for _, tt := range hostileCases {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.apply(t, base)
			d, lf, err := Load(strings.NewReader(doc), "hostile.yaml")
			if err == nil {
				err = lf.Err()
			}
			l := finding.From(err)
			if (d == nil) != tt.fatal {
				t.Fatalf("nil design = %v, want %v: %v", d == nil, tt.fatal, err)
			}
			if d != nil {
				l = finding.From(d.Validate())
			}
			l.Sort()
			if diff := cmp.Diff(tt.want, findingsAt(l)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, l)
			}
		})
	}
}

func (tt hostileCase) apply(t testing.TB, base []byte) string {
	if !bytes.Contains(base, []byte(tt.old)) {
		t.Fatalf("%s: %q is not in minimal.yaml", tt.name, tt.old)
	}
	return strings.Replace(string(base), tt.old, tt.new, 1)
}

// TestControlCharacterJSON: JSON's escapes reach the same check, although
// JSON documents take a fast path that skips the YAML parser; what
// encoding/json writes unescaped (DEL, the C1 controls) is caught in the
// text, before any parsing.
func TestControlCharacterJSON(t *testing.T) {
	d, lf, err := LoadFile("testdata/minimal.yaml")
	if err == nil {
		err = lf.Err()
	}
	require.NoError(t, err)
	tests := []struct {
		title string
		want  at
	}{
		{"a\x00b", at{finding.InvalidValue, "metadata.title", 5}},
		{"a\x1bb", at{finding.InvalidValue, "metadata.title", 5}},
		{"a\rb", at{finding.InvalidValue, "metadata.title", 5}},
		{"a\u0085b", at{finding.InvalidValue, "", 5}},
		{"a\x7fb", at{finding.InvalidValue, "", 5}},
	}
	for _, tt := range tests {
		d.Metadata.Title = tt.title
		var buf bytes.Buffer
		require.NoError(t, d.WriteJSON(&buf))
		_, lf, err := Load(&buf, "c.json")
		if err == nil {
			err = lf.Err()
		}
		if diff := cmp.Diff([]at{tt.want}, findingsAt(finding.From(err))); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.title, diff)
		}
	}
}

// TestOtherFormat: a document of another secops format, loaded as a
// design or a scenario file, gives one finding that says so, instead of
// a finding per key that the other format does not have.
func TestOtherFormat(t *testing.T) {
	tests := []struct {
		name string
		load func() error
		want []at
	}{
		{"scenario file as a design", func() error {
			d, lf, err := LoadFile("examples/targeted-attack/scenarios.yaml")
			if err == nil {
				err = lf.Err()
			}
			if d != nil {
				t.Error("a design from a scenario file")
			}
			return err
		}, []at{{finding.InvalidValue, "format", 6}}},
		{"adapter configuration as a design", func() error {
			_, lf, err := Load(strings.NewReader("format: secops-adapters/v1\nadapters: {}\n"), "a.yaml")
			if err == nil {
				err = lf.Err()
			}
			return err
		}, []at{{finding.InvalidValue, "format", 1}}},
		{"design as a scenario file", func() error {
			f, err := LoadScenarioFile("examples/targeted-attack/design.yaml")
			if f != nil {
				t.Error("a scenario file from a design")
			}
			return err
		}, []at{{finding.InvalidValue, "format", 13}}},
	}
	for _, tt := range tests {
		l := finding.From(tt.load())
		if diff := cmp.Diff(tt.want, findingsAt(l)); diff != "" {
			t.Errorf("%s (-want +got):\n%s\n%v", tt.name, diff, l)
		}
	}
}
