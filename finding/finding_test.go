package finding

import (
	"bytes"
	"errors"
	"strings"
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

// TestSort: one order everywhere, file, line, column, code, then path;
// findings without a position last in their file; the writers use it.
func TestSort(t *testing.T) {
	l := List{
		{Severity: Warning, Code: "b", Path: "x", Position: Position{File: "f"}},
		{Severity: Error, Code: "z", Position: Position{File: "g", Line: 1, Column: 1}},
		{Severity: Error, Code: "c", Path: "p", Position: Position{File: "f", Line: 3, Column: 1}},
		{Severity: Error, Code: "a", Path: "q", Position: Position{File: "f", Line: 3, Column: 1}},
		{Severity: Error, Code: "a", Path: "p", Position: Position{File: "f", Line: 3, Column: 1}},
		{Severity: Error, Code: "d", Position: Position{File: "f", Line: 1, Column: 9}},
		{Severity: Error, Code: "e", Position: Position{File: "f", Line: 1, Column: 10}},
	}
	want := []string{"f:1:9 d", "f:1:10 e", "f:3:1 a p", "f:3:1 a q", "f:3:1 c p", "f b x", "g:1:1 z"}
	show := func(l List) []string {
		var out []string
		for _, f := range l {
			out = append(out, strings.TrimSpace(f.Position.String()+" "+string(f.Code)+" "+f.Path))
		}
		return out
	}
	if diff := cmp.Diff(want, show(l.Sorted())); diff != "" {
		t.Errorf("Sorted (-want +got):\n%s", diff)
	}
	var text bytes.Buffer
	if err := WriteText(&text, l); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(text.String()), "\n") {
		pos, _, _ := strings.Cut(line, ": ")
		lines = append(lines, pos)
	}
	if diff := cmp.Diff([]string{"f:1:9", "f:1:10", "f:3:1", "f:3:1", "f:3:1", "f", "g:1:1"}, lines); diff != "" {
		t.Errorf("WriteText order (-want +got):\n%s", diff)
	}
	if l[0].Code != "b" {
		t.Error("Sorted and WriteText changed the list they were given")
	}
	if got := l.Summary(); got != "6 errors, 1 warning" {
		t.Errorf("Summary() = %q", got)
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
