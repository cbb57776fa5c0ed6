package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/command"
	"github.com/secopsdesign/secops/adapters/internal/wire"
)

// helperEnv selects what the test binary does when it is run as a child
// process by the adapter instead of running the tests.
const helperEnv = "SECOPS_COMMAND_HELPER"

func TestMain(m *testing.M) {
	if mode, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

// helper plays an integration that behaves as mode says.
func helper(mode string) int {
	in, _ := io.ReadAll(os.Stdin)
	var req map[string]any
	_ = json.Unmarshal(in, &req)
	switch mode {
	case "echo":
		wd, _ := os.Getwd()
		out := map[string]any{"request": req, "env": os.Getenv("SECOPS_EXTRA"), "dir": filepath.Base(wd)}
		_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"outputs": out})
	case "error":
		fmt.Println(`{"error": "host not found"}`)
	case "retryable":
		fmt.Println(`{"error": "rate limited", "retryable": true}`)
	case "exit":
		fmt.Fprintln(os.Stderr, "stderr-marker")
		return 3
	case "error-and-exit":
		fmt.Println(`{"error": "busy", "retryable": true}`)
		return 1
	case "malformed":
		fmt.Println("isolated: yes")
	case "empty":
	case "trailing":
		fmt.Println(`{"outputs": {}} {"outputs": {}}`)
	case "oversized":
		fmt.Print(`{"outputs": {"x": "`)
		chunk := strings.Repeat("a", 64<<10)
		for range 40 { // 2.5 MiB
			if _, err := fmt.Print(chunk); err != nil {
				return 0
			}
		}
		fmt.Println(`"}}`)
	case "stderr-flood":
		chunk := strings.Repeat("e", 64<<10)
		for range 16 {
			fmt.Fprint(os.Stderr, chunk)
		}
		fmt.Fprint(os.Stderr, "stderr-end")
		return 1
	case "hang":
		time.Sleep(time.Minute)
	}
	return 0
}

func self(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func TestCall(t *testing.T) {
	req := adapters.Request{Operation: "isolate_host", Method: "2.2.1", Run: "r-1", Inputs: map[string]any{"host": "pc-042"}}
	dir := t.TempDir()
	tests := []struct {
		name          string
		mode          string
		opts          []command.Option
		want          map[string]any
		wantRetryable bool
		wantExit      int // checked when the call fails
	}{
		{name: "success", mode: "echo", opts: []command.Option{command.WithEnv(map[string]string{"SECOPS_EXTRA": "x"}), command.WithDir(dir)},
			want: map[string]any{
				"request": map[string]any{"operation": "isolate_host", "method": "2.2.1", "run": "r-1", "inputs": map[string]any{"host": "pc-042"}},
				"env":     "x", "dir": filepath.Base(dir)}},
		{name: "error reply", mode: "error", wantExit: 0},
		{name: "retryable error reply", mode: "retryable", wantRetryable: true, wantExit: 0},
		{name: "non-zero exit", mode: "exit", wantExit: 3},
		{name: "retryable error reply and non-zero exit", mode: "error-and-exit", wantRetryable: true, wantExit: 1},
		{name: "malformed reply", mode: "malformed"},
		{name: "empty reply", mode: "empty"},
		{name: "two replies", mode: "trailing"},
		{name: "oversized reply", mode: "oversized", wantExit: -1},
		{name: "stderr flood", mode: "stderr-flood", wantExit: 1},
		{name: "hang past the timeout", mode: "hang", opts: []command.Option{command.WithTimeout(100 * time.Millisecond)}, wantRetryable: true, wantExit: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]command.Option{command.WithEnv(map[string]string{helperEnv: tt.mode})}, tt.opts...)
			a, err := command.New("edr", []string{self(t)}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := a.Call(context.Background(), req)
			if tt.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, res.Outputs); diff != "" {
					t.Errorf("outputs (-want +got):\n%s", diff)
				}
				return
			}
			checkCallError(t, err, "edr", "isolate_host", "2.2.1")
			if got := adapters.IsRetryable(err); got != tt.wantRetryable {
				t.Errorf("retryable = %v, want %v (err %v)", got, tt.wantRetryable, err)
			}
			var ce *command.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *command.Error", err)
			}
			// An oversized reply kills the process, but a process that
			// writes its last bytes before the signal lands exits 0: the
			// exit code races; the error does not.
			if tt.mode == "oversized" && (!errors.Is(err, wire.ErrTooLarge) || !adapters.IsOutcomeUnknown(err)) {
				t.Errorf("oversized: %v, want ErrTooLarge with an unknown outcome", err)
			}
			if tt.mode != "malformed" && tt.mode != "empty" && tt.mode != "trailing" && tt.mode != "oversized" && ce.ExitCode != tt.wantExit {
				t.Errorf("exit code %d, want %d", ce.ExitCode, tt.wantExit)
			}
			if len(ce.Stderr) > command.MaxStderr {
				t.Errorf("kept %d bytes of stderr, want at most %d", len(ce.Stderr), command.MaxStderr)
			}
			switch tt.mode {
			case "exit":
				if !strings.Contains(ce.Stderr, "stderr-marker") {
					t.Errorf("stderr %q, want what the process wrote", ce.Stderr)
				}
			case "stderr-flood":
				if !strings.HasSuffix(ce.Stderr, "stderr-end") {
					t.Errorf("stderr does not end with the last thing written")
				}
			case "hang":
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
				}
			}
		})
	}
}

