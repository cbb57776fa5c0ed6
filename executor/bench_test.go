package executor_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/runstore"
)

// benchScenario is the path the benchmarks run: the targeted-attack
// playbook from detection through confirmation, eight steps' worth of
// investigation, two branches, and first response fr-1.
const benchScenario = "c2-single-host-ongoing"

// noop answers every call with the scenario's outputs and does nothing.
func noop(outputs map[ident.Number]map[string]any) func(context.Context, adapters.Request) (adapters.Result, error) {
	return func(_ context.Context, req adapters.Request) (adapters.Result, error) {
		return adapters.Result{Outputs: outputs[ident.Number(req.Method)]}, nil
	}
}

func benchEngine(b *testing.B, opts ...executor.Option) (*executor.Engine, map[string]any) {
	plan := loadPlan(b)
	s := loadScenarios(b)[benchScenario]
	f := noop(s.Outputs)
	reg, err := adapters.NewRegistry(adapters.Func("edr", f), adapters.Func("threatintel", f), adapters.Func("firewall", f))
	if err != nil {
		b.Fatal(err)
	}
	person := executor.PersonFunc(func(_ context.Context, t executor.Task) (executor.Done, error) {
		return executor.Done{Outputs: s.Outputs[t.Method.ID]}, nil
	})
	opts = append([]executor.Option{executor.WithPlan(plan), executor.WithRegistry(reg), executor.WithPerson(person),
		executor.WithApprover(executor.AutoApprove("csirt")), executor.WithIDs(func() string { return "bench" })}, opts...)
	e, err := executor.New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	return e, s.Alert
}

func BenchmarkEngine(b *testing.B) {
	e, alert := benchEngine(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		rec, _ := e.Run(ctx, alert)
		if rec.Status != executor.Completed || rec.Response != "fr-1" {
			b.Fatalf("status %s, response %s: %s", rec.Status, rec.Response, rec.Error)
		}
	}
}

