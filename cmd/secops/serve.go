package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/server"
)

func init() { commands = append(commands, newServe) }

// serveOpts are the flags of secops serve.
type serveOpts struct {
	design, adapters, store, addr, tokens string
	workers, queue                        int
}

func newServe() *cobra.Command {
	var o serveOpts
	cmd := &cobra.Command{
		Use:   "serve DESIGN --adapters FILE [--store sqlite:PATH] [--addr 127.0.0.1:8080] [--tokens FILE] [--workers N] [--queue N]",
		Short: "Serve the design: take alerts over HTTP, keep the runs in a store, take approvals and answers",
		Long: `Serve checks the design and the adapter configuration (findings as
validate prints them; exit 1 on errors), opens the run store (by default
sqlite:secops.db beside the design) and serves:

  POST /v1/alerts                 run an alert (Idempotency-Key for retries)
  GET  /v1/runs, /v1/runs/{id}    summaries a page at a time; a whole record
  POST /v1/runs/{id}/approve, /reject, /answers, /recover, /rollback
  GET  /v1/openapi.json           the API in OpenAPI 3.1
  GET  /healthz, /metrics         health; Prometheus metrics
  GET  /                          a page for people: the runs waiting on them

--tokens names a tokens file (secops token add makes it): requests then
need "Authorization: Bearer TOKEN", and approvals and answers come only
from tokens of the party the design names. Without --tokens, anyone who
can reach the server may do anything, so it listens only on loopback.

Alerts run on --workers workers (default 4 × CPUs) behind a queue of
--queue (default 4 × workers); when it is full, POST /v1/alerts answers
503 with Retry-After. On SIGTERM or SIGINT the server stops taking alerts,
the runs in progress stop at their next checkpoint (status interrupted:
continue them with POST /v1/runs/{id}/recover), and it exits 0.

Logs go to stderr: text on a terminal, JSON lines otherwise. Tokens are
never logged.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.adapters == "" {
				return usageError("serve needs --adapters FILE")
			}
			o.design = args[0]
			return serve(cmd.Context(), defaultIO(), o, nil)
		},
	}
	cmd.Flags().StringVar(&o.adapters, "adapters", "", "adapter configuration file (secops-adapters/v1)")
	cmd.Flags().StringVar(&o.store, "store", "", "the run store: sqlite:PATH or dir:FOLDER (default sqlite:secops.db beside the design)")
	cmd.Flags().StringVar(&o.addr, "addr", "127.0.0.1:8080", "the address to listen on")
	cmd.Flags().StringVar(&o.tokens, "tokens", "", "the tokens file (secops-tokens/v1); required to listen beyond loopback")
	cmd.Flags().IntVar(&o.workers, "workers", 0, "alerts run at once (default 4 × CPUs)")
	cmd.Flags().IntVar(&o.queue, "queue", -1, "alerts that may wait for a worker (default 4 × workers)")
	return cmd
}

// logger logs text to a terminal and JSON lines otherwise.
func logger(w io.Writer) *slog.Logger {
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, nil))
		}
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// loopback reports whether addr (host:port) listens on loopback only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serve runs the server until ctx is done or a signal comes. ready, when
// not nil, gets the address listened on.
func serve(ctx context.Context, rio runIO, o serveOpts, ready chan<- string) error {
	if o.tokens == "" && !loopback(o.addr) {
		return usageError("--addr %s is not loopback: without --tokens anyone who can reach the server could approve containment; give --tokens FILE (secops token add makes it) or listen on 127.0.0.1", o.addr)
	}
	d, cfg, reg, err := setup(rio, o.design, o.adapters, false)
	if err != nil {
		return err
	}
	var opts []server.Option
	if o.tokens != "" {
		toks, err := server.LoadTokens(o.tokens)
		if err != nil {
			return usageError("--tokens: %v", err)
		}
		opts = append(opts, server.WithTokens(toks))
	}
	if o.store == "" {
		abs, _ := filepath.Abs(o.design)
		o.store = "sqlite:" + filepath.Join(filepath.Dir(abs), "secops.db")
	}
	store, err := openStore(o.store)
	if err != nil {
		return err
	}
	defer store.Close()
	log := logger(rio.stderr)
	opts = append(opts, server.WithRegistry(reg), server.WithLogger(log),
		server.WithEngineOptions(executor.WithSecrets(cfg.Secrets(rio.lookupEnv)...)))
	if o.workers != 0 {
		opts = append(opts, server.WithWorkers(o.workers))
	}
	if o.queue >= 0 {
		opts = append(opts, server.WithQueue(o.queue))
	}
	e, err := executor.New(executor.WithDesign(d))
	if err != nil {
		return usageError("%v", err)
	}
	srv, err := server.New(e.Plan(), store, opts...)
	if err != nil {
		return usageError("%v", err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		_ = srv.Shutdown(context.Background())
		return usageError("%v", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("serving", "design", d.Metadata.Name, "addr", "http://"+ln.Addr().String(), "store", o.store, "tokens", o.tokens != "")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		_ = srv.Shutdown(context.Background())
		return usageError("%v", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: no more alerts; the runs in progress stop at their next checkpoint")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "error", err)
	}
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", "error", err)
	}
	log.Info("stopped")
	return nil
}
