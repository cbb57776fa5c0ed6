package runstore

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// Store keeps run records.
//
// A store may keep references to a saved record's maps (Alert, Fields)
// and to the elements of its lists until the record is saved again, and
// take a map that is the very map of the same record's last save, of the
// same length, for unchanged (the executor changes a map it handed to a
// save only after a later save of the record succeeded with another: see
// executor.Checkpointer); it keeps no reference to the Record itself.
// Records returned by Load are the caller's own.
type Store interface {
	// Create stores a new record, whose Version must be 0, and sets its
	// Version to 1. A record with the same id is an error wrapping
	// ErrExists.
	Create(ctx context.Context, rec *executor.Record) error
	// Load returns the record of run id, with its Version, or an error
	// wrapping ErrNotFound.
	Load(ctx context.Context, id string) (*executor.Record, error)
	// Save replaces the stored record of rec.ID if its version is
	// rec.Version, and increments rec.Version. Otherwise it changes
	// nothing and returns a *ConflictError (wrapping ErrConflict), or an
	// error wrapping ErrNotFound.
	Save(ctx context.Context, rec *executor.Record) error
	// List returns a page of summaries of the runs that q selects, the
	// latest started first.
	List(ctx context.Context, q Query) (Page, error)
	// Claim takes the exclusive claim on run id for holder (a name for
	// people: host and process id), for ttl unless renewed. While a
	// claim of another holder is live, it fails at once with a
	// *ClaimedError (wrapping ErrClaimed). The run need not exist yet.
	// An empty id or holder, or a ttl that is not positive, is an error.
	Claim(ctx context.Context, id, holder string, ttl time.Duration) (Claim, error)
	// Close releases the store's resources.
	Close() error
}

// Claim is a held claim on a run.
type Claim interface {
	// Renew extends the claim by its ttl from now. It fails, with an
	// error wrapping ErrClaimed, when the claim was released, or expired
	// and another holder took it.
	Renew(ctx context.Context) error
	// Release gives the claim up. It is safe to call more than once.
	Release(ctx context.Context) error
}

// The errors of stores.
var (
	ErrNotFound = errors.New("no such run")
	ErrExists   = errors.New("the run exists already")
	ErrConflict = errors.New("the record changed since it was read")
	ErrClaimed  = errors.New("the run is claimed by another process")
)

// ConflictError is a save of a version that is not the stored one.
type ConflictError struct {
	// ID is the run's id.
	ID string
	// Version is the version the save was of; Stored the stored one.
	Version, Stored int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("run %s: the record changed since it was read (version %d, stored %d): another process works on it", e.ID, e.Version, e.Stored)
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ClaimedError is a claim refused because another holder has it.
type ClaimedError struct {
	// ID is the run's id; Holder who has the claim.
	ID, Holder string
	// Expires is when the other claim lapses unless renewed; zero when
	// it lasts as long as its holder (a file lock).
	Expires time.Time
}

func (e *ClaimedError) Error() string {
	return fmt.Sprintf("run %s is in use by another process (%s)", e.ID, e.Holder)
}

// Is reports whether target is ErrClaimed.
func (e *ClaimedError) Is(target error) bool { return target == ErrClaimed }

// Query selects runs. Zero fields select all.
type Query struct {
	// Status, when set, selects runs with one of these statuses.
	Status []executor.Status
	// Incident and Severity select runs of that incident or severity.
	Incident, Severity ident.ID
	// Since and Until select runs started at or after Since and before
	// Until.
	Since, Until time.Time
	// Limit is the most summaries a page holds: DefaultLimit when 0, at
	// most MaxLimit.
	Limit int
	// Cursor continues a listing: the Next of the page before.
	Cursor string
}

// The sizes of a page.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Page is a page of a listing.
type Page struct {
	// Runs are the summaries, the latest started first (ties by id,
	// descending).
	Runs []Summary `json:"runs"`
	// Next continues the listing; empty on the last page.
	Next string `json:"next,omitempty"`
}

// Summary is what a listing says of a run.
type Summary struct {
	ID        string          `json:"id"`
	Status    executor.Status `json:"status"`
	Detection ident.ID        `json:"detection,omitempty"`
	Incident  ident.ID        `json:"incident,omitempty"`
	Severity  ident.ID        `json:"severity,omitempty"`
	Playbook  ident.ID        `json:"playbook,omitempty"`
	Response  ident.ID        `json:"response,omitempty"`
	Breached  bool            `json:"breached,omitempty"`
	// RolledBack says that the run applied response methods and that
	// every one is rolled back (executor.Record.Undone).
	RolledBack bool      `json:"rolled_back,omitempty"`
	DryRun     bool      `json:"dry_run,omitempty"`
	Started    time.Time `json:"started"`
	Updated    time.Time `json:"updated"`
	Version    int64     `json:"version"`
	// Pending is what a waiting run waits for.
	Pending *executor.Pending `json:"pending,omitempty"`
	// Error says why a failed run failed.
	Error string `json:"error,omitempty"`
}

// Summarize returns the summary of rec.
func Summarize(rec *executor.Record) Summary {
	return Summary{ID: rec.ID, Status: rec.Status, Detection: rec.Detection, Incident: rec.Incident, Severity: rec.Severity,
		Playbook: rec.Playbook, Response: rec.Response, Breached: rec.Breached, RolledBack: rec.Undone(), DryRun: rec.DryRun,
		Started: rec.Started, Updated: rec.Updated, Version: rec.Version, Pending: rec.Pending, Error: rec.Error}
}

// Matches reports whether q selects s (its filters; not its page).
func (q *Query) Matches(s *Summary) bool {
	if len(q.Status) > 0 && !slices.Contains(q.Status, s.Status) {
		return false
	}
	if q.Incident != "" && s.Incident != q.Incident || q.Severity != "" && s.Severity != q.Severity {
		return false
	}
	if !q.Since.IsZero() && s.Started.Before(q.Since) || !q.Until.IsZero() && !s.Started.Before(q.Until) {
		return false
	}
	return true
}

// PageSize returns the most summaries a page of q holds: its Limit,
// DefaultLimit when 0, at most MaxLimit.
func (q *Query) PageSize() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

// Position is a place in the listing order, which a cursor names: the
// runs after it are those started before Started, and those started at
// Started (to the nanosecond) whose ids sort before ID.
type Position struct {
	Started time.Time
	ID      string
}

// After reports whether s comes after p in the listing.
func (p *Position) After(s *Summary) bool {
	started, at := s.Started.UnixNano(), p.Started.UnixNano()
	return started < at || started == at && s.ID < p.ID
}

// CursorAfter returns the cursor of a listing that goes on after s: the
// Next of a page whose last summary is s. It is for stores; ParseCursor
// reads it.
func CursorAfter(s *Summary) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(s.Started.UnixNano()))
	return base64.RawURLEncoding.EncodeToString(append(b, s.ID...))
}

