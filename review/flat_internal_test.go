package review

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeFlat(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want map[string]any
	}{
		{`{}`, true, map[string]any{}},
		{` { "a" : "x" , "b":-1.5e3,"c":true,"d":false,"e":null} `, true, map[string]any{"a": "x", "b": -1500.0, "c": true, "d": false, "e": nil}},
		// A key written twice is left to the slow path, which refuses it.
		{`{"a":"x","a":"y"}`, false, nil},
		{`{"日本":"語"}`, true, map[string]any{"日本": "語"}},
		{`{"n":0}`, true, map[string]any{"n": 0.0}},
		{`{"n":0.25,"m":1E+2}`, true, map[string]any{"n": 0.25, "m": 100.0}},
		// Left to encoding/json: escapes, nesting, bad UTF-8, numbers
		// out of range, and everything that is not valid JSON.
		{`{"a":"x\"y"}`, false, nil},
		{`{"a":[1]}`, false, nil},
		{`{"a":{}}`, false, nil},
		{"{\"a\":\"\xff\"}", false, nil},
		{`{"a":1e400}`, false, nil},
		{`{"a":01}`, false, nil},
		{`{"a":1.}`, false, nil},
		{`{"a":.5}`, false, nil},
		{`{"a":1e}`, false, nil},
		{`{"a":+1}`, false, nil},
		{`{"a":tru}`, false, nil},
		{`{"a":1,}`, false, nil},
		{`{"a":1} x`, false, nil},
		{`{"a" 1}`, false, nil},
		{`{a:1}`, false, nil},
		{"{\"a\":\"\t\"}", false, nil},
		{`[1]`, false, nil},
		{``, false, nil},
		{`{"a":1`, false, nil},
	}
	for _, tt := range tests {
		got, ok := decodeFlat([]byte(tt.in))
		if ok != tt.ok {
			t.Errorf("decodeFlat(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("decodeFlat(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// FuzzDecodeFlat: whatever decodeFlat accepts, encoding/json decodes to
// the same map.
func FuzzDecodeFlat(f *testing.F) {
	for _, p := range []string{"testdata/targeted-attack.jsonl", "testdata/shadowed.jsonl"} {
		fh, err := os.Open(p)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for n := 0; sc.Scan() && n < 50; n++ {
			f.Add(append([]byte(nil), sc.Bytes()...))
		}
		fh.Close()
	}
	f.Add([]byte(`{"a":-0.0e-0,"b":"\u00e9","c":1e308}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := decodeFlat(b)
		if !ok {
			return
		}
		var want map[string]any
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("decodeFlat took %q, which encoding/json refuses: %v", b, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("decodeFlat(%q) (-json +flat):\n%s", b, diff)
		}
	})
}
