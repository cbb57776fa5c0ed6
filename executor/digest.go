package executor

import (
	"errors"
	"fmt"
)

// ErrDesignChanged is wrapped by the errors of CheckRecord, and of Resume
// and Rollback without WithChangedDesign, for a record whose run started
// with a design other than the plan's: continuing or undoing it would
// follow a flow the run did not start with.
var ErrDesignChanged = errors.New("the design changed since the run started")

// DesignChangedError says that a record's run started with another design.
type DesignChangedError struct {
	// Run is the id of the record's run (Record.ID).
	Run string
	// Recorded is the digest the record keeps; Current the plan's.
	Recorded, Current string
}

// Error names the run and the short forms of both digests.
func (e *DesignChangedError) Error() string {
	return fmt.Sprintf("run %s started with another version of the design (%s, now %s)", e.Run, short(e.Recorded), short(e.Current))
}

// Is reports whether target is ErrDesignChanged.
func (e *DesignChangedError) Is(target error) bool { return target == ErrDesignChanged }

func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19] + "…"
	}
	return digest
}

// CheckRecord reports whether rec's run started with the plan's design:
// nil when it did, or when rec keeps no digest (a record made before
// records kept one), and a *DesignChangedError otherwise. Resume and
// Rollback check it first, and refuse a changed design unless the engine
// has WithChangedDesign; an embedding tool can call it to ask someone
// before it goes on.
func (p *Plan) CheckRecord(rec *Record) error {
	if rec == nil || rec.DesignDigest == "" || rec.DesignDigest == p.Digest() {
		return nil
	}
	return &DesignChangedError{Run: rec.ID, Recorded: rec.DesignDigest, Current: p.Digest()}
}

// WithChangedDesign makes Resume and Rollback go on with a record whose
// run started with another version of the design (see Plan.CheckRecord):
// they record an event of kind design-changed naming both digests, and
// the record keeps the new digest from then on.
func WithChangedDesign() Option {
	return func(c *config) error { c.changedDesign = true; return nil }
}

// checkDesign applies CheckRecord for Resume and Rollback: an error
// unless the engine accepts a changed design, in which case r records the
// change.
func (r *run) checkDesign(op string) error {
	err := r.e.c.plan.CheckRecord(r.rec)
	if err == nil {
		return nil
	}
	if !r.e.c.changedDesign {
		return fmt.Errorf("%s: %w", op, err)
	}
	var dc *DesignChangedError
	errors.As(err, &dc)
	r.event(Event{Kind: EvDesignChanged, Detail: fmt.Sprintf("%s goes on with a changed design: started with %s, now %s", op, dc.Recorded, dc.Current)})
	r.rec.DesignDigest = dc.Current
	return nil
}
