package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/server"
)

const designPath = "../examples/targeted-attack/design.yaml"

// labAlert is examples/lab/alert.json: a C2 alert of the targeted-attack
// flow, which waits for the CSIRT's confirmation, then its answers, then
// its approval of fr-1.
func labAlert(t testing.TB) map[string]any {
	t.Helper()
	var a map[string]any
	b, err := os.ReadFile("../examples/lab/alert.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// malwareAlert is the lab alert as a RAT signature: the malware
// playbook, whose first step calls the EDR at once.
func malwareAlert(t testing.TB) map[string]any {
	a := labAlert(t)
	a["category"], a["signature"] = "rat", "RAT-Generic"
	return a
}

// csirtAnswers answer every person's task of the lab alert's flow.
var csirtAnswers = map[string]any{"outputs": map[string]any{
	"0.1.1":  map[string]any{"confirmed": true},
	"1.4.1":  map[string]any{"iocs": []any{"203.0.113.7"}},
	"1.27.1": map[string]any{"report_decision": "report"},
}}

var (
	planOnce sync.Once
	plan     *executor.Plan
	planErr  error
)

func testPlan(t testing.TB) *executor.Plan {
	t.Helper()
	planOnce.Do(func() {
		d, lf, err := secops.LoadFile(designPath)
		if err == nil {
			err = lf.Err()
		}
		if err != nil {
			planErr = err
			return
		}
		plan, planErr = executor.Compile(d)
	})
	if planErr != nil {
		t.Fatal(planErr)
	}
	return plan
}

// lab is the in-process stand-in of examples/lab: it answers each method
// from lab.json and counts the calls, by action and by idempotency key.
type lab struct {
	outs map[string]map[string]any
	// block, when set, makes calls of that action wait for their context.
	block   string
	started chan string
	mu      sync.Mutex
	calls   map[string]int
	keys    map[string]int
}

func newLab(t testing.TB) *lab {
	t.Helper()
	l := &lab{calls: map[string]int{}, keys: map[string]int{}, started: make(chan string, 100)}
	b, err := os.ReadFile("../examples/lab/lab.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &l.outs); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *lab) registry(t testing.TB) *adapters.Registry {
	t.Helper()
	var as []adapters.Adapter
	for _, name := range []string{"edr", "firewall", "threatintel"} {
		as = append(as, adapters.Func(name, func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
			action := name + "." + req.Operation
			l.mu.Lock()
			l.calls[action]++
			l.keys[req.IdempotencyKey]++
			l.mu.Unlock()
			if action == l.block {
				l.started <- req.Run
				<-ctx.Done()
				return adapters.Result{}, ctx.Err()
			}
			if req.Rollback {
				return adapters.Result{}, nil
			}
			return adapters.Result{Outputs: l.outs[req.Method]}, nil
		}))
	}
	r, err := adapters.NewRegistry(as...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (l *lab) count(action string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls[action]
}

// who holds which test token.
var people = []struct {
	name    string
	roles   []server.Role
	parties []ident.ID
}{
	{"soc", []server.Role{server.Ingest}, nil},
	{"reader", []server.Role{server.Read}, nil},
	{"csirt-lead", []server.Role{server.Approve, server.Answer}, []ident.ID{"csirt"}},
	{"it-ops", []server.Role{server.Approve, server.Answer}, []ident.ID{"it"}},
	{"admin", []server.Role{server.Admin}, nil},
}

// testTokens returns the tokens file of people and each one's token.
func testTokens(t testing.TB) (*server.Tokens, map[string]string) {
	t.Helper()
	toks := server.NewTokens()
	secrets := map[string]string{}
	for _, p := range people {
		s, err := toks.Add(p.name, p.roles, p.parties)
		if err != nil {
			t.Fatal(err)
		}
		secrets[p.name] = s
	}
	// Save and load, as the command does, so that digests are read back.
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	if err := toks.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := server.LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	return loaded, secrets
}

// harness is a server on loopback over a SQLite store.
type harness struct {
	t       testing.TB
	db      string
	lab     *lab
	tokens  *server.Tokens
	secrets map[string]string
	opts    []server.Option
	store   runstore.Store
	srv     *server.Server
	hs      *httptest.Server
	client  *http.Client
}

func newHarness(t testing.TB, opts ...server.Option) *harness {
	t.Helper()
	toks, secrets := testTokens(t)
	h := &harness{t: t, db: filepath.Join(t.TempDir(), "runs.db"), lab: newLab(t), tokens: toks, secrets: secrets, opts: opts,
		client: &http.Client{Timeout: time.Minute}}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start() {
	h.t.Helper()
	st, err := runstore.OpenSQLite(h.db)
	if err != nil {
		h.t.Fatal(err)
	}
	h.store = st
	opts := append([]server.Option{server.WithRegistry(h.lab.registry(h.t)), server.WithTokens(h.tokens),
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, h.opts...)
	h.srv, err = server.New(testPlan(h.t), st, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	h.hs = httptest.NewServer(h.srv)
}

// stop shuts the server down as secops serve does, and closes the store.
func (h *harness) stop() {
	if h.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		h.t.Error(err)
	}
	h.hs.Close()
	if err := h.store.Close(); err != nil {
		h.t.Error(err)
	}
	h.srv = nil
}

// restart stops the server and starts another on the same database.
func (h *harness) restart() {
	h.stop()
	h.start()
}

// reply is an HTTP reply, its body decoded.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// outcome is what a reply says of its run, as the walk tests compare
// it: the HTTP status and, from the record or the problem, the run's
// status, what it waits on, and the problem's type.
type outcome struct {
	Status  int
	Run     executor.Status
	Method  ident.Number
	Party   ident.ID
	Problem string
}

// outcome reads r as an outcome.
func (r reply) outcome(t testing.TB) outcome {
	t.Helper()
	o := outcome{Status: r.status}
	var pend *executor.Pending
	if r.status < 300 {
		rec := r.record(t)
		o.Run, pend = rec.Status, rec.Pending
	} else {
		p := r.problem(t)
		o.Problem = strings.TrimPrefix(p.Type, "tag:secopsdesign.github.io,2026:problem:")
		o.Run, pend = p.RunStatus, p.Pending
	}
	if pend != nil {
		o.Method, o.Party = pend.Method, pend.Party
	}
	return o
}

func (r reply) record(t testing.TB) *executor.Record {
	t.Helper()
	var rec executor.Record
	if err := json.Unmarshal(r.body, &rec); err != nil {
		t.Fatalf("not a record: %v: %s", err, r.body)
	}
	return &rec
}

func (r reply) problem(t testing.TB) server.Problem {
	t.Helper()
	var p server.Problem
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json (body %s)", ct, r.body)
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("not a problem: %v: %s", err, r.body)
	}
	return p
}

// do sends a request as who (a name of people; "" for no token). body is
// JSON-encoded unless it is a []byte.
func (h *harness) do(method, path, who string, body any, header ...string) reply {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.hs.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if who != "" {
		secret, ok := h.secrets[who]
		if !ok {
			secret = who // a token of no one
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// waitingForApproval posts the lab alert and answers its tasks: the run
// then waits for the CSIRT's approval of fr-1.
func (h *harness) waitingForApproval() string {
	h.t.Helper()
	r := h.do("POST", "/v1/alerts", "soc", labAlert(h.t))
	if r.status != http.StatusCreated {
		h.t.Fatalf("POST /v1/alerts: %d %s", r.status, r.body)
	}
	id := r.record(h.t).ID
	r = h.do("POST", "/v1/runs/"+id+"/answers", "csirt-lead", csirtAnswers)
	if rec := r.record(h.t); r.status != http.StatusOK || rec.Status != executor.Waiting || rec.Pending == nil || rec.Pending.Party != "csirt" {
		h.t.Fatalf("answers: %d %s", r.status, r.body)
	}
	return id
}

// metric returns the value of the metric line that starts with name,
// or "" when there is none.
func metric(text, name string) string {
	for line := range strings.Lines(text) {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// storeAfterStop opens the database of a stopped harness.
func (h *harness) storeAfterStop() runstore.Store {
	h.t.Helper()
	st, err := runstore.OpenSQLite(h.db)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { st.Close() })
	return st
}
