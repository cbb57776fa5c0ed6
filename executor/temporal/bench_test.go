package temporal_test

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/internal/temporaltest"
)

var (
	waitingRuns = flag.Int("waiting", 10000, "BenchmarkWaitingRuns: how many runs wait")
	parallel    = flag.Int("parallel", 16, "BenchmarkDevServer: runs in flight at once")
)

// shape is what a run does, in order: 'a' an activity, 'w' a wait for
// an Update.
type shape []byte

// floorWorkflow is Temporal's own floor for a run of that shape: the same
// activities (no-ops) and the same waits for Updates, and nothing else.
func floorWorkflow(ctx workflow.Context, s shape) (int, error) {
	// reached counts the waits reached, answered the answers taken.
	reached, answered, done := 0, 0, false
	err := workflow.SetUpdateHandlerWithOptions(ctx, "answer", func(ctx workflow.Context, _ string) (bool, error) {
		answered++
		k := answered
		// Return when the run waits again, or ends, as secops' answer does.
		_ = workflow.Await(ctx, func() bool { return done || reached > k })
		return !done, nil
	}, workflow.UpdateHandlerOptions{Validator: func(workflow.Context, string) error {
		if done || answered >= reached {
			return fmt.Errorf("not waiting")
		}
		return nil
	}})
	if err != nil {
		return 0, err
	}
	if err := workflow.SetQueryHandler(ctx, "waiting", func() (bool, error) { return !done && answered < reached, nil }); err != nil {
		return 0, err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	n := 0
	for _, c := range s {
		if c == 'a' {
			if err := workflow.ExecuteActivity(ctx, "noop", n).Get(ctx, nil); err != nil {
				return n, err
			}
			n++
			continue
		}
		reached++
		_ = workflow.Await(ctx, func() bool { return answered >= reached })
	}
	done = true
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return n, nil
}

func noopActivity(context.Context, int) error { return nil }

// shapeOf returns the shape of rec's run.
func shapeOf(rec *executor.Record) shape {
	var s shape
	for _, ev := range rec.Events {
		switch ev.Kind {
		case executor.EvCallStarted:
			s = append(s, 'a')
		case executor.EvWaiting:
			s = append(s, 'w')
		}
	}
	return s
}

// BenchmarkDevServer runs the reference playbook (the scenario of the
// executor's benchmarks, no-op adapters, its person's tasks and approval
// answered by Updates) through the dev server, beside the floor: a
// trivial workflow with the same activities and Updates, on the same
// server in the same run. Compare runs/s.
func BenchmarkDevServer(b *testing.B) {
	srv := temporaltest.Need(b)
	c := srv.Client(b)
	plan, sc, _, reg := reference(b, nil)
	ctx := context.Background()
	if _, err := temporal.RegisterSearchAttributes(ctx, c, client.DefaultNamespace); err != nil {
		b.Fatal(err)
	}
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	wk := worker.New(c, "bench", worker.Options{})
	w.Register(wk)
	wk.RegisterWorkflowWithOptions(floorWorkflow, workflow.RegisterOptions{Name: "floor"})
	wk.RegisterActivityWithOptions(noopActivity, activity.RegisterOptions{Name: "noop"})
	if err := wk.Start(); err != nil {
		b.Fatal(err)
	}
	defer wk.Stop()
	tc := temporal.NewClient(c, "bench")
	answer := func(rec *executor.Record) temporal.Decision { return answerFor(sc, rec) }

	secopsRun := func() error {
		id, err := tc.Start(ctx, plan, sc.Alert, "")
		if err != nil {
			return err
		}
		var rec *executor.Record
		for {
			if rec, err = tc.Record(ctx, id); err == nil && rec.Status != executor.Running {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		for rec.Status == executor.Waiting {
			if rec, err = tc.Answer(ctx, id, answer(rec)); err != nil {
				return err
			}
		}
		if rec.Status != executor.Completed {
			return fmt.Errorf("run %s: %s %s", id, rec.Status, rec.Error)
		}
		return nil
	}
	// The shape of the reference run.
	var s shape
	{
		id, err := tc.Start(ctx, plan, sc.Alert, "")
		if err != nil {
			b.Fatal(err)
		}
		var rec *executor.Record
		for rec == nil || rec.Status == executor.Running {
			rec, _ = tc.Record(ctx, id)
			time.Sleep(5 * time.Millisecond)
		}
		for rec.Status == executor.Waiting {
			if rec, err = tc.Answer(ctx, id, answer(rec)); err != nil {
				b.Fatal(err)
			}
		}
		s = shapeOf(rec)
	}
	var seq atomic.Int64
	floorRun := func() error {
		id := fmt.Sprintf("floor-%d-%d", time.Now().UnixNano(), seq.Add(1))
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "bench"}, "floor", s)
		if err != nil {
			return err
		}
		for {
			v, err := c.QueryWorkflow(ctx, id, "", "waiting")
			var waiting bool
			if err == nil && v.Get(&waiting) == nil && waiting {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		waiting := true
		for waiting {
			h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: "answer", Args: []any{"ok"},
				WaitForStage: client.WorkflowUpdateStageCompleted})
			if err != nil {
				return err
			}
			if err := h.Get(ctx, &waiting); err != nil {
				return err
			}
		}
		return run.Get(ctx, nil)
	}
	b.Logf("a run: %d activities, %d waits", countOf(s, 'a'), countOf(s, 'w'))
	for _, bm := range []struct {
		name string
		run  func() error
	}{{"floor", floorRun}, {"secops", secopsRun}} {
		b.Run(bm.name, func(b *testing.B) {
			start := time.Now()
			var wg sync.WaitGroup
			var next atomic.Int64
			errs := make(chan error, *parallel)
			for range *parallel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if err := bm.run(); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "runs/s")
		})
	}
}

