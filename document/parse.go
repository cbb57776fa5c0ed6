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
// position of a path when a finding needs it.
type Source struct {
	name string
	data []byte

	// The parsed document, on first use.
	root  *yaml.Node // the first document's content; nil when there is none
	extra *yaml.Node // the second document's content, if any
	docs  int        // how many documents have content
	err   error      // a *syntaxError
	done  bool
}

func (s *Source) isJSON() bool {
	t := bytes.TrimLeft(s.data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// tree parses the source once, on first use, and returns the content of
// its first document.
func (s *Source) tree() (*yaml.Node, error) {
	if !s.done {
		s.done = true
		s.root, s.extra, s.docs, s.err = parse(s.data)
	}
	return s.root, s.err
}

// syntaxError is a document that is not YAML, at a position.
type syntaxError struct {
	line, col int
	msg       string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

// parse parses the YAML documents of data and returns the content of the
// first and second of those that have content: a %YAML directive and an
// empty document after a final "---" are not documents of their own. A
// parser panic is an error: a loader must never crash on its input.
func parse(data []byte) (root, extra *yaml.Node, docs int, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, extra, docs, err = nil, nil, 0, &syntaxError{1, 1, fmt.Sprintf("cannot parse: %v", r)}
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
		return &syntaxError{line, col, fmt.Sprintf("alias *%s names no anchor defined before it", name)}
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
	return &syntaxError{line, col, msg}
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
	var walk func(n *yaml.Node) error
	walk = func(n *yaml.Node) error {
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
					return &syntaxError{k.Line, k.Column, fmt.Sprintf("mapping key %q already defined at line %d, column %d", k.Value, first.Line, first.Column)}
				}
			}
		}
		for _, c := range n.Content {
			if c.Kind == yaml.MappingNode || c.Kind == yaml.SequenceNode {
				if err := walk(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(n)
}

func (s *Source) syntaxFinding(err error) finding.Finding {
	f := finding.Finding{Severity: finding.Error, Code: finding.Syntax, Position: finding.Position{File: s.name, Line: 1, Column: 1}, Message: err.Error()}
	var se *syntaxError
	if errors.As(err, &se) {
		f.Line, f.Column, f.Message = se.line, se.col, se.msg
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
	root, err := s.tree()
	if err != nil || root == nil {
		return pos
	}
	n, _ := lookup(root, finding.ParsePath(path), key)
	pos.Line, pos.Column = n.Line, n.Column
	return pos
}

// Has reports whether the value at path is written in the source, as
// opposed to absent or null; a nil Source has nothing.
func (s *Source) Has(path string) bool {
	if s == nil {
		return false
	}
	root, err := s.tree()
	if err != nil || root == nil {
		return false
	}
	n, found := lookup(root, finding.ParsePath(path), false)
	return found && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// lookup walks segs down from n and returns the node found, and true.
// When a part of the path is missing it returns the node that would hold
// it (the key of the mapping, or the list entry, it would be in) and
// false. With key set, a final mapping key gives the key's node rather
// than its value's. Aliases are not followed: a path through one ends at
// the alias, where the value is written.
func lookup(n *yaml.Node, segs []finding.Segment, key bool) (*yaml.Node, bool) {
	owner := n // the key or entry through which n was reached
	for i, seg := range segs {
		switch n.Kind {
		case yaml.MappingNode:
			k, v := findKey(n, seg.Key)
			if k == nil {
				return owner, false
			}
			if key && i == len(segs)-1 {
				return k, true
			}
			n, owner = v, k
		case yaml.SequenceNode:
			if seg.Key != "" || seg.Index < 0 || seg.Index >= len(n.Content) {
				return owner, false
			}
			n = n.Content[seg.Index]
			owner = n
		default:
			return owner, false
		}
	}
	return n, true
}

// findKey returns the key and the value of k in the mapping n, or nils.
func findKey(n *yaml.Node, k string) (key, value *yaml.Node) {
	if k == "" {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if c := n.Content[i]; c.Kind == yaml.ScalarNode && c.Value == k && c.Tag != "!!merge" {
			return c, n.Content[i+1]
		}
	}
	return nil, nil
}
