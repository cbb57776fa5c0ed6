package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/internal/jsonpos"
)

// MaxSize is the largest alert read, in bytes (1 MiB, as the server's
// largest request body).
const MaxSize = 1 << 20

// Read reads one alert from r; name is the file name used in positions.
// A problem of the alert's text is a finding.List error (every finding
// at its position); an error reading r is returned as it is.
func Read(r io.Reader, name string) (map[string]any, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	return Decode(data, name)
}

// ReadFile reads the alert in the file at path, or in stdin when path
// is "-" (named "<stdin>" in findings); see Read.
func ReadFile(path string, stdin io.Reader) (map[string]any, error) {
	if path == "-" {
		return Read(stdin, "<stdin>")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// Decode decodes one alert from data. See Read.
func Decode(data []byte, name string) (map[string]any, error) {
	return DecodeObject(data, name, "alert", "an object of field id to value")
}

// DecodeObject decodes one object of key to value from data as Decode
// does an alert, for other documents of that shape (the outputs of
// people's tasks); what names it in messages ("outputs file"), and shape
// says what it must be ("an object of method id to outputs").
func DecodeObject(data []byte, name, what, shape string) (map[string]any, error) {
	if len(data) > MaxSize {
		return nil, finding.List{{Severity: finding.Error, Code: finding.Syntax,
			Position: finding.Position{File: name},
			Message:  fmt.Sprintf("the %s is larger than %d MiB", what, MaxSize>>20)}}
	}
	if f, bad := notJSON(data, name); bad {
		return nil, finding.List{f}
	}
	var v any
	_, findings, _ := document.Decode(data, name, &v, what)
	if findings.HasErrors() {
		return nil, findings
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, finding.List{{Severity: finding.Error, Code: finding.InvalidValue,
			Position: finding.Position{File: name, Line: 1, Column: 1},
			Message:  fmt.Sprintf("want %s, got %s", shape, kind(v))}}
	}
	if _, err := floats(m); err != nil {
		return nil, finding.List{{Severity: finding.Error, Code: finding.InvalidValue,
			Position: finding.Position{File: name, Line: 1, Column: 1}, Message: err.Error()}}
	}
	return m, nil
}

// notJSON returns a finding, and true, for a document that starts as a
// JSON object ({) and is not JSON: YAML would read {"host": pc-1} as a
// flow mapping, but whoever wrote it meant JSON and made a mistake.
func notJSON(data []byte, name string) (finding.Finding, bool) {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) == 0 || t[0] != '{' || json.Valid(data) {
		return finding.Finding{}, false
	}
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) || strings.Contains(se.Error(), "after top-level value") {
		return finding.Finding{}, false // data after the value: Decode says so
	}
	line, col := jsonpos.OfSyntaxError(data, se)
	return finding.Finding{Severity: finding.Error, Code: finding.Syntax,
		Position: finding.Position{File: name, Line: line, Column: col},
		Message:  "invalid JSON: " + se.Error()}, true
}

// floats turns the integers of v into float64, in maps and lists in
// place, and refuses infinities.
func floats(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, fmt.Errorf("%v is not a number an alert can hold", x)
		}
	case map[string]any:
		for k, e := range x {
			n, err := floats(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			x[k] = n
		}
	case []any:
		for i, e := range x {
			n, err := floats(e)
			if err != nil {
				return nil, fmt.Errorf("%d: %w", i, err)
			}
			x[i] = n
		}
	}
	return v, nil
}

// kind names the kind of a decoded value.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "nothing (an empty document or null)"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "true or false"
	case float64, int64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
