package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/internal/gvproto"
)

// HelperName is the name of the program that draws SVG for secops:
// cmd/secops-graphviz of this module.
const HelperName = gvproto.Program

// HelperEnv is the environment variable that names the helper's path,
// ahead of any other place.
const HelperEnv = "SECOPS_GRAPHVIZ"

// ErrNoHelper is the error (under errors.Is) of a drawing for which the
// helper program cannot be found.
var ErrNoHelper = errors.New("the " + HelperName + " helper is not installed")

// Helper is a Drawer that runs the secops-graphviz program (Graphviz
// compiled to WebAssembly, github.com/goccy/go-graphviz) in a child
// process. That keeps go-graphviz out of every program that imports
// render: go-graphviz compiles its module in a package init, which would
// slow down the start of every command of such a program and read
// compiled code from a cache in the shared temporary folder. The helper
// caches the compiled module only in a folder of the user's own
// (os.UserCacheDir()/secops/graphviz, checked for its owner and mode) and
// runs with TMPDIR set to os.DevNull, so that it never falls back to the
// shared one.
//
// The child starts at the first drawing and serves every later one, one
// at a time; Close stops it, as does the end of this process. A drawing
// whose context ends stops the child too; the next drawing starts another.
// Helper's methods are safe for concurrent use. The zero Helper finds the
// program with FindHelper at its first drawing.
type Helper struct {
	// Path is the helper program; empty means FindHelper's answer.
	Path string

	mu   sync.Mutex
	proc *helperProc
}

// defaultHelper draws for HTML and SVG when no Drawer is given.
var defaultHelper = &Helper{}

// FindHelper returns the path of the secops-graphviz program: $SECOPS_GRAPHVIZ
// if set, else the program next to the running executable (where
// "go install github.com/secopsdesign/secops/cmd/...@VERSION" puts both),
// else the first on PATH. The error, under errors.Is ErrNoHelper, says
// how to install it.
func FindHelper() (string, error) {
	if p := os.Getenv(HelperEnv); p != "" {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			return "", &noHelperError{fmt.Sprintf("render: $%s names %q, which is not a program", HelperEnv, p)}
		}
		return p, nil
	}
	name := HelperName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	var where string
	goRun := false
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		dir := filepath.Dir(exe)
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
		if goRun = builtByGoRun(exe); !goRun {
			where = "next to " + exe + " nor "
		}
	}
	if p, err := exec.LookPath(HelperName); err == nil {
		return p, nil
	}
	if goRun {
		// The folder is go's build cache: naming it helps no one.
		return "", &noHelperError{fmt.Sprintf("render: drawing the flows as SVG needs the %s program, which is not on PATH, and go run builds secops alone; in the checkout of secops, install both with\n\tgo install ./cmd/...\nand run $(go env GOPATH)/bin/secops (or set %s to the helper's path)",
			HelperName, HelperEnv)}
	}
	v := moduleVersion()
	or := "set " + HelperEnv + " to its path"
	if v == "latest" {
		or = "in a checkout of secops, go install ./cmd/" + HelperName + "; or " + or
	}
	return "", &noHelperError{fmt.Sprintf("render: drawing the flows as SVG needs the %s program, which is not %son PATH; install it with\n\tgo install github.com/secopsdesign/secops/cmd/%s@%s\n(%s)",
		HelperName, where, HelperName, v, or)}
}

// builtByGoRun reports whether exe is a program go run built: one in a
// go-build folder (go's build cache, or a go-build temporary folder) that
// is not a test binary (which go test builds there too).
func builtByGoRun(exe string) bool {
	if base := filepath.Base(exe); strings.HasSuffix(base, ".test") || strings.HasSuffix(base, ".test.exe") {
		return false
	}
	for _, part := range strings.Split(filepath.ToSlash(exe), "/") {
		if strings.HasPrefix(part, "go-build") {
			return true
		}
	}
	return false
}

// noHelperError is FindHelper's error when it finds nothing.
type noHelperError struct{ msg string }

func (e *noHelperError) Error() string        { return e.msg }
func (e *noHelperError) Is(target error) bool { return target == ErrNoHelper }

// moduleVersion is the version of this module for the install hint:
// "latest" when it is unknown.
func moduleVersion() string {
	if v := secops.ModuleVersion(); v != "" {
		return v
	}
	return "latest"
}

// DrawSVG has the helper draw dot as SVG, starting it when it is not
// running.
func (h *Helper) DrawSVG(ctx context.Context, dot []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.proc != nil && h.proc.exited() {
		h.proc.stop() // it died while idle: start another
		h.proc = nil
	}
	if h.proc == nil {
		p, err := startHelper(ctx, h.Path, false)
		var failed *startError
		if errors.As(err, &failed) && ctx.Err() == nil {
			// It ended by itself before it was ready: perhaps a damaged
			// compiled module in its cache. Once more without the cache.
			p, err = startHelper(ctx, h.Path, true)
		}
		if err != nil {
			return nil, err
		}
		h.proc = p
	}
	reply, err := h.proc.call(ctx, gvproto.Request{DOT: string(dot)})
	if err != nil || reply.Fatal {
		h.proc.stop()
		h.proc = nil
	}
	if err != nil {
		return nil, err
	}
	if reply.Error != "" {
		return nil, fmt.Errorf("render: %s", reply.Error)
	}
	return []byte(reply.SVG), nil
}

