package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
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

// act does o to run id as tok: it takes the run's claim, loads it,
// checks that the run is in a state that allows o and that tok acts for
// the party the design names, resumes or rolls back the run (journaled
// into the store), and releases the claim. The run goes on in the
// server's context, not the request's: a client that hangs up does not
// stop containment half-way.
func (s *Server) act(ctx context.Context, id string, o op, tok *Token, body answerBody) (*executor.Record, *Problem) {
	if s.draining() {
		// The runs' context is cancelled: a resume would stop at once.
		return nil, s.unavailable("the server is shutting down; answer when it is back")
	}
	return s.be.act(ctx, id, o, tok, body)
}

// storeAct is act on a run of the store, resumed by the in-process
// engine.
func (s *Server) storeAct(ctx context.Context, id string, o op, tok *Token, body answerBody) (*executor.Record, *Problem) {
	claim, err := s.store.Claim(ctx, id, s.holder, ClaimTTL)
	if err != nil {
		var ce *runstore.ClaimedError
		if errors.As(err, &ce) {
			p := problem(http.StatusConflict, "claimed", "The run is being worked on", fmt.Sprintf("run %s is claimed by %s: try again when it has finished", id, ce.Holder))
			p.Run = id
			return nil, p
		}
		s.log.Error("claiming a run", "run", id, "error", err)
		return nil, problem(http.StatusInternalServerError, "internal", "The server failed", "claiming run "+id+": "+err.Error())
	}
	defer s.release(claim)
	rec, p := s.storeLoad(ctx, id)
	if p != nil {
		return nil, p
	}
	old, events := runstore.Summarize(rec), len(rec.Events)
	e, err := s.newEngine("")
	if err != nil {
		return nil, problem(http.StatusInternalServerError, "internal", "The server failed", err.Error())
	}
	if err := s.plan.CheckRecord(rec); err != nil {
		return nil, stateProblem(rec, "design-changed", "The design changed since the run started", err.Error()+"; continue it with the CLI's --force if that is wanted")
	}
	if o == opRollback {
		if !undoable(rec) {
			return nil, stateProblem(rec, "nothing-to-roll-back", "Nothing to roll back", fmt.Sprintf("run %s applied no response method that is not rolled back already", id))
		}
		if rec.Status == executor.Running {
			return nil, stateProblem(rec, "running", "The run is running", "a run left running by a process that died is recovered first (POST /v1/runs/"+id+"/recover)")
		}
		rec, err = e.Rollback(s.ctx, rec)
		if rec != nil && rec.Version > 0 {
			s.metrics.observe(&old, rec, events, s.waitingParty)
		}
		if err != nil {
			if errors.Is(err, executor.ErrCheckpoint) {
				s.log.Error("rollback", "run", id, "error", err)
			}
			p := stateProblem(rec, "rollback-failed", "The rollback did not finish", err.Error())
			p.Status = http.StatusBadGateway
			return nil, p
		}
		s.log.Info("rolled back", "run", id, "actor", tok.Name)
		return rec, nil
	}
	ans := executor.Answer{Actor: tok.Name, Outputs: body.Outputs}
	switch o {
	case opApprove:
		ans.Approve = true
	case opReject:
		ans.Reject = true
	case opRecover:
		ans.Recover = body.Mode
		if rec.Status == executor.Waiting {
			return nil, stateProblem(rec, "not-interrupted", "The run is waiting, not interrupted", "answer or approve it instead")
		}
		if rec.Status == executor.Failed && ans.Recover != executor.Retry {
			return nil, stateProblem(rec, "failed", "The run failed", `a failed run is retried from its failed method with {"mode": "retry"}`)
		}
	}
	if err := s.plan.CheckAnswer(rec, ans); err != nil {
		return nil, answerProblem(rec, err)
	}
	if p := s.mayAnswer(rec, o, tok); p != nil {
		return nil, p
	}
	rec, err = e.Resume(s.ctx, rec, ans)
	if rec != nil && rec.Version > 0 {
		s.metrics.observe(&old, rec, events, s.waitingParty)
	}
	if err != nil {
		if errors.Is(err, executor.ErrNotWaiting) || errors.Is(err, executor.ErrUncertain) || errors.Is(err, executor.ErrDesignChanged) {
			return nil, answerProblem(rec, err)
		}
		s.log.Error("resume", "run", id, "error", err)
		return nil, problem(http.StatusInternalServerError, "internal", "The server failed", err.Error())
	}
	s.log.Info(string(o), "run", id, "actor", tok.Name, "status", rec.Status)
	return rec, nil
}

