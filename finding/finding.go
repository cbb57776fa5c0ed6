package finding

import (
	"fmt"
	"strings"
)

// Severity says whether a finding makes a design invalid (Error) or only
// deserves attention (Warning).
type Severity string

// The two severities of a finding.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Code classifies a finding. Tests and tools match on codes and paths,
// never on message text.
type Code string

// The finding codes of the secops/v1 format.
const (
	Syntax             Code = "syntax"
	DuplicateKey       Code = "duplicate-key"
	UnknownField       Code = "unknown-field"
	Required           Code = "required"
	InvalidValue       Code = "invalid-value"
	DuplicateID        Code = "duplicate-id"
	UnknownRef         Code = "unknown-ref"
	Expression         Code = "expression"
	OutOfScope         Code = "out-of-scope"
	UnassignedPhase    Code = "unassigned-phase"
	UncoveredIncident  Code = "uncovered-incident"
	UndetectedIncident Code = "undetected-incident"
	UnreachableStep    Code = "unreachable-step"
	DeadEnd            Code = "dead-end"
	Cycle              Code = "cycle"
	NoDefaultBranch    Code = "no-default-branch"
	UnavailableInput   Code = "unavailable-input"
	MissingRollback    Code = "missing-rollback"
	MissingEstimate    Code = "missing-estimate"
	TargetExceeded     Code = "target-exceeded"
	Policy             Code = "policy"
	Unused             Code = "unused"
)

// Codes lists every code with the severity its findings have.
var Codes = []struct {
	Code     Code
	Severity Severity
}{
	{Syntax, Error}, {DuplicateKey, Error}, {UnknownField, Error}, {Required, Error}, {InvalidValue, Error},
	{DuplicateID, Error}, {UnknownRef, Error}, {Expression, Error}, {OutOfScope, Error},
	{UnassignedPhase, Error}, {UncoveredIncident, Error}, {UndetectedIncident, Warning},
	{UnreachableStep, Error}, {DeadEnd, Error}, {Cycle, Error}, {NoDefaultBranch, Warning},
	{UnavailableInput, Error}, {MissingRollback, Error}, {MissingEstimate, Warning},
	{TargetExceeded, Error}, {Policy, Error}, {Unused, Warning},
}

// Severity returns the severity of findings with code c.
func (c Code) Severity() Severity {
	for _, e := range Codes {
		if e.Code == c {
			return e.Severity
		}
	}
	return Error
}

// Position is a place in a source file. Line and Column count from 1; a
// zero Line means the position is unknown.
type Position struct {
	// File is the file name given to the loader.
	File string `json:"file,omitempty"`
	// Line counts lines from 1.
	Line int `json:"line,omitempty"`
	// Column counts characters (runes) from 1.
	Column int `json:"column,omitempty"`
}

// String prints "file:line:col", leaving out what is unknown.
func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.File == "":
		return fmt.Sprintf("%d:%d", p.Line, p.Column)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Finding is one problem found in a document.
type Finding struct {
	// Severity is Error or Warning.
	Severity Severity `json:"severity"`
	// Code classifies the finding.
	Code Code `json:"code"`
	// Path locates the value in the document, as Path.String prints it;
	// empty for findings about the whole file.
	Path string `json:"path"`
	// Message says what is wrong, for people.
	Message string `json:"message"`
	// Position is where the value is in the source file, when known.
	Position
}

// New returns a finding of code c at path p, with the code's severity.
func New(c Code, p *Path, format string, args ...any) Finding {
	return Finding{Severity: c.Severity(), Code: c, Path: p.String(), Message: fmt.Sprintf(format, args...)}
}

// Error prints the finding in the one-line text form:
// "file:line:col: severity: path: message [code]".
func (f Finding) Error() string {
	var b strings.Builder
	if pos := f.Position.String(); pos != "" {
		b.WriteString(pos)
		b.WriteString(": ")
	}
	b.WriteString(string(f.Severity))
	b.WriteString(": ")
	if f.Path != "" {
		b.WriteString(f.Path)
		b.WriteString(": ")
	}
	b.WriteString(f.Message)
	b.WriteString(" [")
	b.WriteString(string(f.Code))
	b.WriteString("]")
	return b.String()
}
