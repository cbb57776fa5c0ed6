package server

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/alert"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runstore"
)

// MaxBody is the largest request body the server reads, in bytes; a
// larger one is refused with 413.
const MaxBody = 1 << 20

// ClaimTTL is how long the server's claim on a run lasts unless renewed;
// stores renew claims while they are held.
const ClaimTTL = 30 * time.Second

// Server is the HTTP front of a design's executor and a run store: it
// takes alerts, lists and shows runs, and takes the answers, approvals,
// recoveries and rollbacks of people, each from whom the design says.
// It is an http.Handler; Shutdown stops it.
type Server struct {
	plan    *executor.Plan
	runs    *runs.Runs
	own     bool // runs made by New, closed by Shutdown
	tokens  *Tokens
	log     *slog.Logger
	workers int
	metrics *metrics
	mux     *http.ServeMux
	words   *words
	page    *pageState

	// ctx is the context of the runs: cancelled by Shutdown, so that
	// each run stops at its next checkpoint.
	ctx      context.Context
	cancel   context.CancelFunc
	overload overload
	mu       sync.RWMutex // guards draining and sends on jobs
	drain    bool
	jobs     chan *job
	done     sync.WaitGroup
}

type config struct {
	reg     *adapters.Registry
	engine  []executor.Option
	tokens  *Tokens
	log     *slog.Logger
	workers int
	queue   int
	holder  string
	ttl     time.Duration
	watch   time.Duration
}

// Option configures a Server.
type Option func(*config) error

// WithRegistry sets the adapters the design's actions call.
func WithRegistry(r *adapters.Registry) Option {
	return func(c *config) error { c.reg = r; return nil }
}

// WithEngineOptions adds options to every engine the server makes,
// after its own (WithPlan, WithRegistry, WithCheckpoint into the store,
// WithIsolation, WithRetry(1, 0)): executor.WithSecrets, for one. An
// executor.WithRegistry here would bypass the adapters' metrics: use the
// server's WithRegistry instead.
func WithEngineOptions(opts ...executor.Option) Option {
	return func(c *config) error { c.engine = append(c.engine, opts...); return nil }
}

// WithTokens makes the server take only the tokens t lists. Without it
// every request may do everything, as actor "local": serve only on
// loopback then.
func WithTokens(t *Tokens) Option {
	return func(c *config) error { c.tokens = t; return nil }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.log = l; return nil }
}

// WithWorkers sets how many alerts run at once (default 4 × CPUs).
func WithWorkers(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("workers: %d: want at least 1", n)
		}
		c.workers = n
		return nil
	}
}

// WithQueue sets how many alerts may wait for a worker (default 4 ×
// workers); past it, POST /v1/alerts answers 503 with Retry-After.
func WithQueue(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("queue: %d: want 0 or more", n)
		}
		c.queue = n
		return nil
	}
}

// WithClaimTTL sets how long the server's claim on a run lasts unless
// renewed (default ClaimTTL): after the server dies, another process of
// another host waits this long before it takes the runs the server held.
func WithClaimTTL(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("claim ttl %v: want more than 0", d)
		}
		c.ttl = d
		return nil
	}
}

// WithHolder sets the name the server's claims hold runs under (default
// runstore.Holder()).
func WithHolder(h string) Option {
	return func(c *config) error { c.holder = h; return nil }
}

// WithWatch sets how often New's runs are scanned for SLA targets that
// passed (default every 30s, and at the moment a known target falls
// due; see runs.WithWatch).
func WithWatch(interval time.Duration) Option {
	return func(c *config) error {
		if interval <= 0 {
			return fmt.Errorf("watch: %v: want more than 0", interval)
		}
		c.watch = interval
		return nil
	}
}

