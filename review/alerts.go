package review

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"sync/atomic"

	"github.com/secopsdesign/secops/alert"
	"github.com/secopsdesign/secops/finding"
)

// Alert is one alert of a history, with where it was read.
type Alert struct {
	// File is the name of the file the alert was read from ("-" for
	// standard input).
	File string
	// Line is the line the alert starts on, from 1.
	Line int
	// Fields maps field ids to values as encoding/json decodes them;
	// nil when Invalid is set.
	Fields map[string]any
	// Invalid says why the line is not an alert (not JSON, not an
	// object); empty for an alert.
	Invalid string
}

// MaxLine is the longest line ReadAlerts reads as an alert; a longer one
// is invalid and skipped.
const MaxLine = 4 << 20

// ReadAlerts reads the alerts of one history file named name from r:
// JSON Lines (one object a line, blank lines skipped) or one JSON array
// of objects, told apart by the first byte that is not white space. A
// gzip stream is decompressed, whatever its name. Lines that are not JSON
// objects come as Alerts with Invalid set, and reading goes on; an error
// (reading r, a corrupt gzip stream) ends the sequence.
func ReadAlerts(name string, r io.Reader) iter.Seq2[Alert, error] {
	return func(yield func(Alert, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			zr, err := gzip.NewReader(br)
			if err != nil {
				yield(Alert{File: name}, fmt.Errorf("%s: %w", name, err))
				return
			}
			defer zr.Close()
			br = bufio.NewReaderSize(zr, 64<<10)
		}
		if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
			_, _ = br.Discard(3)
		}
		if firstByte(br) == '[' {
			readArray(name, br, yield)
			return
		}
		readLines(name, br, yield)
	}
}

// ReadAlertFiles reads the alerts of each file in turn, "-" being stdin;
// see ReadAlerts.
func ReadAlertFiles(paths []string, stdin io.Reader, opts ...ReadOption) iter.Seq2[Alert, error] {
	var ro readOptions
	for _, o := range opts {
		o(&ro)
	}
	return func(yield func(Alert, error) bool) {
		for _, p := range paths {
			var r io.Reader = stdin
			if p != "-" {
				f, err := os.Open(p)
				if err != nil {
					yield(Alert{File: p}, err)
					return
				}
				defer f.Close()
				r = f
			}
			if ro.count != nil {
				r = &countingReader{r, ro.count}
			}
			for a, err := range ReadAlerts(p, r) {
				if !yield(a, err) || err != nil {
					return
				}
			}
		}
	}
}

// A ReadOption sets how ReadAlertFiles reads.
type ReadOption func(*readOptions)

type readOptions struct{ count *atomic.Int64 }

// WithCount adds to n the bytes read, as they are read: a progress bar
// compares it with the files' sizes.
func WithCount(n *atomic.Int64) ReadOption { return func(o *readOptions) { o.count = n } }

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// firstByte returns the first byte that is not JSON white space, without
// consuming anything, or 0.
func firstByte(br *bufio.Reader) byte {
	for n := 1; n <= br.Size(); n *= 2 {
		b, err := br.Peek(n)
		for _, c := range b {
			if !isSpace(c) {
				return c
			}
		}
		if err != nil {
			return 0
		}
	}
	return 0
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// decodeObject decodes one alert; it returns why b is not an alert, or "".
// It gives what encoding/json gives, by a fast path for flat objects.
func decodeObject(b []byte) (map[string]any, string) {
	if m, ok := decodeFlat(b); ok {
		return m, ""
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return nil, fmt.Sprintf("not a JSON object but %s", article(te.Value))
		}
		return nil, "not JSON: " + err.Error()
	}
	if m == nil {
		return nil, "not a JSON object but null"
	}
	// encoding/json keeps the last of a key written twice: refuse it, as
	// every reader of alerts does.
	if _, err := alert.Decode(b, ""); err != nil {
		for _, f := range finding.From(err) {
			if f.Code == finding.DuplicateKey {
				return nil, f.Message
			}
		}
	}
	return m, ""
}

func article(v string) string {
	switch v {
	case "array", "object":
		return "an " + v
	}
	return "a " + v
}

func readLines(name string, br *bufio.Reader, yield func(Alert, error) bool) {
	var long []byte // a line longer than the buffer, gathered
	line := 0
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(long) <= MaxLine {
				long = append(long, b...)
			}
			continue
		}
		if long != nil {
			if len(long) <= MaxLine {
				long = append(long, b...)
			}
			b, long = long, nil
		}
		if err != nil && err != io.EOF {
			yield(Alert{File: name, Line: line + 1}, fmt.Errorf("%s:%d: %w", name, line+1, err))
			return
		}
		if len(b) > 0 {
			line++
		}
		if b = bytes.TrimRight(b, " \t\r\n"); len(bytes.TrimLeft(b, " \t")) > 0 {
			a := Alert{File: name, Line: line}
			if len(b) > MaxLine {
				a.Invalid = fmt.Sprintf("line longer than %d bytes", MaxLine)
			} else {
				a.Fields, a.Invalid = decodeObject(b)
			}
			if !yield(a, nil) {
				return
			}
		}
		if err == io.EOF {
			return
		}
	}
}

// lineCounter tells the line of an offset of the stream it reads, for
// offsets asked in increasing order, keeping only the newlines read but
// not yet passed.
type lineCounter struct {
	r     io.Reader
	off   int64   // bytes read so far
	nl    []int64 // offsets of newlines read, not yet passed
	line  int
	nlOff int // nl[:nlOff] are passed
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.nlOff > 0 && c.nlOff == len(c.nl) {
		c.nl, c.nlOff = c.nl[:0], 0
	}
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		c.nl = append(c.nl, c.off+int64(i+j))
		i += j + 1
	}
	c.off += int64(n)
	return n, err
}

// lineAt returns the line of byte offset off.
func (c *lineCounter) lineAt(off int64) int {
	for c.nlOff < len(c.nl) && c.nl[c.nlOff] < off {
		c.nlOff++
		c.line++
	}
	return c.line + 1
}

func readArray(name string, br *bufio.Reader, yield func(Alert, error) bool) {
	lc := &lineCounter{r: br}
	dec := json.NewDecoder(lc)
	syntax := func(err error) {
		var se *json.SyntaxError
		off := dec.InputOffset()
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case err == io.ErrUnexpectedEOF || err == io.EOF:
			off = lc.off - 1 // the last line
		}
		yield(Alert{File: name, Line: lc.lineAt(off), Invalid: "not JSON: " + err.Error() + "; the rest of the file is skipped"}, nil)
	}
	if _, err := dec.Token(); err != nil { // the '['
		syntax(err)
		return
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if !errors.As(err, new(*json.SyntaxError)) && err != io.ErrUnexpectedEOF {
				yield(Alert{File: name}, fmt.Errorf("%s: %w", name, err))
				return
			}
			syntax(err)
			return
		}
		a := Alert{File: name, Line: lc.lineAt(dec.InputOffset() - int64(len(raw)))}
		a.Fields, a.Invalid = decodeObject(raw)
		if !yield(a, nil) {
			return
		}
	}
	if _, err := dec.Token(); err != nil { // the ']'
		syntax(err)
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		yield(Alert{File: name, Line: lc.lineAt(dec.InputOffset()), Invalid: "content after the JSON array is skipped"}, nil)
	}
}
