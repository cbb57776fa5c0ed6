package duration

import "github.com/invopop/jsonschema"

// JSONSchema describes a Duration for the exported JSON Schema.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: Pattern, Examples: []any{"90s", "30m", "2h", "14d", "2w"}}
}
