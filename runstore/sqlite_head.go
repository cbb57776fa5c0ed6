package runstore

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

// appendHead writes the fields of a record but its events, and
// appendEvent an event, directly, not by reflection: encoding/json took as
// long to encode them as SQLite to store the whole record. They write
// what encoding/json writes, as long as the record's types are as they
// were when they were written: headSignature says how they were. When the
// types change (a field is added), fastHead is false and records are
// encoded by encoding/json alone, until appendHead, appendEvent and
// headSignature are brought up to date (TestHeadSignature fails
// meanwhile).

// headSignature is recordSignature() of the types appendHead knows.
const headSignature = `executor.Record
	Format string "format"
	ID string "id"
	Version int64 "version,omitempty"
	Design string "design,omitempty"
	DesignName ident.ID "design_name,omitempty"
	DesignDigest string "design_digest,omitempty"
	Status executor.Status "status"
	PriorStatus executor.Status "prior_status,omitempty"
	DryRun bool "dry_run,omitempty"
	Error string "error,omitempty"
	Alert map[string]interface {} "alert"
	Fields map[string]interface {} "fields,omitempty"
	Detection ident.ID "detection,omitempty"
	Incident ident.ID "incident,omitempty"
	Severity ident.ID "severity,omitempty"
	Playbook ident.ID "playbook,omitempty"
	Path []ident.ID "path,omitempty"
	Branches []executor.Branch "branches,omitempty"
	Response ident.ID "response,omitempty"
	End string "end,omitempty"
	Approved string "approved,omitempty"
	Ran []ident.Number "ran,omitempty"
	Skipped []ident.Number "skipped,omitempty"
	Applied []ident.Number "applied,omitempty"
	RolledBack []ident.Number "rolled_back,omitempty"
	ManualRollback []executor.Manual "manual_rollback,omitempty"
	Started time.Time "started" marshals
	Updated time.Time "updated" marshals
	Elapsed duration.Duration "elapsed" marshals
	Estimate duration.Duration "estimate" marshals
	Targets criteria.Targets "targets,omitzero"
	Breached bool "breached,omitempty"
	Pending *executor.Pending "pending,omitempty"
	At *executor.Cursor "at,omitempty"
	Events []executor.Event "events"
executor.Branch
	Step ident.ID "step"
	Index int "index"
executor.Manual
	Method ident.Number "method"
	Procedure string "procedure"
executor.Cursor
	Stage executor.Stage "stage"
	Step ident.ID "step,omitempty"
	Response ident.ID "response,omitempty"
	Method ident.Number "method,omitempty"
criteria.Targets
	FirstResponse duration.Duration "first_response,omitempty" marshals
	Response duration.Duration "response,omitempty" marshals
executor.Event
	Time time.Time "time" marshals
	Kind executor.EventKind "kind"
	Step ident.ID "step,omitempty"
	Method ident.Number "method,omitempty"
	Action process.Action "action,omitempty"
	Response ident.ID "response,omitempty"
	Inputs map[string]interface {} "inputs,omitempty"
	Outputs map[string]interface {} "outputs,omitempty"
	Error string "error,omitempty"
	Actor string "actor,omitempty"
	Detail string "detail,omitempty"
	IdempotencyKey string "idempotency_key,omitempty"
	Attempt int "attempt,omitempty"
	Uncertain bool "uncertain,omitempty"
	Target string "target,omitempty"
	DryRun bool "dry_run,omitempty"
	Run string "-"
ident.ID
ident.Number
executor.Status
executor.Stage
executor.EventKind
process.Action
`

// fastHead reports whether appendHead knows the record's types.
var fastHead = recordSignature() == headSignature

