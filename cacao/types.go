package cacao

import (
	"bytes"
	"encoding/json"
)

// SpecVersion is the spec_version of every playbook this package writes.
const SpecVersion = "cacao-2.0"

// Playbook is a CACAO 2.0 playbook, reduced to the properties this package
// reads or writes. Maps are written with sorted keys, so the JSON encoding
// of a Playbook is deterministic.
type Playbook struct {
	// Type is the type property; it is always "playbook".
	Type string `json:"type"`
	// SpecVersion is the spec_version property, "cacao-2.0" (see the
	// SpecVersion constant).
	SpecVersion string `json:"spec_version"`
	// ID is the id property, "playbook--" followed by a UUID; all
	// versions of a playbook share it.
	ID string `json:"id"`
	// Name is the name property, the playbook's display name.
	Name string `json:"name"`
	// Description is the description property, what the playbook does;
	// empty if it has none.
	Description string `json:"description,omitempty"`
	// PlaybookTypes is the playbook_types property, values from CACAO's
	// playbook-type-ov vocabulary such as "investigation"; nil if not set.
	PlaybookTypes []string `json:"playbook_types,omitempty"`
	// CreatedBy is the created_by property, the id ("identity--<uuid>")
	// of the STIX identity that created the playbook.
	CreatedBy string `json:"created_by"`
	// Created is the created property, the time the playbook was first
	// created, in TimeFormat.
	Created string `json:"created"`
	// Modified is the modified property, the time this version was last
	// changed, in TimeFormat.
	Modified string `json:"modified"`
	// Labels is the labels property, free-form tags; nil if there are
	// none.
	Labels []string `json:"labels,omitempty"`
	// ExternalReferences is the external_references property, links to
	// information outside the playbook; nil if there are none.
	ExternalReferences []ExternalReference `json:"external_references,omitempty"`
	// Markings is the markings property, the ids of the entries of
	// DataMarkingDefinitions that apply to the playbook; nil if none.
	Markings []string `json:"markings,omitempty"`
	// PlaybookVariables is the playbook_variables property, the global
	// variables keyed by name (__like_this__); nil if there are none.
	PlaybookVariables map[string]Variable `json:"playbook_variables,omitempty"`
	// WorkflowStart is the workflow_start property, the id of the start
	// step in Workflow.
	WorkflowStart string `json:"workflow_start"`
	// WorkflowException is the workflow_exception property, the id of the
	// step run when execution fails; empty if there is none.
	WorkflowException string `json:"workflow_exception,omitempty"`
	// Workflow is the workflow property, every step of the playbook keyed
	// by its id ("<type>--<uuid>").
	Workflow map[string]*Step `json:"workflow"`
	// PlaybookExtensions is the playbook_extensions property, the raw
	// JSON content of each playbook extension keyed by its extension
	// definition id; nil if there are none.
	PlaybookExtensions map[string]json.RawMessage `json:"playbook_extensions,omitempty"`
	// AuthenticationInfoDefinitions is the
	// authentication_info_definitions property, the authentication
	// information targets name, keyed by id; nil if there is none.
	AuthenticationInfoDefinitions map[string]AuthenticationInfo `json:"authentication_info_definitions,omitempty"`
	// AgentDefinitions is the agent_definitions property, the agents that
	// steps name in Step.Agent, keyed by id; nil if there are none.
	AgentDefinitions map[string]AgentTarget `json:"agent_definitions,omitempty"`
	// TargetDefinitions is the target_definitions property, the targets
	// that steps name in Step.Targets, keyed by id; nil if there are none.
	TargetDefinitions map[string]AgentTarget `json:"target_definitions,omitempty"`
	// ExtensionDefinitions is the extension_definitions property, the
	// extensions used in the playbook keyed by their
	// "extension-definition--<uuid>" id; nil if there are none.
	ExtensionDefinitions map[string]ExtensionDefinition `json:"extension_definitions,omitempty"`
	// DataMarkingDefinitions is the data_marking_definitions property,
	// the data markings Markings names, keyed by id; nil if none.
	DataMarkingDefinitions map[string]DataMarking `json:"data_marking_definitions,omitempty"`
}

// ExternalReference is a link to information outside the playbook.
type ExternalReference struct {
	// Name is the name property, the source's author or title.
	Name string `json:"name"`
	// Description is the description property; empty if none.
	Description string `json:"description,omitempty"`
	// Source is the source property, a textual citation; empty if none.
	Source string `json:"source,omitempty"`
	// URL is the url property; empty if none.
	URL string `json:"url,omitempty"`
	// ExternalID is the external_id property; empty if none.
	ExternalID string `json:"external_id,omitempty"`
	// ReferenceID is the reference_id property; empty if none.
	ReferenceID string `json:"reference_id,omitempty"`
}

