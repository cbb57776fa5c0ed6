package header_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters/internal/header"
)

func TestTemplate(t *testing.T) {
	env := map[string]string{"A": "x/y", "B": "2", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		value     string
		parseErr  bool
		vars      []string
		want      string
		wantUnset string
	}{
		{value: "Bearer ${A}", vars: []string{"A"}, want: "Bearer x/y"},
		{value: "${A}:${B}:${A}", vars: []string{"A", "B"}, want: "x/y:2:x/y"},
		{value: "plain $HOME", want: "plain $HOME"},
		{value: "${NOPE}", vars: []string{"NOPE"}, wantUnset: "NOPE"},
		{value: "${EMPTY}", vars: []string{"EMPTY"}, wantUnset: "EMPTY"},
		{value: "${UNCLOSED", parseErr: true},
		{value: "${}", parseErr: true},
		{value: "${1A}", parseErr: true},
	}
	for _, tt := range tests {
		tmpl, err := header.Parse(tt.value)
		if (err != nil) != tt.parseErr {
			t.Errorf("Parse(%q): %v, want error %v", tt.value, err, tt.parseErr)
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(tt.vars, tmpl.Variables()); diff != "" {
			t.Errorf("Variables(%q) (-want +got):\n%s", tt.value, diff)
		}
		got, _, err := tmpl.Expand(lookup)
		var ue *header.UnsetVariableError
		gotUnset := ""
		if errors.As(err, &ue) {
			gotUnset = ue.Name
		}
		if gotUnset != tt.wantUnset || got != tt.want {
			t.Errorf("Expand(%q) = %q, unset %q; want %q, unset %q", tt.value, got, gotUnset, tt.want, tt.wantUnset)
		}
	}
}

func TestRedact(t *testing.T) {
	got := header.Redact(`{"echo": "Bearer a\/b", "raw": "a/b"}`, []string{"a/b"})
	if diff := cmp.Diff(`{"echo": "Bearer [redacted]", "raw": "[redacted]"}`, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
