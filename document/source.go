package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/secopsdesign/secops/finding"
)

// Limits on what Decode reads, so that a hostile document fails quickly
// with one clear finding and bounded memory.
const (
	// MaxSize is the largest document Decode reads, in bytes.
	MaxSize = 8 << 20
	// MaxDepth is the deepest nesting of mappings and lists Decode accepts.
	MaxDepth = 64
)

// Decode reads data, a YAML or JSON document, into v, a pointer to a
// struct whose fields have json tags. what names the kind of document in
// messages ("design", "scenario file"), name is the file name used in
// positions.
//
// Every key that v's type does not have and every value of the wrong type
// is a finding, with its position, and decoding goes on after each. The
// returned Source finds the position of any path later. fatal reports that
// nothing could be decoded: the document is not YAML or JSON, is larger
// than MaxSize, nests deeper than MaxDepth, is not UTF-8, or expands
// aliases without bound; the findings then hold one finding saying so.
//
// A JSON document takes a fast path through encoding/json and is parsed
// for positions only when a finding needs one.
func Decode(data []byte, name string, v any, what string) (src *Source, findings finding.List, fatal bool) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	src = &Source{name: name, data: data}
	findings, fatal = decode(src, v, what)
	return src, findings, fatal
}

func decode(src *Source, v any, what string) (finding.List, bool) {
	data, name := src.data, src.name
	if f, bad := precheck(data, name, what); bad {
		return finding.List{f}, true
	}
	if src.isJSON() && knownJSONKeys(data, reflect.TypeOf(v).Elem()) {
		if err := json.Unmarshal(data, v); err == nil {
			return nil, false
		}
		// Slow path: report every problem with its position.
		zero(v)
	}
	file, err := src.ast()
	if err != nil {
		return finding.List{src.syntaxFinding(err)}, true
	}
	dec := &decoder{src: src, anchors: map[string]ast.Node{}, budget: len(data) + 100000}
	docs := documents(file)
	var body ast.Node
	if len(docs) > 0 {
		body = docs[0].Body
	}
	if len(docs) > 1 {
		dec.add(finding.Syntax, nil, docs[1].Body, "the file holds %d documents; a %s is one document", len(docs), what)
	}
	if body == nil {
		return finding.List{{Severity: finding.Error, Code: finding.Syntax, Message: "empty document", Position: finding.Position{File: name, Line: 1, Column: 1}}}, true
	}
	dec.decode(body, valueOf(v), nil, 0)
	if dec.exhausted {
		return dec.findings, true
	}
	return dec.findings, false
}

// documents returns the documents of file that have content: a %YAML
// directive and an empty document after a final "---" are not documents
// of their own.
func documents(file *ast.File) []*ast.DocumentNode {
	if file == nil {
		return nil
	}
	var docs []*ast.DocumentNode
	for _, d := range file.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if _, directive := d.Body.(*ast.DirectiveNode); directive {
			continue
		}
		docs = append(docs, d)
	}
	return docs
}

// precheck rejects oversized, non-UTF-8 and too deeply nested input before
// any parsing, so that hostile input costs one linear scan.
func precheck(data []byte, name, what string) (finding.Finding, bool) {
	fail := func(line, col int, format string, args ...any) (finding.Finding, bool) {
		return finding.Finding{Severity: finding.Error, Code: finding.Syntax, Message: fmt.Sprintf(format, args...),
			Position: finding.Position{File: name, Line: line, Column: col}}, true
	}
	if len(data) > MaxSize {
		return fail(0, 0, "the %s is larger than %d MiB", what, MaxSize>>20)
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		line, col := lineCol(data, off)
		return fail(line, col, "the %s is not valid UTF-8 (byte 0x%02x at offset %d)", what, data[off], off)
	}
	if depth, off := nesting(data); depth > MaxDepth {
		line, col := lineCol(data, off)
		return fail(line, col, "the %s nests deeper than %d levels", what, MaxDepth)
	}
	return finding.Finding{}, false
}

// lineCol converts a byte offset into a 1-based line and column (in runes).
func lineCol(data []byte, off int) (int, int) {
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(data[start:off])
}

