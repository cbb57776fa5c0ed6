package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/internal/refrun"
	"github.com/secopsdesign/secops/runstore"
)

// BenchmarkJournalSQLite runs the reference playbook journaled to a
// SQLite store: every checkpoint of the run a Create or Save. Its
// baseline is BenchmarkSQLiteInsert.
func BenchmarkJournalSQLite(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "runs.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	e, alert := refrun.Engine(b, runstore.Checkpointer(s))
	var rec *executor.Record
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		rec = refrun.Run(b, e, alert)
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
	e, alert := refrun.Engine(b, executor.CheckpointFunc(func(_ context.Context, rec *executor.Record) error {
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
	refrun.Run(b, e, alert)

	path := filepath.Join(b.TempDir(), "runs.db")
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	s.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(abs, busyTimeout))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ins, err := db.Prepare(`INSERT INTO runs (` + summaryColumns + `, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
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
			string(r.Playbook), string(r.Response), r.Breached, r.DryRun, nanos(r.Started), nanos(r.Updated), nil, r.Error, false, blobs[0]); err != nil {
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

// saveWriters is how many goroutines save at once in
// BenchmarkSaveConcurrent: the runs in progress of a busy server.
const saveWriters = 50

// runningRecord returns a record of the reference run as checkpointed
// while it runs, part way through.
func runningRecord(b *testing.B) *executor.Record {
	var recs []*executor.Record
	e, alert := refrun.Engine(b, executor.CheckpointFunc(func(_ context.Context, rec *executor.Record) error {
		rec.Version++
		if rec.Status == executor.Running {
			recs = append(recs, rec.Clone())
		}
		return nil
	}))
	refrun.Run(b, e, alert)
	if len(recs) == 0 {
		b.Fatal("no checkpoint of a running record")
	}
	rec := recs[len(recs)/2]
	rec.Version = 0
	return rec
}

// benchSaves saves records, each of its own run, from writers
// goroutines, b.N saves in all.
func benchSaves(b *testing.B, writers int) {
	s, err := Open(filepath.Join(b.TempDir(), "runs.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	base := runningRecord(b)
	recs := make([]*executor.Record, writers)
	for i := range recs {
		recs[i] = base.Clone()
		recs[i].ID = fmt.Sprintf("bench-%d", i)
		if err := s.Create(context.Background(), recs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	cpu := cpuTime()
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, rec := range recs {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := s.Save(context.Background(), rec); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	reportCPU(b, cpu)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "saves/s")
}

// BenchmarkSaveConcurrent saves from 50 goroutines at once into one
// store, each goroutine the record of its own run. Its baseline is
// BenchmarkSaveSerial, the same saves one at a time.
func BenchmarkSaveConcurrent(b *testing.B) { benchSaves(b, saveWriters) }

// BenchmarkSaveSerial is BenchmarkSaveConcurrent's baseline: the same
// saves, from one goroutine.
func BenchmarkSaveSerial(b *testing.B) { benchSaves(b, 1) }
