package runstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/secopsdesign/secops/executor"
)

// SQLite is a Store that keeps many runs in one SQLite database file, with
// modernc.org/sqlite (pure Go: no cgo). It is the store for services: any
// number of processes on one host may open the same file, and the version
// check of Save and the claims hold across them.
//
// The database is in WAL mode with synchronous=NORMAL: a saved record
// survives the crash of its process as soon as Create or Save returns;
// an operating system crash or a power loss may lose the saves made since
// the WAL was last synced (at its checkpoints), and never corrupts the
// file. Each record is kept as its JSON encoding (as encoding/json writes
// it) beside the columns a listing reads, so that List decodes no record.
// Claims are leases in the same file, renewed in the background while
// held (see Claim).
//
// The engine saves a running record at every step, each time with a few
// events more. For the record objects it saved last that still run, a
// store keeps the encodings of their events and map members and the
// summary columns it wrote, so that a save encodes and writes only what
// changed; an event changed in place since is noticed, and the record
// encoded whole.
//
// It is safe for concurrent use.
type SQLite struct {
	db   *sql.DB
	path string

	// wsem serialises this handle's writes, so that its goroutines queue
	// here, woken at once, rather than in SQLite's busy handler, which
	// sleeps. Writers in other processes still meet at the database lock,
	// with the busy timeout.
	wsem chan struct{}

	enc encoder // the records' JSON

	create, version, load, claim, claimer, renew, release *sql.Stmt

	// saves are the UPDATE statements of Save, by the summary columns
	// they write (see saveStmt).
	savesMu sync.Mutex
	saves   map[uint16]*sql.Stmt

	mu       sync.Mutex // guards closed and the adding of renewers
	closed   bool
	closing  chan struct{} // closed by Close: claims stop renewing
	renewers sync.WaitGroup
	closeErr error
}

var _ Store = (*SQLite)(nil)

// schemaVersion is the PRAGMA user_version of the database this code
// writes; appID its PRAGMA application_id ("SOps"), which tells a run
// store from another application's database.
const (
	schemaVersion = 1
	appID         = 0x534f7073
)

// busyTimeout is how long a write waits for another process's write to
// end before it fails.
const busyTimeout = 10 * time.Second

var schema = []string{
	`CREATE TABLE IF NOT EXISTS runs (
		id        TEXT PRIMARY KEY NOT NULL,
		version   INTEGER NOT NULL,
		status    TEXT NOT NULL,
		detection TEXT NOT NULL,
		incident  TEXT NOT NULL,
		severity  TEXT NOT NULL,
		playbook  TEXT NOT NULL,
		response  TEXT NOT NULL,
		breached  INTEGER NOT NULL,
		dry_run   INTEGER NOT NULL,
		started   INTEGER NOT NULL, -- unix nanoseconds
		updated   INTEGER NOT NULL, -- unix nanoseconds
		pending   TEXT,             -- JSON of executor.Pending; NULL when none
		error     TEXT NOT NULL,
		record    BLOB NOT NULL     -- JSON of executor.Record
	)`,
	// The listing order, and the time range filters.
	`CREATE INDEX IF NOT EXISTS runs_started ON runs (started DESC, id DESC)`,
	`CREATE INDEX IF NOT EXISTS runs_status ON runs (status, started DESC, id DESC)`,
	`CREATE INDEX IF NOT EXISTS runs_incident ON runs (incident, started DESC, id DESC)`,
	`CREATE INDEX IF NOT EXISTS runs_severity ON runs (severity, started DESC, id DESC)`,
	// A claim does not need its run to exist (a run is claimed before it
	// is created), so there is no foreign key to runs.
	`CREATE TABLE IF NOT EXISTS claims (
		run_id  TEXT PRIMARY KEY NOT NULL,
		holder  TEXT NOT NULL,
		token   TEXT NOT NULL,
		expires INTEGER NOT NULL -- unix nanoseconds
	)`,
	fmt.Sprintf(`PRAGMA application_id = %d`, appID),
	fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion),
}

const summaryColumns = `id, version, status, detection, incident, severity, playbook, response, breached, dry_run, started, updated, pending, error`

