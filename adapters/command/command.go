package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/internal/wire"
)

// MaxReply is the largest reply read from standard output, in bytes.
const MaxReply = wire.MaxReply

// MaxStderr is how much of standard error is kept, in bytes: the last
// MaxStderr bytes written.
const MaxStderr = 64 << 10

// waitDelay is how long Call waits, after the process was killed or
// exited, for children that still hold its output open.
const waitDelay = 2 * time.Second

// Adapter runs a local executable for each call. It is safe for
// concurrent use: each call starts its own process.
type Adapter struct {
	name string
	argv []string
	cfg  config
}

var _ adapters.Adapter = (*Adapter)(nil)

type config struct {
	dir     string
	env     map[string]string
	timeout time.Duration
}

// Option configures an Adapter.
type Option func(*config)

// WithDir sets the working directory of the process. By default it is
// the working directory of the caller.
func WithDir(dir string) Option { return func(c *config) { c.dir = dir } }

// WithEnv adds variables to the environment the process inherits,
// replacing inherited ones of the same name. It may be given more than
// once.
func WithEnv(env map[string]string) Option {
	return func(c *config) {
		if c.env == nil {
			c.env = map[string]string{}
		}
		maps.Copy(c.env, env)
	}
}

// WithTimeout bounds each call: after d the process is killed and the
// call fails with an error marked adapters.Retryable that wraps
// context.DeadlineExceeded. Zero means no bound beyond the context's.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// New returns an adapter called name that runs argv: argv[0] is the
// executable, looked up in PATH when it contains no slash, and the rest
// its arguments.
func New(name string, argv []string, opts ...Option) (*Adapter, error) {
	if name == "" {
		return nil, errors.New("command adapter: empty name")
	}
	if len(argv) == 0 || argv[0] == "" {
		return nil, fmt.Errorf("command adapter %q: no command", name)
	}
	a := &Adapter{name: name, argv: slices.Clone(argv)}
	for _, o := range opts {
		o(&a.cfg)
	}
	return a, nil
}

// Name returns the adapter's name.
func (a *Adapter) Name() string { return a.name }

// Error is why a call failed once the process was started or could not
// be: the reason, the exit status and what the process wrote on standard
// error.
type Error struct {
	// ExitCode is the process's exit status, or -1 when it did not exit
	// normally (it was killed, or never started).
	ExitCode int
	// Stderr is the end of what the process wrote on standard error, at
	// most MaxStderr bytes.
	Stderr string
	// Err is the reason.
	Err error
}

// Error returns the reason, followed by what the process wrote on
// standard error, if anything.
func (e *Error) Error() string {
	s := e.Err.Error()
	if e.Stderr != "" {
		s += "; stderr: " + strings.TrimSpace(e.Stderr)
	}
	return s
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// Call runs the executable once with req on its standard input and
// returns the reply on its standard output.
func (a *Adapter) Call(ctx context.Context, req adapters.Request) (adapters.Result, error) {
	res, err := a.call(ctx, req)
	if err != nil {
		return adapters.Result{}, adapters.NewCallError(a.name, req, err)
	}
	return res, nil
}

func (a *Adapter) call(parent context.Context, req adapters.Request) (adapters.Result, error) {
	payload, err := wire.Encode(req)
	if err != nil {
		return adapters.Result{}, fmt.Errorf("encoding the request: %w", err)
	}
	ctx := parent
	if a.cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.cfg.timeout)
		defer cancel()
	}
	ctx, kill := context.WithCancel(ctx)
	defer kill()

	cmd := exec.CommandContext(ctx, a.argv[0], a.argv[1:]...)
	cmd.Dir = a.cfg.dir
	if len(a.cfg.env) > 0 {
		cmd.Env = os.Environ()
		for _, k := range slices.Sorted(maps.Keys(a.cfg.env)) {
			cmd.Env = append(cmd.Env, k+"="+a.cfg.env[k])
		}
	}
	cmd.Stdin = bytes.NewReader(payload)
	stdout := &limitedBuffer{max: MaxReply, overflow: kill}
	stderr := &tailBuffer{max: MaxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = waitDelay
	killGroup(cmd)

	runErr := cmd.Run()
	fail := func(err error) (adapters.Result, error) {
		code := -1
		if cmd.ProcessState != nil {
			code = cmd.ProcessState.ExitCode()
		}
		e := &Error{ExitCode: code, Stderr: stderr.String(), Err: err}
		if adapters.IsRetryable(err) {
			return adapters.Result{}, adapters.Retryable(e)
		}
		return adapters.Result{}, e
	}
	switch {
	case stdout.overflowed:
		// The integration may have acted before its reply overflowed.
		return fail(adapters.OutcomeUnknown(wire.ErrTooLarge))
	case parent.Err() != nil:
		return fail(fmt.Errorf("stopped: %w", context.Cause(parent)))
	case ctx.Err() != nil && errors.Is(context.Cause(ctx), context.DeadlineExceeded):
		return fail(adapters.Retryable(fmt.Errorf("timed out after %s: %w", a.cfg.timeout, context.DeadlineExceeded)))
	}
	var exit *exec.ExitError
	if errors.As(runErr, &exit) {
		err := fmt.Errorf("command exited with %s", exit.ProcessState)
		// An error reply before a failing exit says more than the status.
		if _, rerr := wire.Decode(stdout.Bytes()); rerr != nil {
			var re *wire.RemoteError
			if errors.As(rerr, &re) {
				err = fmt.Errorf("%w (%s)", rerr, exit.ProcessState)
			}
		}
		return fail(err)
	}
	if runErr != nil {
		return fail(fmt.Errorf("running %s: %w", a.argv[0], runErr))
	}
	res, err := wire.Decode(stdout.Bytes())
	var re *wire.RemoteError
	if err != nil && !errors.As(err, &re) {
		// Exit status 0 with a reply that cannot be read: the
		// integration says it succeeded, and may have acted.
		return fail(adapters.OutcomeUnknown(err))
	}
	if err != nil {
		return fail(err)
	}
	return res, nil
}

// limitedBuffer keeps up to max bytes; past that it drops what is
// written, records the overflow and calls overflow once.
type limitedBuffer struct {
	buf        bytes.Buffer // not embedded: its ReadFrom would bypass Write
	max        int
	overflowed bool
	overflow   func()
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.overflowed {
		return len(p), nil
	}
	if b.buf.Len()+len(p) > b.max {
		b.overflowed = true
		b.overflow()
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *limitedBuffer) Bytes() []byte { return b.buf.Bytes() }

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= b.max {
		b.buf = append(b.buf[:0], p[len(p)-b.max:]...)
		return n, nil
	}
	if over := len(b.buf) + len(p) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	b.buf = append(b.buf, p...)
	return n, nil
}

func (b *tailBuffer) String() string { return string(b.buf) }
