package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secopsdesign/secops/adapters"
	hdr "github.com/secopsdesign/secops/adapters/internal/header"
	"github.com/secopsdesign/secops/adapters/internal/wire"
)

// MaxReply is the largest response body read, in bytes.
const MaxReply = wire.MaxReply

// Adapter POSTs each call to a URL. It is safe for concurrent use.
type Adapter struct {
	name    string
	url     string
	headers []header
	cfg     config
	client  *http.Client
}

var _ adapters.Adapter = (*Adapter)(nil)

type header struct {
	name     string
	template hdr.Template
}

type config struct {
	tls     *tls.Config
	timeout time.Duration
	headers map[string]string
	lookup  func(string) (string, bool)
}

// Option configures an Adapter.
type Option func(*config)

// WithTLSConfig sets the TLS configuration used for https URLs: a custom
// CA in RootCAs, a client certificate in Certificates.
func WithTLSConfig(c *tls.Config) Option { return func(cfg *config) { cfg.tls = c } }

// WithTimeout bounds each call, from connecting to reading the whole
// reply. A call that runs out of time fails with an error marked
// adapters.Retryable wrapping context.DeadlineExceeded. Zero means no
// bound beyond the context's.
func WithTimeout(d time.Duration) Option { return func(cfg *config) { cfg.timeout = d } }

// WithHeaders adds request headers. A value may name environment
// variables as ${NAME}, expanded at each call; other text, including a $
// not followed by {, is sent as written. It may be given more than once.
func WithHeaders(h map[string]string) Option {
	return func(cfg *config) {
		if cfg.headers == nil {
			cfg.headers = map[string]string{}
		}
		maps.Copy(cfg.headers, h)
	}
}

// WithLookupEnv sets how ${NAME} in header values is expanded; the
// default is os.LookupEnv.
func WithLookupEnv(lookup func(name string) (string, bool)) Option {
	return func(cfg *config) { cfg.lookup = lookup }
}

// New returns an adapter called name that POSTs to rawURL, an http or
// https URL. A malformed URL or header value is an error.
func New(name, rawURL string, opts ...Option) (*Adapter, error) {
	if name == "" {
		return nil, errors.New("webhook adapter: empty name")
	}
	if err := CheckURL(rawURL); err != nil {
		return nil, fmt.Errorf("webhook adapter %q: %w", name, err)
	}
	a := &Adapter{name: name, url: rawURL}
	for _, o := range opts {
		o(&a.cfg)
	}
	if a.cfg.lookup == nil {
		a.cfg.lookup = os.LookupEnv
	}
	for _, k := range slices.Sorted(maps.Keys(a.cfg.headers)) {
		t, err := hdr.Parse(a.cfg.headers[k])
		if err != nil {
			return nil, fmt.Errorf("webhook adapter %q: header %s: %w", name, k, err)
		}
		a.headers = append(a.headers, header{name: http.CanonicalHeaderKey(k), template: t})
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if a.cfg.tls != nil {
		tr.TLSClientConfig = a.cfg.tls.Clone()
	}
	a.client = &http.Client{
		Transport: tr,
		// A redirect could carry the headers, secrets included,
		// elsewhere: it is an error instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return a, nil
}

// CheckURL reports whether rawURL is one a webhook adapter can call: an
// absolute http or https URL with a host.
func CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("malformed URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("URL %q: want an http or https URL", rawURL)
	}
	if u.Host == "" {
		return fmt.Errorf("URL %q has no host", rawURL)
	}
	return nil
}

// CheckHeader reports whether a header value is well formed: every ${
// is closed and names a variable.
func CheckHeader(value string) error {
	_, err := hdr.Parse(value)
	return err
}

// HeaderVariables returns the names of the environment variables a
// header value names as ${NAME}, in order, each once; an error when the
// value is malformed, as for CheckHeader. A caller can check before any
// call is made that every one is set.
func HeaderVariables(value string) ([]string, error) {
	t, err := hdr.Parse(value)
	if err != nil {
		return nil, err
	}
	return t.Variables(), nil
}

// Name returns the adapter's name.
func (a *Adapter) Name() string { return a.name }

// UnsetVariableError is the error for a header naming an environment
// variable that is unset or empty.
type UnsetVariableError = hdr.UnsetVariableError

// StatusError is the error for an HTTP reply whose status is not 2xx.
type StatusError struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Message is the reply's error message, or the start of its body.
	Message string
}

