package ident

import "strings"

// ID names an entry of a design: a party, domain, system, incident,
// severity, detection, field, response, playbook, step or policy. It is
// lower case and matches [a-z0-9][a-z0-9._-]*.
type ID string

// IDPattern is the regular expression every ID matches.
const IDPattern = `^[a-z0-9][a-z0-9._-]*$`

// NumberPattern is the regular expression every Number matches.
const NumberPattern = `^[0-9]+(\.[0-9]+)*$`

// Valid reports whether id has the shape of an ID.
func (id ID) Valid() bool {
	if id == "" || !lowerAlnum(id[0]) {
		return false
	}
	for i := 1; i < len(id); i++ {
		c := id[i]
		if !lowerAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func lowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// Number identifies a process or a method in the process table: dotted
// decimal numbers such as "1.2" (a process) or "1.2.3" (its third method).
type Number string

// Valid reports whether n is a non-empty sequence of dot-separated
// decimal numbers.
func (n Number) Valid() bool {
	if n == "" {
		return false
	}
	digits := 0
	for i := 0; i < len(n); i++ {
		switch c := n[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && digits > 0:
			digits = 0
		default:
			return false
		}
	}
	return digits > 0
}

// Parent returns n without its last component ("1.2.3" gives "1.2"), or
// the empty Number when n has a single component.
func (n Number) Parent() Number {
	i := strings.LastIndexByte(string(n), '.')
	if i < 0 {
		return ""
	}
	return n[:i]
}
