package document

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/secopsdesign/secops/finding"
)

// Source is the text a document was decoded from, kept to find the
// position of a path when a finding needs it. It keeps an index of the
// document's structure and positions (see node), a fraction of the size
// of the parser's tree, which is dropped once the document is decoded.
type Source struct {
	name string
	data []byte

	root *node // the index of the first document; nil when there is none
	err  error // a *syntaxError
	done bool  // root and err are set
}

func (s *Source) isJSON() bool {
	t := bytes.TrimLeft(s.data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// index parses the source once, on first use, and returns the index of
// its first document.
func (s *Source) index() (*node, error) {
	if !s.done {
		root, _, _, err := parse(s.data)
		s.setIndex(root, err)
	}
	return s.root, s.err
}

// setIndex keeps the index of the parsed document root, or the error that
// parsing it gave.
func (s *Source) setIndex(root *yaml.Node, err error) {
	s.done, s.err, s.root = true, err, nil
	if err == nil && root != nil {
		s.root = &node{}
		build(s.root, root, map[string]string{})
	}
}

// node is one value of a document in the index a Source keeps: where it
// is written, what kind of value it is and, for a mapping or a list, its
// entries. An entry of a mapping also holds its key and where that is
// written. It takes a third of a yaml.Node, and its children are one
// allocation.
type node struct {
	line, col       int32
	keyLine, keyCol int32  // of the key, for an entry of a mapping
	kind            uint8  // mappingNode, sequenceNode or another kind
	null            bool   // a null scalar
	mergeKey        bool   // the entry of a merge key (<<)
	key             string // for an entry of a mapping with a scalar key
	kids            []node
}

const (
	otherNode uint8 = iota
	mappingNode
	sequenceNode
)

// build fills n from y; keys are interned, since most repeat.
func build(n *node, y *yaml.Node, keys map[string]string) {
	n.line, n.col = int32(y.Line), int32(y.Column)
	switch y.Kind {
	case yaml.MappingNode:
		n.kind = mappingNode
		n.kids = make([]node, len(y.Content)/2)
		for i := range n.kids {
			k, v, kid := y.Content[2*i], y.Content[2*i+1], &n.kids[i]
			build(kid, v, keys)
			kid.keyLine, kid.keyCol = int32(k.Line), int32(k.Column)
			if k.Kind == yaml.ScalarNode {
				kid.mergeKey = k.Tag == mergeTag
				key, ok := keys[k.Value]
				if !ok {
					key = k.Value
					keys[key] = key
				}
				kid.key = key
			}
		}
	case yaml.SequenceNode:
		n.kind = sequenceNode
		n.kids = make([]node, len(y.Content))
		for i, c := range y.Content {
			build(&n.kids[i], c, keys)
		}
	case yaml.ScalarNode:
		n.null = y.Tag == nullTag
	}
}

// syntaxError is a document that is not YAML, at a position.
type syntaxError struct {
	line, col int
	msg       string
	code      finding.Code // finding.Syntax when empty
	path      string       // where in the document, when known
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

// parse parses the YAML documents of data and returns the content of the
// first and second of those that have content: a %YAML directive and an
// empty document after a final "---" are not documents of their own. A
// parser panic is an error: a loader must never crash on its input.
func parse(data []byte) (root, extra *yaml.Node, docs int, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, extra, docs, err = nil, nil, 0, &syntaxError{line: 1, col: 1, msg: fmt.Sprintf("cannot parse: %v", r)}
		}
	}()
	text := yaml11(data)
	// A second document starts with "---" or follows "..." at the start
	// of a line; without either, the document is read in one call, which
	// reads its input without a reader.
	multi := bytes.Contains(text, []byte("\n---")) || bytes.Contains(text, []byte("\n..."))
	var dec *yaml.Decoder
	if multi {
		dec = yaml.NewDecoder(bytes.NewReader(text))
	}
	for first := true; ; first = false {
		var doc yaml.Node
		var err error
		switch {
		case multi:
			err = dec.Decode(&doc)
		case first:
			err = yaml.Unmarshal(text, &doc)
		default:
			err = io.EOF
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, nil, 0, positioned(data, err)
		}
		if len(doc.Content) != 1 || isEmpty(doc.Content[0]) {
			continue
		}
		docs++
		switch docs {
		case 1:
			root = doc.Content[0]
		case 2:
			extra = doc.Content[0]
		}
	}
	if root != nil {
		if err := duplicateKeys(root); err != nil {
			return nil, nil, 0, err
		}
	}
	return root, extra, docs, nil
}

// isEmpty reports whether n is the nothing of an empty document.
func isEmpty(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Style == 0 && n.Anchor == ""
}

// yaml11 returns data with a "%YAML 1.x" directive of the first document
// read as "%YAML 1.1", the version the parser accepts: the documents this
// package reads mean the same under YAML 1.1 and 1.2. The text keeps its
// length, so that positions do not move. data itself is not modified.
func yaml11(data []byte) []byte {
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data) - off
		}
		line := data[off : off+end]
		t := bytes.TrimSpace(line)
		switch {
		case len(t) == 0 || t[0] == '#':
		case bytes.HasPrefix(line, []byte("%YAML 1.")):
			digits := line[len("%YAML 1."):]
			n := 0
			for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
				n++
			}
			if n == 0 || string(digits[:n]) == "1" {
				return data
			}
			out := bytes.Clone(data)
			at := off + len("%YAML 1.")
			out[at] = '1'
			for i := 1; i < n; i++ {
				out[at+i] = ' '
			}
			return out
		case t[0] == '%':
		default:
			return data
		}
		off += end + 1
	}
	return data
}

