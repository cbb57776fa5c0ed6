package finding

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPathRoundTrip(t *testing.T) {
	tests := []struct {
		path *Path
		want string
	}{
		{NewPath("format"), "format"},
		{NewPath("scope", "responsibilities", "triage"), "scope.responsibilities.triage"},
		{NewPath("playbooks").Index(2).Child("steps").Index(3).Child("process"), "playbooks[2].steps[3].process"},
		{NewPath("a").Index(0).Index(1), "a[0][1]"},
		{NewPath("processes").Index(0).Child("rollback", "action"), "processes[0].rollback.action"},
		{NewPath("scenarios").Index(1).Child("outputs", "1.2.1", "file_hash"), `scenarios[1].outputs["1.2.1"].file_hash`},
		{NewPath("alert").Child(`odd"key]`), `alert["odd\"key]"]`},
	}
	for _, tt := range tests {
		if got := tt.path.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if diff := cmp.Diff(tt.path.Segments(), ParsePath(tt.want)); diff != "" {
			t.Errorf("ParsePath(%q) (-Segments +ParsePath):\n%s", tt.want, diff)
		}
	}
	if got := (*Path)(nil).String(); got != "" {
		t.Errorf("nil path prints %q", got)
	}
}

func TestListError(t *testing.T) {
	l := List{
		New(Required, NewPath("metadata", "name"), "required"),
		New(Unused, NewPath("fields").Index(0), "unused"),
	}
	if !l.HasErrors() {
		t.Error("HasErrors() = false")
	}
	if got := len(l.Unwrap()); got != 2 {
		t.Errorf("Unwrap() has %d errors", got)
	}
	var err error = l
	if got := From(errors.Join(errors.New("x"), err)); len(got) != 2 {
		t.Errorf("From() = %v", got)
	}
	if (List{}).Err() != nil {
		t.Error("empty List.Err() != nil")
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, nil); err != nil || buf.String() != "[]\n" {
		t.Errorf("WriteJSON(nil) = %q, %v", buf.String(), err)
	}
}

func TestSort(t *testing.T) {
	l := List{
		{Code: "b", Path: "x"},
		{Code: "a", Position: Position{File: "f", Line: 3, Column: 1}},
		{Code: "c", Position: Position{File: "f", Line: 1, Column: 9}},
	}
	l.Sort()
	var got []Code
	for _, f := range l {
		got = append(got, f.Code)
	}
	if diff := cmp.Diff([]Code{"c", "a", "b"}, got); diff != "" {
		t.Errorf("Sort (-want +got):\n%s", diff)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"id", "name", "procedure", "inputs", "outputs", "estimate"}
	tests := []struct{ in, want string }{
		{"procedur", "procedure"}, {"input", "inputs"}, {"nmae", "name"},
		{"estimat", "estimate"}, {"zzzzzz", ""}, {"idd", "id"},
	}
	for _, tt := range tests {
		if got := Suggest(tt.in, keys); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