func checkCallError(t *testing.T, err error, adapter, op, method string) {
	t.Helper()
	var ce *adapters.CallError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want an *adapters.CallError", err)
	}
	got := [3]string{ce.Adapter, ce.Operation, ce.Method}
	if diff := cmp.Diff([3]string{adapter, op, method}, got); diff != "" {
		t.Errorf("adapter, operation, method (-want +got):\n%s", diff)
	}
	for _, name := range got {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %q", err, name)
		}
	}
}

func TestContextDeadlineKillsProcessGroup(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs /bin/sh")
	}
	tests := []struct {
		name string
		argv []string
		env  map[string]string
	}{
		{"the process hangs", []string{self(t)}, map[string]string{helperEnv: "hang"}},
		{"a child of the process hangs", []string{"/bin/sh", "testdata/hang.sh"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := command.New("edr", tt.argv, command.WithEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := a.Call(ctx, adapters.Request{Operation: "isolate_host", Method: "2.2.1"})
				done <- err
			}()
			select {
			case err := <-done:
				checkCallError(t, err, "edr", "isolate_host", "2.2.1")
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
				}
				if adapters.IsRetryable(err) {
					t.Errorf("err = %v is retryable, but the caller's context is done", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the call did not end within 5s of the deadline")
			}
		})
	}
}

func TestStartFailure(t *testing.T) {
	a, err := command.New("edr", []string{filepath.Join(t.TempDir(), "missing")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Call(context.Background(), adapters.Request{Operation: "op", Method: "1.1.1"})
	checkCallError(t, err, "edr", "op", "1.1.1")
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		argv []string
	}{
		{"", []string{"true"}},
		{"edr", nil},
		{"edr", []string{""}},
	}
	for _, tt := range tests {
		if _, err := command.New(tt.name, tt.argv); err == nil {
			t.Errorf("New(%q, %q) succeeded, want an error", tt.name, tt.argv)
		}
	}
}

func TestConcurrentCalls(t *testing.T) {
	a, err := command.New("edr", []string{self(t)}, command.WithEnv(map[string]string{helperEnv: "echo"}))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			res, err := a.Call(context.Background(), adapters.Request{Operation: "op", Inputs: map[string]any{"i": float64(i)}})
			if err == nil {
				got := res.Outputs["request"].(map[string]any)["inputs"].(map[string]any)["i"]
				if got != float64(i) {
					err = fmt.Errorf("call %d got the reply of call %v", i, got)
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
