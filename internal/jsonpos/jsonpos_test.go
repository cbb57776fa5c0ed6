package jsonpos_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/internal/jsonpos"
)

func TestOfSyntaxError(t *testing.T) {
	tests := []struct {
		name, doc string
		want      [2]int
	}{
		{"first line", `{"a": x}`, [2]int{1, 7}},
		{"third line", "{\n  \"a\": 1,\n  oops\n}", [2]int{3, 3}},
		{"after a Japanese string", "{\"名前\": tru}", [2]int{1, 11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			var se *json.SyntaxError
			if err := json.Unmarshal([]byte(tt.doc), &v); !errors.As(err, &se) {
				t.Fatalf("no syntax error: %v", err)
			}
			line, col := jsonpos.OfSyntaxError([]byte(tt.doc), se)
			if diff := cmp.Diff(tt.want, [2]int{line, col}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestAtEnds(t *testing.T) {
	doc := []byte("ab\ncd")
	for _, tt := range []struct {
		i    int
		want [2]int
	}{{-5, [2]int{1, 1}}, {0, [2]int{1, 1}}, {3, [2]int{2, 1}}, {99, [2]int{2, 3}}} {
		if l, c := jsonpos.At(doc, tt.i); [2]int{l, c} != tt.want {
			t.Errorf("At(%d) = %d:%d, want %v", tt.i, l, c, tt.want)
		}
	}
}
