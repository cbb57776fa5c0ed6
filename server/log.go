package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

type actorKey struct{}

// logInfo is what a handler tells the request log.
type logInfo struct{ actor string }

func setActor(r *http.Request, name string) {
	if li, ok := r.Context().Value(actorKey{}).(*logInfo); ok {
		li.actor = name
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logged logs each request: method, path (never the query's cursor or
// a header: no token is ever logged), status, time taken and the
// token's name.
func (s *Server) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		li := &logInfo{}
		r = r.WithContext(context.WithValue(r.Context(), actorKey{}, li))
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		s.log.LogAttrs(r.Context(), levelFor(sw.status), "request", slogAttrs(r, sw.status, time.Since(start), li.actor)...)
	})
}
func levelFor(status int) slog.Level {
	if status == http.StatusServiceUnavailable {
		// Overload and shutdown, logged on their own (overload.note):
		// each refused request is detail.
		return slog.LevelDebug
	}
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

func slogAttrs(r *http.Request, status int, d time.Duration, actor string) []slog.Attr {
	a := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
		slog.Duration("duration", d)}
	if actor != "" {
		a = append(a, slog.String("actor", actor))
	}
	return a
}

// overload logs the alerts refused with 503 for a full queue once per
// interval, with their count, at WARN: a flood of them is one condition,
// not thousands of errors.
type overload struct {
	mu      sync.Mutex
	last    time.Time
	pending int
}

// overloadEvery is how often a sustained overload is logged.
const overloadEvery = 10 * time.Second

func (o *overload) note(log *slog.Logger, workers int) {
	o.mu.Lock()
	o.pending++
	now := time.Now()
	if now.Sub(o.last) < overloadEvery {
		o.mu.Unlock()
		return
	}
	n := o.pending
	o.pending, o.last = 0, now
	o.mu.Unlock()
	log.Warn("overloaded: alerts refused with 503, the queue is full", "refused", n, "workers", workers, "since", overloadEvery.String())
}
