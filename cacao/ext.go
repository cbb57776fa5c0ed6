package cacao

import (
	"bytes"
	"encoding/json"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/scope"
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
	// ExpressionLanguage is the expression_language property: "cel" on
	// if-condition steps whose condition is CEL (it has no STIX form),
	// empty on the others.
	ExpressionLanguage string `json:"expression_language,omitempty"`
	// Step is the step property, the id of the design step the CACAO
	// step comes from.
	Step string `json:"step,omitempty"`
	// StepName is the step_name property, the design step's name; empty
	// on end steps and response steps.
	StepName string `json:"step_name,omitempty"`
	// Target is the target property, the design step's target, "host"
	// or "fleet"; empty when the step sets none, and on end steps.
	Target string `json:"target,omitempty"`
	// Branch is the branch property, the index of the design branch an
	// if-condition tests; nil on other steps.
	Branch *int `json:"branch,omitempty"`
	// Process is the process property, the id of the design process an
	// action belongs to; empty on other steps.
	Process string `json:"process,omitempty"`
	// ProcessName is the process_name property, the name of that
	// process.
	ProcessName string `json:"process_name,omitempty"`
	// ProcessDescription is the process_description property, the
	// description of that process; empty if it has none.
	ProcessDescription string `json:"process_description,omitempty"`
	// Method is the method property, the method id of an action, or of
	// the action an if-condition guards (the method's when); empty for
	// the one action that stands for a process with no methods, and on
	// the if-conditions of branches.
	Method string `json:"method,omitempty"`
	// When is the when property, the method's CEL condition, false when
	// the method is skipped; empty if the method always runs.
	When string `json:"when,omitempty"`
	// Note is the note property, the method's note qualifying its
	// procedure; empty if it has none.
	Note string `json:"note,omitempty"`
	// Estimate is the estimate property, how long the method takes in
	// duration.Duration notation, e.g. "10m"; empty if not estimated.
	Estimate string `json:"estimate,omitempty"`
	// Rollback is the rollback property, how to undo the method; nil if
	// the method has no rollback.
	Rollback *process.Rollback `json:"rollback,omitempty"`
	// Response is the response property, the id of the design response
	// an action or end step belongs to; empty outside responses.
	Response string `json:"response,omitempty"`
	// ResponseName is the response_name property, the name of that
	// response.
	ResponseName string `json:"response_name,omitempty"`
	// ResponsePhase is the response_phase property, the response's
	// phase: "first_response" or "response".
	ResponsePhase string `json:"response_phase,omitempty"`
	// ResponseDescription is the response_description property, the
	// response's description; empty if it has none.
	ResponseDescription string `json:"response_description,omitempty"`
	// Approval is the approval property, the id of the party whose
	// approval the action asks for; empty on other steps.
	Approval string `json:"approval,omitempty"`
	// ApprovalName is the approval_name property, that party's name;
	// empty if the design does not define the party.
	ApprovalName string `json:"approval_name,omitempty"`
	// End is the end property, the reason of an end step that ends a
	// design playbook with no response; empty if there is none.
	End string `json:"end,omitempty"`
	// Disposition is the disposition property of an end step: the
	// disposition of the design's step or branch that ends the playbook
	// there (true-positive, benign or false-positive); empty if it has
	// none.
	Disposition string `json:"disposition,omitempty"`
	// EndOf is the end_of property of an end step that only closes a
	// branch sub-workflow: "when" (the branch of a method's when),
	// "branches" (the on_completion of a design step's branches) or
	// "no-match" (the on_false of the last condition of branches with
	// no default); empty on other steps.
	EndOf string `json:"end_of,omitempty"`
	// Action is the action property, the method's action
	// ("<adapter>.<operation>"); empty for methods done by a person.
	Action string `json:"action,omitempty"`
	// Condition is the condition property of an if-condition for a
	// design branch whose condition property is a STIX translation: the
	// design's CEL, verbatim; empty when the condition is CEL itself.
	Condition string `json:"condition,omitempty"`
}

// PlaybookExtension is the content of the secops extension on a
// playbook: the design it comes from and the fields, whose types CACAO
// variables cannot all carry.
type PlaybookExtension struct {
	// Design is the design property, the name of the design.
	Design string `json:"design"`
	// Title is the title property, the design's display title; empty if
	// it has none.
	Title string `json:"title,omitempty"`
	// Language is the language property, the BCP 47 tag of the design's
	// language; empty if not given.
	Language string `json:"language,omitempty"`
	// Version is the version property, the design's own version; empty
	// if not given.
	Version string `json:"version,omitempty"`
	// Playbook is the playbook property, the id of the design playbook.
	Playbook string `json:"playbook"`
	// Description is the description property, the design playbook's
	// description; empty if it has none.
	Description string `json:"description,omitempty"`
	// DesignDescription is the design_description property, the
	// description in the design's metadata; empty if it has none.
	DesignDescription string `json:"design_description,omitempty"`
	// Parties is the parties property, the design's parties: those the
	// agents of the playbook stand for, and the others its
	// responsibilities name.
	Parties []scope.Party `json:"parties,omitempty"`
	// Responsibilities is the responsibilities property, who does what
	// in each phase of the design; nil if not carried.
	Responsibilities *scope.Responsibilities `json:"responsibilities,omitempty"`
	// Incidents is the incidents property, the ids of the incidents the
	// playbook handles.
	Incidents []string `json:"incidents,omitempty"`
	// Inputs is the inputs property, the ids of the fields an alert
	// supplies.
	Inputs []string `json:"inputs,omitempty"`
	// Fields is the fields property, the design fields the playbook uses
	// (its inputs, its methods' inputs and outputs, and the fields its
	// conditions read), in design order.
	Fields []process.Field `json:"fields,omitempty"`
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

// responsibilities returns the responsibilities e carries when every
// party they name is in parties, or nil.
func (e *PlaybookExtension) responsibilities(parties map[ident.ID]bool) *scope.Responsibilities {
	if e == nil || e.Responsibilities == nil {
		return nil
	}
	r := *e.Responsibilities
	for _, a := range []*scope.Assignment{r.Detection, r.Triage, r.FirstResponse, r.Analysis, r.Response} {
		if a == nil {
			continue
		}
		ids := append([]ident.ID{a.Responsible, a.Accountable}, a.Consulted...)
		for _, id := range append(ids, a.Informed...) {
			if id != "" && !parties[id] {
				return nil
			}
		}
		if a.Responsible == "" {
			return nil
		}
	}
	return &r
}
