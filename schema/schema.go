package schema

import (
	_ "embed"
	"fmt"
	"slices"
)

//go:embed design.schema.json
var design []byte

//go:embed scenarios.schema.json
var scenarios []byte

//go:embed adapters.schema.json
var adapters []byte

//go:embed record.schema.json
var record []byte

// Kind names one of the file formats.
type Kind string

// The file formats with a schema.
const (
	// Design is the secops/v1 design document.
	Design Kind = "design"
	// Scenarios is the secops-scenarios/v1 scenario file.
	Scenarios Kind = "scenarios"
	// Adapters is the secops-adapters/v1 adapter configuration file.
	Adapters Kind = "adapters"
	// Record is the secops-record/v1 run record.
	Record Kind = "record"
)

// Kinds lists the formats that have a schema.
var Kinds = []Kind{Design, Scenarios, Adapters, Record}

// Get returns the JSON Schema (draft 2020-12) of format k.
func Get(k Kind) ([]byte, error) {
	switch k {
	case Design:
		return slices.Clone(design), nil
	case Scenarios:
		return slices.Clone(scenarios), nil
	case Adapters:
		return slices.Clone(adapters), nil
	case Record:
		return slices.Clone(record), nil
	}
	return nil, fmt.Errorf("no schema for %q", k)
}

// File returns the file name of format k's schema, e.g.
// design.schema.json.
func File(k Kind) string { return string(k) + ".schema.json" }
