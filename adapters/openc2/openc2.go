package openc2

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secopsdesign/secops/adapters"
	hdr "github.com/secopsdesign/secops/adapters/internal/header"
	"github.com/secopsdesign/secops/adapters/internal/wire"
	"github.com/secopsdesign/secops/adapters/webhook"
)

// ContentType is the media type of OpenC2 messages in JSON, sent as
// Content-Type and Accept (HTTPS transfer specification 1.1, 3.3.1).
const ContentType = "application/openc2+json;version=1.0"

// Path is the path at which an OpenC2 consumer listens (HTTPS transfer
// specification 1.1, 3.2.2).
const Path = "/.well-known/openc2"

// The values of the constant headers, shared by every request (the
// transport only reads them).
var (
	contentType = []string{ContentType}
	noCache     = []string{"no-cache"}
	userAgent   = []string{"secops"}
)

// MaxReply is the largest response body read, in bytes.
const MaxReply = wire.MaxReply

// Adapter sends each call as an OpenC2 command. It is safe for
// concurrent use.
type Adapter struct {
	name    string
	url     string
	ops     map[string]Mapping
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
	from    string
	now     func() time.Time
}

// Option configures an Adapter.
type Option func(*config)

// WithTLSConfig sets the TLS configuration of https URLs: the CA that
// signed the consumer's certificate in RootCAs, a client certificate (the
// transfer specification asks each side to authenticate the other) in
// Certificates. TLS 1.2 is the least version accepted.
func WithTLSConfig(c *tls.Config) Option { return func(cfg *config) { cfg.tls = c } }

// WithTimeout bounds each call, from connecting to reading the whole
// response. Zero means no bound beyond the context's.
func WithTimeout(d time.Duration) Option { return func(cfg *config) { cfg.timeout = d } }

// WithHeaders adds HTTP request headers, such as an Authorization a
// consumer asks for. A value may name environment variables as ${NAME},
// expanded at each call. It may be given more than once.
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

// WithFrom sets the from of each message: who the producer is. By
// default it is "secops@" and the host's name.
func WithFrom(from string) Option { return func(cfg *config) { cfg.from = from } }

// WithClock sets where the created time of each message comes from; the
// default is time.Now.
func WithClock(now func() time.Time) Option { return func(cfg *config) { cfg.now = now } }

