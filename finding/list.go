package finding

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
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

// Sort orders l the one way findings are shown everywhere: by file, line,
// column and code (then path), keeping findings without a position in
// their original order after those of their file.
func (l List) Sort() {
	slices.SortStableFunc(l, compare)
}

// Sorted returns a sorted copy of l, leaving l as it is.
func (l List) Sorted() List {
	s := slices.Clone(l)
	s.Sort()
	return s
}

func compare(a, b Finding) int {
	if c := cmp.Compare(a.File, b.File); c != 0 {
		return c
	}
	if (a.Line == 0) != (b.Line == 0) {
		if a.Line == 0 {
			return 1
		}
		return -1
	}
	return cmp.Or(
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.Code, b.Code),
		cmp.Compare(a.Path, b.Path),
	)
}

// Count returns how many findings of l are errors and how many warnings.
func (l List) Count() (errors, warnings int) {
	for _, f := range l {
		if f.Severity == Error {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}

// Summary says how many errors and warnings l holds: "2 errors, 1
// warning".
func (l List) Summary() string {
	e, w := l.Count()
	return plural(e, "error") + ", " + plural(w, "warning")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
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

// WriteText writes one line per finding in the text form of
// Finding.Error, in the order of Sort.
func WriteText(w io.Writer, l List) error {
	bw := bufio.NewWriter(w) // one write for many findings, not one each
	for _, f := range l.Sorted() {
		bw.WriteString(f.Error())
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteJSON writes l as a JSON array of objects with the keys severity,
// code, path, message, file, line and column, in the order of Sort. An
// empty list is "[]".
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
	for i, f := range l.Sorted() {
		rows[i] = row{f.Severity, f.Code, f.Path, f.Message, f.File, f.Line, f.Column}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}
