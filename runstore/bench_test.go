package runstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/internal/refrun"
)

// checkpointSizes returns the sizes of the record files a journaled
// reference run writes, checkpoint by checkpoint.
func checkpointSizes(b *testing.B) []int {
	var sizes []int
	cp := executor.CheckpointFunc(func(_ context.Context, rec *executor.Record) error {
		rec.Version++
		js, err := json.MarshalIndent(rec, "", "  ")
		sizes = append(sizes, len(js)+1)
		return err
	})
	e, alert := refrun.Engine(b, cp)
	refrun.Run(b, e, alert)
	return sizes
}

// BenchmarkJournalFile: runs of the reference playbook journaled to
// record files (written whole, synced, renamed, the folder synced, at
// every checkpoint). Its baseline is BenchmarkFileWrite.
func BenchmarkJournalFile(b *testing.B) {
	dir := b.TempDir()
	d, err := OpenDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	e, alert := refrun.Engine(b, Checkpointer(d))
	for b.Loop() {
		refrun.Run(b, e, alert)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkFileWrite is the baseline of BenchmarkJournalFile: the bare
// file work of one journaled run — for each of its checkpoints, the same
// number of bytes written to a new temporary file, synced, renamed over
// the record, and the folder synced — with no executor, no JSON and no
// locks.
func BenchmarkFileWrite(b *testing.B) {
	sizes := checkpointSizes(b)
	dir := b.TempDir()
	buf := make([]byte, sizes[len(sizes)-1])
	for i := range buf {
		buf[i] = 'x'
	}
	run := 0
	for b.Loop() {
		run++
		path := filepath.Join(dir, fmt.Sprintf("run-%d.json", run))
		for _, n := range sizes {
			tmp, err := os.CreateTemp(dir, ".tmp*")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tmp.Write(buf[:n]); err != nil {
				b.Fatal(err)
			}
			if err := tmp.Sync(); err != nil {
				b.Fatal(err)
			}
			tmp.Close()
			if err := os.Rename(tmp.Name(), path); err != nil {
				b.Fatal(err)
			}
			df, err := os.Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			df.Sync()
			df.Close()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric(float64(len(sizes)), "checkpoints/run")
}