// New returns an adapter called name that sends OpenC2 commands to
// rawURL, an http or https URL (a consumer's is normally
// https://HOST/.well-known/openc2), with ops saying which command each
// operation is; nil ops means DefaultOperations. A malformed URL, header
// value or mapping is an error.
func New(name, rawURL string, ops map[string]Mapping, opts ...Option) (*Adapter, error) {
	if name == "" {
		return nil, errors.New("openc2 adapter: empty name")
	}
	if err := webhook.CheckURL(rawURL); err != nil {
		return nil, fmt.Errorf("openc2 adapter %q: %w", name, err)
	}
	if ops == nil {
		ops = DefaultOperations()
	}
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		if ps := ops[op].Check(); len(ps) > 0 {
			return nil, fmt.Errorf("openc2 adapter %q: operation %s: %s: %s", name, op, strings.Join(ps[0].Path, "."), ps[0].Message)
		}
	}
	a := &Adapter{name: name, url: rawURL, ops: maps.Clone(ops)}
	for _, o := range opts {
		o(&a.cfg)
	}
	if a.cfg.lookup == nil {
		a.cfg.lookup = os.LookupEnv
	}
	if a.cfg.now == nil {
		a.cfg.now = time.Now
	}
	if a.cfg.from == "" {
		host, _ := os.Hostname()
		a.cfg.from = "secops@" + cmpOr(host, "localhost")
	}
	for _, k := range slices.Sorted(maps.Keys(a.cfg.headers)) {
		t, err := hdr.Parse(a.cfg.headers[k])
		if err != nil {
			return nil, fmt.Errorf("openc2 adapter %q: header %s: %w", name, k, err)
		}
		a.headers = append(a.headers, header{name: http.CanonicalHeaderKey(k), template: t})
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if a.cfg.tls != nil {
		tc = a.cfg.tls.Clone()
		tc.MinVersion = max(tc.MinVersion, tls.VersionTLS12)
	}
	tr.TLSClientConfig = tc
	a.client = &http.Client{
		Transport: tr,
		// A redirect could carry the headers elsewhere: an error instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return a, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Name returns the adapter's name.
func (a *Adapter) Name() string { return a.name }

// Operations returns the names of the operations the adapter serves,
// sorted.
func (a *Adapter) Operations() []string { return slices.Sorted(maps.Keys(a.ops)) }

// Message is an OpenC2 message as the HTTPS transfer specification 1.1
// carries it (section 3.3.2): headers and a body holding a request.
type Message struct {
	Headers MessageHeaders `json:"headers"`
	Body    MessageBody    `json:"body"`
}

// MessageHeaders are the message's headers (Language Specification 1.0,
// section 3.2).
type MessageHeaders struct {
	// RequestID identifies the command; the consumer copies it into the
	// response. See RequestID.
	RequestID string `json:"request_id"`
	// Created is when the message was made, in milliseconds since the
	// Unix epoch.
	Created int64 `json:"created"`
	// From is the producer.
	From string `json:"from"`
	// To lists the consumers, when given.
	To []string `json:"to,omitempty"`
}

// MessageBody holds the OpenC2 content.
type MessageBody struct {
	OpenC2 Content `json:"openc2"`
}

// Content is a request (a command) or a response.
type Content struct {
	Request  *Command  `json:"request,omitempty"`
	Response *Response `json:"response,omitempty"`
}

// Response is an OpenC2 Response (Language Specification 1.0, section
// 3.3.2).
type Response struct {
	// Status is the status code: 102, 200, 400, 401, 403, 404, 500, 501
	// or 503.
	Status int `json:"status"`
	// StatusText describes the status.
	StatusText string `json:"status_text,omitempty"`
	// Results are what the command returned.
	Results map[string]any `json:"results,omitempty"`
}

// StatusError is the error for a response whose status is not 200.
type StatusError struct {
	// Status is the OpenC2 status: the response's, or the HTTP status when
	// the reply held no OpenC2 response.
	Status int
	// HTTPStatus is the HTTP status code of the reply.
	HTTPStatus int
	// Text is the response's status_text, or the start of a body that is
	// not an OpenC2 response.
	Text string
}

// Error returns the status, its meaning and the consumer's text.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("OpenC2 status %d", e.Status)
	if m := statusMeaning[e.Status]; m != "" {
		s += " (" + m + ")"
	} else if t := http.StatusText(e.Status); t != "" {
		s += " (" + t + ")"
	}
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

var statusMeaning = map[int]string{
	102: "processing: the consumer accepted the command but has not completed it",
	400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found",
	500: "internal error", 501: "not implemented", 503: "service unavailable",
}

// Command returns the command the adapter sends for req, without sending
// it.
func (a *Adapter) Command(req adapters.Request) (Command, error) {
	m, ok := a.ops[req.Operation]
	if !ok {
		return Command{}, fmt.Errorf("operation %s has no OpenC2 command in the adapter's operations (it has %s)", req.Operation, strings.Join(a.Operations(), ", "))
	}
	return m.Command(req.Inputs)
}

// Call sends the command of req.Operation and returns its results as the
// mapping's outputs.
func (a *Adapter) Call(ctx context.Context, req adapters.Request) (adapters.Result, error) {
	m, ok := a.ops[req.Operation]
	if !ok {
		return adapters.Result{}, adapters.NewCallError(a.name, req, fmt.Errorf("no OpenC2 command for this operation in the adapter's operations (it has %s)", strings.Join(a.Operations(), ", ")))
	}
	cmd, err := m.Command(req.Inputs)
	if err != nil {
		return adapters.Result{}, adapters.NewCallError(a.name, req, err)
	}
	resp, err := a.send(ctx, cmd, req.IdempotencyKey)
	if err != nil {
		return adapters.Result{}, adapters.NewCallError(a.name, req, err)
	}
	var out map[string]any
	for _, k := range slices.Sorted(maps.Keys(m.Outputs)) {
		if v, ok := resp.Results[k]; ok {
			if out == nil {
				out = map[string]any{}
			}
			out[m.Outputs[k]] = v
		}
	}
	return adapters.Result{Outputs: out}, nil
}

// Features sends "query features" for versions, profiles and pairs: a
// check that the consumer is there and what it can do.
func (a *Adapter) Features(ctx context.Context) (Response, error) {
	cmd := Command{Action: "query", Target: map[string]any{"features": []string{"versions", "profiles", "pairs"}},
		Args: map[string]any{"response_requested": "complete"}}
	resp, err := a.send(ctx, cmd, "")
	if err != nil {
		return Response{}, fmt.Errorf("adapter %q: query features: %w", a.name, err)
	}
	return resp, nil
}

// Send sends cmd as it is, with the request id of key (see RequestID),
// and returns the consumer's response when its status is 200.
func (a *Adapter) Send(ctx context.Context, cmd Command, key string) (Response, error) {
	return a.send(ctx, cmd, key)
}

func (a *Adapter) send(parent context.Context, cmd Command, key string) (Response, error) {
	id := RequestID(key)
	now := a.cfg.now()
	body, err := appendMessage(make([]byte, 0, 512), MessageHeaders{RequestID: id, Created: now.UnixMilli(), From: a.cfg.from}, &cmd)
	if err != nil {
		return Response{}, fmt.Errorf("encoding the command: %w", err)
	}
	ctx := parent
	if a.cfg.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.cfg.timeout)
		defer cancel()
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	h := hr.Header
	h["Content-Type"] = contentType
	h["Accept"] = contentType
	h["Cache-Control"] = noCache
	h["Date"] = []string{now.UTC().Format(http.TimeFormat)}
	h["User-Agent"] = userAgent
	h["X-Request-Id"] = []string{id}
	if key != "" {
		h["Idempotency-Key"] = []string{key}
	}
	var secrets []string
	for _, hd := range a.headers {
		v, vars, err := hd.template.Expand(a.cfg.lookup)
		if err != nil {
			return Response{}, err
		}
		secrets = append(secrets, vars...)
		h.Set(hd.name, v)
	}
	resp, err := a.client.Do(hr)
	if err != nil {
		return Response{}, a.transportError(parent, ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxReply+1))
	if err != nil {
		return Response{}, a.transportError(parent, ctx, fmt.Errorf("reading the response: %w", err))
	}
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode < 300
	if len(data) > MaxReply {
		if ok2xx {
			return Response{}, adapters.OutcomeUnknown(wire.ErrTooLarge)
		}
		return Response{}, wire.ErrTooLarge
	}
	r, rid, perr := parseResponse(data)
	if perr != nil {
		if ok2xx {
			// A success status with a response that cannot be read: the
			// consumer may have acted.
			return Response{}, adapters.OutcomeUnknown(fmt.Errorf("HTTP %d with a response that is not an OpenC2 response: %v", resp.StatusCode, perr))
		}
		return Response{}, classify(&StatusError{Status: resp.StatusCode, HTTPStatus: resp.StatusCode, Text: snippet(data, secrets)}, resp, false)
	}
	if rid != "" && rid != id {
		return Response{}, adapters.OutcomeUnknown(fmt.Errorf("the response is to request %s, not to this command's %s", rid, id))
	}
	if r.Status == 200 {
		return r, nil
	}
	return Response{}, classify(&StatusError{Status: r.Status, HTTPStatus: resp.StatusCode, Text: hdr.Redact(r.StatusText, secrets)}, resp, true)
}

// classify marks a status error as the adapters package expects: 102 in
// doubt and worth asking again, 500 and 503 (and HTTP 429) transient,
// HTTP 502 and 504 without an OpenC2 response in doubt, the rest final.
func classify(se *StatusError, resp *http.Response, fromConsumer bool) error {
	switch {
	case se.Status == 102:
		// Accepted, not done (the adapter asked for a complete response):
		// the command may take effect. A retry sends the same request id,
		// which a consumer answers with the outcome.
		return adapters.OutcomeUnknown(adapters.Retryable(se))
	case !fromConsumer && (se.Status == http.StatusBadGateway || se.Status == http.StatusGatewayTimeout):
		// A gateway passed the command on and lost the answer.
		return adapters.OutcomeUnknown(adapters.Retryable(se))
	case se.Status == 500 || se.Status == 503 || se.Status == http.StatusTooManyRequests || !fromConsumer && se.Status >= 500:
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return adapters.RetryAfter(se, d)
		}
		return adapters.Retryable(se)
	}
	return se
}

