package change_test

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"os"
	"runtime"
	"testing"

	"github.com/secopsdesign/secops/change"
	"github.com/secopsdesign/secops/review"
)

// benchAlerts is the targeted-attack history repeated to n alerts (JSON
// Lines).
func benchAlerts(b *testing.B, n int) []byte {
	one, err := os.ReadFile(targetedAlerts)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]byte, 0, n/bytes.Count(one, []byte("\n"))*len(one)+len(one))
	for lines := 0; lines < n; {
		for rest := one; len(rest) > 0 && lines < n; lines++ {
			i := bytes.IndexByte(rest, '\n')
			out = append(out, rest[:i+1]...)
			rest = rest[i+1:]
		}
	}
	return out
}

// measured yields the alerts of data, and every 100,000 alerts records
// the live heap (after a forced collection) in peak; the benchmarks
// report it less the heap live before, which holds the input.
func measured(data []byte, peak *uint64) iter.Seq2[review.Alert, error] {
	return func(yield func(review.Alert, error) bool) {
		n := 0
		var ms runtime.MemStats
		for a, err := range review.ReadAlerts("bench.jsonl", bytes.NewReader(data)) {
			if n++; n%100_000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				*peak = max(*peak, ms.HeapAlloc)
			}
			if !yield(a, err) {
				return
			}
		}
	}
}

// BenchmarkPlan plans a change (a detection widened to port scans, one
// added) over 100,000 and 1,000,000 alerts, and BenchmarkPlan/replay
// replays the same alerts through the old design alone, the baseline:
// plan decides each alert twice and should take at most 2.5 times as
// long. The peak live heap stays the same from 100,000 alerts to
// 1,000,000: the plan streams.
func BenchmarkPlan(b *testing.B) {
	old := compile(b, targetedDesign)
	new := edited(b, `when: alert.category == "internal-scan"`, `when: alert.category == "internal-scan" || alert.category == "port-scan"`,
		`    - id: mssp-internal-scan`, `    - id: mssp-adware
      name: アドウェア
      source: soc
      when: alert.category == "adware"
      incident: malware
      severity: low
    - id: mssp-internal-scan`)
	for _, n := range []int{100_000, 1_000_000} {
		data := benchAlerts(b, n)
		run := func(name string, do func(iter.Seq2[review.Alert, error]) int) {
			b.Run(fmt.Sprintf("%s/alerts=%d", name, n), func(b *testing.B) {
				var peak uint64
				var ms runtime.MemStats
				b.SetBytes(int64(len(data)))
				runtime.GC()
				runtime.ReadMemStats(&ms) // the input is live already: it is not the plan's
				base := ms.HeapAlloc
				b.ResetTimer()
				for b.Loop() {
					if got := do(measured(data, &peak)); got != n {
						b.Fatalf("%d alerts", got)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)/float64(b.N), "ns/alert")
				b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "peak-heap-MiB")
			})
		}
		run("replay", func(alerts iter.Seq2[review.Alert, error]) int {
			r, err := review.Replay(context.Background(), old, alerts)
			if err != nil {
				b.Fatal(err)
			}
			return r.Alerts
		})
		run("plan", func(alerts iter.Seq2[review.Alert, error]) int {
			r, err := change.Plan(context.Background(), old, new, alerts)
			if err != nil {
				b.Fatal(err)
			}
			if r.Changed == 0 {
				b.Fatal("nothing changed")
			}
			return r.Alerts
		})
	}
}