func countOf(s shape, c byte) int {
	n := 0
	for _, x := range s {
		if x == c {
			n++
		}
	}
	return n
}

// BenchmarkWaitingRuns starts -waiting runs (default 10,000) that all
// wait for a person, and reports the worker's heap once they wait: the
// waiting runs poll nothing (they are timers and Updates on the server),
// and the worker keeps at most its cache of them.
func BenchmarkWaitingRuns(b *testing.B) {
	srv := temporaltest.Need(b)
	c := srv.Client(b)
	plan, sc, _, reg := reference(b, nil)
	ctx := context.Background()
	if _, err := temporal.RegisterSearchAttributes(ctx, c, client.DefaultNamespace); err != nil {
		b.Fatal(err)
	}
	w, err := temporal.NewWorker(reg, []*executor.Plan{plan}, temporal.Options{})
	if err != nil {
		b.Fatal(err)
	}
	queue := fmt.Sprint("waiting-", time.Now().UnixNano())
	wk := worker.New(c, queue, worker.Options{})
	w.Register(wk)
	if err := wk.Start(); err != nil {
		b.Fatal(err)
	}
	defer wk.Stop()
	tc := temporal.NewClient(c, queue)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	before := heap()
	n := *waitingRuns
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	var failed atomic.Int64
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := tc.Start(ctx, plan, sc.Alert, fmt.Sprint(queue, "-", i)); err != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		b.Fatalf("%d runs did not start", failed.Load())
	}
	// Until visibility lists them all waiting.
	for {
		waiting := 0
		cursor := ""
		for {
			page, next, err := tc.List(ctx, temporal.Filter{Status: executor.Waiting, Design: plan.Design().Metadata.Name}, 1000, cursor)
			if err != nil {
				b.Fatal(err)
			}
			waiting += len(page)
			if next == "" {
				break
			}
			cursor = next
		}
		if waiting >= n {
			break
		}
		if time.Since(start) > 30*time.Minute {
			b.Fatalf("only %d of %d runs wait after 30 minutes", waiting, n)
		}
		time.Sleep(time.Second)
	}
	b.Logf("%d runs waiting after %v", n, time.Since(start).Round(time.Second))
	after := heap()
	b.ReportMetric(float64(after)/(1<<20), "heap-MB")
	b.ReportMetric(float64(int64(after)-int64(before))/float64(n)/1024, "KB/run")
}
