package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/runstore"
)

// AlertWait is how long POST /v1/alerts waits, with Temporal, for the
// new run to wait, stop or end before it answers with the run still
// running (202).
const AlertWait = 60 * time.Second

// NewTemporal returns a server of plan's design whose runs are Temporal
// workflows, started, answered, read and listed through c: the same API
// and page as New's, with the runs run by secops workers (package
// executor/temporal) on c's task queue rather than in the server. An
// alert starts a workflow (its Idempotency-Key, with the token's name,
// is the workflow id reuse guard); answers, approvals, rejections,
// retries and rollbacks are Updates; a record is the workflow's Query;
// listings come from visibility (search attributes).
//
// WithWorkers and WithQueue do not apply; the adapters are called by
// the workers, so /metrics has no adapter or run figures (Temporal's
// own metrics have them).
func NewTemporal(plan *executor.Plan, c *temporal.Client, opts ...Option) (*Server, error) {
	if plan == nil || c == nil {
		return nil, errors.New("server.NewTemporal: a plan and a Temporal client are required")
	}
	return newServer(plan, nil, c, opts)
}

// temporalBackend keeps the runs as Temporal workflows.
type temporalBackend struct {
	s *Server
	c *temporal.Client
}

func (b *temporalBackend) alert(w http.ResponseWriter, r *http.Request, tok *Token, alert map[string]any, key string) *Problem {
	s, ctx := b.s, r.Context()
	plan := s.plan
	var id string
	if key != "" {
		// The same key from the same token is the same workflow id.
		key = tok.Name + "\x00" + key
		id = temporal.RunID(plan.Design().Metadata.Name, key)
		rec, err := b.c.Record(ctx, id)
		switch {
		case err == nil:
			if !sameAlert(rec.Alert, alert) {
				p := problem(http.StatusUnprocessableEntity, "idempotency-key-reused", "The Idempotency-Key was used for another alert", "a retried request must send the same alert; use a new key for a new alert")
				p.Run = id
				return p
			}
			w.Header().Set("Location", "/v1/runs/"+id)
			w.Header().Set("Idempotent-Replayed", "true")
			writeJSON(w, http.StatusOK, rec)
			return nil
		case !errors.Is(err, temporal.ErrUnknownRun):
			p := problem(http.StatusConflict, "in-progress", "A request with this Idempotency-Key is in progress", "try again when it has finished ("+err.Error()+")")
			p.Run = id
			return p
		}
	}
	id, err := b.c.Start(ctx, plan, alert, key)
	if err != nil {
		var ae *executor.AlertError
		if errors.As(err, &ae) {
			return alertProblem(err)
		}
		return s.internal(r, "starting a run on Temporal", err)
	}
	s.log.Info("started", "run", id, "actor", tok.Name)
	w.Header().Set("Location", "/v1/runs/"+id)
	rec := b.settle(ctx, id)
	if rec == nil {
		writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "status": executor.Running})
		return nil
	}
	writeJSON(w, http.StatusCreated, rec)
	return nil
}

// settle reads run id's record until the run waits, stops or ends, for
// at most AlertWait or until ctx is done; it returns the last record
// read (nil if none could be).
func (b *temporalBackend) settle(ctx context.Context, id string) *executor.Record {
	ctx, cancel := context.WithTimeout(ctx, AlertWait)
	defer cancel()
	var last *executor.Record
	for pause := 20 * time.Millisecond; ; pause = min(2*pause, 500*time.Millisecond) {
		if rec, err := b.c.Record(ctx, id); err == nil {
			last = rec
			if rec.Status != executor.Running {
				return rec
			}
		}
		select {
		case <-ctx.Done():
			return last
		case <-time.After(pause):
		}
	}
}

func (b *temporalBackend) load(ctx context.Context, id string) (*executor.Record, *Problem) {
	rec, err := b.c.Record(ctx, id)
	if errors.Is(err, temporal.ErrUnknownRun) {
		p := problem(http.StatusNotFound, "no-such-run", "No such run", "there is no run "+id)
		p.Run = id
		return nil, p
	}
	if err != nil {
		b.s.log.Error("reading a run", "run", id, "error", err)
		return nil, problem(http.StatusBadGateway, "temporal", "Temporal did not give the record", err.Error())
	}
	return rec, nil
}