// ErrCursor is wrapped by the error of List for a cursor it did not make.
var ErrCursor = errors.New("invalid cursor")

// ParseCursor returns the position a cursor of CursorAfter names: nil
// for the empty cursor (the listing's start), an error wrapping
// ErrCursor for one CursorAfter did not make.
func ParseCursor(c string) (*Position, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 9 {
		return nil, fmt.Errorf("%w %q: pass the next of an earlier page", ErrCursor, c)
	}
	return &Position{Started: time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))).UTC(), ID: string(b[8:])}, nil
}

// CheckNew returns the error of Create for a record the contract
// refuses: none, one without an id, or one with a version (stored
// already). It is for stores.
func CheckNew(rec *executor.Record) error {
	switch {
	case rec == nil || rec.ID == "":
		return fmt.Errorf("create: a record with an id is needed")
	case rec.Version != 0:
		return fmt.Errorf("create: run %s has version %d: it was stored already", rec.ID, rec.Version)
	}
	return nil
}

// CheckClaim returns the error of Claim for arguments the contract
// refuses: an empty id or holder, a ttl that is not positive. It is for
// stores.
func CheckClaim(id, holder string, ttl time.Duration) error {
	switch {
	case id == "":
		return fmt.Errorf("claim: no run id")
	case holder == "":
		return fmt.Errorf("claim of run %s: no holder", id)
	case ttl <= 0:
		return fmt.Errorf("claim of run %s: ttl must be positive, not %v", id, ttl)
	}
	return nil
}

// Checkpointer returns the journal of runs kept in s: the first
// checkpoint of a record never stored (Version 0) creates it, every later
// one saves it, and the record's Version follows the store's.
func Checkpointer(s Store) executor.Checkpointer {
	if s == nil {
		panic("runstore.Checkpointer: nil Store")
	}
	return executor.CheckpointFunc(func(ctx context.Context, rec *executor.Record) error {
		if rec.Version == 0 {
			return s.Create(ctx, rec)
		}
		return s.Save(ctx, rec)
	})
}

// Holder returns a claim holder name for this process: "pid N on HOST".
func Holder() string {
	host, _ := osHostname()
	return holderName(osGetpid(), host)
}

func holderName(pid int, host string) string { return fmt.Sprintf("pid %d on %s", pid, host) }

// HolderGone reports whether holder names, as Holder does, a process of
// this host that has ended, so that its claims need not wait for their
// ttl: a process that was killed holds nothing. It is false for a holder
// named otherwise, of another host, or alive, and where a process's life
// cannot be told (on systems other than unix). A process that ended and
// whose pid was given to another since is taken for alive: its claims
// lapse after their ttl, as they would have anyway.
//
// Processes that share a store on one host must see each other's pids:
// two containers with one host name but pid namespaces of their own are
// two hosts to a store, and must be given different host names.
func HolderGone(holder string) bool {
	rest, ok := strings.CutPrefix(holder, "pid ")
	if !ok {
		return false
	}
	num, host, ok := strings.Cut(rest, " on ")
	if !ok {
		return false
	}
	pid, err := strconv.Atoi(num)
	if err != nil || pid <= 0 || num != strconv.Itoa(pid) {
		return false
	}
	if me, err := osHostname(); err != nil || host != me {
		return false
	}
	return pid != osGetpid() && processGone(pid)
}
