package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/bundle"
	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/server"
)

func init() { commands = append(commands, newServe) }

// serveOpts are the flags of secops serve.
type serveOpts struct {
	design, adapters, store, addr, tokens string
	workers, queue                        int
	// With Temporal: its frontend, namespace and the runs' task queue.
	temporal, namespace, taskQueue string
}

func newServe() *cobra.Command {
	var o serveOpts
	cmd := &cobra.Command{
		Use:   "serve DESIGN --adapters FILE [--store sqlite:PATH | --temporal HOST:PORT] [--addr 127.0.0.1:8080] [--tokens FILE] [--workers N] [--queue N]",
		Short: "Serve the design: take alerts over HTTP, keep the runs in a store, take approvals and answers",
		Long:  help("serve"),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.adapters == "" {
				return usageError("serve needs --adapters FILE")
			}
			o.design = args[0]
			if !cmd.Flags().Changed("queue") {
				o.queue = -1 // the server's default, 4 × workers
			}
			return serve(cmd.Context(), defaultIO(), o, nil)
		},
	}
	cmd.Flags().StringVar(&o.adapters, "adapters", "", "adapter configuration file (secops-adapters/v1)")
	cmd.Flags().StringVar(&o.store, "store", "", "the run store: sqlite:PATH or dir:FOLDER (default sqlite:secops.db beside the design)")
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:8080", "the address to listen on")
	cmd.Flags().StringVar(&o.tokens, "tokens", "", "the tokens file (secops-tokens/v1); required to listen beyond loopback")
	cmd.Flags().IntVar(&o.workers, "workers", 0, "alerts run at once (default 4 × CPUs)")
	cmd.Flags().IntVar(&o.queue, "queue", 0, "alerts that may wait for a worker (default 4 × workers)")
	cmd.Flags().StringVar(&o.temporal, "temporal", "", "keep the runs as Temporal workflows at this frontend, HOST:PORT, rather than in --store")
	cmd.Flags().StringVar(&o.namespace, "namespace", "default", "the Temporal namespace (with --temporal)")
	cmd.Flags().StringVar(&o.taskQueue, "task-queue", temporal.DefaultTaskQueue, "the task queue of the runs' workers (with --temporal)")
	return cmd
}

// serve runs the server until ctx is done or a signal comes. ready, when
// not nil, gets the address listened on.
func serve(ctx context.Context, rio runIO, o serveOpts, ready chan<- string) error {
	var toks *server.Tokens
	if o.tokens != "" {
		var err error
		if toks, err = server.LoadTokens(o.tokens); err != nil {
			return usageError("--tokens: %v", err)
		}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return usageError("%v", err)
	}
	defer ln.Close()
	if err := server.CheckOpen(ln.Addr(), toks); err != nil {
		return usageError("--addr %s is not loopback: without --tokens anyone who can reach the server could approve containment; give --tokens FILE (secops token add makes it) or listen on 127.0.0.1", o.addr)
	}
	b, plan, reg, err := setup(rio, o.design, o.adapters, bundle.ToRun, false)
	if err != nil {
		return err
	}
	log := console.Logger(rio.stderr, slog.LevelInfo)
	opts := []server.Option{server.WithRegistry(reg), server.WithLogger(log), server.WithTokens(toks), server.WithClaimTTL(claimTTL()),
		server.WithEngineOptions(executor.WithSecrets(b.Adapters.Secrets(rio.lookupEnv)...))}
	var srv *server.Server
	where := o.store
	if o.temporal != "" {
		if o.store != "" || o.workers != 0 || o.queue >= 0 {
			return usageError("--temporal keeps the runs in Temporal and runs them on secops workers: --store, --workers and --queue do not apply")
		}
		u := url.URL{Scheme: temporal.Scheme, Host: o.temporal, RawQuery: url.Values{"namespace": {o.namespace}, "queue": {o.taskQueue}}.Encode()}
		r, err := runs.Open(ctx, plan, u.String(), runs.WithLogger(log))
		if err != nil {
			return usageError("%v", err)
		}
		defer r.Close()
		srv, err = server.NewRuns(r, opts...)
		where = fmt.Sprintf("temporal %s, namespace %s, task queue %s", o.temporal, o.namespace, o.taskQueue)
	} else {
		if o.store == "" {
			where = "sqlite:" + filepath.Join(filepath.Dir(b.Design.Source()), "secops.db")
		}
		store, err := openStore(where, false)
		if err != nil {
			return err
		}
		defer store.Close()
		if o.workers != 0 {
			opts = append(opts, server.WithWorkers(o.workers))
		}
		if o.queue >= 0 {
			opts = append(opts, server.WithQueue(o.queue))
		}
		srv, err = server.New(plan, store, opts...)
	}
	if err != nil {
		return usageError("%v", err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log.Info("serving", "design", b.Design.Metadata.Name, "addr", "http://"+ln.Addr().String(), "runs", where, "tokens", o.tokens != "")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	if err := srv.Serve(ctx, ln); err != nil {
		return usageError("%v", err)
	}
	return nil
}
