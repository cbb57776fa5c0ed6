package runstore

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/secopsdesign/secops/executor"
)

// The engine checkpoints one record many times as a run goes, and each
// time it has only appended to it: a few events more (see
// executor.Record.Clone). Encoding the whole record at every save makes a
// run's journal cost grow with the square of its length, and encoding
// dominated the cost of saving in BenchmarkJournalSQLite. So a store keeps,
// for the record objects it saved last and that still run, the JSON of
// the events saved and of the members of the alert and fields, and
// encodes only the events added since and the members that changed: the
// record stored is byte for byte what encoding/json gives for the whole.
//
// The cache is used only for the very record object saved before (not a
// copy loaded since), and only if the events it encoded are as they were,
// compared field by field, their maps by identity: an event changed in
// place is noticed, and the record encoded whole. (A value changed inside
// an event's map is not: the engine never does that, as Clone relies on
// too.) Map members are compared by value. Entries go when their record
// stops running (the engine saves a record that waits, fails or ends no
// more), and the cache is bounded.

// maxEventCaches bounds the records whose events a store keeps encoded:
// the runs in progress at once in one process, and more.
const maxEventCaches = 1024

// eventCache is the JSON of the first events of a record, as saved, and
// the row it was saved in.
type eventCache struct {
	rec  *executor.Record
	evs  []executor.Event // shallow copies of the events encoded
	json []byte           // their encodings, joined by commas
	// version and row are those of the record as the store saved it;
	// version 0 when unknown.
	version int64
	row     row
	// alert and fields keep the encodings of the record's maps.
	alert, fields mapCache
}

// encoder encodes records for one store.
type encoder struct {
	mu     sync.Mutex
	caches map[string]*eventCache // by run id
}

// take removes and returns the cache of rec's events, or nil.
func (e *encoder) take(rec *executor.Record) *eventCache {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.caches[rec.ID]
	if c == nil {
		return nil
	}
	delete(e.caches, rec.ID)
	if c.rec != rec || len(rec.Events) < len(c.evs) {
		return nil
	}
	for i := range c.evs {
		if !sameEvent(&c.evs[i], &rec.Events[i]) {
			return nil
		}
	}
	return c
}

// eventCaches are caches to reuse, with the memory they grew.
var eventCaches = sync.Pool{New: func() any { return new(eventCache) }}

func newEventCache(rec *executor.Record) *eventCache {
	c := eventCaches.Get().(*eventCache)
	c.rec = rec
	return c
}

// recycle makes c ready for another record.
func (c *eventCache) recycle() {
	clear(c.evs) // the events' maps are not kept
	*c = eventCache{evs: c.evs[:0], json: c.json[:0], alert: c.alert.reset(), fields: c.fields.reset()}
	eventCaches.Put(c)
}