// parseResponse reads an OpenC2 response: a message (HTTPS transfer
// specification 1.1) with body.openc2.response, or a bare response
// (version 1.0 of that specification). It returns the response and the
// message's request_id.
func parseResponse(data []byte) (Response, string, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Response{}, "", errors.New("empty")
	}
	var m struct {
		Headers struct {
			RequestID string `json:"request_id"`
		} `json:"headers"`
		Body struct {
			OpenC2 struct {
				Response *rawResponse `json:"response"`
			} `json:"openc2"`
		} `json:"body"`
		Status     *int            `json:"status"`
		StatusText string          `json:"status_text"`
		Results    json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(data, &m); err != nil { // data after the object included
		return Response{}, "", fmt.Errorf("malformed: %v", err)
	}
	rid := m.Headers.RequestID
	var raw rawResponse
	switch {
	case m.Body.OpenC2.Response != nil:
		raw = *m.Body.OpenC2.Response
		if raw.Status == 0 {
			return Response{}, rid, errors.New("a response without a status")
		}
	case m.Status != nil:
		raw = rawResponse{Status: *m.Status, StatusText: m.StatusText, Results: m.Results}
	default:
		return Response{}, rid, errors.New("no body.openc2.response and no status")
	}
	r := Response{Status: raw.Status, StatusText: raw.StatusText}
	if len(raw.Results) > 0 && string(raw.Results) != "null" {
		if err := json.Unmarshal(raw.Results, &r.Results); err != nil {
			return Response{}, rid, fmt.Errorf("results: %v", err)
		}
	}
	return r, rid, nil
}

// rawResponse is a response whose results are decoded only when there
// are any.
type rawResponse struct {
	Status     int             `json:"status"`
	StatusText string          `json:"status_text"`
	Results    json.RawMessage `json:"results"`
}

// snippet returns the start of a body, secrets redacted before it is cut.
func snippet(data []byte, secrets []string) string {
	s := hdr.Redact(strings.TrimSpace(string(data)), secrets)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "")
}

// transportError classifies an error of the HTTP exchange as the webhook
// adapter does: the caller giving up is final, the adapter's own timeout,
// refused connections and network timeouts are worth retrying, and an
// exchange that broke after the command went out leaves its outcome
// unknown.
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
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return adapters.Retryable(adapters.OutcomeUnknown(err))
	}
	return adapters.OutcomeUnknown(err)
}

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
