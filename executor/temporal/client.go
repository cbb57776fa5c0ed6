package temporal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdk "go.temporal.io/sdk/temporal"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runs"
)

// The errors of Answer are those of package runs, whose rules the
// workflow's Update validator keeps (runs.Rules.Check).
var (
	// ErrWrongParty is wrapped by the error of an act by an actor who
	// does not act for the party the run waits for.
	ErrWrongParty = runs.ErrWrongParty
	// ErrInvalidAnswer is wrapped by the error of an answer that does
	// not fit the design (outputs of the wrong type, a missing output).
	ErrInvalidAnswer = runs.ErrInvalidAnswer
	// ErrNothingToUndo is wrapped by the error of a rollback of a run
	// that applied nothing not rolled back already.
	ErrNothingToUndo = runs.ErrNothingToUndo
	// ErrUnknownRun is wrapped by the errors for a run id Temporal does
	// not know (runs.ErrNotFound).
	ErrUnknownRun = runs.ErrNotFound
)

// Client starts runs and answers, reads and lists them, through a
// Temporal client: what a front end (secops serve --temporal) needs.
type Client struct {
	c     client.Client
	queue string
}

// NewClient returns a client starting runs on taskQueue (default
// DefaultTaskQueue).
func NewClient(c client.Client, taskQueue string) *Client {
	if taskQueue == "" {
		taskQueue = DefaultTaskQueue
	}
	return &Client{c: c, queue: taskQueue}
}

// Start starts a run of alert through plan's design. The alert is
// checked first (an *executor.AlertError). With an idempotency key, the
// run's id is derived from the design's name and the key, and a second
// Start with the same key returns the first run, running or closed,
// rather than starting another (the workflow id reuse and conflict
// policies guard it); without one, the id is random. It returns the
// run's id.
func (c *Client) Start(ctx context.Context, plan *executor.Plan, alert map[string]any, key string) (string, error) {
	if err := plan.CheckAlert(alert); err != nil {
		return "", err
	}
	name := plan.Design().Metadata.Name
	id := RunID(name, key)
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                c.queue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: sdk.NewSearchAttributes(AttrStatus.ValueSet(string(executor.Running)),
			AttrDesign.ValueSet(string(name))),
	}
	run, err := c.c.ExecuteWorkflow(ctx, opts, WorkflowName, RunInput{Design: name, DesignDigest: plan.Digest(), Alert: alert})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return id, nil // closed, with the same key
	}
	if err != nil {
		return "", fmt.Errorf("starting run %s: %w", id, err)
	}
	return run.GetID(), nil
}

// RunID returns the id of the run of design started with idempotency
// key: 16 hex digits of a hash of both, or random ones without a key.
func RunID(design ident.ID, key string) string {
	if key == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}
	h := sha256.Sum256([]byte(string(design) + "\x00" + key))
	return hex.EncodeToString(h[:8])
}

// Answer answers run id with d, returning the record once the run has
// gone on with it: to its end or its next wait. An answer the run is not
// waiting for is an error wrapping executor.ErrNotWaiting; one from the
// wrong party wraps ErrWrongParty; one that does not fit the design is
// another error. Refused answers do not enter the run's history.
func (c *Client) Answer(ctx context.Context, id string, d Decision) (*executor.Record, error) {
	h, err := c.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: UpdateAnswer, Args: []any{d},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return nil, answerError(id, err)
	}
	var rec *executor.Record
	if err := h.Get(ctx, &rec); err != nil {
		return rec, answerError(id, err)
	}
	return rec, nil
}