// New returns a server of plan's design keeping its runs in store, run
// by the server's workers in this process (a runs service of package
// runs over the store, with the SLA targets watched). It reads the
// store's summaries once, for the metrics, and starts its workers;
// Shutdown stops them.
func New(plan *executor.Plan, store runstore.Store, opts ...Option) (*Server, error) {
	if plan == nil || store == nil {
		return nil, errors.New("server.New: a plan and a store are required")
	}
	return newServer(plan, store, nil, opts)
}

// NewRuns returns a server of the runs r: any driver of package runs,
// such as Temporal's (runs.Open with a temporal:// URL, once package
// executor/temporal is imported). The adapters are the driver's:
// WithRegistry and WithEngineOptions do not apply, nor do WithWorkers and
// WithQueue unless r runs in this process; /metrics has no adapter
// figures. The caller closes r after Shutdown.
func NewRuns(r *runs.Runs, opts ...Option) (*Server, error) {
	if r == nil {
		return nil, errors.New("server.NewRuns: no runs")
	}
	return newServer(r.Plan(), nil, r, opts)
}

// newServer is New (store), or NewRuns (r).
func newServer(plan *executor.Plan, store runstore.Store, r *runs.Runs, opts []Option) (*Server, error) {
	c := config{workers: 4 * runtime.NumCPU(), queue: -1, watch: 30 * time.Second}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.reg == nil {
		c.reg, _ = adapters.NewRegistry()
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.queue < 0 {
		c.queue = 4 * c.workers
	}
	if c.holder == "" {
		c.holder = runstore.Holder()
	}
	if c.ttl == 0 {
		c.ttl = ClaimTTL
	}
	if c.tokens != nil {
		if err := c.tokens.CheckParties(plan.Design()); err != nil {
			return nil, err
		}
	}
	s := &Server{plan: plan, runs: r, tokens: c.tokens, log: c.log, workers: c.workers,
		jobs: make(chan *job, c.queue), words: wordsFor(plan.Design().Metadata.Language)}
	s.metrics = newMetrics()
	if store != nil {
		if err := s.metrics.load(context.Background(), store, s.waitingParty); err != nil {
			return nil, fmt.Errorf("reading the runs for the metrics: %w", err)
		}
		var err error
		s.runs, err = runs.New(plan, store, runs.WithRegistry(c.reg.Wrap(adapters.Audit(s.metrics.call))),
			runs.WithEngineOptions(append([]executor.Option{executor.WithIsolation(), executor.WithRetry(1, 0)}, c.engine...)...),
			runs.WithHolder(c.holder), runs.WithClaimTTL(c.ttl), runs.WithLogger(c.log), runs.WithWatch(c.watch),
			runs.WithObserver(func(before *runstore.Summary, events int, after *executor.Record) {
				s.metrics.observe(before, after, events, s.waitingParty)
			}))
		if err != nil {
			return nil, err
		}
		s.own = true
	}
	page, err := newPageState()
	if err != nil {
		return nil, err
	}
	s.page = page
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes()
	if !s.runs.InProcess() {
		return s, nil // the runs run on the driver's workers
	}
	for range s.workers {
		s.done.Add(1)
		go s.work()
	}
	return s, nil
}

// Shutdown stops the server taking alerts (503), cancels the runs in
// progress, which stop at their next checkpoint in status interrupted
// (continue them with POST /v1/runs/{id}/recover), answers the alerts
// still queued with 503, and waits for the workers until ctx is done.
// Call it before http.Server.Shutdown, so that handlers waiting for a
// run return.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.drain {
		s.drain = true
		close(s.jobs)
	}
	s.mu.Unlock()
	s.cancel()
	stopped := make(chan struct{})
	go func() { s.done.Wait(); close(stopped) }()
	select {
	case <-stopped:
		if s.own {
			return s.runs.Close()
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ServeHTTP serves the API under /v1, /healthz, /metrics and the page
// for people at /.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() {
	m := http.NewServeMux()
	api := func(pattern string, role Role, h func(http.ResponseWriter, *http.Request, *Token) *Problem) {
		m.Handle(pattern, s.logged(s.authed(role, h)))
	}
	api("POST /v1/alerts", Ingest, s.postAlert)
	api("GET /v1/runs", Read, s.listRuns)
	api("GET /v1/runs/{id}", Read, s.getRun)
	api("POST /v1/runs/{id}/approve", Approve, s.postAnswer(opApprove))
	api("POST /v1/runs/{id}/reject", Approve, s.postAnswer(opReject))
	api("POST /v1/runs/{id}/answers", Answer, s.postAnswer(opAnswers))
	api("POST /v1/runs/{id}/recover", Admin, s.postAnswer(opRecover))
	api("POST /v1/runs/{id}/rollback", Admin, s.postAnswer(opRollback))
	api("GET /metrics", Read, s.getMetrics)
	m.Handle("GET /v1/openapi.json", s.logged(http.HandlerFunc(serveOpenAPI)))
	m.Handle("GET /healthz", http.HandlerFunc(s.healthz))
	// Another method on an API path is a problem too, not the mux's
	// plain text.
	allow := map[string][]string{}
	for _, p := range []string{"POST /v1/alerts", "GET /v1/runs", "GET /v1/runs/{id}", "POST /v1/runs/{id}/approve", "POST /v1/runs/{id}/reject",
		"POST /v1/runs/{id}/answers", "POST /v1/runs/{id}/recover", "POST /v1/runs/{id}/rollback", "GET /v1/openapi.json", "GET /metrics"} {
		method, path, _ := strings.Cut(p, " ")
		allow[path] = append(allow[path], method)
	}
	for path, methods := range allow {
		m.Handle(path, s.logged(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			writeProblem(w, problem(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", r.Method+" "+r.URL.Path+": use "+strings.Join(methods, " or ")))
		})))
	}
	m.Handle("/v1/", s.logged(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, problem(http.StatusNotFound, "not-found", "No such resource", r.Method+" "+r.URL.Path+" is not part of the API: see /v1/openapi.json"))
	})))
	s.pageRoutes(m)
	s.mux = m
}