func (b *temporalBackend) list(ctx context.Context, q runstore.Query) (runstore.Page, error) {
	if _, err := base64.RawURLEncoding.DecodeString(q.Cursor); err != nil {
		return runstore.Page{}, fmt.Errorf("%w: %v", runstore.ErrCursor, err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = runstore.DefaultLimit
	}
	f := temporal.Filter{Statuses: q.Status, Incident: q.Incident, Severity: q.Severity, Since: q.Since, Until: q.Until,
		Design: b.s.plan.Design().Metadata.Name}
	sums, next, err := b.c.List(ctx, f, min(limit, runstore.MaxLimit), q.Cursor)
	if err != nil {
		return runstore.Page{}, err
	}
	page := runstore.Page{Runs: make([]runstore.Summary, 0, len(sums)), Next: next}
	for _, s := range sums {
		page.Runs = append(page.Runs, runstore.Summary{ID: s.ID, Status: s.Status, Incident: s.Incident, Severity: s.Severity,
			Playbook: s.Playbook, Response: s.Response, Breached: s.Breached, Started: s.Started})
	}
	return page, nil
}

func (b *temporalBackend) act(ctx context.Context, id string, o op, tok *Token, body answerBody) (*executor.Record, *Problem) {
	s := b.s
	rec, p := b.load(ctx, id)
	if p != nil {
		return nil, p
	}
	if err := s.plan.CheckRecord(rec); err != nil {
		return nil, stateProblem(rec, "design-changed", "The design changed since the run started", err.Error())
	}
	if o == opRollback {
		return b.rollback(ctx, rec, tok)
	}
	d := temporal.Decision{Answer: executor.Answer{Actor: tok.Name, Outputs: body.Outputs}}
	switch o {
	case opApprove, opReject:
		d.Answer.Approve, d.Answer.Reject = o == opApprove, o == opReject
		if rec.Pending != nil {
			d.Party = rec.Pending.Party
		}
	case opRecover:
		if rec.Status == executor.Waiting {
			return nil, stateProblem(rec, "not-interrupted", "The run is waiting, not interrupted", "answer or approve it instead")
		}
		if rec.Status != executor.Failed || body.Mode != executor.Retry {
			return nil, stateProblem(rec, "not-recoverable", "Nothing to recover",
				`with Temporal a run is never left interrupted (another worker goes on with it); a run that failed on a method is retried with {"mode": "retry"}`)
		}
		d.Answer.Recover = executor.Retry
	}
	if err := s.plan.CheckAnswer(rec, d.Answer); err != nil {
		return nil, answerProblem(rec, err)
	}
	if p := s.mayAnswer(rec, o, tok); p != nil {
		return nil, p
	}
	// The run goes on in the workflow; a client that hangs up does not
	// stop it, only this wait for its record.
	got, err := b.c.Answer(context.WithoutCancel(ctx), id, d)
	if err != nil {
		return nil, b.updateProblem(rec, err)
	}
	s.log.Info(string(o), "run", id, "actor", tok.Name, "status", got.Status)
	return got, nil
}

// updateProblem maps an error of an Update: what its validator refused
// (the run moved since it was read), or Temporal's failure.
func (b *temporalBackend) updateProblem(rec *executor.Record, err error) *Problem {
	switch {
	case errors.Is(err, executor.ErrNotWaiting):
		return stateProblem(rec, "not-waiting", "The run is not waiting for this", err.Error())
	case errors.Is(err, temporal.ErrWrongParty):
		return forbidden(rec, err.Error())
	case errors.Is(err, temporal.ErrInvalidAnswer):
		return answerProblem(rec, err)
	case errors.Is(err, temporal.ErrUnknownRun):
		p := problem(http.StatusNotFound, "no-such-run", "No such run", err.Error())
		p.Run = rec.ID
		return p
	}
	b.s.log.Error("update", "run", rec.ID, "error", err)
	return problem(http.StatusBadGateway, "temporal", "The run did not go on", err.Error())
}

// rollback undoes what run rec applied, in its workflow (an Update):
// the workflow must still be open, waiting or failed, or ended within the
// workers' rollback window (secops worker --rollback-window).
func (b *temporalBackend) rollback(ctx context.Context, rec *executor.Record, tok *Token) (*executor.Record, *Problem) {
	s, id := b.s, rec.ID
	if !undoable(rec) {
		return nil, stateProblem(rec, "nothing-to-roll-back", "Nothing to roll back", fmt.Sprintf("run %s applied no response method that is not rolled back already", id))
	}
	if rec.Status == executor.Running {
		return nil, stateProblem(rec, "running", "The run is running", "roll it back when it waits or has ended")
	}
	got, err := b.c.Rollback(context.WithoutCancel(ctx), id)
	switch {
	case err == nil:
		s.log.Info("rolled back", "run", id, "actor", tok.Name)
		return got, nil
	case errors.Is(err, temporal.ErrNothingToUndo):
		return nil, stateProblem(rec, "nothing-to-roll-back", "Nothing to roll back", err.Error())
	case errors.Is(err, executor.ErrNotWaiting) && rec.Status == executor.Waiting:
		return nil, stateProblem(rec, "running", "The run is working", err.Error()+"; roll it back when it waits or has ended")
	case errors.Is(err, temporal.ErrUnknownRun) || errors.Is(err, executor.ErrNotWaiting):
		// Closed, or closing as the run ended.
		return nil, stateProblem(rec, "closed", "The run's workflow is closed",
			fmt.Sprintf("run %s ended and its workflow closed, so Temporal can no longer roll it back: start the workers with --rollback-window to keep ended runs open for a rollback, or roll it back from its record with secops rollback", id))
	}
	// A rollback action failed: the record says which.
	if now, p := b.load(ctx, id); p == nil {
		rec = now
	}
	s.log.Error("rollback", "run", id, "error", err)
	p := stateProblem(rec, "rollback-failed", "The rollback did not finish", err.Error())
	p.Status = http.StatusBadGateway
	return nil, p
}