// mayAnswer checks that tok acts for the party the design names for
// what rec waits on: the approval's party, or the party responsible for
// the task's phase.
func (s *Server) mayAnswer(rec *executor.Record, o op, tok *Token) *Problem {
	if tok == local || rec.Pending == nil || rec.Status != executor.Waiting {
		return nil
	}
	switch {
	case (o == opApprove || o == opReject) && rec.Pending.Party != "":
		if !tok.ActsFor(rec.Pending.Party) {
			return forbidden(rec, fmt.Sprintf("response %s needs the approval of %s; token %s acts for %s", rec.Pending.Response, rec.Pending.Party, tok.Name, partyList(tok)))
		}
	case o == opAnswers && rec.Pending.Method != "":
		party := TaskParty(s.plan, rec.Pending)
		if party != "" && !tok.ActsFor(party) {
			return forbidden(rec, fmt.Sprintf("task %s is %s's to answer (responsible for its phase); token %s acts for %s", rec.Pending.Method, party, tok.Name, partyList(tok)))
		}
	}
	return nil
}

func partyList(tok *Token) string {
	if len(tok.Parties) == 0 {
		return "no party"
	}
	return joinIDs(tok.Parties)
}

func forbidden(rec *executor.Record, detail string) *Problem {
	p := problem(http.StatusForbidden, "wrong-party", "The token does not act for the party the design names", detail)
	p.Run, p.RunStatus, p.Pending = rec.ID, rec.Status, rec.Pending
	return p
}

func stateProblem(rec *executor.Record, kind, title, detail string) *Problem {
	p := problem(http.StatusConflict, kind, title, detail)
	if rec != nil {
		p.Run, p.RunStatus, p.Pending = rec.ID, rec.Status, rec.Pending
	}
	return p
}

// answerProblem maps an error of CheckAnswer or Resume: 409 with the
// run's state when the run is not waiting for this answer or must be
// recovered first, 422 for a mistaken answer.
func answerProblem(rec *executor.Record, err error) *Problem {
	var ue *executor.UncertainError
	switch {
	case errors.As(err, &ue):
		p := stateProblem(rec, "uncertain", "The run must be recovered first",
			err.Error()+`; check the system, then POST /recover with {"mode": "retry"} (call again with the same idempotency key) or {"mode": "applied"}`)
		p.Calls = ue.Calls
		return p
	case errors.Is(err, executor.ErrNotWaiting):
		return stateProblem(rec, "not-waiting", "The run is not waiting for this", err.Error())
	case errors.Is(err, executor.ErrDesignChanged):
		return stateProblem(rec, "design-changed", "The design changed since the run started", err.Error())
	}
	p := problem(http.StatusUnprocessableEntity, "bad-answer", "The answer does not fit", err.Error()+" (the run is unchanged)")
	p.Run, p.RunStatus, p.Pending = rec.ID, rec.Status, rec.Pending
	if list, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range list.Unwrap() {
			p.Findings = append(p.Findings, ProblemFinding{Message: e.Error()})
		}
	}
	return p
}

// undoable reports whether rec has response methods to undo.
func undoable(rec *executor.Record) bool {
	for _, m := range rec.Applied {
		if !slices.Contains(rec.RolledBack, m) {
			return true
		}
	}
	for _, c := range rec.Uncertain() {
		if c.Response != "" && !c.Rollback {
			return true
		}
	}
	return false
}

// runsQuery reads the query of GET /v1/runs.
func runsQuery(v url.Values) (runstore.Query, *Problem) {
	var q runstore.Query
	bad := func(format string, args ...any) (runstore.Query, *Problem) {
		return q, problem(http.StatusBadRequest, "bad-query", "The query is not valid", fmt.Sprintf(format, args...))
	}
	for _, list := range v["status"] {
		for st := range strings.SplitSeq(list, ",") {
			if !slices.Contains(executor.Statuses, executor.Status(st)) {
				return bad("status %q: want one of %v", st, executor.Statuses)
			}
			q.Status = append(q.Status, executor.Status(st))
		}
	}
	q.Incident, q.Severity = ident.ID(v.Get("incident")), ident.ID(v.Get("severity"))
	for _, k := range []string{"since", "until"} {
		if t := v.Get(k); t != "" {
			tm, err := time.Parse(time.RFC3339, t)
			if err != nil {
				return bad("%s %q: want an RFC 3339 time, as 2026-11-20T09:15:00Z", k, t)
			}
			if k == "since" {
				q.Since = tm
			} else {
				q.Until = tm
			}
		}
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > runstore.MaxLimit {
			return bad("limit %q: want 1 to %d", l, runstore.MaxLimit)
		}
		q.Limit = n
	}
	q.Cursor = v.Get("cursor")
	return q, nil
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request, _ *Token) *Problem {
	q, p := runsQuery(r.URL.Query())
	if p != nil {
		return p
	}
	page, err := s.be.list(r.Context(), q)
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
