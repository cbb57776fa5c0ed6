package sqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/secopsdesign/secops/executor"
)

// A record is stored as encoding/json writes it (with HTML escaping off),
// and only encoding/json writes it here: there is one codec of the record,
// the record's own.
//
// The engine checkpoints one record many times as a run goes, and each
// time it has mostly appended to it: a few events more (see
// executor.Checkpointer). Encoding the whole record at every save makes a
// run's journal cost grow with the square of its length, and re-encoding
// the alert and the fields at every save was half the cost of encoding. So
// a store keeps, for the record objects it saved last and that still run,
// the JSON of the events saved and of the alert and fields maps, each as
// encoding/json wrote it, and at the next save encodes the events added
// since, the maps that were replaced, and the rest of the record without
// them: a shallow copy whose Events, Alert and Fields are nil, which
// encoding/json writes with `"alert":null` where the maps go (Fields,
// omitted when empty, follows Alert) and `"events":null` last, where the
// events go. The record stored is byte for byte what encoding/json gives
// for the whole (TestEncoderJournal).
//
// The cache is used only for the very record object saved before (not a
// copy loaded since), and only if the events it encoded are as they were,
// compared field by field, their maps by identity: an event changed in
// place, or one replaced, is noticed, and the record encoded whole. A map
// is known by its identity and length, compared with the map of the
// record's last save only: a map of the record changed in place before
// it is saved with another, or a value changed inside an event's map, is
// not noticed. The engine never does that (it alternates Fields between
// two maps, and changes the one it handed to a save only after a later
// save of the other: see executor.Checkpointer), and the store's contract
// lets it rely on it (see runstore.Store). Entries go when their
// record stops running (the engine saves a record that waits, fails or
// ends no more), and the cache is bounded.

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
	// alert and fields are the encodings of the record's maps.
	alert, fields mapJSON
}

// mapJSON is the JSON of a map, as encoding/json wrote it.
type mapJSON struct {
	m    map[string]any // the map encoded: its identity, and its length
	n    int
	json []byte
}

// of returns the JSON of m, encoded again unless it is the map encoded
// before.
func (mj *mapJSON) of(sc *scratch, m map[string]any) ([]byte, error) {
	if mj.json != nil && len(m) == mj.n && reflect.ValueOf(m).UnsafePointer() == reflect.ValueOf(mj.m).UnsafePointer() {
		return mj.json, nil
	}
	js, err := sc.json(m)
	if err != nil {
		return nil, err
	}
	mj.m, mj.n, mj.json = m, len(m), append(mj.json[:0], js...)
	return mj.json, nil
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
	*c = eventCache{evs: c.evs[:0], json: c.json[:0],
		alert: mapJSON{json: c.alert.json[:0:0]}, fields: mapJSON{json: c.fields.json[:0:0]}}
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

// drop forgets the events of run id.
func (e *encoder) drop(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.caches, id)
}

// scratch holds the buffers a record is encoded in.
type scratch struct {
	buf  bytes.Buffer  // encoding/json's output
	enc  *json.Encoder // writing to buf
	head executor.Record
	out  []byte // the record's JSON
}

// json returns the JSON encoding of v in sc's memory, as encodeJSON
// gives it, valid until the next call.
func (sc *scratch) json(v any) ([]byte, error) {
	if sc.enc == nil {
		sc.enc = json.NewEncoder(&sc.buf)
		sc.enc.SetEscapeHTML(false)
	}
	sc.buf.Reset()
	if err := sc.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(sc.buf.Bytes(), []byte("\n")), nil
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// encodeJSON returns the JSON encoding of v in b, as encoding/json writes
// it with HTML escaping off.
func encodeJSON(b *bytes.Buffer, v any) ([]byte, error) {
	b.Reset()
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// In the JSON of a record whose Alert, Fields and Events are nil,
// noAlert is where the alert and the fields go, noEvents where the events
// go, the end.
var (
	noAlert  = []byte(`,"alert":null`)
	noEvents = []byte(`"events":null}`)
)

// spliced reports whether executor.Record is laid out as encode needs to
// splice the JSON of its maps and events into that of the rest: Alert
// tagged "alert" after scalar fields only (so that noAlert, which begins
// outside a string, is found where the alert goes), Fields after it,
// tagged "fields,omitempty", and Events last, tagged "events". When it is
// not, records are encoded whole (TestEncoderSplice fails meanwhile).
var spliced = func() bool {
	t := reflect.TypeFor[executor.Record]()
	a, ok := t.FieldByName("Alert")
	if !ok || a.Tag.Get("json") != "alert" || a.Index[0] == 0 || a.Index[0]+1 >= t.NumField() {
		return false
	}
	for i := range a.Index[0] {
		switch t.Field(i).Type.Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int64:
		default:
			return false
		}
	}
	f, e := t.Field(a.Index[0]+1), t.Field(t.NumField()-1)
	return f.Name == "Fields" && f.Tag.Get("json") == "fields,omitempty" && f.Type == a.Type && a.Type == reflect.TypeFor[map[string]any]() &&
		e.Name == "Events" && e.Tag.Get("json") == "events"
}()

// encode returns the JSON of rec (as encodeJSON gives it), in sc's
// memory, and the cache of its events to keep once the record is saved
// (nil when none is to be kept).
func (e *encoder) encode(sc *scratch, rec *executor.Record) ([]byte, *eventCache, error) {
	if len(rec.Events) == 0 || !spliced {
		e.drop(rec.ID)
		blob, err := sc.json(rec)
		return blob, nil, err
	}
	c := e.take(rec)
	if c == nil {
		c = newEventCache(rec)
	}
	fail := func(err error) ([]byte, *eventCache, error) {
		c.recycle()
		return nil, nil, err
	}
	// The new events, added to the cache.
	for j := len(c.evs); j < len(rec.Events); j++ {
		ev, err := sc.json(&rec.Events[j])
		if err != nil {
			return fail(err)
		}
		if len(c.json) > 0 {
			c.json = append(c.json, ',')
		}
		c.json = append(c.json, ev...)
	}
	c.evs = append(c.evs, rec.Events[len(c.evs):]...)
	alert, err := c.alert.of(sc, rec.Alert)
	if err != nil {
		return fail(err)
	}
	var fields []byte
	if len(rec.Fields) > 0 {
		if fields, err = c.fields.of(sc, rec.Fields); err != nil {
			return fail(err)
		}
	}
	// The rest of the record, and the maps and events where
	// encoding/json writes them.
	sc.head = *rec
	sc.head.Alert, sc.head.Fields, sc.head.Events = nil, nil, nil
	b, err := sc.json(&sc.head)
	sc.head = executor.Record{} // keep nothing of rec
	if err != nil {
		return fail(err)
	}
	at := bytes.Index(b, noAlert)
	if at < 0 || !bytes.HasSuffix(b, noEvents) {
		return fail(fmt.Errorf("encode run %s: encoding/json wrote the record without its maps and events as %.200s", rec.ID, b))
	}
	out := append(sc.out[:0], b[:at]...)
	out = append(out, `,"alert":`...)
	out = append(out, alert...)
	if fields != nil {
		out = append(out, `,"fields":`...)
		out = append(out, fields...)
	}
	out = append(out, b[at+len(noAlert):len(b)-len(`null}`)]...)
	out = append(out, '[')
	out = append(out, c.json...)
	out = append(out, "]}"...)
	sc.out = out
	return out, c, nil
}

// sameEvent reports whether a and b hold the same values, their maps
// the same maps. (TestSameEvent checks that it compares every field.)
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
