package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runs"
	"github.com/secopsdesign/secops/runstore"
)

// op is what a request does to a run.
type op string

const (
	opApprove  op = "approve"
	opReject   op = "reject"
	opAnswers  op = "answers"
	opRecover  op = "recover"
	opRollback op = "rollback"
)

// answerBody is the body of POST /v1/runs/{id}/answers and /recover.
type answerBody struct {
	// Outputs are the outputs of methods done by a person, by method id.
	Outputs map[ident.Number]map[string]any `json:"outputs"`
	// Mode is how to recover: retry or applied (recover only).
	Mode executor.Recovery `json:"mode"`
}

func (s *Server) postAnswer(o op) func(http.ResponseWriter, *http.Request, *Token) *Problem {
	return func(w http.ResponseWriter, r *http.Request, tok *Token) *Problem {
		var body answerBody
		want := "want a JSON object"
		switch o {
		case opAnswers:
			want = `want {"outputs": {METHOD: {FIELD: VALUE}}}`
		case opRecover:
			want = `want {"mode": "retry"|"applied"} (and "outputs" for a method counted as applied)`
		}
		if p := decode(w, r, &body, want, o != opAnswers); p != nil {
			return p
		}
		for m, outs := range body.Outputs {
			for k, v := range outs {
				n, err := numbers(v)
				if err != nil {
					return problem(http.StatusBadRequest, "bad-body", "The body is not what this needs", fmt.Sprintf("outputs %s %s: %v", m, k, err))
				}
				outs[k] = n
			}
		}
		if o == opAnswers && len(body.Outputs) == 0 {
			return problem(http.StatusBadRequest, "bad-body", "The body is not what this needs", want)
		}
		if o == opRecover && body.Mode != "" && body.Mode != executor.Retry && body.Mode != executor.Applied {
			return problem(http.StatusBadRequest, "bad-body", "The body is not what this needs", fmt.Sprintf("mode %q: want retry or applied", body.Mode))
		}
		rec, p := s.act(r.Context(), r.PathValue("id"), o, tok, body)
		if p != nil {
			return p
		}
		writeJSON(w, http.StatusOK, rec)
		return nil
	}
}

// act does o to run id as tok, through the runs service: the rules are
// the service's, and its errors become problems here. The run goes on in
// the server's context, not the request's: a client that hangs up does
// not stop containment half-way.
func (s *Server) act(_ context.Context, id string, o op, tok *Token, body answerBody) (*executor.Record, *Problem) {
	if s.draining() {
		// The runs' context is cancelled: a resume would stop at once.
		return nil, s.unavailable("the server is shutting down; answer when it is back")
	}
	a := runs.Act{Op: runs.Op(o), Outputs: body.Outputs, Mode: body.Mode}
	switch o {
	case opAnswers:
		a.Op = runs.OpAnswer
	case opRecover:
		// With {"mode": "retry"} it is also the retry of a failed run
		// (the rules take a recovery by retry of one).
		a.Op = runs.OpRecover
	}
	rec, err := s.runs.Do(s.ctx, id, a, actor(tok))
	if err != nil {
		return nil, s.actProblem(id, rec, err)
	}
	s.log.Info(string(o), "run", id, "actor", tok.Name, "status", rec.Status)
	return rec, nil
}

// actor is who tok acts as, for the runs' rules.
func actor(tok *Token) runs.Actor {
	return runs.Actor{Name: tok.Name, Parties: tok.Parties, AnyParty: tok == local}
}

