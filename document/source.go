package document

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"unicode/utf8"

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
// returned Source finds the position of any path later. A control
// character in a string, a number where a string is wanted and a tag
// other than YAML's own are invalid values. fatal reports that nothing
// could be decoded: the document is not YAML or JSON (a key written twice
// in a mapping, an alias without its anchor), is larger than MaxSize,
// nests deeper than MaxDepth, is not UTF-8, has a control character in
// its text, or expands aliases without bound; the findings then hold one
// finding saying so.
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
		if f, ok := trailing(data, name, what); ok {
			return finding.List{f}, true
		}
		// Slow path: report every problem with its position.
		zero(v)
	}
	root, extra, docs, err := parse(data)
	src.setIndex(root, err) // the parser's tree is not kept
	if err != nil {
		return finding.List{src.syntaxFinding(err)}, true
	}
	if root == nil {
		return finding.List{{Severity: finding.Error, Code: finding.Syntax, Message: "empty document", Position: finding.Position{File: name, Line: 1, Column: 1}}}, true
	}
	dec := &decoder{src: src, budget: len(data) + 100000}
	if extra != nil { // at the top: no path
		dec.add(finding.Syntax, extra, "the file holds %d documents; %s is one document", docs, article(what))
	}
	dec.decode(root, valueOf(v), 0)
	return dec.findings, dec.exhausted
}

// trailing returns a finding, and true, when the JSON document data holds
// more after its first value ({"a":1}{"b":2}), which the YAML parser
// would drop without a word.
func trailing(data []byte, name, what string) (finding.Finding, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if dec.Decode(&raw) != nil || !dec.More() {
		return finding.Finding{}, false
	}
	off := int(dec.InputOffset())
	for off < len(data) && strings.ContainsRune(" \t\r\n", rune(data[off])) {
		off++
	}
	line, col := lineCol(data, off)
	return finding.Finding{Severity: finding.Error, Code: finding.Syntax, Position: finding.Position{File: name, Line: line, Column: col},
		Message: fmt.Sprintf("more after the JSON value: %s is one JSON value", article(what))}, true
}

// article puts "a" or "an" before what.
func article(what string) string {
	if what != "" && strings.ContainsRune("aeiou", rune(what[0])) {
		return "an " + what
	}
	return "a " + what
}

// precheck rejects oversized, non-UTF-8 and too deeply nested input, and
// control characters, before any parsing, so that hostile input costs one
// linear scan.
func precheck(data []byte, name, what string) (finding.Finding, bool) {
	fail := func(code finding.Code, line, col int, format string, args ...any) (finding.Finding, bool) {
		return finding.Finding{Severity: finding.Error, Code: code, Message: fmt.Sprintf(format, args...),
			Position: finding.Position{File: name, Line: line, Column: col}}, true
	}
	if len(data) > MaxSize {
		return fail(finding.Syntax, 0, 0, "the %s is larger than %d MiB", what, MaxSize>>20)
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
		return fail(finding.Syntax, line, col, "the %s is not valid UTF-8 (byte 0x%02x at offset %d)", what, data[off], off)
	}
	if off, r := controlInText(data); off >= 0 {
		line, col := lineCol(data, off)
		return fail(finding.InvalidValue, line, col, "%s at line %d, column %d: %s holds no control characters other than tab and line breaks", describeRune(r), line, col, article(what))
	}
	if depth, off := nesting(data); depth > MaxDepth {
		line, col := lineCol(data, off)
		return fail(finding.Syntax, line, col, "the %s nests deeper than %d levels", what, MaxDepth)
	}
	return finding.Finding{}, false
}

// controlInText returns the offset and value of the first character in
// data, valid UTF-8, that YAML does not allow in a document: a control
// character other than tab and the line breaks (LF, CR), or one of the
// noncharacters U+FFFE and U+FFFF. It returns -1 when there is none.
func controlInText(data []byte) (int, rune) {
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0x7f:
			return i, rune(c)
		case c == 0xc2 && i+1 < len(data) && data[i+1] >= 0x80 && data[i+1] <= 0x9f:
			return i, rune(data[i+1])
		case c == 0xef && i+2 < len(data) && data[i+1] == 0xbf && (data[i+2] == 0xbe || data[i+2] == 0xbf):
			return i, 0xffff - rune(0xbf-data[i+2])
		}
	}
	return -1, 0
}

// controlIn returns the index in characters and the value of the first
// control character of s other than tab and newline, or -1.
func controlIn(s string) (int, rune) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return utf8.RuneCountInString(s[:i]), r
		}
	}
	return -1, 0
}

// controlNames names the control characters people meet most.
var controlNames = map[rune]string{
	0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0b: "vertical tab", 0x0c: "form feed",
	0x0d: "carriage return", 0x1b: "ESC", 0x7f: "DEL", 0x85: "NEL",
}

// describeRune names a control character: "control character U+001B (ESC)".
func describeRune(r rune) string {
	if r == 0xfffe || r == 0xffff {
		return fmt.Sprintf("the noncharacter U+%04X", r)
	}
	if name, ok := controlNames[r]; ok {
		return fmt.Sprintf("control character U+%04X (%s)", r, name)
	}
	return fmt.Sprintf("control character U+%04X", r)
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