// The statements prepared at open.
const (
	sqlCreate = `INSERT INTO runs (` + summaryColumns + `, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`
	sqlVersion = `SELECT version FROM runs WHERE id = ?`
	sqlLoad    = `SELECT version, record FROM runs WHERE id = ?`
	// Insert the claim, or take it over from a holder whose claim lapsed.
	sqlClaim = `INSERT INTO claims (run_id, holder, token, expires) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (run_id) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires = excluded.expires
		WHERE claims.expires <= ?5`
	sqlClaimer = `SELECT holder, expires FROM claims WHERE run_id = ?`
	sqlRenew   = `UPDATE claims SET expires = ? WHERE run_id = ? AND token = ?`
	sqlRelease = `DELETE FROM claims WHERE run_id = ? AND token = ?`
)

// OpenSQLite opens the run store in the SQLite database file at path,
// creating the file (mode 0600) and its tables if they do not exist. A
// database made by a newer version of this package, or by another
// application, is refused.
//
// The path is a file name, not ":memory:": an in-memory database is one
// per connection, and a store uses a pool of them. Use Memory for a store
// in memory, or a file in a temporary folder. The file must be on a local
// file system (WAL mode needs shared memory between the processes that
// open it), so all its users are on one host and share its clock, which
// claims' expiry times are read against.
func OpenSQLite(path string) (*SQLite, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open run store %q: a file name is needed (for a store in memory use runstore.NewMemory)", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open run store %s: %w", path, err)
	}
	// Create the file with mode 0600: records hold alerts and outputs
	// that are not for every user, and SQLite gives its WAL and
	// shared-memory files the mode of the database file.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("open run store: %w", err)
	}

	db, err := sql.Open("sqlite", sqliteDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("open run store %s: %w", path, err)
	}
	// Connections keep their prepared statements: keep as many idle as
	// may be open.
	const conns = 8
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)

	s := &SQLite{db: db, path: path, wsem: make(chan struct{}, 1), closing: make(chan struct{})}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open run store %s: %w", path, err)
	}
	return s, nil
}

// sqliteDSN is the data source name of the database at the absolute
// path abs, with the store's settings: WAL, synchronous=NORMAL, the busy
// timeout, and BEGIN IMMEDIATE for transactions (a transaction here
// writes, and taking the write lock at its start lets the busy timeout
// apply rather than failing at the first write). It is a file: URI, so
// that any file name works: its ?, # and % are escaped, and SQLite
// unescapes them.
func sqliteDSN(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/runs.db is file:///C:/runs.db
	}
	return "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + url.Values{
		"_busy_timeout": {fmt.Sprint(busyTimeout.Milliseconds())},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"NORMAL"},
		"_txlock":       {"immediate"},
	}.Encode()
}

// init checks the database's schema, creates it in a new database, and
// prepares the statements.
func (s *SQLite) init() error {
	ctx := context.Background()
	version, app, _, err := s.schemaInfo(ctx, s.db)
	if err != nil {
		return describe(err)
	}
	if version != schemaVersion {
		tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one process creates the tables
		if err != nil {
			return describe(err)
		}
		defer tx.Rollback()
		var tables int
		if version, app, tables, err = s.schemaInfo(ctx, tx); err != nil {
			return describe(err)
		}
		switch {
		case app != 0 && app != appID || app == 0 && tables > 0:
			return fmt.Errorf("the database is not a secops run store (application id %#x, %d tables)", app, tables)
		case version > schemaVersion:
			return fmt.Errorf("the database has schema version %d, newer than this secops knows (%d): use a newer secops", version, schemaVersion)
		case version == 0:
			for _, stmt := range schema {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("create the tables: %w", err)
				}
			}
			if err := tx.Commit(); err != nil {
				return fmt.Errorf("create the tables: %w", err)
			}
		}
	} else if app != appID {
		return fmt.Errorf("the database is not a secops run store (application id %#x)", app)
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.create, sqlCreate}, {&s.version, sqlVersion}, {&s.load, sqlLoad},
		{&s.claim, sqlClaim}, {&s.claimer, sqlClaimer}, {&s.renew, sqlRenew}, {&s.release, sqlRelease},
	} {
		stmt, err := s.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.sql, err)
		}
		*p.stmt = stmt
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaInfo returns the database's user_version, application_id and
// number of tables.
func (s *SQLite) schemaInfo(ctx context.Context, q querier) (version, app int64, tables int, err error) {
	if err := q.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return 0, 0, 0, err
	}
	if err := q.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return 0, 0, 0, err
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table'`).Scan(&tables); err != nil {
		return 0, 0, 0, err
	}
	return version, app, tables, nil
}

