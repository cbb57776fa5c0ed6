package runstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// The reference playbook the benchmarks journal, as the executor's
// benchmarks run it: the targeted-attack playbook from detection through
// confirmation, eight steps' worth of investigation, two branches, and
// first response fr-1.
const (
	benchDesign    = "../examples/targeted-attack/design.yaml"
	benchScenarios = "../examples/targeted-attack/scenarios.yaml"
	benchScenario  = "c2-single-host-ongoing"
)

// benchEngine returns an engine on the reference design whose adapters
// and person answer with the scenario's outputs and do nothing else,
// journaling to cp, and the scenario's alert. Every run has a new id.
func benchEngine(b testing.TB, cp executor.Checkpointer) (*executor.Engine, map[string]any) {
	b.Helper()
	d, lf, err := secops.LoadFile(benchDesign)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		b.Fatal(err)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		b.Fatal(err)
	}
	f, err := secops.LoadScenarioFile(benchScenarios)
	if err != nil {
		b.Fatal(err)
	}
	var outputs map[ident.Number]map[string]any
	var alert map[string]any
	for _, s := range f.Scenarios {
		if s.ID == benchScenario {
			outputs, alert = s.Outputs, s.Alert
		}
	}
	if alert == nil {
		b.Fatalf("no scenario %s in %s", benchScenario, benchScenarios)
	}
	noop := func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		return adapters.Result{Outputs: outputs[ident.Number(req.Method)]}, nil
	}
	reg, err := adapters.NewRegistry(adapters.Func("edr", noop), adapters.Func("threatintel", noop), adapters.Func("firewall", noop))
	if err != nil {
		b.Fatal(err)
	}
	person := executor.PersonFunc(func(_ context.Context, t executor.Task) (executor.Done, error) {
		return executor.Done{Outputs: outputs[t.Method.ID]}, nil
	})
	var n atomic.Int64
	e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(reg), executor.WithPerson(person),
		executor.WithApprover(executor.AutoApprove("csirt")), executor.WithCheckpoint(cp),
		executor.WithIDs(func() string { return fmt.Sprintf("bench-%d", n.Add(1)) }))
	if err != nil {
		b.Fatal(err)
	}
	return e, alert
}

// benchRun runs the reference playbook once and checks it ended as it should.
func benchRun(b testing.TB, e *executor.Engine, alert map[string]any) *executor.Record {
	rec, err := e.Run(context.Background(), alert)
	if err != nil || rec.Status != executor.Completed || rec.Response != "fr-1" {
		b.Fatalf("status %s, response %s: %v", rec.Status, rec.Response, err)
	}
	return rec
}

// BenchmarkJournalSQLite runs the reference playbook journaled to a
// SQLite store: every checkpoint of the run a Create or Save. Its
// baseline is BenchmarkSQLiteInsert.
func BenchmarkJournalSQLite(b *testing.B) {
	s, err := OpenSQLite(filepath.Join(b.TempDir(), "runs.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	e, alert := benchEngine(b, Checkpointer(s))
	var rec *executor.Record
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		rec = benchRun(b, e, alert)
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric(float64(rec.Version), "saves/run")
}

// BenchmarkSQLiteInsert is the bare SQLite work of BenchmarkJournalSQLite:
// for each run, an INSERT of the first checkpoint's record, then an UPDATE
// of the record and version for each later checkpoint, with the same
// record bytes the store writes (recorded from one journaled run), on a
// database with the store's schema and settings; no engine, no encoding,
// no summary columns.
func BenchmarkSQLiteInsert(b *testing.B) {
	// Record the JSON of every checkpoint of one run, as the store
	// encodes it.
	var blobs [][]byte
	var first *executor.Record
	e, alert := benchEngine(b, executor.CheckpointFunc(func(_ context.Context, rec *executor.Record) error {
		rec.Version++
		blob, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if first == nil {
			first = rec.Clone()
		}
		blobs = append(blobs, blob)
		return nil
	}))
	benchRun(b, e, alert)

	path := filepath.Join(b.TempDir(), "runs.db")
	s, err := OpenSQLite(path)
	if err != nil {
		b.Fatal(err)
	}
	s.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(abs))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ins, err := db.Prepare(`INSERT INTO runs (` + summaryColumns + `, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer ins.Close()
	upd, err := db.Prepare(`UPDATE runs SET record = ?, version = ? WHERE id = ? AND version = ?`)
	if err != nil {
		b.Fatal(err)
	}
	defer upd.Close()
	r := first
	total := 0
	for _, blob := range blobs {
		total += len(blob)
	}

	b.ReportAllocs()
	cpu := cpuTime()
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("bench-%d", i)
		if _, err := ins.Exec(id, int64(1), string(r.Status), string(r.Detection), string(r.Incident), string(r.Severity),
			string(r.Playbook), string(r.Response), r.Breached, r.DryRun, nanos(r.Started), nanos(r.Updated), nil, r.Error, blobs[0]); err != nil {
			b.Fatal(err)
		}
		for v, blob := range blobs[1:] {
			res, err := upd.Exec(blob, int64(v+2), id, int64(v+1))
			if err != nil {
				b.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				b.Fatalf("update of version %d changed %d rows", v+1, n)
			}
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric(float64(len(blobs)), "saves/run")
	b.ReportMetric(float64(total)/float64(len(blobs)), "record-bytes/save")
}

// cpuTime is the processor time the process used so far, user and
// system. On a machine busy with other work, the processor time per run
// compares the two benchmarks better than the time that passed.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the processor time per op since start, as cpu-ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	if start > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