func answerError(id string, err error) error {
	var app *sdk.ApplicationError
	if errors.As(err, &app) {
		switch app.Type() {
		case ErrTypeNotWaiting:
			return fmt.Errorf("%w: %s", executor.ErrNotWaiting, app.Message())
		case ErrTypeWrongParty:
			return fmt.Errorf("%w: %s", ErrWrongParty, app.Message())
		case ErrTypeInvalidAnswer:
			return fmt.Errorf("%w: %s", ErrInvalidAnswer, app.Message())
		case ErrTypeNothingToUndo:
			return fmt.Errorf("%w: %s", ErrNothingToUndo, app.Message())
		case ErrTypeRolledBack:
			return fmt.Errorf("%w: %s", executor.ErrRolledBack, app.Message())
		case ErrTypeRunning:
			return fmt.Errorf("%w: %s", runs.ErrRunning, app.Message())
		case ErrTypeNotInterrupted:
			return fmt.Errorf("%w: %s", runs.ErrNotInterrupted, app.Message())
		case ErrTypeFailed:
			return fmt.Errorf("%w: %s", runs.ErrFailed, app.Message())
		case ErrTypeNotFailed:
			return fmt.Errorf("%w: %s", runs.ErrNotFailed, app.Message())
		case ErrTypeDesignChanged:
			return fmt.Errorf("%w: %s", executor.ErrDesignChanged, app.Message())
		}
		return errors.New(app.Message())
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("%w: run %s: %v", ErrUnknownRun, id, err)
	}
	return fmt.Errorf("answering run %s: %w", id, err)
}

// Approve grants the pending approval of run id on behalf of party.
func (c *Client) Approve(ctx context.Context, id string, party ident.ID, actor string) (*executor.Record, error) {
	return c.Answer(ctx, id, Decision{Answer: executor.Answer{Approve: true, Actor: actor}, Party: party})
}

// Reject declines the pending approval of run id on behalf of party: the
// run fails.
func (c *Client) Reject(ctx context.Context, id string, party ident.ID, actor string) (*executor.Record, error) {
	return c.Answer(ctx, id, Decision{Answer: executor.Answer{Reject: true, Actor: actor}, Party: party})
}

// Retry goes on with a run that failed on a method, calling it again
// with the same idempotency key.
func (c *Client) Retry(ctx context.Context, id, actor string) (*executor.Record, error) {
	return c.Answer(ctx, id, Decision{Answer: executor.Answer{Recover: executor.Retry, Actor: actor}})
}

// Rollback undoes the response methods run id applied, the latest first,
// in its workflow (each rollback call an activity, journaled), and
// returns the record once done. The run's workflow must be open: waiting,
// failed and open for a retry, or ended within the workers'
// RollbackWindow; a closed one is an error wrapping ErrUnknownRun. A run
// with nothing to undo wraps ErrNothingToUndo; a rollback action that
// failed is an error, and the record (Record) says which.
func (c *Client) Rollback(ctx context.Context, id string) (*executor.Record, error) {
	return c.Answer(ctx, id, Decision{Rollback: true})
}

// Record returns the record of run id, open or closed.
func (c *Client) Record(ctx context.Context, id string) (*executor.Record, error) {
	v, err := c.c.QueryWorkflow(ctx, id, "", QueryRecord)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("%w: %s", ErrUnknownRun, id)
		}
		return nil, fmt.Errorf("reading the record of run %s: %w", id, err)
	}
	var rec *executor.Record
	if err := v.Get(&rec); err != nil {
		return nil, fmt.Errorf("reading the record of run %s: %w", id, err)
	}
	return rec, nil
}

// Filter selects runs for List; empty fields select all.
type Filter struct {
	Status executor.Status
	// Statuses, when set, selects runs with one of these statuses.
	Statuses []executor.Status
	// Since and Until select runs started at or after Since and before
	// Until; zero times select all.
	Since, Until time.Time
	Incident     ident.ID
	Severity     ident.ID
	Playbook     ident.ID
	Response     ident.ID
	Design       ident.ID
	// Breached selects runs that breached a target (true) or did not
	// (false); nil selects both.
	Breached *bool
}

// Summary is a run as visibility lists it.
type Summary struct {
	ID       string          `json:"id"`
	Status   executor.Status `json:"status"`
	Design   ident.ID        `json:"design,omitempty"`
	Incident ident.ID        `json:"incident,omitempty"`
	Severity ident.ID        `json:"severity,omitempty"`
	Playbook ident.ID        `json:"playbook,omitempty"`
	Response ident.ID        `json:"response,omitempty"`
	Breached bool            `json:"breached,omitempty"`
	// RolledBack: a rollback undid every response method the run applied.
	RolledBack bool      `json:"rolled_back,omitempty"`
	Started    time.Time `json:"started"`
	// Open is set while the run's workflow is open.
	Open bool `json:"open"`
}