// keep puts back the cache of a record just saved, while it runs.
func (e *encoder) keep(c *eventCache) {
	if c == nil {
		return
	}
	if c.rec.Status != executor.Running {
		c.recycle()
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.caches == nil {
		e.caches = map[string]*eventCache{}
	}
	if len(e.caches) >= maxEventCaches {
		clear(e.caches) // runs abandoned while running; the live ones encode whole once
	}
	e.caches[c.rec.ID] = c
}

// scratch holds the buffers a record is encoded in.
type scratch struct {
	head bytes.Buffer
	out  []byte
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// encode returns the JSON of rec (as the function encode gives it),
// in sc's memory, and the cache of its events to keep once the record is
// saved (nil when none is to be kept).
func (e *encoder) encode(sc *scratch, rec *executor.Record) ([]byte, *eventCache, error) {
	if len(rec.Events) == 0 {
		e.drop(rec.ID)
		blob, err := encode(&sc.head, rec)
		return blob, nil, err
	}
	c := e.take(rec)
	if c == nil {
		c = newEventCache(rec)
	}
	if !fastHead {
		// Encode whole; the cache keeps no encodings, only the row.
		blob, err := encode(&sc.head, rec)
		return blob, c, err
	}
	// The new events, added to the cache.
	n := len(c.json)
	for j := len(c.evs); j < len(rec.Events); j++ {
		if len(c.json) > 0 {
			c.json = append(c.json, ',')
		}
		var err error
		if c.json, err = appendEvent(c.json, &rec.Events[j]); err != nil {
			c.json = c.json[:n]
			blob, err := encode(&sc.head, rec)
			return blob, nil, err
		}
	}
	out, err := appendHead(sc.out[:0], rec, &c.alert, &c.fields)
	if err != nil {
		// A value encoding/json refuses, or writes in a way appendHead
		// does not know: let it say.
		c.json = c.json[:n]
		blob, err := encode(&sc.head, rec)
		return blob, nil, err
	}
	out = append(out, '[')
	out = append(out, c.json...)
	out = append(out, "]}"...)
	sc.out = out
	c.evs = append(c.evs, rec.Events[len(c.evs):]...)
	return out, c, nil
}

// drop forgets the events of run id.
func (e *encoder) drop(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.caches, id)
}

// sameEvent reports whether a and b hold the same values, their maps
// the same maps.
func sameEvent(a, b *executor.Event) bool {
	// Times the same instant, location and monotonic reading: a copy.
	return a.Time == b.Time &&
		a.Kind == b.Kind && a.Step == b.Step && a.Method == b.Method && a.Action == b.Action && a.Response == b.Response &&
		sameMap(a.Inputs, b.Inputs) && sameMap(a.Outputs, b.Outputs) &&
		a.Error == b.Error && a.Actor == b.Actor && a.Detail == b.Detail && a.IdempotencyKey == b.IdempotencyKey &&
		a.Attempt == b.Attempt && a.Uncertain == b.Uncertain && a.Target == b.Target && a.DryRun == b.DryRun && a.Run == b.Run
}

func sameMap(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	// Empty maps are alike: an event's are omitted when empty.
	return len(a) == 0 || reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// appendMap appends the JSON of m as encoding/json gives it with HTML
// escaping off (as encode does): keys sorted, values by appendValue. It
// is faster than encoding/json for the maps of records (an alert, the
// fields), which are re-encoded at every save.
func appendMap(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendValue appends the JSON of v as encoding/json gives it with HTML
// escaping off. The types of JSON values and of the executor's values are
// written here; others by encoding/json.
func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			break // encoding/json's error
		}
		return appendFloat(b, v), nil
	case map[string]any:
		return appendMap(b, v)
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']'), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

// appendFloat is encoding/json's encoding of a float64: like %g with
// the exponent cutoffs of ES6, and exponents not padded.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 is e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString is encoding/json's encoding of a string with HTML
// escaping off: quotes, backslashes and control characters escaped,
// invalid UTF-8 as U+FFFD, and U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// mapCache keeps the encoding of a map from one save of a record to the
// next: its keys, sorted, and the encodings of its members whose values
// are strings, numbers or booleans, with those values. A member whose
// value changed, or is a list or a map, is encoded again.
type mapCache struct {
	keys []string
	vals []any    // the scalar value each member was encoded with; nil when none
	encs [][]byte // the encoding of each member, "key":value
	buf  []byte   // the memory of encs
	// spare is the memory of the keys, values and encodings before
	// the last rekey, for the next.
	spare struct {
		keys []string
		vals []any
		encs [][]byte
	}
}

// reset empties c, keeping its memory.
func (c *mapCache) reset() mapCache {
	r := mapCache{keys: c.keys[:0], vals: c.vals[:0], encs: c.encs[:0], buf: c.buf[:0], spare: c.spare}
	clear(r.vals[:cap(r.vals)]) // let the values and encodings go
	clear(r.encs[:cap(r.encs)])
	clear(r.spare.vals[:cap(r.spare.vals)])
	clear(r.spare.encs[:cap(r.spare.encs)])
	return r
}

// append appends the JSON of m, as appendMap does.
func (c *mapCache) append(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	if len(c.keys) != len(m) || len(c.buf) > 1<<16 {
		c.rekey(m)
	}
	start := len(b)
	b = append(b, '{')
	for i := 0; i < len(c.keys); i++ {
		v, ok := m[c.keys[i]]
		if !ok { // a key went and another came: start again
			c.rekey(m)
			b, i = append(b[:start], '{'), -1
			continue
		}
		if i > 0 {
			b = append(b, ',')
		}
		if cv := c.vals[i]; cv != nil && sameScalar(v, cv) {
			b = append(b, c.encs[i]...)
			continue
		}
		from := len(b)
		b = appendString(b, c.keys[i])
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, v); err != nil {
			return nil, err
		}
		if scalar(v) {
			// Keep the member's encoding. buf only grows while the map
			// keeps its keys, by the members that change.
			n := len(c.buf)
			c.buf = append(c.buf, b[from:]...)
			c.vals[i], c.encs[i] = v, c.buf[n:len(c.buf):len(c.buf)]
		} else {
			c.vals[i], c.encs[i] = nil, nil
		}
	}
	return append(b, '}'), nil
}

// rekey sets c to the sorted keys of m, keeping the encodings of the
// keys it had.
func (c *mapCache) rekey(m map[string]any) {
	keys := c.spare.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	vals := slices.Grow(c.spare.vals[:0], len(keys))[:len(keys)]
	encs := slices.Grow(c.spare.encs[:0], len(keys))[:len(keys)]
	clear(vals)
	clear(encs)
	if len(c.buf) <= 1<<16 {
		for i, j := 0, 0; i < len(keys) && j < len(c.keys); {
			switch {
			case keys[i] < c.keys[j]:
				i++
			case keys[i] > c.keys[j]:
				j++
			default:
				vals[i], encs[i] = c.vals[j], c.encs[j]
				i++
				j++
			}
		}
	} else {
		c.buf = nil // the encodings kept are dropped with it
	}
	c.spare.keys, c.spare.vals, c.spare.encs = c.keys, c.vals, c.encs
	c.keys, c.vals, c.encs = keys, vals, encs
}

// sameScalar reports whether v is the scalar cv, which is not nil: the
// same type and value (for floats, the same bits: 0 and -0 are written
// differently).
func sameScalar(v, cv any) bool {
	switch v := v.(type) {
	case float64:
		c, ok := cv.(float64)
		return ok && math.Float64bits(v) == math.Float64bits(c)
	case string, bool, int64, int:
		return v == cv
	}
	return false
}

// scalar reports whether v is of a type mapCache keeps: comparable, and
// written by appendValue.
func scalar(v any) bool {
	switch v.(type) {
	case string, bool, int64, int, float64:
		return true
	}
	return false
}
