package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Group commit: the writes of one handle take turns, one writer at a
// time leading a batch, and the writes that queue while it writes are
// the next batch, which the first of them leads. A batch of one is its
// statement alone, as an autocommit; a batch of more is one transaction.

// maxBatch bounds the writes committed in one transaction.
const maxBatch = 64

// A write is one statement that writes, of a Create, a Save or a claim,
// on its way to the database.
type write struct {
	ctx  context.Context
	stmt *sql.Stmt
	args []any

	n   int64 // the rows the statement changed
	err error

	lead bool          // set, under the store's wmu, when the write leads the next batch
	done chan struct{} // closed when the write is done, or leads
}

// write runs a statement that writes, in this handle's turn and with the
// writes that wait with it, and returns the number of rows it changed
// once it is committed.
func (s *Store) write(ctx context.Context, stmt *sql.Stmt, args ...any) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	w := &write{ctx: ctx, stmt: stmt, args: args}
	s.wmu.Lock()
	if !s.writing {
		// Nobody writes: write now, with no wait for others.
		s.writing = true
		s.wmu.Unlock()
		s.lead(w)
		return w.n, w.err
	}
	w.done = make(chan struct{})
	s.queue = append(s.queue, w)
	s.wmu.Unlock()
	select {
	case <-w.done:
	case <-ctx.Done():
		s.wmu.Lock()
		if i := slices.Index(s.queue, w); i >= 0 {
			// Not taken into a batch yet: it will not be written.
			s.queue = slices.Delete(s.queue, i, i+1)
			s.wmu.Unlock()
			return 0, ctx.Err()
		}
		s.wmu.Unlock()
		<-w.done // in a batch, or leading one
	}
	if w.lead {
		s.lead(w)
	}
	return w.n, w.err
}

// lead writes w and the writes queued behind it (up to maxBatch in all),
// then hands the turn to the first write still queued.
func (s *Store) lead(w *write) {
	s.wmu.Lock()
	batch := append(s.batch[:0], w)
	k := min(len(s.queue), maxBatch-1)
	batch = append(batch, s.queue[:k]...)
	rest := copy(s.queue, s.queue[k:])
	clear(s.queue[rest:])
	s.queue = s.queue[:rest]
	s.wmu.Unlock()

	// A write whose context ended before its batch began is not written.
	live := s.live[:0]
	for _, x := range batch {
		if err := x.ctx.Err(); err != nil {
			x.err = err
			continue
		}
		live = append(live, x)
	}
	s.commit(live)

	// Done with s.batch before the next leader takes it.
	for _, x := range batch[1:] { // w, the leader, is not waiting
		close(x.done)
	}
	clear(s.batch[:len(batch)])
	clear(s.live[:len(live)])
	s.wmu.Lock()
	if len(s.queue) > 0 {
		next := s.queue[0]
		s.queue = slices.Delete(s.queue, 0, 1)
		next.lead = true
		close(next.done)
	} else {
		s.writing = false
	}
	s.wmu.Unlock()
}

// commit writes the batch: one write alone, more in one transaction.
func (s *Store) commit(batch []*write) {
	switch len(batch) {
	case 0:
		return
	case 1:
		w := batch[0]
		w.n, w.err = s.exec(w.ctx, w.stmt, w.args)
		return
	}
	// The transaction is all its writers': not one of them may cancel it.
	ctx := context.WithoutCancel(batch[0].ctx)
	err := s.commitTx(ctx, batch)
	var se *stmtError
	switch {
	case errors.As(err, &se):
		// Rolled back: write each alone, so that only the statement that
		// fails fails.
		for _, w := range batch {
			w.n, w.err = s.exec(context.WithoutCancel(w.ctx), w.stmt, w.args)
		}
	case err != nil:
		for _, w := range batch {
			w.n, w.err = 0, err
		}
	}
}

// exec runs one write as a statement alone, committed when it returns.
func (s *Store) exec(ctx context.Context, stmt *sql.Stmt, args []any) (int64, error) {
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err == nil {
		s.commits.Add(1)
		s.writes.Add(1)
	}
	return n, err
}

// stmtError is the error of a statement of a batch's transaction.
type stmtError struct{ err error }

func (e *stmtError) Error() string { return e.err.Error() }
func (e *stmtError) Unwrap() error { return e.err }

// commitTx writes the batch in one transaction, and sets each write's
// rows changed once it committed.
func (s *Store) commitTx(ctx context.Context, batch []*write) error {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see sqliteDSN)
	if err != nil {
		return fmt.Errorf("begin the transaction of %d writes: %w", len(batch), err)
	}
	for _, w := range batch {
		res, err := tx.StmtContext(ctx, w.stmt).ExecContext(ctx, w.args...)
		if err == nil {
			w.n, err = res.RowsAffected()
		}
		if err != nil {
			tx.Rollback() // SQLite may have rolled it back already
			return &stmtError{err}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit the transaction of %d writes: %w", len(batch), err)
	}
	s.commits.Add(1)
	s.writes.Add(int64(len(batch)))
	return nil
}

// withBusyTimeout sets the busy timeout (default busyTimeout), for tests.
func withBusyTimeout(d time.Duration) Option { return func(s *Store) { s.busy = d } }
