package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/secopsdesign/secops/alert"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/internal/jsonpos"
)

// readJSONValue reads the one JSON value of the file at path, saying what
// is wrong in a person's terms: the line and column of a syntax error,
// data after the value.
func readJSONValue(path string) (any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := jsonpos.OfSyntaxError(b, se)
			return nil, fmt.Errorf("%s:%d:%d: invalid JSON: %v", path, line, col, se)
		}
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty: want a JSON object", path)
		}
		return nil, fmt.Errorf("%s: invalid JSON: %v", path, err)
	}
	if dec.More() {
		line, col := jsonpos.At(b, int(dec.InputOffset()))
		return nil, fmt.Errorf("%s:%d:%d: more after the JSON value: want one JSON object", path, line, col)
	}
	return v, nil
}

// kindOf names the JSON kind of v.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "true or false"
	case float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// readAlert reads the alert at path, "-" for stdin (see package alert).
// The values are checked against the design later, all at once.
func readAlert(stdin io.Reader, path string) (map[string]any, error) {
	var a map[string]any
	var err error
	if path == "-" {
		a, err = alert.Read(stdin, "<stdin>")
	} else {
		var f *os.File
		if f, err = os.Open(path); err == nil {
			a, err = alert.Read(f, path)
			f.Close()
		}
	}
	if l := finding.From(err); l != nil {
		return nil, &exitError{code: 1, err: fmt.Errorf("alert: %s", strings.TrimSuffix(l.Error(), "\n"))}
	}
	if err != nil {
		return nil, &exitError{code: 1, err: fmt.Errorf("alert: %w", err)}
	}
	return a, nil
}

// readAnswers reads outputs by method: a JSON object of method id to an
// object of output field id to value. Every problem is named, with its
// key.
func readAnswers(path string, out *map[ident.Number]map[string]any) error {
	v, err := readJSONValue(path)
	if err != nil {
		return usageError("outputs: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return usageError("outputs: %s: want a JSON object of method id to outputs, like {\"1.4.1\": {\"iocs\": []}}, got %s", path, kindOf(v))
	}
	var probs []string
	res := map[ident.Number]map[string]any{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch o := m[k].(type) {
		case map[string]any:
			res[ident.Number(k)] = o
		case nil:
			res[ident.Number(k)] = nil
		default:
			probs = append(probs, fmt.Sprintf("%s: %s: want an object of output field id to value, got %s", path, k, kindOf(o)))
		}
	}
	if len(probs) > 0 {
		return usageError("outputs: %s", strings.Join(probs, "\n"))
	}
	*out = res
	return nil
}