// nesting estimates the deepest nesting of data, YAML or JSON, without
// parsing it: flow brackets outside quotes and comments, plus the block
// indentation levels and the "- " entries that open a line; the text of
// block scalars (| and >) is skipped. It returns the depth and the offset
// where it was first exceeded. The estimate is never much below the real
// depth, and for ordinary documents not far above it. Quotes end at the end
// of a line, so that an unclosed quote cannot hide brackets after it.
func nesting(data []byte) (max, at int) {
	var indents []int // open block indentation columns
	flow := 0
	block := -1 // indentation of the line that opened a block scalar
	for i := 0; i < len(data); {
		lineStart := i
		col := 0
		for i < len(data) && data[i] == ' ' {
			i++
			col++
		}
		if block >= 0 {
			if i < len(data) && (data[i] == '\n' || data[i] == '\r' || col > block) {
				for i < len(data) && data[i] != '\n' {
					i++
				}
				i++
				continue
			}
			block = -1
		}
		indent := col
		if flow == 0 && i < len(data) && data[i] != '\n' && data[i] != '#' && data[i] != '\r' {
			for len(indents) > 0 && indents[len(indents)-1] > col {
				indents = indents[:len(indents)-1]
			}
			if len(indents) == 0 || indents[len(indents)-1] < col {
				indents = append(indents, col)
			}
			// "- - - x" opens one level per dash.
			for i+1 < len(data) && data[i] == '-' && (data[i+1] == ' ' || data[i+1] == '\n') {
				i += 2
				col += 2
				for i < len(data) && data[i] == ' ' {
					i++
					col++
				}
				indents = append(indents, col)
			}
		}
		quote := byte(0)
		last := byte(0) // the last byte of the line outside comments
		lastAt := 0
		for ; i < len(data) && data[i] != '\n'; i++ {
			c := data[i]
			switch {
			case quote != 0:
				if c == '\\' && quote == '"' {
					i++
				} else if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				if i == lineStart || !isWordByte(data[i-1]) {
					quote = c
				}
			case c == '#' && (i == lineStart || data[i-1] == ' ' || data[i-1] == '\t'):
				for i < len(data) && data[i] != '\n' {
					i++
				}
				i--
				continue
			case c == '[' || c == '{':
				flow++
			case c == ']' || c == '}':
				if flow > 0 {
					flow--
				}
			}
			if c != ' ' && c != '\t' && c != '\r' {
				last, lastAt = c, i
			}
			if d := len(indents) + flow; d > max {
				max = d
				if max > MaxDepth {
					return max, i
				}
			}
		}
		if flow == 0 && blockIndicator(data[lineStart:], lastAt-lineStart, last) {
			block = indent
		}
		i++
	}
	return max, 0
}

// blockIndicator reports whether the line ends with a block scalar
// header: | or > after a space, with optional chomping and indentation
// indicators, as in "key: |" or "- >-2".
func blockIndicator(line []byte, end int, last byte) bool {
	if last == 0 {
		return false
	}
	j := end
	for j >= 0 && (line[j] == '-' || line[j] == '+' || line[j] >= '0' && line[j] <= '9') {
		j--
	}
	if j < 0 || line[j] != '|' && line[j] != '>' {
		return false
	}
	return j == 0 || line[j-1] == ' '
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// Source is the text a document was decoded from, kept to find the
// position of a path when a finding needs it.
type Source struct {
	name   string
	data   []byte
	parsed *ast.File
	err    error
	done   bool
}

func (s *Source) isJSON() bool {
	t := bytes.TrimLeft(s.data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// ast parses the source once, on first use.
func (s *Source) ast() (*ast.File, error) {
	if !s.done {
		s.done = true
		s.parsed, s.err = parseYAML(s.data)
	}
	return s.parsed, s.err
}

// parseYAML parses data, turning a parser panic into an error: a loader
// must never crash on its input.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("cannot parse: %v", r)
		}
	}()
	return parser.ParseBytes(data, 0)
}