//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	s.mu.RLock()
	draining := s.drain
	s.mu.RUnlock()
	if draining {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": secops.Version()})
}

// local is who acts when the server has no tokens.
var local = &Token{Name: "local", Roles: Roles}

// authed checks the request's bearer token for role (any role may read)
// and hands the token to h.
func (s *Server) authed(role Role, h func(http.ResponseWriter, *http.Request, *Token) *Problem) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, p := s.authenticate(r, role)
		if p == nil {
			setActor(r, tok.Name)
			p = h(w, r, tok)
		}
		if p != nil {
			writeProblem(w, p)
		}
	})
}

func (s *Server) authenticate(r *http.Request, role Role) (*Token, *Problem) {
	if s.tokens == nil {
		return local, nil
	}
	secret, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return nil, problem(http.StatusUnauthorized, "unauthenticated", "A token is required", "send Authorization: Bearer TOKEN (tokens are made with secops token add)")
	}
	tok, ok := s.tokens.Lookup(secret)
	if !ok {
		return nil, problem(http.StatusUnauthorized, "unauthenticated", "The token is not valid", "the token is not in the server's tokens file")
	}
	if !allowed(tok, role) {
		return nil, problem(http.StatusForbidden, "forbidden", "The token may not do this", fmt.Sprintf("token %s has roles %v; this needs the %s role", tok.Name, tok.Roles, role))
	}
	return tok, nil
}

// allowed reports whether tok may act in role; every role may read.
func allowed(tok *Token, role Role) bool {
	return tok.Has(role) || role == Read && len(tok.Roles) > 0
}