// parserProblems are the messages of the parser that report a line
// counting from 0; the scanner's count from 1.
var parserProblems = []string{
	"did not find expected ',' or", "did not find expected '-' indicator", "did not find expected <",
	"did not find expected key", "did not find expected node content", "found duplicate %",
	"found incompatible YAML document", "found undefined tag handle",
}

// positioned turns an error of the YAML parser into a syntaxError at the
// line it names (corrected: for some errors the parser counts from 0) and
// the first character written on that line; an alias of an undefined
// anchor is placed at the alias.
func positioned(data []byte, err error) *syntaxError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		name = strings.TrimSuffix(name, "' referenced")
		line, col := 1, 1
		if off := aliasOffset(data, name); off >= 0 {
			line, col = lineCol(data, off)
		}
		return &syntaxError{line: line, col: col, msg: fmt.Sprintf("alias *%s names no anchor defined before it", name)}
	}
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, text
			}
		}
	}
	for _, p := range parserProblems {
		if line > 0 && strings.HasPrefix(msg, p) {
			line++
			break
		}
	}
	return lineStart(data, line, msg)
}

// lineStart returns a syntaxError at the first non-blank character of line
// (counting from 1) of data, or of the last line that has any.
func lineStart(data []byte, line int, msg string) *syntaxError {
	lines := bytes.Split(data, []byte("\n"))
	for len(lines) > 1 && len(bytes.TrimSpace(lines[len(lines)-1])) == 0 {
		lines = lines[:len(lines)-1]
	}
	if line < 1 {
		line = 1
	}
	line = min(line, len(lines))
	text := lines[line-1]
	col := 1 + len(text) - len(bytes.TrimLeft(text, " \t"))
	if col > len(text) {
		col = 1
	}
	return &syntaxError{line: line, col: col, msg: msg}
}

// aliasOffset returns the offset of the first alias *name in data, or -1.
func aliasOffset(data []byte, name string) int {
	pat := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], pat)
		if i < 0 {
			return -1
		}
		end := off + i + len(pat)
		if end == len(data) || bytes.IndexByte([]byte(" \t\r\n,]}"), data[end]) >= 0 {
			return off + i
		}
		off = end
	}
}

