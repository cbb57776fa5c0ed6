package server

import (
	"context"
	"errors"
	"fmt"
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
//
// A server without tokens (WithTokens) lets anyone who reaches it
// approve containment: Serve refuses, with ErrOpenListener, a listener
// that is not on loopback only.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := CheckOpen(ln.Addr(), s.tokens); err != nil {
		_ = s.Shutdown(context.Background())
		return err
	}
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

// ErrOpenListener is Serve's refusal to serve without tokens beyond
// loopback.
var ErrOpenListener = errors.New("not a loopback address: without tokens anyone who can reach the server could approve containment")

// CheckOpen returns an error wrapping ErrOpenListener when a server
// with tokens (nil: none) may not listen at addr: without tokens, only
// loopback will do. Serve checks it; a program checks it too before it
// opens what the server needs.
func CheckOpen(addr net.Addr, tokens *Tokens) error {
	if tokens == nil && !Loopback(addr) {
		return fmt.Errorf("%s: %w", addr, ErrOpenListener)
	}
	return nil
}

// Loopback reports whether addr can be reached from this host only: an
// IP address of loopback, the host name localhost, or a Unix socket.
func Loopback(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}
