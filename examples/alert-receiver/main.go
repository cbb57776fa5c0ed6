package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
)

// Store keeps run records. A real tool backs it with its database.
type Store interface {
	Put(ctx context.Context, rec *executor.Record) error
	// Get returns ErrNotFound for an unknown id.
	Get(ctx context.Context, id string) (*executor.Record, error)
	List(ctx context.Context) ([]*executor.Record, error)
}

// ErrNotFound is returned by Store.Get for an unknown run.
var ErrNotFound = errors.New("no such run")

// memStore keeps records in memory as JSON, as a database would, so that
// no caller shares a record with another.
type memStore struct {
	mu   sync.Mutex
	runs map[string][]byte
}

func newMemStore() *memStore { return &memStore{runs: map[string][]byte{}} }

func (s *memStore) Put(_ context.Context, rec *executor.Record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs[rec.ID] = b
	return nil
}

func (s *memStore) Get(_ context.Context, id string) (*executor.Record, error) {
	s.mu.Lock()
	b, ok := s.runs[id]
	s.mu.Unlock()
	if !ok {
		return nil, ErrNotFound
	}
	var rec executor.Record
	return &rec, json.Unmarshal(b, &rec)
}

func (s *memStore) List(ctx context.Context) ([]*executor.Record, error) {
	s.mu.Lock()
	ids := make([]string, 0, len(s.runs))
	for id := range s.runs {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	sort.Strings(ids)
	out := make([]*executor.Record, 0, len(ids))
	for _, id := range ids {
		rec, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// server is the HTTP front of an executor and a store.
type server struct {
	exec  executor.Executor
	check func(*executor.Record, executor.Answer) error
	store Store
	mu    sync.Mutex // one resume at a time, so that an answer is used once
}

// newServer serves exec's runs, kept in store. check (normally the
// executor's Plan().CheckAnswer) vets each answer before it is applied, so
// that a mistyped answer is refused and the run keeps waiting.
func newServer(exec executor.Executor, check func(*executor.Record, executor.Answer) error, store Store) http.Handler {
	s := &server{exec: exec, check: check, store: store}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /alerts", s.alert)
	mux.HandleFunc("GET /runs", s.list)
	mux.HandleFunc("GET /runs/{id}", s.get)
	mux.HandleFunc("POST /runs/{id}/approve", s.approve)
	mux.HandleFunc("POST /runs/{id}/outputs", s.outputs)
	return mux
}

const maxBody = 1 << 20

// decode reads one JSON value from r's body into v: a body over maxBody
// is 413, anything but one JSON value (malformed, or followed by more
// data) is 400 with want as the message. It reports whether v was read.
func decode(w http.ResponseWriter, r *http.Request, v any, want string) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.Join(errTrailing, terr) // terr may be a MaxBytesError
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, fmt.Sprintf("the body is over %d bytes", tooBig.Limit), http.StatusRequestEntityTooLarge)
		return false
	case errors.Is(err, errTrailing):
		http.Error(w, want+"; the body has more after it", http.StatusBadRequest)
		return false
	case err != nil:
		http.Error(w, want, http.StatusBadRequest)
		return false
	}
	return true
}

var errTrailing = errors.New("data after the JSON value")

func (s *server) alert(w http.ResponseWriter, r *http.Request) {
	const want = "want a JSON object of field id to value"
	var alert map[string]any
	if !decode(w, r, &alert, want) {
		return
	}
	if alert == nil {
		http.Error(w, want, http.StatusBadRequest)
		return
	}
	// The run outlives the request: a client that hangs up must not cancel
	// containment half-way.
	rec, err := s.exec.Run(context.WithoutCancel(r.Context()), alert)
	var ae *executor.AlertError
	if errors.As(err, &ae) {
		// Nothing ran: say every key that does not fit the design.
		problems := make([]string, len(ae.Problems))
		for i, p := range ae.Problems {
			problems[i] = p.Error()
		}
		reply(w, http.StatusUnprocessableEntity, map[string]any{"error": "the alert does not fit the design", "problems": problems})
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if err := s.store.Put(r.Context(), rec); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	// A run that failed (a failing adapter) is kept, and answered with its record, but not as created.
	status := http.StatusCreated
	if rec.Status == executor.Failed {
		status = http.StatusUnprocessableEntity
	}
	reply(w, status, rec)
}

func (s *server) list(w http.ResponseWriter, r *http.Request) {
	recs, err := s.store.List(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	reply(w, http.StatusOK, recs)
}

func (s *server) get(w http.ResponseWriter, r *http.Request) {
	rec, err := s.store.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, ErrNotFound) {
			status = http.StatusNotFound
		}
		http.Error(w, err.Error(), status)
		return
	}
	reply(w, http.StatusOK, rec)
}

func (s *server) approve(w http.ResponseWriter, r *http.Request) {
	actor := r.Header.Get("X-Actor")
	if actor == "" {
		actor = "alert-receiver"
	}
	s.resume(w, r, executor.Answer{Approve: true, Actor: actor})
}

func (s *server) outputs(w http.ResponseWriter, r *http.Request) {
	var outs map[ident.Number]map[string]any
	if !decode(w, r, &outs, `want {"<method id>": {"<field>": value}}`) {
		return
	}
	if len(outs) == 0 {
		http.Error(w, `no outputs given: want {"<method id>": {"<field>": value}}`, http.StatusBadRequest)
		return
	}
	actor := r.Header.Get("X-Actor")
	if actor == "" {
		actor = "alert-receiver"
	}
	s.resume(w, r, executor.Answer{Outputs: outs, Actor: actor})
}

func (s *server) resume(w http.ResponseWriter, r *http.Request, ans executor.Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.store.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	// A run that does not wait for this kind of answer is a conflict; a
	// mistyped answer is a bad request. Either way the run is untouched.
	if err := s.check(rec, ans); err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, executor.ErrNotWaiting) {
			status = http.StatusConflict
		}
		http.Error(w, err.Error(), status)
		return
	}
	if _, err := s.exec.Resume(context.WithoutCancel(r.Context()), rec, ans); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if err := s.store.Put(r.Context(), rec); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	reply(w, http.StatusOK, rec)
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func main() {
	designPath := flag.String("design", "", "the design (secops/v1)")
	adaptersPath := flag.String("adapters", "", "the adapter configuration (secops-adapters/v1)")
	addr := flag.String("addr", "localhost:8080", "address to listen on")
	flag.Parse()
	if *designPath == "" || *adaptersPath == "" {
		flag.Usage()
		os.Exit(2)
	}
	d, err := secops.LoadFile(*designPath)
	if err == nil {
		err = d.Validate()
	}
	if fl := finding.From(err); fl.HasErrors() || err != nil && fl == nil {
		log.Fatalf("%s: %v", *designPath, err)
	}
	cfg, err := config.LoadFile(*adaptersPath)
	if err != nil {
		log.Fatalf("%s: %v", *adaptersPath, err)
	}
	if fl := cfg.Check(d); fl.HasErrors() {
		log.Fatalf("%s: %v", *adaptersPath, fl)
	}
	reg, err := cfg.Registry()
	if err != nil {
		log.Fatal(err)
	}
	exec, err := executor.New(executor.WithDesign(d), executor.WithRegistry(reg), executor.WithIsolation(), executor.WithRetry(1, 0))
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: newServer(exec, exec.Plan().CheckAnswer, newMemStore()), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("alert-receiver: listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}
