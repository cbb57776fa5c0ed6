package secops

import (
	"slices"

	"github.com/invopop/jsonschema"

	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// Format is the value of the format key of every design document.
const Format = "secops/v1"

// Design is a whole security-operations design: what is in scope and who
// does what, how alerts become incidents of a severity, the typed fields,
// the process table, the responses, the triage playbooks and the
// organisation's own policies.
type Design struct {
	// Format is always secops/v1.
	Format string `json:"format" yaml:"format" jsonschema:"required,enum=secops/v1"`
	// Metadata names and describes the design.
	Metadata Metadata `json:"metadata" yaml:"metadata" jsonschema:"required"`
	// Scope says what is covered and who does what.
	Scope scope.Scope `json:"scope" yaml:"scope" jsonschema:"required"`
	// Criteria holds the severities, the triage threshold and the
	// detection rules.
	Criteria criteria.Criteria `json:"criteria" yaml:"criteria" jsonschema:"required"`
	// Fields are the typed data that flow from alerts through processes.
	Fields []process.Field `json:"fields,omitempty" yaml:"fields,omitempty"`
	// Processes is the process table.
	Processes []process.Process `json:"processes,omitempty" yaml:"processes,omitempty"`
	// Responses are the first responses and later responses.
	Responses []response.Response `json:"responses,omitempty" yaml:"responses,omitempty"`
	// Playbooks are the triage flows.
	Playbooks []playbook.Playbook `json:"playbooks,omitempty" yaml:"playbooks,omitempty"`
	// Policies are rules the organisation holds its own design to.
	Policies []Policy `json:"policies,omitempty" yaml:"policies,omitempty"`

	src          *document.Source // where the design was loaded from, for positions
	loadFindings finding.List     // what Load found, repeated by Validate
}

// Metadata names and describes a design.
type Metadata struct {
	// Name identifies the design.
	Name ident.ID `json:"name" yaml:"name" jsonschema:"required"`
	// Title is the design's display title.
	Title string `json:"title,omitempty" yaml:"title,omitempty"`
	// Language is the BCP 47 tag of the language the design is written
	// in, e.g. ja or en.
	Language string `json:"language,omitempty" yaml:"language,omitempty" jsonschema:"pattern=^[A-Za-z]{2\\,8}(-[A-Za-z0-9]{1\\,8})*$"`
	// Version is the design's own version.
	Version string `json:"version,omitempty" yaml:"version,omitempty"`
	// Description says what the design covers.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// TLP is the Traffic Light Protocol 2.0 level the design may be
	// shared at: clear, green, amber, amber+strict or red. CACAO export
	// and import carry it as a TLP marking.
	TLP TLP `json:"tlp,omitempty" yaml:"tlp,omitempty"`
}

// TLP is a Traffic Light Protocol 2.0 level (FIRST), in lower case.
type TLP string

// The TLP 2.0 levels.
const (
	TLPClear       TLP = "clear"
	TLPGreen       TLP = "green"
	TLPAmber       TLP = "amber"
	TLPAmberStrict TLP = "amber+strict"
	TLPRed         TLP = "red"
)

// TLPs lists the TLP 2.0 levels, from the least to the most restricted.
var TLPs = []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// Valid reports whether t is one of TLPs.
func (t TLP) Valid() bool { return slices.Contains(TLPs, t) }

// JSONSchema makes the schema of TLP an enum of TLPs.
func (TLP) JSONSchema() *jsonschema.Schema { return ident.Enum(TLPs) }

// Policy is a rule the organisation holds its own design to.
type Policy struct {
	// ID identifies the policy.
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Description says what the rule means.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Rule is a CEL expression over design (the document as a JSON object,
	// keys as written) that must be true.
	Rule string `json:"rule" yaml:"rule" jsonschema:"required,minLength=1"`
}

// Process returns the process with the given id, or nil.
func (d *Design) Process(id ident.Number) *process.Process {
	for i := range d.Processes {
		if d.Processes[i].ID == id {
			return &d.Processes[i]
		}
	}
	return nil
}

// Method returns the method with the given id, or nil.
func (d *Design) Method(id ident.Number) *process.Method {
	if p := d.Process(id.Parent()); p != nil {
		for i := range p.Methods {
			if p.Methods[i].ID == id {
				return &p.Methods[i]
			}
		}
	}
	for i := range d.Processes { // a method numbered outside its process
		for k := range d.Processes[i].Methods {
			if d.Processes[i].Methods[k].ID == id {
				return &d.Processes[i].Methods[k]
			}
		}
	}
	return nil
}

// Response returns the response with the given id, or nil.
func (d *Design) Response(id ident.ID) *response.Response {
	for i := range d.Responses {
		if d.Responses[i].ID == id {
			return &d.Responses[i]
		}
	}
	return nil
}

// Field returns the field with the given id, or nil.
func (d *Design) Field(id ident.ID) *process.Field {
	for i := range d.Fields {
		if d.Fields[i].ID == id {
			return &d.Fields[i]
		}
	}
	return nil
}

// Playbook returns the playbook with the given id, or nil.
func (d *Design) Playbook(id ident.ID) *playbook.Playbook {
	for i := range d.Playbooks {
		if d.Playbooks[i].ID == id {
			return &d.Playbooks[i]
		}
	}
	return nil
}

// PlaybookFor returns the first playbook that handles incident id, or nil.
func (d *Design) PlaybookFor(incident ident.ID) *playbook.Playbook {
	for i := range d.Playbooks {
		if d.Playbooks[i].Handles(incident) {
			return &d.Playbooks[i]
		}
	}
	return nil
}

// Source returns the name of the file the design was loaded from, or "".
func (d *Design) Source() string {
	return d.src.Name()
}

// Position returns where the value at path (as finding.Path prints it,
// e.g. "processes[3].methods[1].action") is in the file the design was
// loaded from, or where the deepest part of path that exists is; the zero
// Position when the design was not loaded from a source.
func (d *Design) Position(path string) finding.Position {
	return d.src.Position(path, false)
}
