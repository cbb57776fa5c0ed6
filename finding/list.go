package finding

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
)

// List is a set of findings. As an error it prints one finding a line, and
// Unwrap gives each finding as an error, like errors.Join. Functions that
// return a List as an error return nil, never an empty List.
type List []Finding

// Error prints one finding a line.
func (l List) Error() string {
	var b strings.Builder
	for i, f := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

// Unwrap returns the findings as errors.
func (l List) Unwrap() []error {
	errs := make([]error, len(l))
	for i, f := range l {
		errs[i] = f
	}
	return errs
}

// Err returns l as an error, or nil when l is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// HasErrors reports whether any finding of l has severity Error.
func (l List) HasErrors() bool {
	for _, f := range l {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// Sort orders l by file, line, column, then path and code, keeping
// findings without a position in their original order at the end.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b Finding) int {
		if (a.Line == 0) != (b.Line == 0) {
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Code, b.Code),
		)
	})
}

// From returns the findings that err holds: a List, a Finding, or anything
// wrapping them. It returns nil when err holds none.
func From(err error) List {
	var l List
	if errors.As(err, &l) {
		return l
	}
	var f Finding
	if errors.As(err, &f) {
		return List{f}
	}
	return nil
}

// WriteText writes one line per finding in the text form of Finding.Error.
func WriteText(w io.Writer, l List) error {
	for _, f := range l {
		if _, err := io.WriteString(w, f.Error()+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes l as a JSON array of objects with the keys severity,
// code, path, message, file, line and column. An empty list is "[]".
func WriteJSON(w io.Writer, l List) error {
	type row struct {
		Severity Severity `json:"severity"`
		Code     Code     `json:"code"`
		Path     string   `json:"path"`
		Message  string   `json:"message"`
		File     string   `json:"file"`
		Line     int      `json:"line"`
		Column   int      `json:"column"`
	}
	rows := make([]row, len(l))
	for i, f := range l {
		rows[i] = row{f.Severity, f.Code, f.Path, f.Message, f.File, f.Line, f.Column}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}
