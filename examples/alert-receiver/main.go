package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/server"
)

func main() {
	design := flag.String("design", "design.yaml", "the design")
	db := flag.String("db", "runs.db", "the SQLite run store")
	addr := flag.String("addr", "127.0.0.1:8080", "the address to listen on")
	tokens := flag.String("tokens", "", "the tokens file (secops token add); required beyond loopback")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(*design, *db, *addr, *tokens, log); err != nil {
		fmt.Fprintln(os.Stderr, "alert-receiver:", err)
		os.Exit(1)
	}
}

// findings are what this program's stand-in EDR and threat intelligence
// find, by method: a real program asks the vendor's SDK.
var findings = map[string]map[string]any{
	"1.2.2": {"service": "tcp", "port": 8443},
	"1.2.3": {"process_name": "svchost-update.exe"},
	"1.2.4": {"c2_domain": "cdn-sync.example.org", "c2_location": "unknown", "c2_registrant": "unknown"},
	"1.3.1": {"lateral_ips": []any{"10.0.0.10"}},
	"1.5.1": {"other_hosts": []any{}},
	"1.6.1": {"attack_ongoing": true},
}

// integrations are the program's own adapters: each logs the call it
// makes and answers with findings; containment (firewall, isolation)
// would call the vendor's API here, with the request's idempotency key.
func integrations(log *slog.Logger) (*adapters.Registry, error) {
	call := func(name string) adapters.Adapter {
		return adapters.Func(name, func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
			log.InfoContext(ctx, "call", "adapter", name, "operation", req.Operation, "inputs", req.Inputs,
				"rollback", req.Rollback, "idempotency_key", req.IdempotencyKey)
			if req.Rollback {
				return adapters.Result{}, nil
			}
			return adapters.Result{Outputs: findings[req.Method]}, nil
		})
	}
	return adapters.NewRegistry(call("edr"), call("firewall"), call("threatintel"))
}

// newServer builds the server of the design at path over store.
func newServer(path string, store runstore.Store, log *slog.Logger, opts ...server.Option) (*server.Server, error) {
	d, findings, err := secops.CheckFile(path)
	if err != nil {
		return nil, err
	}
	if findings.HasErrors() {
		return nil, findings
	}
	plan, err := executor.Compile(d)
	if err != nil {
		return nil, err
	}
	reg, err := integrations(log)
	if err != nil {
		return nil, err
	}
	// A lower bound on adapter calls than secops serve's: these are in
	// process, and answer at once.
	opts = append([]server.Option{server.WithRegistry(reg), server.WithLogger(log),
		server.WithEngineOptions(executor.WithTimeout(30 * time.Second))}, opts...)
	return server.New(plan, store, opts...)
}

func run(design, db, addr, tokens string, log *slog.Logger) error {
	var opts []server.Option
	if tokens != "" {
		t, err := server.LoadTokens(tokens)
		if err != nil {
			return err
		}
		opts = append(opts, server.WithTokens(t))
	} else if host, _, _ := net.SplitHostPort(addr); net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("-addr %s is not loopback: give -tokens", addr)
	}
	store, err := runstore.OpenSQLite(db)
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := newServer(design, store, log, opts...)
	if err != nil {
		return err
	}
	hs := &http.Server{Addr: addr, Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	select {
	case err := <-errc:
		_ = srv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	// Stop taking alerts and let the runs reach a checkpoint, then close
	// the connections.
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