// Close stops the helper if it runs. The Helper can draw again after.
func (h *Helper) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.proc == nil {
		return nil
	}
	err := h.proc.close()
	h.proc = nil
	return err
}

// helperProc is one running helper.
type helperProc struct {
	path   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	enc    *json.Encoder
	dec    *json.Decoder
	stderr *tail
	waited chan struct{} // closed when cmd.Wait has returned
	werr   error         // cmd.Wait's error, once waited is closed
}

// helloTimeout bounds the helper's start: compiling Graphviz without a
// cache takes seconds, and a program that is not the helper may never
// answer at all.
const helloTimeout = time.Minute

// startHelper starts the helper and reads its hello.
func startHelper(ctx context.Context, path string, noCache bool) (*helperProc, error) {
	if path == "" {
		var err error
		if path, err = FindHelper(); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(path, gvproto.ServeFlag)
	// TMPDIR: the helper moves the cache to a private folder before
	// go-graphviz starts; should that ever fail, go-graphviz finds no
	// temporary folder and caches nothing rather than use the shared one.
	cmd.Env = append(withoutEnv(withoutEnv(os.Environ(), "TMPDIR"), gvproto.NoCacheEnv), "TMPDIR="+os.DevNull)
	if noCache {
		cmd.Env = append(cmd.Env, gvproto.NoCacheEnv+"=1")
	}
	p := &helperProc{path: path, cmd: cmd, stderr: &tail{max: 4 << 10}, waited: make(chan struct{})}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("render: starting %s: %w", path, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("render: starting %s: %w", path, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("render: starting %s: %w", path, err)
	}
	go func() {
		p.werr = cmd.Wait()
		close(p.waited)
	}()
	p.enc = json.NewEncoder(p.stdin)
	p.dec = json.NewDecoder(stdout)
	var hello gvproto.Hello
	hctx, cancel := context.WithTimeoutCause(ctx, helloTimeout, fmt.Errorf("%s did not say it was ready within %v", path, helloTimeout))
	defer cancel()
	if err := p.await(hctx, func() error { return p.dec.Decode(&hello) }); err != nil {
		p.stop()
		if hctx.Err() == nil && p.werr != nil {
			return nil, &startError{err}
		}
		return nil, err
	}
	if hello.Program != gvproto.Program || hello.Version != gvproto.Version {
		p.stop()
		return nil, fmt.Errorf("render: %s is not a %s this secops can use (it says it is %q, version %d; want version %d): reinstall it with the same version as secops",
			path, HelperName, hello.Program, hello.Version, gvproto.Version)
	}
	return p, nil
}

// startError is a helper that failed before it was ready.
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// withoutEnv drops the variable key from env.
func withoutEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return out
}

// call sends one request and reads its reply.
func (p *helperProc) call(ctx context.Context, req gvproto.Request) (gvproto.Reply, error) {
	var reply gvproto.Reply
	err := p.await(ctx, func() error {
		if err := p.enc.Encode(req); err != nil {
			return err
		}
		return p.dec.Decode(&reply)
	})
	return reply, err
}

// await runs f, which talks to the helper, until it returns or ctx ends;
// then the helper is killed (and f returns once its pipes close).
func (p *helperProc) await(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		// The helper has gone, or says something that is not the
		// exchange: let it end by itself, so that its own exit status is
		// what the error tells, then make sure it has.
		select {
		case <-p.waited:
		case <-time.After(time.Second):
		}
		p.stop()
		return p.failure(err)
	case <-ctx.Done():
		p.stop()
		<-done
		return fmt.Errorf("render: drawing with %s: %w", p.path, context.Cause(ctx))
	}
}

// failure explains an exchange that broke: how the helper ended and the
// end of what it wrote on standard error.
func (p *helperProc) failure(err error) error {
	<-p.waited
	how := err.Error()
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, os.ErrClosed) || strings.Contains(how, "broken pipe") || strings.Contains(how, "file already closed") {
		how = "it stopped without answering (exit status 0)"
		if p.werr != nil {
			how = "it stopped without answering (" + p.werr.Error() + ")"
		}
	} else {
		how = "it does not answer as " + HelperName + " does: " + how
	}
	msg := fmt.Sprintf("render: drawing with %s: %s", p.path, how)
	if s := strings.TrimSpace(p.stderr.String()); s != "" {
		msg += "; it said: " + s
	}
	return errors.New(msg)
}

// exited reports whether the helper has ended.
func (p *helperProc) exited() bool {
	select {
	case <-p.waited:
		return true
	default:
		return false
	}
}

// stop kills the helper and waits for it.
func (p *helperProc) stop() {
	_ = p.stdin.Close()
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	<-p.waited
}

// close ends the helper's input, which stops it, and waits for it.
func (p *helperProc) close() error {
	_ = p.stdin.Close()
	<-p.waited
	if p.werr != nil {
		return fmt.Errorf("render: %s: %w", p.path, p.werr)
	}
	return nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, b...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
