package sqlite

import (
	"bytes"
	"context"
	"maps"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/internal/refrun"
)

// TestEncoderJournal: through the checkpoints of whole runs, the
// incremental encoding of a record is byte for byte its whole encoding.
func TestEncoderJournal(t *testing.T) {
	var enc encoder
	var got scratch
	var want bytes.Buffer
	saves := 0
	e, alert := refrun.Engine(t, executor.CheckpointFunc(func(_ context.Context, rec *executor.Record) error {
		rec.Version++
		saves++
		blob, cache, err := enc.encode(&got, rec)
		if err != nil {
			return err
		}
		whole, err := encodeJSON(&want, rec)
		if err != nil {
			return err
		}
		if !bytes.Equal(blob, whole) {
			t.Errorf("save %d of run %s: incremental encoding\n%s\nwant\n%s", rec.Version, rec.ID, blob, whole)
		}
		enc.keep(cache)
		return nil
	}))
	for range 3 {
		refrun.Run(t, e, alert)
	}
	if saves < 30 {
		t.Errorf("%d saves in three runs", saves)
	}
	if len(enc.caches) != 0 {
		t.Errorf("%d caches kept after the runs ended", len(enc.caches))
	}
}

// TestEncoderChanged: events changed in place since the last save, or a
// copy of the record saved, are encoded as they are.
func TestEncoderChanged(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	newRec := func() *executor.Record {
		return &executor.Record{ID: "run-1", Status: executor.Running, Error: `"alert":null`,
			Alert: map[string]any{"host": "pc-1"}, Fields: map[string]any{"host": "pc-1", "n": int64(2), "z": 0.0, "l": []any{"a"}}, Events: []executor.Event{
				{Time: at, Kind: executor.EvStarted},
				{Time: at, Kind: executor.EvCallStarted, Method: "1.1", Inputs: map[string]any{"host": "pc-1"}},
			}}
	}
	tests := []struct {
		name   string
		change func(r *executor.Record) *executor.Record
	}{
		{"appended", func(r *executor.Record) *executor.Record {
			r.Events = append(r.Events, executor.Event{Time: at, Kind: executor.EvMethod, Detail: "<&>"})
			return r
		}},
		{"detail changed", func(r *executor.Record) *executor.Record {
			r.Events[0].Detail = "changed"
			return r
		}},
		{"inputs replaced", func(r *executor.Record) *executor.Record {
			r.Events[1].Inputs = map[string]any{"host": "pc-2"}
			return r
		}},
		{"time zone changed", func(r *executor.Record) *executor.Record {
			r.Events[0].Time = at.In(time.FixedZone("CET", 3600))
			return r
		}},
		// The engine replaces Fields when a field changes; it never
		// changes a map of the record in place.
		{"fields replaced", func(r *executor.Record) *executor.Record {
			return withFields(r, func(f map[string]any) {
				f["host"] = "pc-2"
				f["ok"] = true
			})
		}},
		{"field replaced by another", func(r *executor.Record) *executor.Record {
			return withFields(r, func(f map[string]any) {
				delete(f, "n")
				f["a"] = int64(2)
			})
		}},
		{"field to a list", func(r *executor.Record) *executor.Record {
			return withFields(r, func(f map[string]any) {
				f["host"] = []any{"pc-1"}
				f["l"] = "a"
			})
		}},
		{"field of another type", func(r *executor.Record) *executor.Record {
			return withFields(r, func(f map[string]any) { f["n"] = 2.0 })
		}},
		{"negative zero", func(r *executor.Record) *executor.Record {
			return withFields(r, func(f map[string]any) { f["z"] = math.Copysign(0, -1) })
		}},
		{"fields emptied", func(r *executor.Record) *executor.Record {
			r.Fields = map[string]any{}
			return r
		}},
		{"alert replaced", func(r *executor.Record) *executor.Record {
			r.Alert = map[string]any{"host": "pc-9", "<": "&"}
			return r
		}},
		{"alert dropped", func(r *executor.Record) *executor.Record {
			r.Alert, r.Fields = nil, nil
			return r
		}},
		{"a value encoding/json refuses", func(r *executor.Record) *executor.Record {
			return withFields(r, func(f map[string]any) { f["x"] = math.NaN() })
		}},
		{"an event's value encoding/json refuses", func(r *executor.Record) *executor.Record {
			r.Events = append(r.Events, executor.Event{Time: at, Kind: executor.EvMethod, Outputs: map[string]any{"x": math.Inf(1)}})
			return r
		}},
		{"events cut", func(r *executor.Record) *executor.Record {
			r.Events = r.Events[:1]
			return r
		}},
		{"events emptied", func(r *executor.Record) *executor.Record {
			r.Events = []executor.Event{}
			return r
		}},
		{"a copy", func(r *executor.Record) *executor.Record {
			c := *r
			c.Events = append([]executor.Event(nil), r.Events...)
			c.Events[0].Kind = executor.EvFailed
			return &c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var enc encoder
			var b scratch
			r := newRec()
			_, cache, err := enc.encode(&b, r)
			if err != nil {
				t.Fatal(err)
			}
			enc.keep(cache)
			r = tt.change(r)
			got, cache, err := enc.encode(&b, r)
			if cache != nil {
				enc.keep(cache)
				r.Events = append(r.Events, executor.Event{Time: at, Kind: executor.EvStep})
				got, _, err = enc.encode(&b, r) // from the caches of the changed record
			}
			want, werr := encodeJSON(new(bytes.Buffer), r)
			if (err != nil) != (werr != nil) {
				t.Fatalf("error %v, want %v", err, werr)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encoded\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// withFields replaces r's Fields by a copy that change changed, as the
// engine changes fields.
func withFields(r *executor.Record, change func(map[string]any)) *executor.Record {
	f := maps.Clone(r.Fields)
	change(f)
	r.Fields = f
	return r
}

// TestSameEvent: sameEvent compares every field of an event, so that a
// field added to executor.Event is not missed.
func TestSameEvent(t *testing.T) {
	a := executor.Event{Time: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	if !sameEvent(&a, &a) {
		t.Fatal("an event differs from itself")
	}
	typ := reflect.TypeFor[executor.Event]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		b := a
		v := reflect.ValueOf(&b).Elem().Field(i)
		switch {
		case f.Type == reflect.TypeFor[time.Time]():
			v.Set(reflect.ValueOf(a.Time.Add(time.Second)))
		case v.Kind() == reflect.String:
			v.SetString("x")
		case v.Kind() == reflect.Int:
			v.SetInt(1)
		case v.Kind() == reflect.Bool:
			v.SetBool(true)
		case v.Kind() == reflect.Map:
			v.Set(reflect.MakeMap(f.Type))
			v.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf(any(1)))
		default:
			t.Errorf("field %s of type %s: the test cannot change it; teach it and sameEvent", f.Name, f.Type)
			continue
		}
		if sameEvent(&a, &b) {
			t.Errorf("events differing in %s are the same to sameEvent", f.Name)
		}
	}
}

// TestEncoderSplice: encoding/json writes a record's Events last, where
// encode puts the events it keeps encoded; were a field added after them,
// records would be encoded whole at every save, more slowly.
func TestEncoderSplice(t *testing.T) {
	typ := reflect.TypeFor[executor.Record]()
	last := typ.Field(typ.NumField() - 1)
	if last.Name != "Events" || last.Tag.Get("json") != "events" {
		t.Errorf("the last field of executor.Record is %s, tagged %q: encode wants Events, tagged \"events\" (never omitted)", last.Name, last.Tag.Get("json"))
	}
	b, err := encodeJSON(new(bytes.Buffer), &executor.Record{ID: "run-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, noEvents) {
		t.Errorf("a record without events encodes as %s, not ending in %s", b, noEvents)
	}
}

// TestEncoderFullRecord: a record with every field set is encoded as
// encoding/json encodes it.
func TestEncoderFullRecord(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 123456789, time.FixedZone("JST", 9*3600))
	rec := &executor.Record{
		Format: executor.RecordFormat, ID: "run-<1>", Version: 7, Design: "../d.yaml", DesignName: "corp", DesignDigest: "sha256:ab",
		Status: executor.Waiting, PriorStatus: executor.Completed, DryRun: true, Error: "a \"quoted\"\nerror\u2028",
		Alert: map[string]any{"host": "pc-1", "n": 3.0}, Fields: map[string]any{"host": "pc-1", "iocs": []any{"203.0.113.7"}},
		Detection: "d", Incident: "i", Severity: "high", Playbook: "pb", Path: []ident.ID{"s1", "s2"},
		Branches: []executor.Branch{{Step: "s1", Index: 0}, {Step: "s2", Index: 3}}, Response: "fr-1", End: "done",
		Approved: "csirt", Ran: []ident.Number{"1.1"}, Skipped: []ident.Number{"1.2"}, Applied: []ident.Number{"2.1"},
		RolledBack: []ident.Number{"2.1"}, ManualRollback: []executor.Manual{{Method: "2.2", Procedure: "unplug <it>"}},
		Started: at, Updated: at.Add(90 * time.Minute).UTC(), Elapsed: duration.Duration(90 * time.Minute), Estimate: duration.Duration(time.Hour),
		Targets:  criteria.Targets{FirstResponse: duration.Duration(2 * time.Hour)},
		Breached: true, Pending: &executor.Pending{Stage: executor.ResponseStage, Response: "fr-1", Party: "csirt", Outputs: []ident.ID{"x"}},
		At: &executor.Cursor{Stage: executor.StepStage, Step: "s2", Method: "1.2"},
		Events: []executor.Event{{Time: at, Kind: executor.EvStarted}, {Time: at.UTC(), Kind: executor.EvMethodFailed, Step: "s1", Method: "1.1",
			Action: "edr.isolate_host", Response: "fr-1", Inputs: map[string]any{"host": "pc-1"}, Outputs: map[string]any{"ok": false},
			Error: "timeout <5s>", Actor: "edr", Detail: "d\te", IdempotencyKey: "run-1/response/fr-1/1.1", Attempt: 2, Uncertain: true,
			DryRun: true, Run: "run-1"}},
	}
	var enc encoder
	var sc scratch
	got, cache, err := enc.encode(&sc, rec)
	if err != nil {
		t.Fatal(err)
	}
	if cache == nil {
		t.Error("no cache of the record's events to keep")
	}
	want, err := encodeJSON(new(bytes.Buffer), rec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("encoded\n%s\nwant\n%s", got, want)
	}
	// Zero values where encoding/json omits or writes them.
	zero := &executor.Record{ID: "z", Events: []executor.Event{{}}, Targets: criteria.Targets{Response: 1}, At: &executor.Cursor{}}
	got, _, err = enc.encode(&sc, zero)
	want, werr := encodeJSON(new(bytes.Buffer), zero)
	if err != nil || werr != nil || !bytes.Equal(got, want) {
		t.Errorf("encoded\n%s (%v)\nwant\n%s (%v)", got, err, want, werr)
	}
	// A time encoding/json refuses.
	bad := &executor.Record{ID: "b", Events: []executor.Event{{}}, Started: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, _, err := enc.encode(&sc, bad); err == nil {
		t.Error("a year past 9999 encoded")
	}
}

// benchEncode runs the reference playbook with every checkpoint given to
// save, and reports the time per run.
func benchEncode(b *testing.B, save func(rec *executor.Record) error) {
	e, alert := refrun.Engine(b, executor.CheckpointFunc(func(_ context.Context, rec *executor.Record) error {
		rec.Version++
		return save(rec)
	}))
	b.ReportAllocs()
	for b.Loop() {
		refrun.Run(b, e, alert)
	}
}

// BenchmarkEncoder encodes every checkpoint of runs of the reference
// playbook as a store does, without SQLite. Its baseline is
// BenchmarkEncoderNone; BenchmarkEncoderWhole encodes each checkpoint
// whole with encoding/json.
func BenchmarkEncoder(b *testing.B) {
	var enc encoder
	var sc scratch
	benchEncode(b, func(rec *executor.Record) error {
		_, cache, err := enc.encode(&sc, rec)
		enc.keep(cache)
		return err
	})
}

// BenchmarkEncoderWhole encodes every checkpoint of the runs whole.
func BenchmarkEncoderWhole(b *testing.B) {
	var buf bytes.Buffer
	benchEncode(b, func(rec *executor.Record) error {
		_, err := encodeJSON(&buf, rec)
		return err
	})
}

// BenchmarkEncoderNone is the baseline of BenchmarkEncoder: the runs,
// their checkpoints encoded not at all.
func BenchmarkEncoderNone(b *testing.B) {
	benchEncode(b, func(*executor.Record) error { return nil })
}