// BenchmarkHandWritten is the baseline for BenchmarkEngine: the same
// adapter and person calls with the same inputs, the same precompiled CEL
// programs, and the same checks the engine owes by contract (alert values
// and outputs checked against their fields' types, outputs checked against
// the method's declared outputs, integers given one type so that a record
// survives JSON), in straight-line Go with no records, events, per-call
// timeouts or panic recovery.
func BenchmarkHandWritten(b *testing.B) {
	s := loadScenarios(b)[benchScenario]
	plan := loadPlan(b)
	f := noop(s.Outputs)
	edr, ti, fw := adapters.Func("edr", f), adapters.Func("threatintel", f), adapters.Func("firewall", f)
	person := executor.PersonFunc(func(_ context.Context, t executor.Task) (executor.Done, error) {
		return executor.Done{Outputs: s.Outputs[t.Method.ID]}, nil
	})
	compile := func(scope expr.Scope, src string) *expr.Program {
		p, err := expr.Compile(scope, src)
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	detections := []*expr.Program{
		compile(expr.Alert, `alert.category == "rat"`),
		compile(expr.Alert, `alert.category == "ransomware"`),
		compile(expr.Alert, `alert.category == "c2" && alert.signature.startsWith("TI:")`),
	}
	confirm := compile(expr.Fields, "fields.confirmed")
	hasFile := compile(expr.Fields, "has(fields.file_name)")
	others := compile(expr.Fields, "size(fields.other_hosts) > 0")
	ongoing := compile(expr.Fields, "fields.attack_ongoing")
	types := map[string]process.Field{}
	for _, fd := range plan.Design().Fields {
		types[string(fd.ID)] = fd
	}
	ctx := context.Background()
	alert := s.Alert

	b.ReportAllocs()
	for b.Loop() {
		fields := make(map[string]any, len(types))
		// check type-checks v as field k and gives integers one type.
		check := func(k string, v any) any {
			fd, ok := types[k]
			if !ok {
				return v
			}
			if err := fd.Check(v); err != nil {
				b.Fatal(err)
			}
			if n, ok := v.(int); ok && (fd.Type == process.Int || fd.Type == process.Port) {
				return int64(n)
			}
			return v
		}
		for k, v := range alert {
			fields[k] = check(k, v)
		}
		vars := &expr.Vars{Alert: alert, Fields: fields, Severity: "high"}
		eval := func(p *expr.Program) bool {
			ok, err := p.Eval(ctx, vars)
			if err != nil {
				b.Fatal(err)
			}
			return ok
		}
		inputs := func(names []string) map[string]any {
			in := make(map[string]any, len(names))
			for _, k := range names {
				if v, ok := fields[k]; ok {
					in[k] = v
				}
			}
			return in
		}
		merge := func(outputs map[string]any, declared []string) {
			for k, v := range outputs {
				if !slices.Contains(declared, k) {
					b.Fatalf("undeclared output %s", k)
				}
				fields[k] = check(k, v)
			}
		}
		call := func(a adapters.Adapter, op, method string, in, out []string) {
			res, err := a.Call(ctx, adapters.Request{Operation: op, Inputs: inputs(in), Method: method, Run: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			merge(res.Outputs, out)
		}
		manual := func(method ident.Number, in, out []string) {
			d, err := person.Perform(ctx, executor.Task{Run: "bench", Method: plan.Method(method), Inputs: inputs(in)})
			if err != nil {
				b.Fatal(err)
			}
			merge(d.Outputs, out)
		}
		for _, d := range detections[:2] {
			if eval(d) {
				b.Fatal("wrong detection")
			}
		}
		if !eval(detections[2]) {
			b.Fatal("no detection")
		}
		manual("0.1.1", []string{"host", "dst_ip"}, []string{"confirmed"})
		if !eval(confirm) {
			b.Fatal("not confirmed")
		}
		if eval(hasFile) {
			call(edr, "file_hash", "1.1.1", []string{"host", "file_name"}, []string{"file_name", "file_hash"})
		}
		call(edr, "connections_by_file", "1.1.2", []string{"host", "file_hash"}, []string{"dst_ip", "service", "port"})
		call(edr, "process_by_ip", "1.1.3", []string{"host", "dst_ip"}, []string{"process_name"})
		if eval(hasFile) {
			call(edr, "file_hash", "1.2.1", []string{"host", "file_name"}, []string{"file_name", "file_hash"})
		}
		call(edr, "connections_by_ip", "1.2.2", []string{"host", "dst_ip"}, []string{"service", "port"})
		call(edr, "process_by_ip", "1.2.3", []string{"host", "dst_ip"}, []string{"process_name"})
		call(ti, "lookup_ip", "1.2.4", []string{"dst_ip"}, []string{"c2_domain", "c2_location", "c2_registrant"})
		call(edr, "internal_connections", "1.3.1", []string{"host", "time"}, []string{"lateral_ips"})
		manual("1.4.1", []string{"file_hash", "dst_ip", "process_name"}, []string{"iocs"})
		manual("1.27.1", []string{"iocs"}, []string{"report_decision"})
		call(edr, "historical_search", "1.5.1", []string{"iocs"}, []string{"other_hosts"})
		if eval(others) {
			b.Fatal("wrong branch")
		}
		call(edr, "connections_by_ip", "1.6.1", []string{"host", "dst_ip"}, []string{"attack_ongoing"})
		if !eval(ongoing) {
			b.Fatal("wrong branch")
		}
		call(fw, "block_ip", "2.1.1", []string{"dst_ip"}, nil)
		call(edr, "isolate_host", "2.2.1", []string{"host"}, nil)
	}
}

// BenchmarkConcurrentRuns starts 10,000 runs at once on one engine and
// reports runs per second and the peak heap while they run.
func BenchmarkConcurrentRuns(b *testing.B) {
	const runs = 10000
	e, alert := benchEngine(b)
	ctx := context.Background()
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	b.ReportAllocs()
	start := time.Now()
	var failed atomic.Int64
	for b.Loop() {
		var wg sync.WaitGroup
		release := make(chan struct{})
		for range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-release
				rec, _ := e.Run(ctx, alert)
				if rec.Status != executor.Completed {
					failed.Add(1)
				}
			}()
		}
		close(release)
		wg.Wait()
	}
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d runs failed", n)
	}
	b.ReportMetric(float64(runs*b.N)/elapsed.Seconds(), "runs/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

// BenchmarkEngineJournal is BenchmarkEngine with every run journaled to
// an in-memory run store: a checkpoint before each call and after each
// outcome. Its ratio to BenchmarkEngine is the journal's cost.
func BenchmarkEngineJournal(b *testing.B) {
	var n atomic.Int64
	store := runstore.NewMemory()
	e, alert := benchEngine(b, executor.WithIDs(func() string { return fmt.Sprint(n.Add(1)) }),
		executor.WithCheckpoint(runstore.Checkpointer(store)))
	ctx := context.Background()
	b.ReportAllocs()
	var checkpoints int64
	for i := 0; b.Loop(); i++ {
		if i%100 == 0 {
			// A store per hundred runs: the cost measured is the
			// journal's, not the garbage collector's over every run
			// ever kept in memory.
			*store = runstore.Memory{}
		}
		rec, _ := e.Run(ctx, alert)
		if rec.Status != executor.Completed || rec.Response != "fr-1" {
			b.Fatalf("status %s, response %s: %s", rec.Status, rec.Response, rec.Error)
		}
		checkpoints = rec.Version
	}
	b.ReportMetric(float64(checkpoints), "checkpoints/run")
}
