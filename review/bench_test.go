package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

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
	reportCPU(b, cpu0, n)
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

// reportCPU reports the CPU time per alert since start.
func reportCPU(b *testing.B, start time.Duration, alerts int) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(alerts)/float64(b.N), "cpu-ns/alert")
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
	reportCPU(b, cpu0, n)
}
