package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout is how long Serve waits, once ctx is done, for the
// runs in progress to reach a checkpoint and the requests to end.
const ShutdownTimeout = 30 * time.Second

// Serve serves s on ln until ctx is done, then shuts down in the order
// that loses nothing: no more alerts (503), the runs in progress stopped
// at their next checkpoint (Shutdown), then the HTTP server. The HTTP
// server has timeouts fit for the open internet (headers in 10s, a body
// in 60s, idle connections closed after 2 minutes, 64 KiB of headers);
// its own errors go to the server's log at WARN. Serve returns nil after
// a shutdown, or the error that stopped the listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		_ = s.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: no more alerts; the runs in progress stop at their next checkpoint")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		s.log.Error("shutdown", "error", err)
	}
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("shutdown", "error", err)
	}
	s.log.Info("stopped")
	return nil
}
