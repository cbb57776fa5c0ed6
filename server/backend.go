package server

import (
	"context"
	"net/http"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

// backend keeps and moves the runs: a run store with the in-process
// engine (New), or Temporal (NewTemporal). The handlers, tokens, parties
// and problems are the server's, the same for both.
type backend interface {
	// alert starts a run of alert (checked already) for tok, with the
	// request's Idempotency-Key (or ""), and writes the reply.
	alert(w http.ResponseWriter, r *http.Request, tok *Token, alert map[string]any, key string) *Problem
	// load returns run id's record.
	load(ctx context.Context, id string) (*executor.Record, *Problem)
	// list returns a page of summaries; a bad cursor wraps
	// runstore.ErrCursor.
	list(ctx context.Context, q runstore.Query) (runstore.Page, error)
	// act answers, approves, rejects, recovers or rolls back run id as
	// tok.
	act(ctx context.Context, id string, o op, tok *Token, body answerBody) (*executor.Record, *Problem)
}

// storeBackend is a run store, with the runs resumed by the in-process
// engine journaling into it.
type storeBackend struct{ s *Server }

func (b storeBackend) alert(w http.ResponseWriter, r *http.Request, tok *Token, alert map[string]any, key string) *Problem {
	return b.s.storeAlert(w, r, tok, alert, key)
}

func (b storeBackend) load(ctx context.Context, id string) (*executor.Record, *Problem) {
	return b.s.storeLoad(ctx, id)
}

func (b storeBackend) list(ctx context.Context, q runstore.Query) (runstore.Page, error) {
	return b.s.store.List(ctx, q)
}

func (b storeBackend) act(ctx context.Context, id string, o op, tok *Token, body answerBody) (*executor.Record, *Problem) {
	return b.s.storeAct(ctx, id, o, tok, body)
}