func (s *Source) syntaxFinding(err error) finding.Finding {
	f := finding.Finding{Severity: finding.Error, Code: finding.Syntax, Position: finding.Position{File: s.name}}
	var se *yaml.SyntaxError
	msg := err.Error()
	if errors.As(err, &se) && se.Token != nil {
		f.Line, f.Column = se.Token.Position.Line, se.Token.Position.Column
		msg = se.Message
	}
	f.Message = strings.TrimSpace(msg)
	if f.Line == 0 {
		f.Line, f.Column = 1, 1
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
	file, err := s.ast()
	docs := documents(file)
	if err != nil || len(docs) == 0 {
		return pos
	}
	n, _ := lookup(docs[0].Body, finding.ParsePath(path), key)
	n = head(n)
	if n != nil {
		if tk := n.GetToken(); tk != nil {
			pos.Line, pos.Column = tk.Position.Line, tk.Position.Column
		}
	}
	return pos
}

// lookup walks segs down from n and returns the node found, and true.
// When a part of the path is missing it returns the node that would hold
// it (the key of the mapping, or the list entry, it would be in) and
// false. With key set, a final mapping key gives the key's node rather
// than its value's.
func lookup(n ast.Node, segs []finding.Segment, key bool) (ast.Node, bool) {
	anchors := 0
	var owner ast.Node // the key or entry through which n was reached
	missing := func() (ast.Node, bool) {
		if owner != nil {
			return owner, false
		}
		return n, false
	}
	for i, seg := range segs {
		n = deref(n, &anchors)
		var values []*ast.MappingValueNode
		switch m := n.(type) {
		case *ast.MappingNode:
			values = m.Values
		case *ast.MappingValueNode:
			values = []*ast.MappingValueNode{m}
		case *ast.SequenceNode:
			if seg.Key != "" || seg.Index >= len(m.Values) {
				return missing()
			}
			n = m.Values[seg.Index]
			owner = n
			continue
		default:
			return missing()
		}
		mv := findKey(values, seg.Key)
		if mv == nil {
			return missing()
		}
		if key && i == len(segs)-1 {
			return mv.Key, true
		}
		n, owner = mv.Value, mv.Key
	}
	return deref(n, &anchors), true
}

// Has reports whether the value at path is written in the source, as
// opposed to absent or null; a nil Source has nothing.
func (s *Source) Has(path string) bool {
	if s == nil {
		return false
	}
	file, err := s.ast()
	docs := documents(file)
	if err != nil || len(docs) == 0 {
		return false
	}
	n, found := lookup(docs[0].Body, finding.ParsePath(path), false)
	_, null := n.(*ast.NullNode)
	return found && !null
}

// head returns the node whose position stands for n: the first key of a
// block mapping rather than its first ':'.
func head(n ast.Node) ast.Node {
	switch m := n.(type) {
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 {
			return m.Values[0].Key
		}
	case *ast.MappingValueNode:
		return m.Key
	}
	return n
}

func findKey(values []*ast.MappingValueNode, k string) *ast.MappingValueNode {
	if k == "" {
		return nil
	}
	for _, mv := range values {
		if keyString(mv.Key) == k {
			return mv
		}
	}
	return nil
}

// deref looks through anchors and tags to the node they decorate.
func deref(n ast.Node, guard *int) ast.Node {
	for *guard < 100 {
		*guard++
		switch t := n.(type) {
		case *ast.AnchorNode:
			n = t.Value
		case *ast.TagNode:
			n = t.Value
		default:
			return n
		}
	}
	return n
}

func keyString(k ast.MapKeyNode) string {
	if k == nil {
		return ""
	}
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

// ReadAll reads r to the end, or to one byte past MaxSize so that Decode
// can tell the document is too large. When r knows its size (a file, a
// bytes.Reader, a strings.Reader) the buffer is allocated once.
func ReadAll(r io.Reader) ([]byte, error) {
	size := -1
	switch x := r.(type) {
	case interface{ Len() int }:
		size = x.Len()
	case *os.File:
		if fi, err := x.Stat(); err == nil && fi.Mode().IsRegular() {
			size = int(fi.Size())
		}
	}
	if size < 0 || size > MaxSize {
		return io.ReadAll(io.LimitReader(r, MaxSize+1))
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead)) // room to see EOF without growing
	_, err := buf.ReadFrom(io.LimitReader(r, MaxSize+1))
	return buf.Bytes(), err
}