// List returns up to limit runs matching f (newest first, as
// visibility orders them) and the cursor of the next page ("" on the
// last).
func (c *Client) List(ctx context.Context, f Filter, limit int, cursor string) ([]Summary, string, error) {
	token, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, "", fmt.Errorf("bad cursor %q: %v", cursor, err)
	}
	q := []string{fmt.Sprintf("WorkflowType = '%s'", WorkflowName)}
	for _, kv := range []struct{ key, val string }{{AttrStatus.GetName(), string(f.Status)}, {AttrIncident.GetName(), string(f.Incident)},
		{AttrSeverity.GetName(), string(f.Severity)}, {AttrPlaybook.GetName(), string(f.Playbook)},
		{AttrResponse.GetName(), string(f.Response)}, {AttrDesign.GetName(), string(f.Design)}} {
		if kv.val == "" {
			continue
		}
		if strings.ContainsAny(kv.val, "'\\\"") {
			return nil, "", fmt.Errorf("bad filter value %q for %s", kv.val, kv.key)
		}
		q = append(q, fmt.Sprintf("%s = '%s'", kv.key, kv.val))
	}
	if len(f.Statuses) > 0 {
		var in []string
		for _, st := range f.Statuses {
			if strings.ContainsAny(string(st), "'\\\"") {
				return nil, "", fmt.Errorf("bad filter value %q for %s", st, AttrStatus.GetName())
			}
			in = append(in, "'"+string(st)+"'")
		}
		q = append(q, fmt.Sprintf("%s IN (%s)", AttrStatus.GetName(), strings.Join(in, ", ")))
	}
	if !f.Since.IsZero() {
		q = append(q, fmt.Sprintf("StartTime >= '%s'", f.Since.UTC().Format(time.RFC3339Nano)))
	}
	if !f.Until.IsZero() {
		q = append(q, fmt.Sprintf("StartTime < '%s'", f.Until.UTC().Format(time.RFC3339Nano)))
	}
	if f.Breached != nil {
		q = append(q, fmt.Sprintf("%s = %t", AttrBreached.GetName(), *f.Breached))
	}
	resp, err := c.c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: int32(limit), NextPageToken: token,
		Query: strings.Join(q, " AND ")})
	if err != nil {
		return nil, "", fmt.Errorf("listing runs: %w", err)
	}
	dc := converter.GetDefaultDataConverter()
	out := make([]Summary, 0, len(resp.GetExecutions()))
	for _, e := range resp.GetExecutions() {
		s := Summary{ID: e.GetExecution().GetWorkflowId(), Started: e.GetStartTime().AsTime(),
			Open: e.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING}
		fields := e.GetSearchAttributes().GetIndexedFields()
		str := func(name string) string {
			var v string
			if p, ok := fields[name]; ok {
				_ = dc.FromPayload(p, &v)
			}
			return v
		}
		s.Status = executor.Status(str(AttrStatus.GetName()))
		s.Design = ident.ID(str(AttrDesign.GetName()))
		s.Incident = ident.ID(str(AttrIncident.GetName()))
		s.Severity = ident.ID(str(AttrSeverity.GetName()))
		s.Playbook = ident.ID(str(AttrPlaybook.GetName()))
		s.Response = ident.ID(str(AttrResponse.GetName()))
		if p, ok := fields[AttrBreached.GetName()]; ok {
			_ = dc.FromPayload(p, &s.Breached)
		}
		if p, ok := fields[AttrRolledBack.GetName()]; ok {
			_ = dc.FromPayload(p, &s.RolledBack)
		}
		out = append(out, s)
	}
	return out, base64.RawURLEncoding.EncodeToString(resp.GetNextPageToken()), nil
}

// Records yields the record of every run matching f, the newest first,
// listing them a page at a time through visibility and reading each
// through the Query; a run gone between the two is left out. It stops
// at the first error, which it yields.
func (c *Client) Records(ctx context.Context, f Filter) iter.Seq2[*executor.Record, error] {
	return func(yield func(*executor.Record, error) bool) {
		cursor := ""
		for {
			runs, next, err := c.List(ctx, f, 1000, cursor)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, s := range runs {
				rec, err := c.Record(ctx, s.ID)
				if errors.Is(err, ErrUnknownRun) {
					continue
				}
				if !yield(rec, err) || err != nil {
					return
				}
			}
			if next == "" {
				return
			}
			cursor = next
		}
	}
}
