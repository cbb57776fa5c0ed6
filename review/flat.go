package review

import (
	"strconv"
	"unicode/utf8"
)

// decodeFlat decodes a JSON object whose values are strings, numbers,
// bools and nulls, with no escapes in its strings: what most alert lines
// are. It returns false for anything else, valid or not, and the caller
// then decodes with encoding/json. What it returns is what json.Unmarshal
// into a map[string]any returns for the same input (FuzzDecodeFlat
// checks it), in one pass and without reflection. A key written twice
// is left to the slow path, which refuses it.
func decodeFlat(b []byte) (map[string]any, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	m := make(map[string]any, 8)
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		if skipSpace(b, i+1) != len(b) {
			return nil, false
		}
		return m, true
	}
	for {
		key, j, ok := flatString(b, i)
		if !ok {
			return nil, false
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return nil, false
		}
		var v any
		switch c := b[i]; {
		case c == '"':
			var s string
			if s, i, ok = flatString(b, i); !ok {
				return nil, false
			}
			v = s
		case c == 't' || c == 'f' || c == 'n':
			switch {
			case hasWord(b, i, "true"):
				v, i = true, i+4
			case hasWord(b, i, "false"):
				v, i = false, i+5
			case hasWord(b, i, "null"):
				v, i = nil, i+4
			default:
				return nil, false
			}
		case c == '-' || c >= '0' && c <= '9':
			j := numberEnd(b, i)
			if j < 0 {
				return nil, false
			}
			f, err := strconv.ParseFloat(string(b[i:j]), 64)
			if err != nil {
				return nil, false
			}
			v, i = f, j
		default:
			return nil, false
		}
		if _, dup := m[key]; dup {
			return nil, false // the slow path says which
		}
		m[key] = v
		i = skipSpace(b, i)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			if skipSpace(b, i+1) != len(b) {
				return nil, false
			}
			return m, true
		default:
			return nil, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func hasWord(b []byte, i int, w string) bool {
	return len(b)-i >= len(w) && string(b[i:i+len(w)]) == w
}

// flatString reads the string starting at b[i] ('"'), which must have no
// escape, no control character and only valid UTF-8; it returns the
// string and the index after its closing quote.
func flatString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return "", 0, false
			}
			return string(s), j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		case c >= 0x80:
			ascii = false
		}
	}
	return "", 0, false
}

// numberEnd returns the index after the JSON number starting at b[i],
// or -1 when the bytes there are not one:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberEnd(b []byte, i int) int {
	digits := func(i int) int {
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}
