package alert

import (
	"fmt"
	"io"
	"math"

	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/finding"
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

// Decode decodes one alert from data. See Read.
func Decode(data []byte, name string) (map[string]any, error) {
	if len(data) > MaxSize {
		return nil, finding.List{{Severity: finding.Error, Code: finding.Syntax,
			Position: finding.Position{File: name},
			Message:  fmt.Sprintf("the alert is larger than %d MiB", MaxSize>>20)}}
	}
	var v any
	_, findings, _ := document.Decode(data, name, &v, "alert")
	if findings.HasErrors() {
		return nil, findings
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, finding.List{{Severity: finding.Error, Code: finding.InvalidValue,
			Position: finding.Position{File: name, Line: 1, Column: 1},
			Message:  fmt.Sprintf("want an object of field id to value, got %s", kind(v))}}
	}
	if err := floats(m); err != nil {
		return nil, finding.List{{Severity: finding.Error, Code: finding.InvalidValue,
			Position: finding.Position{File: name, Line: 1, Column: 1}, Message: err.Error()}}
	}
	return m, nil
}

// floats turns the integers of v into float64, in place.
func floats(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch n := e.(type) {
			case int64:
				x[k] = float64(n)
			case float64:
				if math.IsInf(n, 0) || math.IsNaN(n) {
					return fmt.Errorf("%s: %v is not a number an alert can hold", k, n)
				}
			default:
				if err := floats(e); err != nil {
					return fmt.Errorf("%s.%w", k, err)
				}
			}
		}
	case []any:
		for i, e := range x {
			switch n := e.(type) {
			case int64:
				x[i] = float64(n)
			case float64:
				if math.IsInf(n, 0) || math.IsNaN(n) {
					return fmt.Errorf("%d: %v is not a number an alert can hold", i, n)
				}
			default:
				if err := floats(e); err != nil {
					return fmt.Errorf("%d.%w", i, err)
				}
			}
		}
	}
	return nil
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