// duplicateKeys returns a syntaxError for the first mapping key of n that
// is written twice in its mapping, at the second one. Merge keys (<<) may
// repeat. Aliases are not followed: their targets are checked where they
// are written.
func duplicateKeys(n *yaml.Node) error {
	var seen map[string]*yaml.Node // reused for large mappings
	var walk func(n *yaml.Node, at *finding.Path) error
	walk = func(n *yaml.Node, at *finding.Path) error {
		child := func(i int) *finding.Path { return at.Index(i) }
		if n.Kind == yaml.MappingNode {
			pairs := len(n.Content) / 2
			if pairs > 8 {
				if seen == nil {
					seen = make(map[string]*yaml.Node, pairs)
				}
				clear(seen)
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
					continue
				}
				var first *yaml.Node
				if pairs > 8 {
					first = seen[k.Value]
					if first == nil {
						seen[k.Value] = k
					}
				} else {
					for j := 0; j < i; j += 2 {
						if o := n.Content[j]; o.Kind == yaml.ScalarNode && o.Tag != "!!merge" && o.Value == k.Value {
							first = o
							break
						}
					}
				}
				if first != nil {
					return &syntaxError{k.Line, k.Column, fmt.Sprintf("key %q is written twice: first at line %d, column %d", k.Value, first.Line, first.Column),
						finding.DuplicateKey, keyPath(at, k.Value).String()}
				}
			}
			child = func(i int) *finding.Path {
				if i%2 == 1 && n.Content[i-1].Kind == yaml.ScalarNode {
					return keyPath(at, n.Content[i-1].Value)
				}
				return at
			}
		}
		for i, c := range n.Content {
			if c.Kind == yaml.MappingNode || c.Kind == yaml.SequenceNode {
				if err := walk(c, child(i)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(n, nil)
}

// keyPath is the path of key in the mapping at at (nil: the document).
func keyPath(at *finding.Path, key string) *finding.Path {
	if at == nil {
		return finding.NewPath(key)
	}
	return at.Child(key)
}

func (s *Source) syntaxFinding(err error) finding.Finding {
	f := finding.Finding{Severity: finding.Error, Code: finding.Syntax, Position: finding.Position{File: s.name, Line: 1, Column: 1}, Message: err.Error()}
	var se *syntaxError
	if errors.As(err, &se) {
		f.Line, f.Column, f.Message, f.Path = se.line, se.col, se.msg, se.path
		if se.code != "" {
			f.Code = se.code
		}
	}
	return f
}

// Data returns the text the document was decoded from. It must not be
// modified.
func (s *Source) Data() []byte {
	if s == nil {
		return nil
	}
	return s.data
}

// Name returns the file name given to Decode.
func (s *Source) Name() string {
	if s == nil {
		return ""
	}
	return s.name
}

// Position returns the position of the value at path (as printed by
// finding.Path) in the source, or of the deepest part of path that exists
// there. With key set, a path ending in a mapping key gives the key's
// position rather than its value's. A nil Source gives the zero Position.
func (s *Source) Position(path string, key bool) finding.Position {
	if s == nil {
		return finding.Position{}
	}
	pos := finding.Position{File: s.name}
	root, err := s.index()
	if err != nil || root == nil {
		return pos
	}
	pos.Line, pos.Column = lookup(root, finding.ParsePath(path), key)
	return pos
}

// Has reports whether the value at path is written in the source, as
// opposed to absent or null; a nil Source has nothing.
func (s *Source) Has(path string) bool {
	if s == nil {
		return false
	}
	root, err := s.index()
	if err != nil || root == nil {
		return false
	}
	n, found := find(root, finding.ParsePath(path))
	return found && !n.null
}

// lookup returns the line and column of the value at segs below n. When a
// part of the path is missing it gives the place that would hold it: the
// key of the mapping, or the list entry, it would be in. With key set, a
// final mapping key gives the key's position rather than its value's.
// Aliases are not followed: a path through one ends at the alias, where
// the value is written.
func lookup(n *node, segs []finding.Segment, key bool) (line, col int) {
	line, col = int(n.line), int(n.col) // of the key or entry through which n was reached
	for i, seg := range segs {
		kid := child(n, seg)
		if kid == nil {
			return line, col
		}
		n = kid
		switch {
		case seg.Key == "":
			line, col = int(n.line), int(n.col)
		case key && i == len(segs)-1:
			return int(n.keyLine), int(n.keyCol)
		default:
			line, col = int(n.keyLine), int(n.keyCol)
		}
	}
	return int(n.line), int(n.col)
}

// find returns the node at segs below n, and whether it is there.
func find(n *node, segs []finding.Segment) (*node, bool) {
	for _, seg := range segs {
		if n = child(n, seg); n == nil {
			return nil, false
		}
	}
	return n, true
}

// child returns the entry seg of the mapping or list n, or nil.
func child(n *node, seg finding.Segment) *node {
	switch {
	case n.kind == mappingNode && seg.Key != "":
		for i := range n.kids {
			if k := &n.kids[i]; k.key == seg.Key && !k.mergeKey {
				return k
			}
		}
	case n.kind == sequenceNode && seg.Key == "" && seg.Index >= 0 && seg.Index < len(n.kids):
		return &n.kids[seg.Index]
	}
	return nil
}
