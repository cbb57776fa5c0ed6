// Package temporaltest starts Temporal's development server for tests:
// the real server, with an embedded SQLite store in a temporary file, on
// free ports of the loopback interface.
//
// The server is the Temporal CLI's ("temporal server start-dev"); it is
// not a dependency of the module. The binary is $TEMPORAL_CLI, else
// temporal on PATH, else $(go env GOPATH)/bin/temporal. Without it a test
// is skipped with a message saying how to install it, and fails when the
// environment variable CI is "true".
package temporaltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
)

// Install is how to install the CLI.
const Install = "go install github.com/temporalio/cli/cmd/temporal@v1.5.1 (outside this module)"

// Binary returns the path of the Temporal CLI, or "".
func Binary() string {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = string(trimNL(out))
		}
	}
	if gopath != "" {
		p := filepath.Join(gopath, "bin", "temporal")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// Server is a running development server.
type Server struct {
	// HostPort is the frontend's address.
	HostPort string
	cmd      *exec.Cmd
	dir      string
	exited   chan struct{}
}

// Logger is a Temporal logger that keeps only errors.
func Logger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// Start starts a server and waits until it answers. It is for TestMain
// and shared use; Need is for a test.
//
// The development server picks the ports of its internal services
// (history, matching, worker) itself, by asking for a free port and
// binding it later; another process (a parallel test package, or an
// outgoing connection given the same ephemeral port) can take one in
// between. Start tries again, on other ports, when the server exits
// because an address was in use.
func Start() (*Server, error) {
	var err error
	for range 4 {
		var s *Server
		s, err = start()
		if !errors.Is(err, errAddrInUse) {
			return s, err
		}
	}
	return nil, err
}

var errAddrInUse = errors.New("address already in use")

func start() (*Server, error) {
	bin := Binary()
	if bin == "" {
		return nil, ErrNoBinary
	}
	dir, err := os.MkdirTemp("", "temporal-dev")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	s := &Server{HostPort: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])), dir: dir, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
		"--port", strconv.Itoa(ports[0]), "--http-port", strconv.Itoa(ports[1]), "--metrics-port", strconv.Itoa(ports[2]),
		"--db-filename", filepath.Join(dir, "temporal.db"), "--log-level", "error")
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() { _ = s.cmd.Wait(); logf.Close(); close(s.exited) }()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		c, err := client.DialContext(ctx, client.Options{HostPort: s.HostPort, Logger: Logger()})
		if err == nil {
			_, err = c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: client.DefaultNamespace})
			c.Close()
			if err == nil {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			b, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			os.RemoveAll(dir)
			if bytes.Contains(b, []byte(errAddrInUse.Error())) {
				return nil, fmt.Errorf("the development server exited: %w: %s", errAddrInUse, b)
			}
			return nil, fmt.Errorf("the development server exited: %s", b)
		case <-ctx.Done():
			s.Stop()
			return nil, fmt.Errorf("the development server did not answer at %s within 90s: %v", s.HostPort, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ErrNoBinary: the Temporal CLI is not installed.
var ErrNoBinary = errors.New("the Temporal CLI (temporal) is not installed: " + Install + ", or set TEMPORAL_CLI")

// Stop kills the server (by its process) and removes its files.
func (s *Server) Stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	os.RemoveAll(s.dir)
}

// Client dials the server.
func (s *Server) Client(t testing.TB) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: s.HostPort, Logger: Logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
)

// Need returns the package's shared server, started at the first call:
// skipped (or failed, when CI=true) without the binary. Stop it from
// TestMain with StopShared.
func Need(t testing.TB) *Server {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Start() })
	if errors.Is(sharedErr, ErrNoBinary) {
		if os.Getenv("CI") == "true" {
			t.Fatal(sharedErr)
		}
		t.Skip(sharedErr)
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// StopShared stops the shared server, if one was started.
func StopShared() { shared.Stop() }

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// New starts a server of the test's own, stopped when the test ends:
// skipped (or failed, when CI=true) without the binary.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if errors.Is(err, ErrNoBinary) {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}
