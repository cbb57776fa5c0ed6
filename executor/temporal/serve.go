package temporal

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

// Dial connects to the Temporal frontend at hostPort (HOST:PORT) for
// namespace (default "default"), the SDK logging to log (nil: nothing).
func Dial(ctx context.Context, hostPort, namespace string, log *slog.Logger) (client.Client, error) {
	if namespace == "" {
		namespace = client.DefaultNamespace
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: namespace, Logger: tlog.NewStructuredLogger(log)})
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s: %w", hostPort, err)
	}
	return c, nil
}

// Run runs the workflows and activities of w from taskQueue (default
// DefaultTaskQueue) in namespace through c until ctx is done, then
// stops the worker, letting the activities in progress end. It first
// makes sure the namespace has the search attributes runs are listed
// by. It logs to log (nil: nothing) when it runs and when it stopped.
func (w *Worker) Run(ctx context.Context, c client.Client, namespace, taskQueue string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if taskQueue == "" {
		taskQueue = DefaultTaskQueue
	}
	added, err := RegisterSearchAttributes(ctx, c, namespace)
	if err != nil {
		return err
	}
	if len(added) > 0 {
		log.Info("registered search attributes", "attributes", strings.Join(added, ", "), "namespace", namespace)
	}
	wk := worker.New(c, taskQueue, worker.Options{})
	w.Register(wk)
	if err := wk.Start(); err != nil {
		return fmt.Errorf("starting the worker: %w", err)
	}
	log.Info("running", "designs", w.Designs(), "task_queue", taskQueue, "namespace", namespace)
	<-ctx.Done()
	wk.Stop()
	log.Info("stopped")
	return nil
}
