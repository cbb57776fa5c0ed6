package scope

import (
	"regexp"
	"strings"

	"github.com/invopop/jsonschema"
)

// Reference points from an incident to a public taxonomy entry. It is
// written scheme:value with one of the schemes attack (MITRE ATT&CK,
// "attack:T1566"), rsit (the Reference Security Incident Taxonomy,
// "rsit:malicious-code/infected-system"), d3fend ("d3fend:D3-NI"),
// react (RE&CT, "react:RA3101") or url.
type Reference string

// ReferencePattern is the regular expression every Reference matches.
const ReferencePattern = `^(attack:T[0-9]{4}(\.[0-9]{3})?|rsit:[a-z0-9-]+(/[a-z0-9-]+)?|d3fend:D3-[A-Z0-9]+|react:RA[0-9]+|url:\S+)$`

var referenceRE = regexp.MustCompile(ReferencePattern)

// Valid reports whether r is a well-formed reference.
func (r Reference) Valid() bool { return referenceRE.MatchString(string(r)) }

// Scheme returns the part of r before the first colon.
func (r Reference) Scheme() string {
	s, _, _ := strings.Cut(string(r), ":")
	return s
}

// JSONSchema describes a Reference for the exported JSON Schema.
func (Reference) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: ReferencePattern}
}
