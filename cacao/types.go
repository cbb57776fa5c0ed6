package cacao

import "encoding/json"

// SpecVersion is the spec_version of every playbook this package writes.
const SpecVersion = "cacao-2.0"

// Playbook is a CACAO 2.0 playbook, reduced to the properties this package
// reads or writes. Maps are written with sorted keys, so the JSON encoding
// of a Playbook is deterministic.
type Playbook struct {
	Type                 string                         `json:"type"`
	SpecVersion          string                         `json:"spec_version"`
	ID                   string                         `json:"id"`
	Name                 string                         `json:"name"`
	Description          string                         `json:"description,omitempty"`
	PlaybookTypes        []string                       `json:"playbook_types,omitempty"`
	CreatedBy            string                         `json:"created_by"`
	Created              string                         `json:"created"`
	Modified             string                         `json:"modified"`
	Labels               []string                       `json:"labels,omitempty"`
	PlaybookVariables    map[string]Variable            `json:"playbook_variables,omitempty"`
	WorkflowStart        string                         `json:"workflow_start"`
	WorkflowException    string                         `json:"workflow_exception,omitempty"`
	Workflow             map[string]*Step               `json:"workflow"`
	PlaybookExtensions   map[string]json.RawMessage     `json:"playbook_extensions,omitempty"`
	AgentDefinitions     map[string]AgentTarget         `json:"agent_definitions,omitempty"`
	TargetDefinitions    map[string]AgentTarget         `json:"target_definitions,omitempty"`
	ExtensionDefinitions map[string]ExtensionDefinition `json:"extension_definitions,omitempty"`
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
	Type           string                     `json:"type"`
	Name           string                     `json:"name,omitempty"`
	Description    string                     `json:"description,omitempty"`
	StepVariables  map[string]Variable        `json:"step_variables,omitempty"`
	OnCompletion   string                     `json:"on_completion,omitempty"`
	OnSuccess      string                     `json:"on_success,omitempty"`
	OnFailure      string                     `json:"on_failure,omitempty"`
	StepExtensions map[string]json.RawMessage `json:"step_extensions,omitempty"`

	// action
	Commands []Command `json:"commands,omitempty"`
	Agent    string    `json:"agent,omitempty"`
	Targets  []string  `json:"targets,omitempty"`
	InArgs   []string  `json:"in_args,omitempty"`
	OutArgs  []string  `json:"out_args,omitempty"`

	// playbook-action
	PlaybookID string `json:"playbook_id,omitempty"`

	// if-condition, while-condition
	Condition string `json:"condition,omitempty"`
	OnTrue    string `json:"on_true,omitempty"`
	OnFalse   string `json:"on_false,omitempty"`

	// switch-condition
	Switch string            `json:"switch,omitempty"`
	Cases  map[string]string `json:"cases,omitempty"`

	// parallel
	NextSteps []string `json:"next_steps,omitempty"`
}

// Command is one command of an action step.
type Command struct {
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Command     string `json:"command,omitempty"`
	CommandB64  string `json:"command_b64,omitempty"`
	Content     string `json:"content,omitempty"`
}

// Variable is a CACAO variable; its key in the dictionary that holds it
// is its name, __like_this__.
type Variable struct {
	Type        string  `json:"type"`
	Description string  `json:"description,omitempty"`
	Value       *string `json:"value,omitempty"`
	Constant    bool    `json:"constant,omitempty"`
	External    bool    `json:"external,omitempty"`
}

// AgentTarget is an agent or a target definition.
type AgentTarget struct {
	Type        string   `json:"type"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Category    []string `json:"category,omitempty"`
}

// ExtensionDefinition declares an extension used in the playbook.
type ExtensionDefinition struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	CreatedBy   string `json:"created_by"`
	Schema      string `json:"schema"`
	Version     string `json:"version"`
}

// Decode reads one CACAO playbook in JSON.
func Decode(data []byte) (*Playbook, error) {
	var pb Playbook
	if err := json.Unmarshal(data, &pb); err != nil {
		return nil, err
	}
	return &pb, nil
}
