package console

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// IsTerminal reports whether a person can answer prompts: stdin and
// stderr (where prompts go) are both character devices, and stdin is not
// /dev/null, which is one too. This is a check without ioctls (and
// without a dependency); a serial line or other character device counts
// as a terminal.
func IsTerminal(stdin, stderr *os.File) bool {
	in, err := stdin.Stat()
	if err != nil || in.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if out, err := stderr.Stat(); err != nil || out.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(in, null) {
		return false
	}
	return true
}

// Terminal reports whether w is a terminal (a character device): a
// person watches what is written to it.
func Terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Logger returns a logger of level and above
// to w: text when w is a terminal, for a person, and JSON lines
// otherwise, for a log collector.
func Logger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if Terminal(w) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// SignalContext returns ctx cancelled by SIGINT, SIGTERM, SIGHUP or
// SIGPIPE (a closed pipe on stdout or stderr), the cause being the
// signal: the run stops at its next checkpoint, and the command adapter's
// process group is killed.
func SignalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(signalError{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(context.Canceled)
	}
}

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "stopped by " + e.sig.String() }

// Signalled returns the exit status for a command stopped by a signal,
// 128 plus its number, or 0.
func Signalled(ctx context.Context) int {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		if s, ok := se.sig.(syscall.Signal); ok {
			return 128 + int(s)
		}
		return 1
	}
	return 0
}

// User is who acts at a terminal, for records and claims: SECOPS_ACTOR,
// else the login name (USER, USERNAME), else "cli".
func User() string {
	for _, k := range []string{"SECOPS_ACTOR", "USER", "USERNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "cli"
}