// DataMarking is a data marking definition; Export and Import use the
// TLP 2.0 ones (type "marking-tlp").
type DataMarking struct {
	// Type is the type property, e.g. "marking-tlp" or
	// "marking-statement".
	Type string `json:"type"`
	// ID is the id property, "marking-<type>--<uuid>".
	ID string `json:"id"`
	// Name is the name property; empty if none.
	Name string `json:"name,omitempty"`
	// CreatedBy is the created_by property, an identity id.
	CreatedBy string `json:"created_by"`
	// Created is the created property, in TimeFormat.
	Created string `json:"created"`
	// TLPv2Level is the tlpv2_level property of TLP markings, e.g.
	// "TLP:AMBER+STRICT"; empty for other types.
	TLPv2Level string `json:"tlpv2_level,omitempty"`
	// Statement is the statement property of statement markings; empty
	// for other types.
	Statement string `json:"statement,omitempty"`
}

// AuthenticationInfo is an entry of authentication_info_definitions.
// Export writes one for each webhook adapter with secret headers and
// never writes a secret value.
type AuthenticationInfo struct {
	// Type is the type property: "oauth2" for a bearer token, else
	// AuthHeaders.
	Type string `json:"type"`
	// Name is the name property.
	Name string `json:"name,omitempty"`
	// OAuthHeader is the oauth_header property of oauth2 entries.
	OAuthHeader string `json:"oauth_header,omitempty"`
	// Token is the token property of oauth2 entries: a reference to an
	// external variable, never the token itself.
	Token string `json:"token,omitempty"`
	// Extensions is the authentication_info_extensions property; the
	// secops extension lists the secret headers of AuthHeaders entries
	// with the templates (environment variable names) of their values.
	Extensions map[string]json.RawMessage `json:"authentication_info_extensions,omitempty"`
}

// The workflow step types of CACAO 2.0.
const (
	StepStart           = "start"
	StepEnd             = "end"
	StepAction          = "action"
	StepPlaybookAction  = "playbook-action"
	StepParallel        = "parallel"
	StepIfCondition     = "if-condition"
	StepWhileCondition  = "while-condition"
	StepSwitchCondition = "switch-condition"
)

// Step is a CACAO workflow step of any type; the properties that a type
// does not have are left empty.
type Step struct {
	// Type is the type property, one of the Step* constants.
	Type string `json:"type"`
	// Name is the name property, the step's display name; empty if it
	// has none.
	Name string `json:"name,omitempty"`
	// Description is the description property, what the step does;
	// empty if it has none.
	Description string `json:"description,omitempty"`
	// StepVariables is the step_variables property, the step's local
	// variables keyed by name; nil if there are none.
	StepVariables map[string]Variable `json:"step_variables,omitempty"`
	// OnCompletion is the on_completion property, the id of the step
	// that follows whatever the outcome; empty if OnSuccess or OnFailure
	// is used instead, or for end steps.
	OnCompletion string `json:"on_completion,omitempty"`
	// OnSuccess is the on_success property, the id of the step that
	// follows when this one succeeds; empty if not set.
	OnSuccess string `json:"on_success,omitempty"`
	// OnFailure is the on_failure property, the id of the step that
	// follows when this one fails; empty if not set.
	OnFailure string `json:"on_failure,omitempty"`
	// Timeout is the timeout property, in milliseconds; 0 if not set.
	Timeout int64 `json:"timeout,omitempty"`
	// StepExtensions is the step_extensions property, the raw JSON
	// content of each step extension keyed by its extension definition
	// id; nil if there are none.
	StepExtensions map[string]json.RawMessage `json:"step_extensions,omitempty"`

	// The properties of action steps.

	// Commands is the commands property, the commands the step runs, in
	// order.
	Commands []Command `json:"commands,omitempty"`
	// Agent is the agent property, the id of the entry of
	// Playbook.AgentDefinitions that runs the commands; empty if not set.
	Agent string `json:"agent,omitempty"`
	// Targets is the targets property, ids of entries of
	// Playbook.TargetDefinitions the commands act on; nil if not set.
	Targets []string `json:"targets,omitempty"`
	// InArgs is the in_args property, the names of the variables passed
	// to the agent and targets; nil if there are none.
	InArgs []string `json:"in_args,omitempty"`
	// OutArgs is the out_args property, the names of the variables the
	// agent sets from the commands' results; nil if there are none.
	OutArgs []string `json:"out_args,omitempty"`

	// The properties of playbook-action steps.

	// PlaybookID is the playbook_id property, the id of the playbook the
	// step runs.
	PlaybookID string `json:"playbook_id,omitempty"`

	// The properties of if-condition and while-condition steps.

	// Condition is the condition property, a boolean expression: a STIX
	// pattern in CACAO, a CEL expression in the steps Export writes (see
	// ExpressionLanguage).
	Condition string `json:"condition,omitempty"`
	// OnTrue is the on_true property, the id of the step run when
	// Condition is true (each time it is, for while-condition steps).
	OnTrue string `json:"on_true,omitempty"`
	// OnFalse is the on_false property of if-condition steps, the id of
	// the step run when Condition is false; empty if not set.
	OnFalse string `json:"on_false,omitempty"`

	// The properties of switch-condition steps.

	// Switch is the switch property, the variable whose value selects an
	// entry of Cases.
	Switch string `json:"switch,omitempty"`
	// Cases is the cases property, which maps each case value (or
	// "default") to the id of the step run when Switch matches it.
	Cases map[string]string `json:"cases,omitempty"`

	// The properties of parallel steps.

	// NextSteps is the next_steps property, the ids of the steps run in
	// parallel.
	NextSteps []string `json:"next_steps,omitempty"`
}

