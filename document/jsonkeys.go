package document

import "bytes"

// plainJSONKeys reports whether every object key of the JSON document data
// is written in ASCII lower case without escapes and is unique in its
// object.
// encoding/json matches keys case-insensitively and keeps the last of
// duplicate keys, so the fast path is taken only for such documents; any
// other goes through the YAML parser, which reports both. It is one pass
// over data with no allocation for ordinary documents.
func plainJSONKeys(data []byte) bool {
	type span struct{ start, end int }
	var levels [][]span // the keys seen so far in each open object
	depth := 0          // open objects
	var containers []byte
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			containers = append(containers, c)
			if c == '{' {
				if depth == len(levels) {
					levels = append(levels, nil)
				}
				levels[depth] = levels[depth][:0]
				depth++
			}
		case '}', ']':
			if len(containers) == 0 {
				return false
			}
			if containers[len(containers)-1] == '{' {
				depth--
			}
			containers = containers[:len(containers)-1]
		case '"':
			start := i + 1
			escaped := false
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					escaped = true
					i++
				}
			}
			end := i
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
				j++
			}
			if j >= len(data) || data[j] != ':' || len(containers) == 0 || containers[len(containers)-1] != '{' {
				continue // a value, not a key
			}
			if escaped {
				return false
			}
			key := data[start:end]
			for _, b := range key {
				// encoding/json folds case by Unicode rules (the long s
				// matches s, the Kelvin sign k): only ASCII lower case is
				// safe.
				if b >= 'A' && b <= 'Z' || b >= 0x80 {
					return false
				}
			}
			seen := levels[depth-1]
			for _, s := range seen {
				if bytes.Equal(data[s.start:s.end], key) {
					return false
				}
			}
			levels[depth-1] = append(seen, span{start, end})
		}
	}
	return true
}
