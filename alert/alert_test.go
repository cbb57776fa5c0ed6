package alert_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/alert"
	"github.com/secopsdesign/secops/finding"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
		err  string // the findings, as text; "" for none
	}{
		{"json", `{"category": "malware", "host": "pc-1", "score": 7}`,
			map[string]any{"category": "malware", "host": "pc-1", "score": float64(7)}, ""},
		{"yaml reads as json", "category: malware\nhost: pc-1\nscore: 7\nips: [10.0.0.1]\n",
			map[string]any{"category": "malware", "host": "pc-1", "score": float64(7), "ips": []any{"10.0.0.1"}}, ""},
		{"nested integers are numbers", "a: {b: [1, 2.5]}\n",
			map[string]any{"a": map[string]any{"b": []any{float64(1), 2.5}}}, ""},
		{"duplicate key in json", `{"category":"malware","category":"other"}`, nil,
			`a.json:1:23: error: category: key "category" is written twice: first at line 1, column 2 [duplicate-key]`},
		{"duplicate key in yaml", "category: malware\ncategory: other\n", nil,
			`a.json:2:1: error: category: key "category" is written twice: first at line 1, column 1 [duplicate-key]`},
		{"nested duplicate", `{"x": {"y": 1, "y": 2}}`, nil,
			`a.json:1:16: error: x.y: key "y" is written twice: first at line 1, column 8 [duplicate-key]`},
		{"json with a mistake is not read as yaml", "{\n  \"host\": pc-1\n}", nil,
			`a.json:2:11: error: invalid JSON: invalid character 'p' looking for beginning of value [syntax]`},
		{"a list", `[1, 2]`, nil, `a.json:1:1: error: want an object of field id to value, got a list [invalid-value]`},
		{"empty", ``, nil, `a.json:1:1: error: empty document [syntax]`},
		{"null", `null`, nil, `a.json:1:1: error: want an object of field id to value, got nothing (an empty document or null) [invalid-value]`},
		{"two json values", `{"a":1} {"b":2}`, nil, `a.json:1:9: error: more after the JSON value: an alert is one JSON value [syntax]`},
		{"two yaml documents", "a: 1\n---\nb: 2\n", nil, `a.json:3:1: error: the file holds 2 documents; an alert is one document [syntax]`},
		{"infinite", "a: .inf\n", nil, `a.json:1:1: error: a: +Inf is not a number an alert can hold [invalid-value]`},
		{"too large", `{"a": "` + strings.Repeat("x", alert.MaxSize) + `"}`, nil, `a.json: error: the alert is larger than 1 MiB [syntax]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := alert.Decode([]byte(tt.in), "a.json")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("alert (-want +got):\n%s", diff)
			}
			msg := ""
			if err != nil {
				var b strings.Builder
				if werr := finding.WriteText(&b, finding.From(err)); werr != nil || finding.From(err) == nil {
					t.Fatalf("error %v is not findings", err)
				}
				msg = strings.TrimSpace(b.String())
			}
			if diff := cmp.Diff(tt.err, msg); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadStopsAtMaxSize(t *testing.T) {
	// A reader that never ends is read to one byte past MaxSize only.
	_, err := alert.Read(endless{}, "stdin")
	if l := finding.From(err); len(l) != 1 || !strings.Contains(l[0].Message, "larger than 1 MiB") {
		t.Fatalf("Read of an endless reader: %v", err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestReadFile: "-" is stdin, named <stdin> in findings; a file is read
// by its path; a missing file is the os error.
func TestReadFile(t *testing.T) {
	a, err := alert.ReadFile("-", strings.NewReader(`{"host": "pc-1"}`))
	if err != nil || a["host"] != "pc-1" {
		t.Errorf("stdin: %v, %v", a, err)
	}
	if _, err := alert.ReadFile("-", strings.NewReader(`{"host": 1, "host": 2}`)); err == nil || !strings.HasPrefix(err.Error(), "<stdin>:1:") {
		t.Errorf("stdin's finding: %v", err)
	}
	path := filepath.Join(t.TempDir(), "alert.yaml")
	if err := os.WriteFile(path, []byte("host: pc-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if a, err := alert.ReadFile(path, nil); err != nil || a["host"] != "pc-2" {
		t.Errorf("%s: %v, %v", path, a, err)
	}
	if _, err := alert.ReadFile(path+".missing", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}