// Command is one command of an action step.
type Command struct {
	// Type is the type property, from CACAO's command-type-ov vocabulary
	// (e.g. "manual") or AdapterCommand.
	Type string `json:"type"`
	// Description is the description property; empty if there is none.
	Description string `json:"description,omitempty"`
	// Command is the command property, the command as plain text: a
	// procedure for manual commands, "<adapter>.<operation>" for
	// AdapterCommand; empty when CommandB64 carries it.
	Command string `json:"command,omitempty"`
	// CommandB64 is the command_b64 property, the command base64-encoded
	// (standard encoding) when it cannot be plain text; empty if not used.
	CommandB64 string `json:"command_b64,omitempty"`
	// Headers is the headers property of http-api commands; nil if
	// there are none.
	Headers map[string][]string `json:"headers,omitempty"`
	// Content is the content property, the payload of an http-api
	// command; empty if there is none.
	Content string `json:"content,omitempty"`
}

// Variable is a CACAO variable; its key in the dictionary that holds it
// is its name, __like_this__.
type Variable struct {
	// Type is the type property, from CACAO's variable-type-ov
	// vocabulary, e.g. "string" or "ipv4-addr".
	Type string `json:"type"`
	// Description is the description property; empty if there is none.
	Description string `json:"description,omitempty"`
	// Value is the value property, the variable's initial value; nil
	// when it is absent or null, which differs from the empty string. A
	// value that is not a string (CACAO allows a JSON object) is read as
	// its JSON text.
	Value *string `json:"value,omitempty"`
	// Constant is the constant property, set when the variable cannot be
	// changed.
	Constant bool `json:"constant,omitempty"`
	// External is the external property, set when a playbook variable's
	// initial value is passed in by the caller.
	External bool `json:"external,omitempty"`
}

// AgentTarget is an agent or a target definition.
type AgentTarget struct {
	// Type is the type property, from CACAO's agent-target-type-ov
	// vocabulary, e.g. "individual" or "security-category".
	Type string `json:"type"`
	// Name is the name property, the display name.
	Name string `json:"name"`
	// Description is the description property; empty if there is none.
	Description string `json:"description,omitempty"`
	// Category is the category property of security-category and other
	// agent-target types, values from security-category-type-ov such as
	// "orchestrator"; nil for types without it.
	Category []string `json:"category,omitempty"`
	// Address is the address property of http-api and other network
	// targets, e.g. {"url": ["https://soar.example.org/hook"]}.
	Address map[string][]string `json:"address,omitempty"`
	// Port is the port property of http-api and other network targets,
	// a decimal string; empty if not set (for http-api, 80).
	Port string `json:"port,omitempty"`
	// AuthenticationInfo is the authentication_info property, the id of
	// an entry of Playbook.AuthenticationInfoDefinitions; empty if none.
	AuthenticationInfo string `json:"authentication_info,omitempty"`
}

// ExtensionDefinition declares an extension used in the playbook.
type ExtensionDefinition struct {
	// Type is the type property; it is always "extension-definition".
	Type string `json:"type"`
	// Name is the name property, the extension's display name.
	Name string `json:"name"`
	// Description is the description property; empty if there is none.
	Description string `json:"description,omitempty"`
	// CreatedBy is the created_by property, the id ("identity--<uuid>")
	// of the STIX identity that created the extension.
	CreatedBy string `json:"created_by"`
	// Schema is the schema property, the normative definition of the
	// extension: a URL or a text.
	Schema string `json:"schema"`
	// Version is the version property, the extension's version, e.g.
	// "1.0.0".
	Version string `json:"version"`
}

// UnmarshalJSON reads a variable; a value that is not a string or null
// is kept as its JSON text.
func (v *Variable) UnmarshalJSON(data []byte) error {
	type plain Variable
	var w struct {
		plain
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*v = Variable(w.plain)
	v.Value = nil
	switch raw := bytes.TrimSpace(w.Value); {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		v.Value = &s
	default:
		s := string(raw)
		v.Value = &s
	}
	return nil
}
