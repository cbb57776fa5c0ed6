package scenario

import (
	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/ident"
)

// Format is the value of the format key of every scenario file.
const Format = "secops-scenarios/v1"

// None is the expected value that means "no such thing happened": no
// incident, no playbook, no response.
const None = "none"

// File is a scenario file: scenarios that test one design without any real
// system.
type File struct {
	// Format is always secops-scenarios/v1.
	Format string `json:"format" yaml:"format" jsonschema:"required,enum=secops-scenarios/v1"`
	// Design is the path of the design file, relative to the scenario file.
	Design string `json:"design" yaml:"design" jsonschema:"required,minLength=1"`
	// Scenarios are the test cases.
	Scenarios []Scenario `json:"scenarios" yaml:"scenarios" jsonschema:"required"`

	// Source is where the file was loaded from, to position findings;
	// nil for a file built in Go.
	Source *document.Source `json:"-" yaml:"-"`
}

// Scenario is an alert, what every method finds in that situation, and what
// the design must then do.
type Scenario struct {
	// ID identifies the scenario.
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name describes the situation.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Alert maps field ids to the values the alert carries.
	Alert map[string]any `json:"alert" yaml:"alert" jsonschema:"required"`
	// Outputs maps method ids to the outputs (field id to value) that the
	// method returns in this situation.
	Outputs map[ident.Number]map[string]any `json:"outputs,omitempty" yaml:"outputs,omitempty"`
	// Expect is what the design must do; every key is optional.
	Expect Expect `json:"expect,omitzero" yaml:"expect,omitzero"`
}

// Expect is the expected outcome of a scenario. A nil pointer or list
// means "not checked"; the value "none" means that no such thing happened.
type Expect struct {
	// Detection is the id of the detection rule that matches, or none.
	Detection *string `json:"detection,omitempty" yaml:"detection,omitempty"`
	// Incident is the id of the incident declared, or none.
	Incident *string `json:"incident,omitempty" yaml:"incident,omitempty"`
	// Severity is the id of the severity, or none.
	Severity *string `json:"severity,omitempty" yaml:"severity,omitempty"`
	// Playbook is the id of the playbook that runs, or none.
	Playbook *string `json:"playbook,omitempty" yaml:"playbook,omitempty"`
	// Path lists the ids of the steps taken, in order.
	Path []ident.ID `json:"path,omitempty" yaml:"path,omitempty"`
	// Skipped lists the ids of the methods skipped because their when was
	// false.
	Skipped []ident.Number `json:"skipped,omitempty" yaml:"skipped,omitempty"`
	// Response is the id of the response the playbook ends in, or none.
	Response *string `json:"response,omitempty" yaml:"response,omitempty"`
	// WithinTarget says whether the sum of the estimates of what ran fits
	// the severity's first_response target.
	WithinTarget *bool `json:"within_target,omitempty" yaml:"within_target,omitempty"`
}