// describe says what an error of SQLite at open means.
func describe(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("the file is not an SQLite database: %w", err)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("the database is corrupt: %w", err)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY:
			return fmt.Errorf("the database cannot be opened for writing: %w", err)
		}
	}
	return err
}

// lockWrite waits for this handle's turn to write.
func (s *SQLite) lockWrite(ctx context.Context) error {
	select {
	case s.wsem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *SQLite) unlockWrite() { <-s.wsem }

// encode returns the JSON encoding of v in b.
func encode(b *bytes.Buffer, v any) ([]byte, error) {
	b.Reset()
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// row holds the values of the summary columns of a record.
type row struct {
	status, detection, incident, severity, playbook, response string
	breached, dryRun                                          bool
	started, updated                                          int64
	pending                                                   *string // JSON, or nil for NULL
	err                                                       string
}

// summaryNames are the summary columns, in the order of row's fields.
var summaryNames = [...]string{"status", "detection", "incident", "severity", "playbook", "response",
	"breached", "dry_run", "started", "updated", "pending", "error"}

// changed returns the set of the columns (bit i for summaryNames[i])
// whose values differ in r and o.
func (r *row) changed(o *row) uint16 {
	diffs := [len(summaryNames)]bool{r.status != o.status, r.detection != o.detection, r.incident != o.incident,
		r.severity != o.severity, r.playbook != o.playbook, r.response != o.response, r.breached != o.breached,
		r.dryRun != o.dryRun, r.started != o.started, r.updated != o.updated,
		(r.pending == nil) != (o.pending == nil) || r.pending != nil && *r.pending != *o.pending, r.err != o.err}
	var set uint16
	for i, d := range diffs {
		if d {
			set |= 1 << i
		}
	}
	return set
}

// appendValues appends the values of the columns in set, in the order of
// summaryNames.
func (r *row) appendValues(args []any, set uint16) []any {
	for i := range summaryNames {
		if set&(1<<i) == 0 {
			continue
		}
		var v any
		switch i {
		case 0:
			v = r.status
		case 1:
			v = r.detection
		case 2:
			v = r.incident
		case 3:
			v = r.severity
		case 4:
			v = r.playbook
		case 5:
			v = r.response
		case 6:
			v = r.breached
		case 7:
			v = r.dryRun
		case 8:
			v = r.started
		case 9:
			v = r.updated
		case 10:
			v = r.pending
		case 11:
			v = r.err
		}
		args = append(args, v)
	}
	return args
}

// saveStmt returns the statement that saves a record and the summary
// columns in set: its arguments are the new version, the values of the
// columns, the record, the id and the version saved over.
func (s *SQLite) saveStmt(ctx context.Context, set uint16) (*sql.Stmt, error) {
	s.savesMu.Lock()
	defer s.savesMu.Unlock()
	if stmt := s.saves[set]; stmt != nil {
		return stmt, nil
	}
	q := "UPDATE runs SET version = ?"
	for i, name := range summaryNames {
		if set&(1<<i) != 0 {
			q += ", " + name + " = ?"
		}
	}
	q += ", record = ? WHERE id = ? AND version = ?"
	stmt, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if s.saves == nil {
		s.saves = map[uint16]*sql.Stmt{}
	}
	s.saves[set] = stmt
	return stmt, nil
}

// rowOf returns the summary columns of rec.
func rowOf(rec *executor.Record) (row, error) {
	var pending *string // NULL
	if rec.Pending != nil {
		p, err := json.Marshal(rec.Pending)
		if err != nil {
			return row{}, err
		}
		ps := string(p)
		pending = &ps
	}
	return row{string(rec.Status), string(rec.Detection), string(rec.Incident), string(rec.Severity), string(rec.Playbook),
		string(rec.Response), rec.Breached, rec.DryRun, nanos(rec.Started), nanos(rec.Updated), pending, rec.Error}, nil
}

// nanos is t in unix nanoseconds, the unit of the time columns; the
// listing's cursors hold the same.
func nanos(t time.Time) int64 { return t.UnixNano() }

// zeroNanos is what the zero time is stored as.
var zeroNanos = time.Time{}.UnixNano()

// fromNanos is the time stored as n.
func fromNanos(n int64) time.Time {
	if n == zeroNanos {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Create stores a new record. See Store.
func (s *SQLite) Create(ctx context.Context, rec *executor.Record) error {
	if err := checkNew(rec); err != nil {
		return err
	}
	r, err := rowOf(rec)
	if err != nil {
		return fmt.Errorf("run %s: encode the record: %w", rec.ID, err)
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	rec.Version = 1
	blob, cache, err := s.enc.encode(sc, rec)
	if err != nil {
		rec.Version = 0
		return fmt.Errorf("run %s: encode the record: %w", rec.ID, err)
	}
	args := []any{rec.ID, int64(1), r.status, r.detection, r.incident, r.severity, r.playbook, r.response,
		r.breached, r.dryRun, r.started, r.updated, r.pending, r.err, blob}
	if err := s.lockWrite(ctx); err != nil {
		rec.Version = 0
		return fmt.Errorf("create run %s: %w", rec.ID, err)
	}
	res, err := s.create.ExecContext(ctx, args...)
	s.unlockWrite()
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	switch {
	case err != nil:
		rec.Version = 0
		return fmt.Errorf("create run %s: %w", rec.ID, err)
	case n == 0:
		rec.Version = 0
		return fmt.Errorf("run %s: %w", rec.ID, ErrExists)
	}
	if cache != nil {
		cache.version, cache.row = 1, r
		s.enc.keep(cache)
	}
	return nil
}

// Load returns the record of run id. See Store.
func (s *SQLite) Load(ctx context.Context, id string) (*executor.Record, error) {
	var version int64
	var blob []byte
	switch err := s.load.QueryRowContext(ctx, id).Scan(&version, &blob); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("run %s: %w", id, ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("load run %s: %w", id, err)
	}
	rec := new(executor.Record)
	if err := json.Unmarshal(blob, rec); err != nil {
		return nil, fmt.Errorf("run %s: the stored record does not decode: %w", id, err)
	}
	if rec.ID != id {
		return nil, fmt.Errorf("run %s: the stored record is of run %q", id, rec.ID)
	}
	rec.Version = version
	return rec, nil
}

// Save replaces the record if its version is the stored one. See Store.
// It writes without reading first: the version check is in the UPDATE,
// and only a refused save reads the stored version to say why.
func (s *SQLite) Save(ctx context.Context, rec *executor.Record) error {
	if rec == nil || rec.ID == "" {
		return fmt.Errorf("save: a record with an id is needed")
	}
	r, err := rowOf(rec)
	if err != nil {
		return fmt.Errorf("run %s: encode the record: %w", rec.ID, err)
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	old := rec.Version
	rec.Version = old + 1
	blob, cache, err := s.enc.encode(sc, rec)
	rec.Version = old
	if err != nil {
		return fmt.Errorf("run %s: encode the record: %w", rec.ID, err)
	}
	// Write the summary columns that changed since this store saved the
	// row at version old (all when it did not), and so no index whose
	// columns stay.
	changed := uint16(1<<len(summaryNames) - 1)
	if cache != nil && cache.version == old {
		changed = cache.row.changed(&r)
	}
	stmt, err := s.saveStmt(ctx, changed)
	if err != nil {
		return fmt.Errorf("save run %s: %w", rec.ID, err)
	}
	args := make([]any, 0, 4+len(summaryNames))
	args = append(args, old+1)
	args = r.appendValues(args, changed)
	args = append(args, blob, rec.ID, old)
	if err := s.lockWrite(ctx); err != nil {
		return fmt.Errorf("save run %s: %w", rec.ID, err)
	}
	res, err := stmt.ExecContext(ctx, args...)
	s.unlockWrite()
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return fmt.Errorf("save run %s: %w", rec.ID, err)
	}
	if n == 1 {
		rec.Version = old + 1
		if cache != nil {
			cache.version, cache.row = rec.Version, r
			s.enc.keep(cache)
		}
		return nil
	}
	var stored int64
	switch err := s.version.QueryRowContext(ctx, rec.ID).Scan(&stored); {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("run %s: %w", rec.ID, ErrNotFound)
	case err != nil:
		return fmt.Errorf("save run %s: the record changed since it was read, and its version cannot be read: %w", rec.ID, err)
	}
	return &ConflictError{ID: rec.ID, Version: old, Stored: stored}
}

// List returns a page of summaries. See Store.
func (s *SQLite) List(ctx context.Context, q Query) (Page, error) {
	after, err := decodeCursor(q.Cursor)
	if err != nil {
		return Page{}, err
	}
	var where []string
	var args []any
	if len(q.Status) > 0 {
		where = append(where, "status IN (?"+strings.Repeat(", ?", len(q.Status)-1)+")")
		for _, st := range q.Status {
			args = append(args, string(st))
		}
	}
	if q.Incident != "" {
		where = append(where, "incident = ?")
		args = append(args, string(q.Incident))
	}
	if q.Severity != "" {
		where = append(where, "severity = ?")
		args = append(args, string(q.Severity))
	}
	if !q.Since.IsZero() {
		where = append(where, "started >= ?")
		args = append(args, nanos(q.Since))
	}
	if !q.Until.IsZero() {
		where = append(where, "started < ?")
		args = append(args, nanos(q.Until))
	}
	if after != nil {
		where = append(where, "(started, id) < (?, ?)")
		args = append(args, after.started, after.id)
	}
	query := "SELECT " + summaryColumns + " FROM runs"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	limit := q.limit()
	query += " ORDER BY started DESC, id DESC LIMIT ?"
	args = append(args, limit+1) // one more, to know whether a next page exists

	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return Page{}, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	p := Page{Runs: []Summary{}}
	for rows.Next() {
		var r Summary
		var started, updated int64
		var pending []byte
		if err := rows.Scan(&r.ID, &r.Version, &r.Status, &r.Detection, &r.Incident, &r.Severity, &r.Playbook, &r.Response,
			&r.Breached, &r.DryRun, &started, &updated, &pending, &r.Error); err != nil {
			return Page{}, fmt.Errorf("list runs: %w", err)
		}
		r.Started, r.Updated = fromNanos(started), fromNanos(updated)
		if pending != nil {
			r.Pending = new(executor.Pending)
			if err := json.Unmarshal(pending, r.Pending); err != nil {
				return Page{}, fmt.Errorf("list runs: run %s: the stored pending does not decode: %w", r.ID, err)
			}
		}
		p.Runs = append(p.Runs, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("list runs: %w", err)
	}
	if len(p.Runs) > limit {
		p.Runs = p.Runs[:limit]
		p.Next = encodeCursor(&p.Runs[limit-1])
	}
	return p, nil
}

// Claim takes the claim on run id. See Store.
//
// The claim renews itself in the background every ttl/3 until it is
// released (or the store closed), so that a process working on the run
// keeps it through a long adapter call and loses it only when it dies.
// A claim taken over while its holder could not renew (the process was
// stopped for longer than ttl) stops renewing, and its Renew reports it.
func (s *SQLite) Claim(ctx context.Context, id, holder string, ttl time.Duration) (Claim, error) {
	if err := checkClaim(id, holder, ttl); err != nil {
		return nil, err
	}
	c := &sqliteClaim{s: s, id: id, holder: holder, token: rand.Text(), ttl: ttl, stop: make(chan struct{})}
	// A claim can be released between a refused insert and the read of
	// its holder; then try again.
	for range 3 {
		now := time.Now()
		if err := s.lockWrite(ctx); err != nil {
			return nil, fmt.Errorf("claim run %s: %w", id, err)
		}
		res, err := s.claim.ExecContext(ctx, id, holder, c.token, nanos(now.Add(ttl)), nanos(now))
		s.unlockWrite()
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err != nil {
			return nil, fmt.Errorf("claim run %s: %w", id, err)
		}
		if n == 1 {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.closed {
				// Closed meanwhile: the claim lapses, as its holder's would.
				return nil, fmt.Errorf("claim run %s: the store is closed", id)
			}
			s.renewers.Add(1)
			go c.keep()
			return c, nil
		}
		if err := c.taken(ctx); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("claim run %s: other processes take and release it too fast: %w", id, ErrClaimed)
}

// sqliteClaim is a claim held in the claims table, known by its token.
type sqliteClaim struct {
	s      *SQLite
	id     string
	holder string
	token  string
	ttl    time.Duration

	mu       sync.Mutex
	stop     chan struct{} // closed when the claim stops renewing
	stopped  bool
	released bool
}

// taken returns the *ClaimedError of the claim's run when another holder
// has a live claim on it; nil when nobody has.
func (c *sqliteClaim) taken(ctx context.Context) error {
	var holder string
	var expires int64
	switch err := c.s.claimer.QueryRowContext(ctx, c.id).Scan(&holder, &expires); {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("claim run %s: %w", c.id, err)
	}
	if expires <= nanos(time.Now()) {
		return nil // lapsed: free to take
	}
	return &ClaimedError{ID: c.id, Holder: holder, Expires: fromNanos(expires)}
}

// keep renews the claim every ttl/3 until it stops.
func (c *sqliteClaim) keep() {
	defer c.s.renewers.Done()
	every := max(c.ttl/3, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.s.closing:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), max(every, time.Second))
		err := c.Renew(ctx)
		cancel()
		if errors.Is(err, ErrClaimed) {
			c.halt()
			return
		}
		// Another error (the database was busy past its timeout) is
		// retried at the next tick, while the claim lasts.
	}
}

// halt stops the renewing.
func (c *sqliteClaim) halt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped {
		c.stopped = true
		close(c.stop)
	}
}

// Abandon stops renewing the claim without releasing it, as if its
// holder died: it lapses after its ttl unless renewed with Renew. It is
// for tests of claims' expiry (see package storetest).
func (c *sqliteClaim) Abandon() { c.halt() }

// Renew extends the claim by its ttl from now. See Claim.
func (c *sqliteClaim) Renew(ctx context.Context) error {
	c.mu.Lock()
	released := c.released
	c.mu.Unlock()
	if released {
		if err := c.taken(ctx); err != nil {
			return err
		}
		return fmt.Errorf("run %s: the claim was released: %w", c.id, ErrClaimed)
	}
	if err := c.s.lockWrite(ctx); err != nil {
		return fmt.Errorf("renew the claim on run %s: %w", c.id, err)
	}
	res, err := c.s.renew.ExecContext(ctx, nanos(time.Now().Add(c.ttl)), c.id, c.token)
	c.s.unlockWrite()
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	switch {
	case err != nil:
		return fmt.Errorf("renew the claim on run %s: %w", c.id, err)
	case n == 1:
		return nil
	}
	if err := c.taken(ctx); err != nil {
		return err
	}
	return fmt.Errorf("run %s: the claim lapsed and was taken over: %w", c.id, ErrClaimed)
}

// Release gives the claim up. See Claim.
func (c *sqliteClaim) Release(ctx context.Context) error {
	c.halt()
	c.mu.Lock()
	released := c.released
	c.mu.Unlock()
	if released {
		return nil
	}
	if err := c.s.lockWrite(ctx); err != nil {
		return fmt.Errorf("release the claim on run %s: %w", c.id, err)
	}
	_, err := c.s.release.ExecContext(ctx, c.id, c.token)
	c.s.unlockWrite()
	if err != nil {
		return fmt.Errorf("release the claim on run %s: %w", c.id, err)
	}
	c.mu.Lock()
	c.released = true
	c.mu.Unlock()
	return nil
}

// Close stops the renewing of the claims taken from s, which lapse after
// their ttl unless released before, and closes the database. It is safe
// to call more than once.
func (s *SQLite) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()
	s.renewers.Wait()
	for _, stmt := range []*sql.Stmt{s.create, s.version, s.load, s.claim, s.claimer, s.renew, s.release} {
		if stmt != nil {
			stmt.Close()
		}
	}
	s.savesMu.Lock()
	for _, stmt := range s.saves {
		stmt.Close()
	}
	s.savesMu.Unlock()
	if err := s.db.Close(); err != nil {
		s.closeErr = fmt.Errorf("close run store %s: %w", s.path, err)
	}
	return s.closeErr
}