// recordSignature describes the fields of executor.Record and of the
// types within it that appendHead writes: name, type, JSON tag, and
// whether the type encodes itself (a json.Marshaler or
// encoding.TextMarshaler); and the string types it writes as strings,
// with the same mark.
func recordSignature() string {
	marshals := func(t reflect.Type) string {
		for _, t := range []reflect.Type{t, reflect.PointerTo(t)} {
			if t.Implements(reflect.TypeFor[json.Marshaler]()) || t.Implements(reflect.TypeFor[encoding.TextMarshaler]()) {
				return " marshals"
			}
		}
		return ""
	}
	var b strings.Builder
	for _, v := range []any{executor.Record{}, executor.Branch{}, executor.Manual{}, executor.Cursor{}, criteria.Targets{}, executor.Event{}} {
		t := reflect.TypeOf(v)
		fmt.Fprintf(&b, "%s%s\n", t, marshals(t))
		for i := range t.NumField() {
			f := t.Field(i)
			fmt.Fprintf(&b, "\t%s %s %q%s\n", f.Name, f.Type, f.Tag.Get("json"), marshals(f.Type))
		}
	}
	for _, v := range []any{ident.ID(""), ident.Number(""), executor.Status(""), executor.Stage(""), executor.EventKind(""), process.Action("")} {
		t := reflect.TypeOf(v)
		fmt.Fprintf(&b, "%s%s\n", t, marshals(t))
	}
	return b.String()
}

// head writes the JSON members of one object, with their commas.
type head struct {
	b   []byte
	n   int // members written
	err error
}

func (h *head) key(k string) {
	if h.n > 0 {
		h.b = append(h.b, ',')
	}
	h.n++
	h.b = append(h.b, '"')
	h.b = append(h.b, k...) // keys need no escaping
	h.b = append(h.b, '"', ':')
}

func (h *head) str(k, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	h.key(k)
	h.b = appendString(h.b, v)
}

func (h *head) boolean(k string, v bool) { // omitempty
	if v {
		h.key(k)
		h.b = append(h.b, "true"...)
	}
}

// strs writes a list of strings, omitted when empty.
func strs[S ~string](h *head, k string, v []S) {
	if len(v) == 0 {
		return
	}
	h.key(k)
	h.b = append(h.b, '[')
	for i, s := range v {
		if i > 0 {
			h.b = append(h.b, ',')
		}
		h.b = appendString(h.b, string(s))
	}
	h.b = append(h.b, ']')
}

func (h *head) time(k string, t time.Time) {
	h.key(k)
	h.b = append(h.b, '"')
	var err error
	if h.b, err = t.AppendText(h.b); err != nil && h.err == nil {
		h.err = err
	}
	h.b = append(h.b, '"')
}

func (h *head) mapping(k string, m map[string]any, omitEmpty bool, mc *mapCache) {
	if omitEmpty && len(m) == 0 {
		return
	}
	h.key(k)
	var err error
	if mc != nil {
		h.b, err = mc.append(h.b, m)
	} else {
		h.b, err = appendMap(h.b, m)
	}
	if err != nil && h.err == nil {
		h.err = err
	}
}

