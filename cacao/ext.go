package cacao

import (
	"bytes"
	"encoding/json"

	"github.com/secopsdesign/secops/process"
)

// ExtensionID is the id of the extension definition that Export declares
// in every playbook and uses on every step it writes. It is the UUIDv5 of
// "extension-definition:secops/v1" in Namespace.
var ExtensionID = "extension-definition--" + uuid5(Namespace, "extension-definition:secops/v1")

// ExpressionLanguage is the value of expression_language in the step
// extension of the if-condition steps Export writes: their condition is
// a CEL expression over fields, not a STIX pattern.
const ExpressionLanguage = "cel"

// extensionSchema is the schema property of the extension definition.
const extensionSchema = "https://github.com/secopsdesign/secops/blob/main/cacao/doc.go"

// StepExtension is the content of the secops extension on a workflow
// step. It names the expression language of conditions and records where
// the step comes from in the design, so that Import can rebuild the
// design's steps, processes and responses exactly.
type StepExtension struct {
	// ExpressionLanguage is "cel" on if-condition steps.
	ExpressionLanguage string `json:"expression_language,omitempty"`
	// Step and StepName are the id and name of the design step.
	Step     string `json:"step,omitempty"`
	StepName string `json:"step_name,omitempty"`
	// Target is the design step's target, host or fleet.
	Target string `json:"target,omitempty"`
	// Branch is the index of the design branch an if-condition tests.
	Branch *int `json:"branch,omitempty"`
	// Process and ProcessName identify the process an action belongs to.
	Process            string `json:"process,omitempty"`
	ProcessName        string `json:"process_name,omitempty"`
	ProcessDescription string `json:"process_description,omitempty"`
	// Method is the method id of an action; empty for the one action that
	// stands for a process with no methods.
	Method   string            `json:"method,omitempty"`
	When     string            `json:"when,omitempty"`
	Note     string            `json:"note,omitempty"`
	Estimate string            `json:"estimate,omitempty"`
	Rollback *process.Rollback `json:"rollback,omitempty"`
	// Response and the following describe the response an action or
	// end step belongs to.
	Response            string `json:"response,omitempty"`
	ResponseName        string `json:"response_name,omitempty"`
	ResponsePhase       string `json:"response_phase,omitempty"`
	ResponseDescription string `json:"response_description,omitempty"`
	// Approval is the party id whose approval the action asks for, and
	// ApprovalName its name.
	Approval     string `json:"approval,omitempty"`
	ApprovalName string `json:"approval_name,omitempty"`
	// End is the reason of an end step that ends a design playbook with
	// no response.
	End string `json:"end,omitempty"`
}

// PlaybookExtension is the content of the secops extension on a
// playbook: the design it comes from and the fields, whose types CACAO
// variables cannot all carry.
type PlaybookExtension struct {
	Design      string          `json:"design"`
	Title       string          `json:"title,omitempty"`
	Language    string          `json:"language,omitempty"`
	Version     string          `json:"version,omitempty"`
	Playbook    string          `json:"playbook"`
	Description string          `json:"description,omitempty"`
	Incidents   []string        `json:"incidents,omitempty"`
	Inputs      []string        `json:"inputs,omitempty"`
	Fields      []process.Field `json:"fields,omitempty"`
}

func rawJSON(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// stepExt returns the secops extension of s, or nil.
func stepExt(s *Step) *StepExtension {
	raw, ok := s.StepExtensions[ExtensionID]
	if !ok {
		return nil
	}
	var e StepExtension
	if json.Unmarshal(raw, &e) != nil {
		return nil
	}
	return &e
}

// playbookExt returns the secops extension of pb, or nil.
func playbookExt(pb *Playbook) *PlaybookExtension {
	raw, ok := pb.PlaybookExtensions[ExtensionID]
	if !ok {
		return nil
	}
	var e PlaybookExtension
	if json.Unmarshal(raw, &e) != nil {
		return nil
	}
	return &e
}
