package ident

import "github.com/invopop/jsonschema"

// JSONSchema describes an ID for the exported JSON Schema.
func (ID) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: IDPattern}
}

// JSONSchema describes a Number for the exported JSON Schema.
func (Number) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: NumberPattern}
}

// Enum returns a JSON Schema for a string that must be one of values.
func Enum[T ~string](values []T) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "string"}
	for _, v := range values {
		s.Enum = append(s.Enum, string(v))
	}
	return s
}
