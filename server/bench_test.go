package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/sqlite"
	"github.com/secopsdesign/secops/server"
)

// The benchmarks run the reference playbook as runstore's
// BenchmarkJournalSQLite does: the c2-single-host-ongoing scenario of the
// targeted-attack example, with no-op adapters answering its outputs, a
// person and an approver answering at once, so that each run completes
// with first response fr-1.
func benchSetup(b testing.TB) (opts []executor.Option, alert map[string]any) {
	b.Helper()
	f, err := secops.LoadScenarioFile("../examples/targeted-attack/scenarios.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var outputs map[ident.Number]map[string]any
	for _, s := range f.Scenarios {
		if s.ID == "c2-single-host-ongoing" {
			outputs, alert = s.Outputs, s.Alert
		}
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
	return []executor.Option{executor.WithRegistry(reg), executor.WithPerson(person), executor.WithApprover(executor.AutoApprove("csirt"))}, alert
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// servedAlert is a server on loopback over a SQLite store, with the
// scenario's engine options and opts, shut down when b ends; and the
// reference alert's JSON.
func servedAlert(b *testing.B, opts ...server.Option) (*httptest.Server, []byte) {
	engine, alert := benchSetup(b)
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "runs.db"))
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(testPlan(b), st, append([]server.Option{server.WithEngineOptions(engine...),
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)...)
	if err != nil {
		st.Close()
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		hs.Close()
		srv.Shutdown(context.Background())
		st.Close()
	})
	body, _ := json.Marshal(alert)
	return hs, body
}

// BenchmarkServeAlert posts the reference alert to a server on loopback
// (one client at a time) that runs it to its end journaled into a SQLite
// store: HTTP, JSON, the run's claim and the run. Its baseline is
// BenchmarkServeAlertEngine, the same run without the server, as
// runstore's BenchmarkJournalSQLite measures it.
func BenchmarkServeAlert(b *testing.B) {
	hs, body := servedAlert(b)
	client := hs.Client()
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		resp, err := client.Post(hs.URL+"/v1/alerts", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var rec struct{ Status executor.Status }
		err = json.NewDecoder(resp.Body).Decode(&rec)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 201 || rec.Status != executor.Completed {
			b.Fatalf("%d %s: %v", resp.StatusCode, rec.Status, err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
}

// journaledEngine is the engine of the server's runs without the
// server: journaled into a SQLite store (closed when b ends), with the
// server's engine options; and the reference alert.
func journaledEngine(b *testing.B) (*executor.Engine, map[string]any) {
	opts, alert := benchSetup(b)
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "runs.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	e, err := executor.New(append([]executor.Option{executor.WithPlan(testPlan(b)), executor.WithCheckpoint(runstore.Checkpointer(st)),
		executor.WithIsolation(), executor.WithRetry(1, 0)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return e, alert
}

// BenchmarkServeAlertEngine is BenchmarkServeAlert's baseline: the same
// runs, journaled into a SQLite store, without HTTP or claims.
func BenchmarkServeAlertEngine(b *testing.B) {
	e, alert := journaledEngine(b)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		rec, err := e.Run(context.Background(), alert)
		if err != nil || rec.Status != executor.Completed {
			b.Fatalf("%s: %v", rec.Status, err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
}

// TestLoad posts 10,000 alerts from 50 clients at once, each with its
// own Idempotency-Key and retried after a 503, one in 500 of them near
// the 1 MiB limit: every alert is stored once, and the heap stays
// bounded. It reports the latencies and the peak heap.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no load test")
	}
	const alerts, clients = 10000, 50
	h := newHarness(t, server.WithWorkers(8), server.WithQueue(32))
	small := labAlert(t)
	big := labAlert(t)
	big["file_name"] = strings.Repeat("x", server.MaxBody-2048)
	smallBody, _ := json.Marshal(small)
	bigBody, _ := json.Marshal(big)
	if len(bigBody) > server.MaxBody {
		t.Fatalf("the big alert is %d bytes", len(bigBody))
	}

	var peak atomic.Uint64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})

	var next atomic.Int64
	var retries atomic.Int64
	latencies := make([][]time.Duration, clients)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 2 * time.Minute}
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= alerts {
					return
				}
				body := smallBody
				if i%500 == 499 {
					body = bigBody
				}
				for {
					req, _ := http.NewRequest("POST", h.hs.URL+"/v1/alerts", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+h.secrets["soc"])
					req.Header.Set("Idempotency-Key", fmt.Sprintf("load-%d", i))
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						t.Errorf("alert %d: %v", i, err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusServiceUnavailable {
						retries.Add(1)
						time.Sleep(5 * time.Millisecond) // Retry-After says 1s; a test need not wait that long
						continue
					}
					latencies[c] = append(latencies[c], time.Since(t0))
					if resp.StatusCode != http.StatusCreated {
						t.Errorf("alert %d: %d", i, resp.StatusCode)
					}
					break
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	sampler.Wait()

	ids := map[string]bool{}
	q := runstore.Query{Limit: runstore.MaxLimit}
	for {
		page, err := h.store.List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Runs {
			if ids[s.ID] {
				t.Errorf("run %s listed twice", s.ID)
			}
			ids[s.ID] = true
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if len(ids) != alerts {
		t.Errorf("%d runs stored, want %d", len(ids), alerts)
	}
	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	t.Logf("%d alerts from %d clients in %v (%.0f alerts/s); %d stored, %d refused with 503 and retried; latency of the accepted p50 %v, p99 %v, max %v; peak heap %.1f MiB",
		alerts, clients, elapsed.Round(time.Millisecond), alerts/elapsed.Seconds(), len(all), retries.Load(), pct(0.5), pct(0.99), all[len(all)-1], float64(peak.Load())/(1<<20))
	if p := peak.Load(); p > 512<<20 {
		t.Errorf("peak heap %.1f MiB, over 512 MiB", float64(p)/(1<<20))
	}
}

// benchClients is how many clients post at once in the concurrent
// benchmarks, as in TestLoad.
const benchClients = 50

// BenchmarkServeAlertConcurrent posts the reference alert from 50
// clients at once to a server on loopback with 50 workers, each alert
// run to its end journaled into one SQLite store, so that 50 runs
// checkpoint at once. It reports the alerts per second and the p99 of a
// post's latency. Its baseline is BenchmarkServeAlertEngineConcurrent,
// the same 50-way concurrency of runs without HTTP or claims.
func BenchmarkServeAlertConcurrent(b *testing.B) {
	hs, body := servedAlert(b, server.WithWorkers(benchClients))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	concurrently(b, func() error {
		resp, err := client.Post(hs.URL+"/v1/alerts", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		var rec struct{ Status executor.Status }
		err = json.NewDecoder(resp.Body).Decode(&rec)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 201 || rec.Status != executor.Completed {
			return fmt.Errorf("%d %s: %v", resp.StatusCode, rec.Status, err)
		}
		return nil
	})
}

// BenchmarkServeAlertEngineConcurrent is BenchmarkServeAlertConcurrent's
// baseline: 50 goroutines each running the reference alert to its end,
// journaled into one SQLite store, without HTTP or claims.
func BenchmarkServeAlertEngineConcurrent(b *testing.B) {
	e, alert := journaledEngine(b)
	concurrently(b, func() error {
		rec, err := e.Run(context.Background(), alert)
		if err != nil || rec.Status != executor.Completed {
			return fmt.Errorf("%s: %v", rec.Status, err)
		}
		return nil
	})
}

// concurrently calls op b.N times from benchClients goroutines, and
// reports the processor time per op, the ops per second (as alerts/s)
// and the 50th and 99th percentiles of an op's latency.
func concurrently(b *testing.B, op func() error) {
	b.Helper()
	b.ReportAllocs()
	latencies := make([][]time.Duration, benchClients)
	var next atomic.Int64
	var failed atomic.Bool
	cpu := cpuTime()
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range benchClients {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) && !failed.Load() {
				t0 := time.Now()
				if err := op(); err != nil {
					failed.Store(true)
					b.Error(err)
					return
				}
				latencies[c] = append(latencies[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
	b.ReportMetric(float64(pct(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
}
