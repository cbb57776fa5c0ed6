package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/review"
)

// benchAlerts is the targeted-attack history repeated to 1,000,000
// alerts (JSON Lines), built once.
var benchAlerts = sync.OnceValues(func() ([]byte, error) {
	one, err := os.ReadFile(targetedAlerts)
	if err != nil {
		return nil, err
	}
	const n = 1_000_000
	out := make([]byte, 0, n/bytes.Count(one, []byte("\n"))*len(one)+len(one))
	lines := 0
	for lines < n {
		for rest := one; len(rest) > 0 && lines < n; lines++ {
			i := bytes.IndexByte(rest, '\n')
			out = append(out, rest[:i+1]...)
			rest = rest[i+1:]
		}
	}
	return out, nil
})

// BenchmarkDecodeAlerts is the baseline of BenchmarkReplay: the same
// lines decoded with encoding/json into map[string]any, and nothing else.
func BenchmarkDecodeAlerts(b *testing.B) {
	data, err := benchAlerts()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu0 := cpuTime(b)
	n := 0
	for b.Loop() {
		n = 0
		for rest := data; len(rest) > 0; n++ {
			i := bytes.IndexByte(rest, '\n')
			var m map[string]any
			// Lines that are not objects fail, as in the replay.
			_ = json.Unmarshal(rest[:i], &m)
			rest = rest[i+1:]
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
	reportCPU(b, cpu0, n, "alert")
}

// cpuTime is the CPU time the process has used, user and system: on a
// shared machine it says more than the wall time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Skip("no getrusage:", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per alert or record since start.
func reportCPU(b *testing.B, start time.Duration, n int, unit string) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(n)/float64(b.N), "cpu-ns/"+unit)
}

// BenchmarkReplay replays 1,000,000 alerts of the reference design.
func BenchmarkReplay(b *testing.B) {
	data, err := benchAlerts()
	if err != nil {
		b.Fatal(err)
	}
	p := plan(b, targetedDesign)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu0 := cpuTime(b)
	n := 0
	for b.Loop() {
		r, err := review.Replay(context.Background(), p, review.ReadAlerts("bench", bytes.NewReader(data)), review.WithGroupBy("category"))
		if err != nil {
			b.Fatal(err)
		}
		n = r.Alerts
	}
	if n != 1_000_000 {
		b.Fatalf("replayed %d alerts", n)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
	reportCPU(b, cpu0, n, "alert")
}

// recordStream yields n records decoded from JSON, as reading record
// files does: the runs of records, over and over, each a new run id and
// start. Only one record is alive at a time, so the heap the review
// holds shows in peak.
func recordStream(b testing.TB, n int, peak *uint64) func(func(*executor.Record, error) bool) {
	var templates [][]byte
	for _, r := range records(b) {
		j, err := json.Marshal(r)
		if err != nil {
			b.Fatal(err)
		}
		templates = append(templates, j)
	}
	return func(yield func(*executor.Record, error) bool) {
		var ms runtime.MemStats
		for i := range n {
			var rec executor.Record
			if err := json.Unmarshal(templates[i%len(templates)], &rec); err != nil {
				yield(nil, err)
				return
			}
			rec.ID = fmt.Sprintf("run-%07d", i)
			if i%10_000 == 0 {
				// What is live, exactly: a collection, then the heap.
				runtime.GC()
				runtime.ReadMemStats(&ms)
				*peak = max(*peak, ms.HeapAlloc)
			}
			if !yield(&rec, nil) {
				return
			}
		}
	}
}

// BenchmarkReview reviews 10,000 and 100,000 records: the time per
// record stays the same (linear), and so does the peak heap (bounded).
// The peak is of the live heap, measured after a forced collection every
// 10,000 records (the live-heap metric of the runtime counts what is
// allocated during a collection as live, which a shared machine makes
// noisy); the time includes decoding each record from JSON, as reading
// record files does.
func BenchmarkReview(b *testing.B) {
	p := plan(b, targetedDesign)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			var peak uint64
			runtime.GC()
			b.ResetTimer()
			cpu0 := cpuTime(b)
			for b.Loop() {
				rep, err := review.Review(p, recordStream(b, n, &peak))
				if err != nil {
					b.Fatal(err)
				}
				if rep.Runs != n {
					b.Fatalf("reviewed %d runs", rep.Runs)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)/float64(b.N), "ns/record")
			reportCPU(b, cpu0, n, "record")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// BenchmarkDecodeRecords is the baseline of BenchmarkReview: the same
// records decoded from JSON and nothing else.
func BenchmarkDecodeRecords(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			var peak uint64
			runtime.GC()
			b.ResetTimer()
			cpu0 := cpuTime(b)
			for b.Loop() {
				got := 0
				for rec, err := range recordStream(b, n, &peak) {
					if err != nil {
						b.Fatal(err)
					}
					if rec != nil {
						got++
					}
				}
				if got != n {
					b.Fatalf("decoded %d records", got)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)/float64(b.N), "ns/record")
			reportCPU(b, cpu0, n, "record")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