// Error returns the status code and text, followed by the reply's
// message if there is one.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Call POSTs req and returns the reply.
func (a *Adapter) Call(ctx context.Context, req adapters.Request) (adapters.Result, error) {
	res, err := a.call(ctx, req)
	if err != nil {
		return adapters.Result{}, adapters.NewCallError(a.name, req, err)
	}
	return res, nil
}

func (a *Adapter) call(parent context.Context, req adapters.Request) (adapters.Result, error) {
	body, err := wire.Encode(req)
	if err != nil {
		return adapters.Result{}, fmt.Errorf("encoding the request: %w", err)
	}
	ctx := parent
	if a.cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.cfg.timeout)
		defer cancel()
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(body))
	if err != nil {
		return adapters.Result{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", "secops")
	if req.IdempotencyKey != "" {
		hr.Header.Set("Idempotency-Key", req.IdempotencyKey)
	}
	var secrets []string
	for _, h := range a.headers {
		v, vars, err := h.template.Expand(a.cfg.lookup)
		if err != nil {
			return adapters.Result{}, err
		}
		secrets = append(secrets, vars...)
		hr.Header.Set(h.name, v)
	}
	resp, err := a.client.Do(hr)
	if err != nil {
		return adapters.Result{}, a.transportError(parent, ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxReply+1))
	if err != nil {
		return adapters.Result{}, a.transportError(parent, ctx, fmt.Errorf("reading the reply: %w", err))
	}
	if len(data) > MaxReply {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return adapters.Result{}, adapters.OutcomeUnknown(wire.ErrTooLarge)
		}
		return adapters.Result{}, wire.ErrTooLarge
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		res, err := wire.Decode(data)
		if err != nil {
			if msg := err.Error(); hdr.Redact(msg, secrets) != msg {
				rerr := errors.New(hdr.Redact(msg, secrets))
				if adapters.IsRetryable(err) {
					rerr = adapters.Retryable(rerr)
				}
				err = rerr
			}
			var re *wire.RemoteError
			if !errors.As(err, &re) {
				// A success status with a reply that cannot be read: the
				// integration may have acted.
				err = adapters.OutcomeUnknown(err)
			}
		}
		return res, err
	}
	// A server that echoes the request (a 401 page quoting the
	// Authorization header) must not put the secret into errors.
	se := &StatusError{StatusCode: resp.StatusCode, Message: replyMessage(data, secrets)}
	if resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout {
		// A gateway passed the request on and lost the answer: the
		// integration may have acted.
		return adapters.Result{}, adapters.OutcomeUnknown(adapters.Retryable(se))
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return adapters.Result{}, adapters.RetryAfter(se, d)
		}
		return adapters.Result{}, adapters.Retryable(se)
	}
	return adapters.Result{}, se
}

// transportError classifies an error of the HTTP exchange: the caller's
// context being done is not retryable (the caller has given up), the
// adapter's own timeout, network timeouts and refused connections are.
func (a *Adapter) transportError(parent, ctx context.Context, err error) error {
	switch {
	case parent.Err() != nil:
		return fmt.Errorf("stopped: %w", context.Cause(parent))
	case ctx.Err() != nil:
		return adapters.Retryable(fmt.Errorf("timed out after %s: %w", a.cfg.timeout, context.DeadlineExceeded))
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return adapters.Retryable(err) // nothing was sent
	}
	var cv *tls.CertificateVerificationError
	var rh tls.RecordHeaderError
	var ae *tls.AlertError
	if errors.As(err, &cv) || errors.As(err, &rh) || errors.As(err, &ae) {
		return err // the TLS handshake failed: nothing was sent
	}
	// The request may have reached the integration before the exchange
	// broke: whether it acted is unknown.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return adapters.Retryable(adapters.OutcomeUnknown(err))
	}
	return adapters.OutcomeUnknown(err)
}

// replyMessage returns the error of an error reply, or the start of any
// other body, with secrets redacted before it is cut.
func replyMessage(data []byte, secrets []string) string {
	if _, err := wire.Decode(data); err != nil {
		var re *wire.RemoteError
		if errors.As(err, &re) {
			return hdr.Redact(re.Message, secrets)
		}
	}
	s := hdr.Redact(strings.TrimSpace(string(data)), secrets)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "")
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// Secrets returns the values the adapter's headers take from the
// environment now: what must never be stored or printed.
func (a *Adapter) Secrets() []string {
	var out []string
	for _, h := range a.headers {
		if _, vars, err := h.template.Expand(a.cfg.lookup); err == nil {
			out = append(out, vars...)
		}
	}
	return out
}
