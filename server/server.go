package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
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

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/scope"
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
	store   runstore.Store // nil with Temporal
	be      backend
	reg     *adapters.Registry
	engine  []executor.Option
	tokens  *Tokens
	log     *slog.Logger
	holder  string
	workers int
	metrics *metrics
	mux     *http.ServeMux
	words   *words
	page    *pageState

	// ctx is the context of the runs: cancelled by Shutdown, so that
	// each run stops at its next checkpoint.
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.RWMutex // guards draining and sends on jobs
	drain  bool
	jobs   chan *job
	done   sync.WaitGroup
}

type config struct {
	reg     *adapters.Registry
	engine  []executor.Option
	tokens  *Tokens
	log     *slog.Logger
	workers int
	queue   int
	holder  string
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

// WithHolder sets the name the server's claims hold runs under (default
// runstore.Holder()).
func WithHolder(h string) Option {
	return func(c *config) error { c.holder = h; return nil }
}

// New returns a server of plan's design keeping its runs in store. It
// reads the store's summaries once, for the metrics, and starts its
// workers; Shutdown stops them.
func New(plan *executor.Plan, store runstore.Store, opts ...Option) (*Server, error) {
	if plan == nil || store == nil {
		return nil, errors.New("server.New: a plan and a store are required")
	}
	return newServer(plan, store, nil, opts)
}

// newServer is New, or NewTemporal when tc is set.
func newServer(plan *executor.Plan, store runstore.Store, tc *temporal.Client, opts []Option) (*Server, error) {
	c := config{workers: 4 * runtime.NumCPU(), queue: -1}
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
	if c.tokens != nil {
		if err := c.tokens.CheckParties(plan.Design()); err != nil {
			return nil, err
		}
	}
	s := &Server{plan: plan, store: store, engine: c.engine, tokens: c.tokens, log: c.log, holder: c.holder, workers: c.workers,
		jobs: make(chan *job, c.queue), words: wordsFor(plan.Design().Metadata.Language)}
	s.metrics = newMetrics()
	s.reg = c.reg.Wrap(adapters.Audit(s.metrics.call))
	if tc != nil {
		s.be = &temporalBackend{s: s, c: tc}
	} else {
		s.be = storeBackend{s}
		if err := s.metrics.load(context.Background(), store, s.waitingParty); err != nil {
			return nil, fmt.Errorf("reading the runs for the metrics: %w", err)
		}
	}
	page, err := newPageState()
	if err != nil {
		return nil, err
	}
	s.page = page
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes()
	if tc != nil {
		return s, nil // the runs run on Temporal's workers
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
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
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

// job is an alert waiting for a worker.
type job struct {
	id    string
	alert map[string]any
	claim runstore.Claim
	done  chan jobResult
}

type jobResult struct {
	rec *executor.Record
	err error
}

var errShuttingDown = errors.New("the server is shutting down")

func (s *Server) work() {
	defer s.done.Done()
	for j := range s.jobs {
		if s.ctx.Err() != nil {
			s.release(j.claim)
			j.done <- jobResult{err: errShuttingDown}
			continue
		}
		rec, err := s.run(j)
		j.done <- jobResult{rec, err}
	}
}

func (s *Server) run(j *job) (*executor.Record, error) {
	defer s.release(j.claim)
	e, err := s.newEngine(j.id)
	if err != nil {
		return nil, err
	}
	rec, err := e.Run(s.ctx, j.alert)
	if rec != nil && rec.Version > 0 {
		s.metrics.observe(nil, rec, 0, s.waitingParty)
	}
	return rec, err
}

func (s *Server) release(c runstore.Claim) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Release(ctx); err != nil {
		s.log.Warn("releasing a claim", "error", err)
	}
}

func (s *Server) newEngine(id string) (*executor.Engine, error) {
	opts := []executor.Option{executor.WithPlan(s.plan), executor.WithRegistry(s.reg),
		executor.WithCheckpoint(runstore.Checkpointer(s.store)), executor.WithIsolation(), executor.WithRetry(1, 0)}
	if id != "" {
		opts = append(opts, executor.WithIDs(func() string { return id }))
	}
	return executor.New(append(opts, s.engine...)...)
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// keyID is the run id of an alert posted with an Idempotency-Key: the
// same for the same key from the same token, so that the store itself
// remembers the key, across restarts, and its claim makes two retries at
// once start one run.
func keyID(actor, key string) string {
	sum := sha256.Sum256([]byte("secops-idempotency\x00" + actor + "\x00" + key))
	return hex.EncodeToString(sum[:8])
}

func (s *Server) postAlert(w http.ResponseWriter, r *http.Request, tok *Token) *Problem {
	if s.draining() {
		return s.unavailable("the server is shutting down and takes no more alerts")
	}
	var raw any
	if p := decode(w, r, &raw, "want a JSON object of field id to value", false); p != nil {
		return p
	}
	v, err := numbers(raw)
	alert, ok := v.(map[string]any)
	if err != nil || !ok {
		return problem(http.StatusBadRequest, "bad-body", "The body is not what this needs", "want a JSON object of field id to value")
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
	return s.be.alert(w, r, tok, alert, key)
}

// storeAlert runs alert on the server's workers, journaled into the
// store; with an idempotency key, a retry finds the first run.
func (s *Server) storeAlert(w http.ResponseWriter, r *http.Request, tok *Token, alert map[string]any, key string) *Problem {
	id := newID()
	if key != "" {
		id = keyID(tok.Name, key)
	}
	claim, err := s.store.Claim(r.Context(), id, s.holder, ClaimTTL)
	if errors.Is(err, runstore.ErrClaimed) {
		p := problem(http.StatusConflict, "in-progress", "A request with this Idempotency-Key is in progress", "try again when it has finished")
		p.Run = id
		return p
	}
	if err != nil {
		return s.internal(r, "claiming a new run", err)
	}
	if key != "" {
		rec, err := s.store.Load(r.Context(), id)
		if err == nil {
			s.release(claim)
			if !sameAlert(rec.Alert, alert) {
				p := problem(http.StatusUnprocessableEntity, "idempotency-key-reused", "The Idempotency-Key was used for another alert", "a retried request must send the same alert; use a new key for a new alert")
				p.Run = id
				return p
			}
			w.Header().Set("Location", "/v1/runs/"+id)
			w.Header().Set("Idempotent-Replayed", "true")
			writeJSON(w, http.StatusOK, rec)
			return nil
		}
		if !errors.Is(err, runstore.ErrNotFound) {
			s.release(claim)
			return s.internal(r, "loading a run", err)
		}
	}
	j := &job{id: id, alert: alert, claim: claim, done: make(chan jobResult, 1)}
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
		s.release(claim)
		if s.draining() {
			return s.unavailable("the server is shutting down and takes no more alerts")
		}
		s.metrics.rejected.Inc()
		return s.unavailable(fmt.Sprintf("all %d workers are busy and the queue is full", s.workers))
	}
	var res jobResult
	select {
	case res = <-j.done:
	case <-r.Context().Done():
		return nil // the client left; the run goes on
	}
	switch {
	case errors.Is(res.err, errShuttingDown):
		return s.unavailable("the server is shutting down and takes no more alerts")
	case res.rec == nil:
		return s.runError(r, id, res.err)
	case res.err != nil && (res.rec.Version == 0 || errors.Is(res.err, executor.ErrCheckpoint)):
		// Not stored, or stored behind what the engine did: the store
		// failed, and the run is for recovery.
		p := s.runError(r, id, res.err)
		p.Run = id
		return p
	}
	if res.err != nil {
		s.log.Error("run", "run", id, "error", res.err)
	}
	w.Header().Set("Location", "/v1/runs/"+id)
	writeJSON(w, http.StatusCreated, res.rec)
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
		p := problem(http.StatusUnprocessableEntity, "alert-does-not-fit", "The alert does not fit the design", fmt.Sprintf("%d keys do not fit; nothing was run", len(ae.Problems)))
		for _, k := range ae.Problems {
			p.Findings = append(p.Findings, ProblemFinding{Key: k.Key, Message: k.Message})
		}
		return p
	}
	return problem(http.StatusUnprocessableEntity, "alert-does-not-fit", "The alert does not fit the design", err.Error())
}

func sameAlert(stored, posted map[string]any) bool {
	a, err1 := json.Marshal(stored)
	b, err2 := json.Marshal(posted)
	return err1 == nil && err2 == nil && string(a) == string(b)
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

// runError maps an error of Run, Resume or Rollback that left no stored
// record.
func (s *Server) runError(r *http.Request, id string, err error) *Problem {
	if errors.Is(err, executor.ErrInvalidAlert) {
		return alertProblem(err)
	}
	if errors.Is(err, executor.ErrCheckpoint) {
		return s.internal(r, "storing run "+id, err)
	}
	return s.internal(r, "running "+id, err)
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
	return s.be.load(ctx, id)
}

func (s *Server) storeLoad(ctx context.Context, id string) (*executor.Record, *Problem) {
	rec, err := s.store.Load(ctx, id)
	if errors.Is(err, runstore.ErrNotFound) {
		p := problem(http.StatusNotFound, "no-such-run", "No such run", "there is no run "+id)
		p.Run = id
		return nil, p
	}
	if err != nil {
		s.log.Error("loading a run", "run", id, "error", err)
		return nil, problem(http.StatusInternalServerError, "internal", "The server failed", "loading run "+id+": "+err.Error())
	}
	return rec, nil
}

// waitingParty is the party a waiting run waits on: the approval's, or
// for a person's task the party responsible for its phase (see
// TaskParty).
func (s *Server) waitingParty(p *executor.Pending) ident.ID {
	if p == nil {
		return ""
	}
	if p.Party != "" {
		return p.Party
	}
	return TaskParty(s.plan, p)
}

// TaskParty returns the party that answers a person's task pending in a
// run: the party responsible, in the design's responsibilities (RACI),
// for the phase the task belongs to. The confirmation of a detection and
// the steps of a playbook are triage; a response's methods are its
// phase's, first_response or response. It is empty when the design
// assigns the phase to no one.
func TaskParty(plan *executor.Plan, p *executor.Pending) ident.ID {
	d := plan.Design()
	phase := scope.Triage
	if p.Stage == executor.ResponseStage {
		phase = scope.FirstResponse
		if r := d.Response(p.Response); r != nil && r.Phase == response.Later {
			phase = scope.Response
		}
	}
	if a := d.Scope.Responsibilities.For(phase); a != nil {
		return a.Responsible
	}
	return ""
}
