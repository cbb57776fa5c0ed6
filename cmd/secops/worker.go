package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/bundle"
	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
)

func init() { commands = append(commands, newWorker) }

// workerOpts are the flags of secops worker.
type workerOpts struct {
	adapters, hostPort, namespace, taskQueue string
	timeout, heartbeat, rollbackWindow       time.Duration
	designs                                  []string
}

func newWorker() *cobra.Command {
	var o workerOpts
	cmd := &cobra.Command{
		Use:   "worker DESIGN... --adapters FILE --temporal HOST:PORT [--namespace NS] [--task-queue Q]",
		Short: "Run the runs of designs as Temporal workflows, and their adapter calls",
		Long:  help("worker"),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.adapters == "" {
				return usageError("worker needs --adapters FILE")
			}
			o.designs = args
			return runWorker(cmd.Context(), defaultIO(), o)
		},
	}
	cmd.Flags().StringVar(&o.adapters, "adapters", "", "adapter configuration file (secops-adapters/v1)")
	cmd.Flags().StringVar(&o.hostPort, "temporal", "127.0.0.1:7233", "the Temporal frontend, HOST:PORT")
	cmd.Flags().StringVar(&o.namespace, "namespace", client.DefaultNamespace, "the Temporal namespace")
	cmd.Flags().StringVar(&o.taskQueue, "task-queue", temporal.DefaultTaskQueue, "the task queue of the runs")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 60*time.Second, "time limit of one adapter call")
	cmd.Flags().DurationVar(&o.heartbeat, "heartbeat", 10*time.Second, "how long a call may go without news from its worker")
	cmd.Flags().DurationVar(&o.rollbackWindow, "rollback-window", 0, "how long a run that ended with methods applied stays open for a rollback (0: it closes)")
	return cmd
}

func runWorker(ctx context.Context, rio runIO, o workerOpts) error {
	ctx, stop := console.SignalContext(ctx)
	defer stop()
	var plans []*executor.Plan
	var reg *adapters.Registry
	var secrets []string
	for _, path := range o.designs {
		b, p, r, err := setup(rio, path, o.adapters, bundle.ToRun, false)
		if err != nil {
			return err
		}
		plans = append(plans, p)
		if reg == nil {
			reg, secrets = r, b.Adapters.Secrets(rio.lookupEnv)
		}
	}
	w, err := temporal.NewWorker(reg, plans, temporal.Options{Heartbeat: o.heartbeat, RollbackWindow: o.rollbackWindow,
		Engine: []executor.Option{executor.WithTimeout(o.timeout), executor.WithSecrets(secrets...)}})
	if err != nil {
		return usageError("%v", err)
	}
	c, err := temporal.Dial(ctx, o.hostPort, o.namespace, console.Logger(rio.stderr, slog.LevelWarn))
	if err != nil {
		return usageError("%v", err)
	}
	defer c.Close()
	if err := w.Run(ctx, c, o.namespace, o.taskQueue, console.Logger(rio.stderr, slog.LevelInfo).With("temporal", o.hostPort)); err != nil {
		return usageError("%v", err)
	}
	return nil
}
