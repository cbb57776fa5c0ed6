package finding

import (
	"strconv"
	"strings"
)

// Path locates a value inside a document: a chain of keys and indexes that
// prints as "playbooks[0].steps[6].process". The nil *Path is the root.
// Paths are immutable; Child and Index return new ones that share their
// parent.
type Path struct {
	parent *Path
	key    string
	index  int // -1 for a key
}

// NewPath returns the path of a top-level key, followed by more keys.
func NewPath(key string, more ...string) *Path {
	return (*Path)(nil).Child(key, more...)
}

// Child returns the path of key inside p, followed by more keys.
func (p *Path) Child(key string, more ...string) *Path {
	p = &Path{parent: p, key: key, index: -1}
	for _, k := range more {
		p = &Path{parent: p, key: k, index: -1}
	}
	return p
}

// Index returns the path of the i-th element of the list at p.
func (p *Path) Index(i int) *Path { return &Path{parent: p, index: i} }

// Segment is one step of a Path: a Key, or an Index when Key is empty.
type Segment struct {
	// Key is the mapping key, or "" for a list index.
	Key string
	// Index is the list index, or -1 for a key.
	Index int
}

// Segments returns the steps of p from the root.
func (p *Path) Segments() []Segment {
	n := 0
	for q := p; q != nil; q = q.parent {
		n++
	}
	s := make([]Segment, n)
	for q := p; q != nil; q = q.parent {
		n--
		s[n] = Segment{Key: q.key, Index: q.index}
	}
	return s
}

// String prints p in the form "a.b[2].c".
func (p *Path) String() string {
	if p == nil {
		return ""
	}
	return string(p.appendTo(nil))
}

func (p *Path) appendTo(b []byte) []byte {
	if p.parent != nil {
		b = p.parent.appendTo(b)
	}
	if p.index >= 0 {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(p.index), 10)
		return append(b, ']')
	}
	if strings.ContainsAny(p.key, ".[]\"") || p.key == "" {
		// A key such as a method id "1.2.1" is written ["1.2.1"].
		b = append(b, '[')
		b = strconv.AppendQuote(b, p.key)
		return append(b, ']')
	}
	if len(b) > 0 {
		b = append(b, '.')
	}
	return append(b, p.key...)
}

// ParsePath reads a path printed by String back into its segments.
func ParsePath(s string) []Segment {
	var segs []Segment
	for i := 0; i < len(s); {
		switch {
		case s[i] == '.':
			i++
		case strings.HasPrefix(s[i:], "[\""):
			// A quoted key: find the closing quote, honouring escapes.
			j := i + 2
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			key, err := strconv.Unquote(s[i+1 : min(j+1, len(s))])
			if err != nil {
				key = s[i+2 : min(j, len(s))]
			}
			segs = append(segs, Segment{Key: key, Index: -1})
			i = j + 2
		case s[i] == '[':
			j := i + 1
			n := 0
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				n = n*10 + int(s[j]-'0')
				j++
			}
			segs = append(segs, Segment{Index: n})
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			segs = append(segs, Segment{Key: s[i:j], Index: -1})
			i = j
		}
	}
	return segs
}