func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) <= len(prefix) || !equalFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return h[len(prefix):], true
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// decode reads one JSON value from r's body into v.
func decode(w http.ResponseWriter, r *http.Request, v any, want string, optional bool) *Problem {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.UseNumber()
	err := dec.Decode(v)
	if err == io.EOF && optional {
		return nil
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.Join(errors.New("data after the JSON value"), terr)
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return problem(http.StatusRequestEntityTooLarge, "too-large", "The body is too large", fmt.Sprintf("the body is over %d bytes", tooBig.Limit))
	case err != nil:
		return problem(http.StatusBadRequest, "bad-body", "The body is not what this needs", want+": "+err.Error())
	}
	return nil
}

// numbers turns the json.Numbers of v into float64, as encoding/json
// decodes numbers into any, so that values check and compare as the
// executor expects them; a number too large for a float64 (1e400) is an
// error rather than a silent infinity.
func numbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		return x.Float64()
	case map[string]any:
		for k, e := range x {
			n, err := numbers(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			x[k] = n
		}
	case []any:
		for i, e := range x {
			n, err := numbers(e)
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
	}
	return v, nil
}

// readAlert reads the alert of a request's body (see package alert): a
// key written twice is 422, as a key that does not fit; other problems
// of the body are 400.
func readAlert(w http.ResponseWriter, r *http.Request) (map[string]any, *Problem) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, problem(http.StatusRequestEntityTooLarge, "too-large", "The body is too large", fmt.Sprintf("the body is over %d bytes", tooBig.Limit))
	case err != nil:
		return nil, problem(http.StatusBadRequest, "bad-body", "The body is not what this needs", err.Error())
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, problem(http.StatusBadRequest, "bad-body", "The body is not what this needs", "want a JSON object of field id to value")
	}
	a, err := alert.Decode(body, "body")
	l := finding.From(err)
	if l == nil {
		return a, nil
	}
	status, typ, title := http.StatusBadRequest, "bad-body", "The body is not what this needs"
	if l[0].Code == finding.DuplicateKey {
		status, typ, title = http.StatusUnprocessableEntity, "duplicate-key", "A key of the alert is written twice"
	}
	p := problem(status, typ, title, "want a JSON object of field id to value: "+l[0].Message)
	for _, f := range l {
		p.Findings = append(p.Findings, ProblemFinding{Key: f.Path, Line: f.Line, Column: f.Column, Message: f.Message})
	}
	return nil, p
}

// job is an alert waiting for a worker.
type job struct {
	alert map[string]any
	key   string
	by    runs.Actor
	done  chan jobResult
}

type jobResult struct {
	rec      *executor.Record
	replayed bool
	err      error
}

var errShuttingDown = errors.New("the server is shutting down")

func (s *Server) work() {
	defer s.done.Done()
	for j := range s.jobs {
		if s.ctx.Err() != nil {
			j.done <- jobResult{err: errShuttingDown}
			continue
		}
		rec, replayed, err := s.runs.Start(s.ctx, j.alert, j.key, j.by)
		j.done <- jobResult{rec, replayed, err}
	}
}

func (s *Server) postAlert(w http.ResponseWriter, r *http.Request, tok *Token) *Problem {
	if s.draining() {
		return s.unavailable("the server is shutting down and takes no more alerts")
	}
	alert, p := readAlert(w, r)
	if p != nil {
		return p
	}
	if p := s.checkAlert(alert); p != nil {
		return p
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" {
		if len(key) > 255 {
			return problem(http.StatusBadRequest, "bad-idempotency-key", "The Idempotency-Key is too long", "at most 255 characters")
		}
	}
	return s.startAlert(w, r, tok, alert, key)
}

