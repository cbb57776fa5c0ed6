package navigator

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
)

var update = flag.Bool("update", false, "rewrite the expected layers of the examples in testdata (never coverage.layer.json, which is checked by hand)")

func load(t *testing.T, path string) *secops.Design {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		t.Skipf("%s does not exist", path)
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

// TestLayer compares the layers with expected ones. coverage.layer.json
// was written and checked by hand against coverage.yaml: phishing is
// detected at the threshold and handled (T1566.001: 2); T1204 is named by
// phishing (2) and scan (detected below the threshold: 1), so it scores
// 2 and names both; T1498 is detected at the threshold with no playbook
// (1); T1078 is never detected (0); T1657 belongs to an out-of-scope
// incident and is absent; T1566 is detected below the threshold (1) and,
// having a scored sub-technique, opens its sub-techniques; the lower-case
// t1498 is written T1498. The examples' layers were checked by hand too:
// every in-scope incident of both is detected at or above the threshold
// and handled, so every technique scores 2.
func TestLayer(t *testing.T) {
	tests := []struct {
		name, design, want string
		regenerate         bool
	}{
		{"every kind of coverage", "testdata/coverage.yaml", "testdata/coverage.layer.json", false},
		{"reference", "../examples/targeted-attack/design.yaml", "testdata/targeted-attack.layer.json", true},
		{"acme-web", "../examples/acme-web/design.yaml", "testdata/acme-web.layer.json", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(load(t, tt.design))
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := Write(&got, l); err != nil {
				t.Fatal(err)
			}
			if *update && tt.regenerate {
				if err := os.WriteFile(tt.want, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			var w, g any
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatalf("%s: %v", tt.want, err)
			}
			if err := json.Unmarshal(got.Bytes(), &g); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("layer of %s (-want +got):\n%s", tt.design, diff)
			}
		})
	}
}

// TestWrite: one layer is an object, several an array, none an error.
func TestWrite(t *testing.T) {
	d := load(t, filepath.Join("testdata", "coverage.yaml"))
	l, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		layers []*Layer
		first  byte
		err    bool
	}{
		{"one", []*Layer{l}, '{', false},
		{"two", []*Layer{l, l}, '[', false},
		{"none", nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tt.layers...)
			if (err != nil) != tt.err {
				t.Fatalf("Write: err %v, want error %v", err, tt.err)
			}
			if tt.err {
				return
			}
			if got := b.Bytes()[0]; got != tt.first {
				t.Errorf("starts with %q, want %q", got, tt.first)
			}
			if tt.first == '[' {
				var arr []Layer
				if err := json.Unmarshal(b.Bytes(), &arr); err != nil || len(arr) != 2 {
					t.Errorf("not an array of 2 layers: %v", err)
				}
			}
		})
	}
}

func TestNewNil(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("New(nil): no error")
	}
}
