package secops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/secopsdesign/secops/finding"
)

// Limits on what Load reads, so that a hostile document fails quickly
// with one clear finding and bounded memory.
const (
	// MaxSize is the largest document Load reads, in bytes.
	MaxSize = 8 << 20
	// MaxDepth is the deepest nesting of mappings and lists Load accepts.
	MaxDepth = 64
)

// LoadFile reads the design in the YAML or JSON file at path. See Load.
func LoadFile(path string) (*Design, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Load(f, path)
}

// Load reads a design in YAML or JSON from r; name is the file name used in
// positions. Keys are checked against the format: an unknown key, a value
// of the wrong type or a malformed duration is a finding, and all of them
// are reported at once.
//
// When the document could be read at all, Load returns the design even if
// it also returns findings (as a finding.List error), so that Validate can
// report the rest; Validate repeats the findings of Load. A document that
// is not YAML or JSON, is larger than MaxSize, nests deeper than MaxDepth,
// is not UTF-8, or expands aliases without bound gives a nil design and a
// single finding. An error reading r is returned as it is.
func Load(r io.Reader, name string) (*Design, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	d := &Design{}
	findings, fatal := decodeDocument(data, name, d, "design", &d.src)
	if fatal {
		return nil, findings
	}
	return d, findings.Err()
}

// decodeDocument reads data into v (a pointer to a struct), recording the
// source for later position lookups. It reports whether the findings are
// fatal (nothing could be decoded).
func decodeDocument(data []byte, name string, v any, what string, dst **source) (finding.List, bool) {
	src := &source{name: name, data: data}
	*dst = src
	if f, bad := precheck(data, name, what); bad {
		return finding.List{f}, true
	}
	if src.isJSON() {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err == nil {
			if _, err := dec.Token(); err == io.EOF {
				return nil, false
			}
		}
		// Slow path: report every problem with its position.
		zero(v)
	}
	file, err := src.ast()
	if err != nil {
		return finding.List{src.syntaxFinding(err)}, true
	}
	dec := &decoder{src: src, anchors: map[string]ast.Node{}, budget: len(data) + 100000}
	var body ast.Node
	if len(file.Docs) > 0 {
		body = file.Docs[0].Body
	}
	if len(file.Docs) > 1 {
		dec.add(finding.Syntax, nil, file.Docs[1], "the file holds %d documents; a %s is one document", len(file.Docs), what)
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
// parsing it: flow brackets outside strings and comments, plus the block
// indentation levels and the "- " entries that open a line. It returns the
// depth and the offset where it was first exceeded. The estimate is never
// much below the real depth, and for ordinary documents not far above it.
func nesting(data []byte) (max, at int) {
	var indents []int // open block indentation columns
	flow := 0
	quote := byte(0)
	for i := 0; i < len(data); {
		// Start of a line.
		col := 0
		for i < len(data) && data[i] == ' ' {
			i++
			col++
		}
		if flow == 0 && quote == 0 && i < len(data) && data[i] != '\n' && data[i] != '#' && data[i] != '\r' {
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
				if i == 0 || !isWordByte(data[i-1]) {
					quote = c
				}
			case c == '#' && (i == 0 || data[i-1] == ' ' || data[i-1] == '\t'):
				for i < len(data) && data[i] != '\n' {
					i++
				}
				i--
			case c == '[' || c == '{':
				flow++
			case c == ']' || c == '}':
				if flow > 0 {
					flow--
				}
			}
			if d := len(indents) + flow; d > max {
				max = d
				if max > MaxDepth {
					return max, i
				}
			}
		}
		i++
	}
	return max, 0
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// source is the text a document was loaded from, kept to find the
// position of a path when a finding needs it.
type source struct {
	name   string
	data   []byte
	parsed *ast.File
	err    error
	done   bool
}

func (s *source) isJSON() bool {
	t := bytes.TrimLeft(s.data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// ast parses the source once, on first use.
func (s *source) ast() (*ast.File, error) {
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

func (s *source) syntaxFinding(err error) finding.Finding {
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

// position returns the position of path in the source, or of the deepest
// part of path that exists there.
func (s *source) position(path string, key bool) finding.Position {
	pos := finding.Position{File: s.name}
	if s == nil {
		return pos
	}
	file, err := s.ast()
	if err != nil || len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return pos
	}
	n := lookup(file.Docs[0].Body, finding.ParsePath(path), key)
	if n != nil {
		if tk := n.GetToken(); tk != nil {
			pos.Line, pos.Column = tk.Position.Line, tk.Position.Column
		}
	}
	return pos
}

// lookup walks segs down from n and returns the node found, or the
// deepest one on the way. With key set, a final mapping key gives the
// key's node rather than its value's.
func lookup(n ast.Node, segs []finding.Segment, key bool) ast.Node {
	anchors := 0
	for i, seg := range segs {
		n = deref(n, &anchors)
		switch m := n.(type) {
		case *ast.MappingNode:
			mv := findKey(m.Values, seg.Key)
			if mv == nil {
				return n
			}
			if key && i == len(segs)-1 {
				return mv.Key
			}
			n = mv.Value
		case *ast.MappingValueNode:
			if seg.Key == "" || keyString(m.Key) != seg.Key {
				return n
			}
			if key && i == len(segs)-1 {
				return m.Key
			}
			n = m.Value
		case *ast.SequenceNode:
			if seg.Key != "" || seg.Index >= len(m.Values) {
				return n
			}
			n = m.Values[seg.Index]
		default:
			return n
		}
	}
	return deref(n, &anchors)
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

