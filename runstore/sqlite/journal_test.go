package sqlite

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/internal/refrun"
	"github.com/secopsdesign/secops/runstore"
)

// TestSQLiteJournal: the reference playbook journaled to a SQLite store
// leaves the record the engine returned, and a listing summarises it as
// Summarize does, through saves that write the whole row and saves that
// write only the record.
func TestSQLiteJournal(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, alert := refrun.Engine(t, runstore.Checkpointer(s))
	rec := refrun.Run(t, e, alert)
	if rec.Version < 10 {
		t.Fatalf("version %d after a run: the run was not journaled", rec.Version)
	}
	check := func(rec *executor.Record) {
		t.Helper()
		got, err := s.Load(t.Context(), rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(asJSON(t, rec), asJSON(t, got)); diff != "" {
			t.Errorf("stored record (-want +got):\n%s", diff)
		}
		p, err := s.List(t.Context(), runstore.Query{})
		if err != nil || len(p.Runs) != 1 {
			t.Fatalf("List: %d runs, %v", len(p.Runs), err)
		}
		if diff := cmp.Diff(asJSON(t, runstore.Summarize(rec)), asJSON(t, p.Runs[0])); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
	}
	check(rec)

	// The run is resumed: its summary columns change, then only its
	// events, then its pending, then it ends. (The store keeps what it
	// needs to write only the record of a running run.)
	steps := []func(){
		func() {
			rec.Status = executor.Running
			rec.Pending = &executor.Pending{Stage: executor.ResponseStage, Response: "fr-2", Party: "csirt"}
		},
		func() {},
		func() {
			rec.Pending = &executor.Pending{Stage: executor.ResponseStage, Response: "fr-2", Party: "ciso"}
		},
		func() {},
		func() { rec.Pending = nil },
		func() { rec.Error = "x" },
		func() { rec.Status = executor.Completed },
	}
	for _, step := range steps {
		step()
		rec.Events = append(rec.Events, executor.Event{Time: rec.Updated, Kind: executor.EvStep, Detail: "more"})
		rec.Updated = rec.Updated.Add(1)
		if err := s.Save(t.Context(), rec); err != nil {
			t.Fatal(err)
		}
		check(rec)
	}
}

func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRowColumns: changed and appendValues agree with summaryNames, the
// order of row's fields, for every column.
func TestRowColumns(t *testing.T) {
	typ := reflect.TypeFor[row]()
	if typ.NumField() != len(summaryNames) {
		t.Fatalf("row has %d fields, summaryNames %d", typ.NumField(), len(summaryNames))
	}
	p1, p2 := "{}", `{"stage":"response"}`
	for i := range summaryNames {
		a := row{pending: &p1}
		b := a
		f := reflect.ValueOf(&b).Elem().Field(i)
		v := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem() // unexported: set it through its address
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int64:
			v.SetInt(1)
		case reflect.Pointer:
			v.Set(reflect.ValueOf(&p2))
		}
		if got := a.changed(&b); got != 1<<i {
			t.Errorf("%s (%s) changed: set %b, want %b", summaryNames[i], typ.Field(i).Name, got, 1<<i)
		}
		if got := b.appendValues(nil, 1<<i); len(got) != 1 || got[0] != v.Interface() {
			t.Errorf("%s (%s): values %v, want %v", summaryNames[i], typ.Field(i).Name, got, v.Interface())
		}
	}
	same := "{}"
	if a, b := (row{pending: &p1}), (row{pending: &same}); a.changed(&b) != 0 {
		t.Error("equal pendings are changed")
	}
	if a, b := (row{pending: &p1}), (row{}); a.changed(&b) != 1<<10 {
		t.Error("a pending and none are not changed")
	}
}
