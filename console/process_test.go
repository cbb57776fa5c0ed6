//go:build unix

package console_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/secopsdesign/secops/console"
)

func TestIsTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	tests := []struct {
		name          string
		stdin, stderr *os.File
	}{
		{"stdin /dev/null", null, null},
		{"stdin a file", file, file},
	}
	for _, tt := range tests {
		if console.IsTerminal(tt.stdin, tt.stderr) {
			t.Errorf("%s: IsTerminal = true", tt.name)
		}
	}
}

// TestSignalContext: a signal cancels the context with itself as the
// cause, and the exit status is 128 plus its number.
func TestSignalContext(t *testing.T) {
	ctx, stop := console.SignalContext(context.Background())
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Skip(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGHUP did not cancel the context")
	}
	if got := console.Signalled(ctx); got != 128+int(syscall.SIGHUP) {
		t.Errorf("Signalled = %d, want %d", got, 128+int(syscall.SIGHUP))
	}
	if console.Signalled(context.Background()) != 0 || errors.Is(context.Cause(ctx), context.Canceled) {
		t.Errorf("cause %v", context.Cause(ctx))
	}
}
