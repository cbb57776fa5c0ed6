package header

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secopsdesign/secops/adapters"
)

// Template is a parsed header value: literal text and ${NAME} variables.
type Template []part

// part is literal text, or a variable when isVar is set.
type part struct {
	text  string
	isVar bool
}

// UnsetVariableError is the error for a header naming an environment
// variable that is unset or empty.
type UnsetVariableError struct {
	// Name is the variable's name.
	Name string
}

// Error returns a message naming the unset variable.
func (e *UnsetVariableError) Error() string {
	return fmt.Sprintf("environment variable %s, named in a header, is not set", e.Name)
}

// Parse parses a header value. Every ${ must be closed and name a
// variable of letters, digits and _; other text, including a $ not
// followed by {, is literal.
func Parse(s string) (Template, error) {
	var parts Template
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			if s != "" {
				parts = append(parts, part{text: s})
			}
			return parts, nil
		}
		if i > 0 {
			parts = append(parts, part{text: s[:i]})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("unclosed ${ in %q", s)
		}
		name := s[i+2 : i+j]
		if !validName(name) {
			return nil, fmt.Errorf("${%s}: want a variable name of letters, digits and _", name)
		}
		parts = append(parts, part{text: name, isVar: true})
		s = s[i+j+1:]
	}
}

func validName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Variables returns the names of the variables t names, in order, each
// once.
func (t Template) Variables() []string {
	var names []string
	for _, p := range t {
		if p.isVar && !slices.Contains(names, p.text) {
			names = append(names, p.text)
		}
	}
	return names
}

// Expand returns the header value of t, and the values substituted. A
// variable that lookup does not find, or finds empty, is an
// *UnsetVariableError.
func (t Template) Expand(lookup func(string) (string, bool)) (string, []string, error) {
	var b strings.Builder
	var vars []string
	for _, p := range t {
		if !p.isVar {
			b.WriteString(p.text)
			continue
		}
		v, ok := lookup(p.text)
		if !ok || v == "" {
			return "", nil, &UnsetVariableError{Name: p.text}
		}
		b.WriteString(v)
		vars = append(vars, v)
	}
	return b.String(), vars, nil
}

// Redact replaces every secret in s with [redacted], in the forms an
// echo may give it: as sent, and escaped in JSON (\/ included).
func Redact(s string, secrets []string) string {
	for _, v := range adapters.SecretForms(secrets) {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}
