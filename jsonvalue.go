package secops

import (
	"encoding"
	"reflect"

	"github.com/secopsdesign/secops/document"
)

// jsonValue converts v to what encoding/json would give for it after a
// round trip through JSON (maps, []any, strings, bools, float64, nil),
// honouring json tags with omitempty and omitzero, without the round trip.
func jsonValue(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type().Implements(textMarshalerType) && (v.Kind() != reflect.Pointer || !v.IsNil()) {
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return nil
		}
		return string(b)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonValue(v.Elem())
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonValue(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[it.Key().String()] = jsonValue(it.Value())
		}
		return out
	case reflect.Struct:
		return structMap(v, nil)
	}
	return nil
}

// structMap converts a struct as jsonValue does, keeping only the given
// keys (all when keys is nil).
func structMap(v reflect.Value, keys map[string]bool) map[string]any {
	t := v.Type()
	out := make(map[string]any, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		name, skip := document.JSONField(t.Field(i), v.Field(i))
		if skip || keys != nil && !keys[name] {
			continue
		}
		out[name] = jsonValue(v.Field(i))
	}
	return out
}

var textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
