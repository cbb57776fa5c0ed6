package runstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
)

// referenceRun returns an engine that runs the reference playbook's
// c2-single-host-ongoing scenario to first response fr-1 with in-memory
// adapters, journaling to cp, and the scenario's alert.
func referenceRun(b *testing.B, cp executor.Checkpointer) (*executor.Engine, map[string]any) {
	b.Helper()
	d, err := secops.LoadFile("../examples/targeted-attack/design.yaml")
	if err != nil {
		b.Fatal(err)
	}
	f, err := secops.LoadScenarioFile("../examples/targeted-attack/scenarios.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var outputs map[ident.Number]map[string]any
	var alert map[string]any
	for _, s := range f.Scenarios {
		if s.ID == "c2-single-host-ongoing" {
			outputs, alert = s.Outputs, s.Alert
		}
	}
	call := func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		return adapters.Result{Outputs: outputs[ident.Number(req.Method)]}, nil
	}
	reg, err := adapters.NewRegistry(adapters.Func("edr", call), adapters.Func("threatintel", call), adapters.Func("firewall", call))
	if err != nil {
		b.Fatal(err)
	}
	person := executor.PersonFunc(func(_ context.Context, t executor.Task) (executor.Done, error) {
		return executor.Done{Outputs: outputs[t.Method.ID]}, nil
	})
	n := 0
	e, err := executor.New(executor.WithDesign(d), executor.WithRegistry(reg), executor.WithPerson(person),
		executor.WithApprover(executor.AutoApprove("csirt")), executor.WithCheckpoint(cp),
		executor.WithIDs(func() string { n++; return fmt.Sprintf("run-%d", n) }))
	if err != nil {
		b.Fatal(err)
	}
	return e, alert
}

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
	e, alert := referenceRun(b, cp)
	if rec, err := e.Run(context.Background(), alert); err != nil || rec.Status != executor.Completed {
		b.Fatalf("run: %v", err)
	}
	return sizes
}

// BenchmarkJournalFile: runs of the reference playbook journaled to
// record files (written whole, synced, renamed, the folder synced, at
// every checkpoint). Its baseline is BenchmarkFileWrite.
func BenchmarkJournalFile(b *testing.B) {
	dir := b.TempDir()
	d, err := runstore.OpenDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	e, alert := referenceRun(b, runstore.Checkpointer(d))
	ctx := context.Background()
	for b.Loop() {
		if rec, err := e.Run(ctx, alert); err != nil || rec.Status != executor.Completed {
			b.Fatalf("run: %v", err)
		}
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