// appendHead appends the JSON of rec, as encoding/json writes it, up to
// its events: all but the closing `[...]}`, ending in `"events":`.
// The caches, when not nil, keep what they can of the encodings of the
// alert and the fields from one save of a record to the next.
func appendHead(b []byte, rec *executor.Record, alert, fields *mapCache) ([]byte, error) {
	h := &head{b: append(b, '{')}
	h.str("format", rec.Format, false)
	h.str("id", rec.ID, false)
	if rec.Version != 0 {
		h.key("version")
		h.b = strconv.AppendInt(h.b, rec.Version, 10)
	}
	h.str("design", rec.Design, true)
	h.str("design_name", string(rec.DesignName), true)
	h.str("design_digest", rec.DesignDigest, true)
	h.str("status", string(rec.Status), false)
	h.str("prior_status", string(rec.PriorStatus), true)
	h.boolean("dry_run", rec.DryRun)
	h.str("error", rec.Error, true)
	h.mapping("alert", rec.Alert, false, alert)
	h.mapping("fields", rec.Fields, true, fields)
	h.str("detection", string(rec.Detection), true)
	h.str("incident", string(rec.Incident), true)
	h.str("severity", string(rec.Severity), true)
	h.str("playbook", string(rec.Playbook), true)
	strs(h, "path", rec.Path)
	if len(rec.Branches) > 0 {
		h.key("branches")
		h.b = append(h.b, '[')
		for i, br := range rec.Branches {
			if i > 0 {
				h.b = append(h.b, ',')
			}
			h.b = append(h.b, `{"step":`...)
			h.b = appendString(h.b, string(br.Step))
			h.b = append(h.b, `,"index":`...)
			h.b = strconv.AppendInt(h.b, int64(br.Index), 10)
			h.b = append(h.b, '}')
		}
		h.b = append(h.b, ']')
	}
	h.str("response", string(rec.Response), true)
	h.str("end", rec.End, true)
	h.str("approved", rec.Approved, true)
	strs(h, "ran", rec.Ran)
	strs(h, "skipped", rec.Skipped)
	strs(h, "applied", rec.Applied)
	strs(h, "rolled_back", rec.RolledBack)
	if len(rec.ManualRollback) > 0 {
		h.key("manual_rollback")
		h.b = append(h.b, '[')
		for i, m := range rec.ManualRollback {
			if i > 0 {
				h.b = append(h.b, ',')
			}
			h.b = append(h.b, `{"method":`...)
			h.b = appendString(h.b, string(m.Method))
			h.b = append(h.b, `,"procedure":`...)
			h.b = appendString(h.b, m.Procedure)
			h.b = append(h.b, '}')
		}
		h.b = append(h.b, ']')
	}
	h.time("started", rec.Started)
	h.time("updated", rec.Updated)
	h.str("elapsed", rec.Elapsed.String(), false)
	h.str("estimate", rec.Estimate.String(), false)
	if t := rec.Targets; t.FirstResponse != 0 || t.Response != 0 {
		h.key("targets")
		t := &head{b: append(h.b, '{')}
		if rec.Targets.FirstResponse != 0 {
			t.str("first_response", rec.Targets.FirstResponse.String(), false)
		}
		if rec.Targets.Response != 0 {
			t.str("response", rec.Targets.Response.String(), false)
		}
		h.b = append(t.b, '}')
	}
	h.boolean("breached", rec.Breached)
	if rec.Pending != nil {
		h.key("pending")
		var err error
		if h.b, err = appendValue(h.b, rec.Pending); err != nil && h.err == nil {
			h.err = err
		}
	}
	if c := rec.At; c != nil {
		h.key("at")
		a := &head{b: append(h.b, '{')}
		a.str("stage", string(c.Stage), false)
		a.str("step", string(c.Step), true)
		a.str("response", string(c.Response), true)
		a.str("method", string(c.Method), true)
		h.b = append(a.b, '}')
	}
	h.key("events")
	return h.b, h.err
}

// appendEvent appends the JSON of e, as encoding/json writes it.
func appendEvent(b []byte, e *executor.Event) ([]byte, error) {
	h := &head{b: append(b, '{')}
	h.time("time", e.Time)
	h.str("kind", string(e.Kind), false)
	h.str("step", string(e.Step), true)
	h.str("method", string(e.Method), true)
	h.str("action", string(e.Action), true)
	h.str("response", string(e.Response), true)
	h.mapping("inputs", e.Inputs, true, nil)
	h.mapping("outputs", e.Outputs, true, nil)
	h.str("error", e.Error, true)
	h.str("actor", e.Actor, true)
	h.str("detail", e.Detail, true)
	h.str("idempotency_key", e.IdempotencyKey, true)
	if e.Attempt != 0 {
		h.key("attempt")
		h.b = strconv.AppendInt(h.b, int64(e.Attempt), 10)
	}
	h.boolean("uncertain", e.Uncertain)
	h.str("target", e.Target, true)
	h.boolean("dry_run", e.DryRun)
	return append(h.b, '}'), h.err
}