// startAlert starts a run of alert: on the server's workers when the
// runs run in this process (a full queue is 503), else on the driver's.
// With an idempotency key, a retry finds the first run.
func (s *Server) startAlert(w http.ResponseWriter, r *http.Request, tok *Token, alert map[string]any, key string) *Problem {
	var res jobResult
	if !s.runs.InProcess() {
		res.rec, res.replayed, res.err = s.runs.Start(context.WithoutCancel(r.Context()), alert, key, actor(tok))
	} else {
		j := &job{alert: alert, key: key, by: actor(tok), done: make(chan jobResult, 1)}
		s.mu.RLock()
		queued := false
		if !s.drain {
			select {
			case s.jobs <- j:
				queued = true
			default:
			}
		}
		s.mu.RUnlock()
		if !queued {
			if s.draining() {
				return s.unavailable("the server is shutting down and takes no more alerts")
			}
			s.metrics.rejected.Inc()
			s.overload.note(s.log, s.workers)
			return s.unavailable(fmt.Sprintf("all %d workers are busy and the queue is full", s.workers))
		}
		select {
		case res = <-j.done:
		case <-r.Context().Done():
			return nil // the client left; the run goes on
		}
	}
	rec, err := res.rec, res.err
	id := ""
	if rec != nil {
		id = rec.ID
	}
	switch {
	case errors.Is(err, errShuttingDown):
		return s.unavailable("the server is shutting down and takes no more alerts")
	case errors.Is(err, executor.ErrCheckpoint):
		// Stored behind what the engine did: the run is for recovery.
		p := s.internal(r, "storing run "+id, err)
		p.Run = id
		return p
	case err != nil && (rec == nil || runs.Refused(err) || rec.Version == 0 && s.runs.InProcess()):
		// Refused, or not stored.
		return s.actProblem(id, rec, err)
	case err != nil:
		s.log.Error("run", "run", id, "error", err)
	}
	w.Header().Set("Location", "/v1/runs/"+id)
	switch {
	case res.replayed:
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, http.StatusOK, rec)
	case rec.Status == executor.Running && !s.runs.InProcess():
		writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "status": executor.Running})
	default:
		s.log.Info("started", "run", id, "actor", tok.Name)
		writeJSON(w, http.StatusCreated, rec)
	}
	return nil
}

func (s *Server) checkAlert(alert map[string]any) *Problem {
	if err := s.plan.CheckAlert(alert); err != nil {
		return alertProblem(err)
	}
	return nil
}

func alertProblem(err error) *Problem {
	var ae *executor.AlertError
	if errors.As(err, &ae) {
		n := fmt.Sprintf("%d keys do not fit", len(ae.Problems))
		if len(ae.Problems) == 1 {
			n = "1 key does not fit"
		}
		p := problem(http.StatusUnprocessableEntity, "alert-does-not-fit", "The alert does not fit the design", n+"; nothing was run")
		for _, k := range ae.Problems {
			p.Findings = append(p.Findings, ProblemFinding{Key: k.Key, Message: k.Message})
		}
		return p
	}
	return problem(http.StatusUnprocessableEntity, "alert-does-not-fit", "The alert does not fit the design", err.Error())
}

func (s *Server) draining() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.drain
}

func (s *Server) unavailable(detail string) *Problem {
	p := problem(http.StatusServiceUnavailable, "unavailable", "Try again later", detail)
	p.RetryAfter = 1
	return p
}

func (s *Server) internal(r *http.Request, doing string, err error) *Problem {
	s.log.Error(doing, "path", r.URL.Path, "error", err)
	return problem(http.StatusInternalServerError, "internal", "The server failed", doing+": "+err.Error())
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request, _ *Token) *Problem {
	rec, p := s.load(r.Context(), r.PathValue("id"))
	if p != nil {
		return p
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func (s *Server) load(ctx context.Context, id string) (*executor.Record, *Problem) {
	rec, err := s.runs.Get(ctx, id)
	if err != nil {
		return nil, s.actProblem(id, nil, err)
	}
	return rec, nil
}

// waitingParty is the party a waiting run waits on (runs.WaitingParty).
func (s *Server) waitingParty(p *executor.Pending) ident.ID { return runs.WaitingParty(s.plan, p) }

// TaskParty returns the party that answers a person's task pending in a
// run (runs.TaskParty).
func TaskParty(plan *executor.Plan, p *executor.Pending) ident.ID { return runs.TaskParty(plan, p) }