// actProblem turns an error of the runs service into a problem, with the
// run's state when a record came with it.
func (s *Server) actProblem(id string, rec *executor.Record, err error) *Problem {
	state := func(kind, title, detail string) *Problem {
		p := problem(http.StatusConflict, kind, title, detail)
		p.Run = id
		if rec != nil {
			p.RunStatus, p.Pending = rec.Status, rec.Pending
		}
		return p
	}
	var ue *executor.UncertainError
	var ce *runstore.ClaimedError
	switch {
	case errors.Is(err, runs.ErrNotFound):
		p := problem(http.StatusNotFound, "no-such-run", "No such run", "there is no run "+id)
		p.Run = id
		return p
	case errors.As(err, &ce):
		p := state("claimed", "The run is being worked on", fmt.Sprintf("run %s is claimed by %s: try again when it has finished", id, ce.Holder))
		p.RetryAfter = 1
		if !ce.Expires.IsZero() {
			wait := int(math.Ceil(time.Until(ce.Expires).Seconds()))
			p.RetryAfter = max(wait, 1)
			p.Detail += fmt.Sprintf(" (its claim lapses at %s unless renewed)", ce.Expires.UTC().Format(time.RFC3339))
		}
		return p
	case errors.As(err, &ue):
		p := state("uncertain", "The run must be recovered first",
			err.Error()+`; check the system, then POST /recover with {"mode": "retry"} (call again with the same idempotency key) or {"mode": "applied"}`)
		p.Calls = ue.Calls
		return p
	case errors.Is(err, runs.ErrRunning):
		return state("running", "The run is running", err.Error()+"; a run left running by a process that died is recovered first (POST /v1/runs/"+id+"/recover)")
	case errors.Is(err, runs.ErrNotWaiting):
		return state("not-waiting", "The run is not waiting for this", err.Error())
	case errors.Is(err, runs.ErrNotInterrupted):
		return state("not-interrupted", "The run is waiting, not interrupted", err.Error())
	case errors.Is(err, runs.ErrFailed):
		return state("failed", "The run failed", err.Error()+`: POST /recover with {"mode": "retry"}`)
	case errors.Is(err, runs.ErrNotFailed):
		return state("not-recoverable", "Nothing to recover", err.Error())
	case errors.Is(err, runs.ErrRolledBack):
		return state("rolled-back", "The run was rolled back", err.Error())
	case errors.Is(err, runs.ErrNothingToUndo):
		return state("nothing-to-roll-back", "Nothing to roll back", err.Error())
	case errors.Is(err, executor.ErrDesignChanged):
		return state("design-changed", "The design changed since the run started", err.Error()+"; continue it with the CLI's --force if that is wanted")
	case errors.Is(err, runs.ErrClosed):
		return state("closed", "The run's workflow is closed", err.Error())
	case errors.Is(err, runs.ErrRollbackFailed):
		p := state("rollback-failed", "The rollback did not finish", err.Error())
		p.Status = http.StatusBadGateway
		return p
	case errors.Is(err, runs.ErrWrongParty):
		p := problem(http.StatusForbidden, "wrong-party", "The token does not act for the party the design names", err.Error())
		p.Run = id
		if rec != nil {
			p.RunStatus, p.Pending = rec.Status, rec.Pending
		}
		return p
	case errors.Is(err, runs.ErrInvalidAnswer):
		p := problem(http.StatusUnprocessableEntity, "bad-answer", "The answer does not fit", err.Error()+" (the run is unchanged)")
		p.Run = id
		if rec != nil {
			p.RunStatus, p.Pending = rec.Status, rec.Pending
		}
		if list, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range list.Unwrap() {
				p.Findings = append(p.Findings, ProblemFinding{Message: e.Error()})
			}
		}
		return p
	case errors.Is(err, runs.ErrKeyReused):
		p := problem(http.StatusUnprocessableEntity, "idempotency-key-reused", "The Idempotency-Key was used for another alert", "a retried request must send the same alert; use a new key for a new alert")
		p.Run = id
		return p
	case errors.Is(err, executor.ErrInvalidAlert):
		return alertProblem(err)
	}
	s.log.Error("acting on a run", "run", id, "error", err)
	return problem(http.StatusInternalServerError, "internal", "The server failed", err.Error())
}

// runsQuery reads the query of GET /v1/runs (see runstore.ParseQuery).
func runsQuery(v url.Values) (runstore.Query, *Problem) {
	q, err := runstore.ParseQuery(v, time.Now())
	if err != nil {
		return q, problem(http.StatusBadRequest, "bad-query", "The query is not valid", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return q, nil
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, _ *Token) *Problem {
	q, p := runsQuery(r.URL.Query())
	if p != nil {
		return p
	}
	page, err := s.runs.List(r.Context(), q)
	if errors.Is(err, runstore.ErrCursor) {
		return problem(http.StatusBadRequest, "bad-query", "The query is not valid", "cursor: "+err.Error()+": give the next of the page before")
	}
	if err != nil {
		return s.internal(r, "listing runs", err)
	}
	if page.Runs == nil {
		page.Runs = []runstore.Summary{}
	}
	if page.Next != "" {
		v := r.URL.Query()
		v.Set("cursor", page.Next)
		w.Header().Set("Link", "</v1/runs?"+v.Encode()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
