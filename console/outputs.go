package console

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/secopsdesign/secops/alert"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
)

// ReadOutputs reads the outputs of methods from the file at path: an
// object (JSON or YAML) of method id to an object of output field id to
// value, as `secops resume --outputs` and `run --dry-run --outputs` take
// them ({"1.4.1": {"iocs": ["203.0.113.7"]}}). It is read as strictly as
// an alert (see package alert); every problem is named, with its key.
// Whether the outputs fit the run is the runs service's to say.
func ReadOutputs(path string) (map[ident.Number]map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, alert.MaxSize+1)) // more is refused: no need to read it
	if err != nil {
		return nil, err
	}
	m, err := alert.DecodeObject(data, path, "outputs file", `an object of method id to outputs, like {"1.4.1": {"iocs": []}}`)
	if l := finding.From(err); l != nil {
		return nil, fmt.Errorf("%s", strings.TrimSuffix(l.Error(), "\n"))
	}
	if err != nil {
		return nil, err
	}
	var probs []string
	res := map[ident.Number]map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch o := m[k].(type) {
		case map[string]any:
			res[ident.Number(k)] = o
		case nil:
			res[ident.Number(k)] = nil
		default:
			probs = append(probs, fmt.Sprintf("%s: %s: want an object of output field id to value, got %s", path, k, kind(o)))
		}
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(probs, "\n"))
	}
	return res, nil
}

// kind names the kind of a decoded value.
func kind(v any) string {
	switch v.(type) {
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
