package sqlite

import (
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
	"sync/atomic"
	"time"

	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

func init() {
	runstore.Register("sqlite", func(path string) (runstore.Store, error) { return Open(path) })
}

// Store is a run store (runstore.Store) that keeps many runs in one
// SQLite database file, with modernc.org/sqlite (pure Go: no cgo). It is
// the store for services: any
// number of processes on one host may open the same file, and the version
// check of Save and the claims hold across them.
//
// The database is in WAL mode with synchronous=NORMAL: a saved record
// survives the crash of its process as soon as Create or Save returns;
// an operating system crash or a power loss may lose the saves made since
// the WAL was last synced (at its checkpoints), and never corrupts the
// file.
//
// The writes of one handle (Create, Save, and the claims' Claim, Renew
// and Release, which are one statement each too) take turns, and those
// that arrive while one is being written commit together (group
// commit): the writes that queued while a transaction ran, up to 64, are
// the next transaction, BEGIN IMMEDIATE … COMMIT, and each returns once
// that transaction committed, so that no call returns before its write
// is in the database, as when each committed alone. A write that comes
// when none is in progress is written at once, alone, as one statement.
// Each write in a transaction keeps its own outcome: a Save refused by its
// version check, or a Create of a run that exists, changes no row and
// fails alone. A statement that fails with an error rolls the
// transaction back, and its writes are then written again one by one, so
// that it fails alone too; a transaction that fails to begin or commit
// fails each of its writes, and none is saved. A write whose context ends
// while it waits for its turn fails with the context's error and is not
// written; once its transaction began, it is written whatever its context
// does, and its call returns the outcome. Each record is kept as its JSON encoding (as encoding/json writes
// it) beside the columns a listing reads, so that List decodes no record.
// Claims are leases in the same file, renewed in the background while
// held (see Claim).
//
// The engine saves a running record at every step, each time with a few
// events more. For the record objects it saved last that still run, a
// store keeps the encodings of their events and the summary columns it
// wrote, so that a save encodes the events added and writes the columns
// that changed; an event changed in place since is noticed, and the
// record encoded whole.
//
// It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string

	// This handle's writes take turns here (see write), rather than in
	// SQLite's busy handler, which sleeps; writers in other processes
	// still meet at the database lock, with the busy timeout. wmu guards
	// writing (a writer leads a batch) and queue (the writes waiting for
	// the next batch); batch and live are the leader's.
	wmu         sync.Mutex
	writing     bool
	queue       []*write
	batch, live [maxBatch]*write

	// commits counts the commits of writes, alone or in a transaction;
	// writes the writes committed.
	commits, writes atomic.Int64

	busy time.Duration // the busy timeout

	enc encoder          // the records' JSON
	now func() time.Time // the clock of claims

	create, version, load, claim, claimer, takeOver, renew, release *sql.Stmt

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

var _ runstore.Store = (*Store)(nil)

// schemaVersion is the PRAGMA user_version of the database this code
// writes; appID its PRAGMA application_id ("SOps"), which tells a run
// store from another application's database.
const (
	schemaVersion = 2
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
		record    BLOB NOT NULL,    -- JSON of executor.Record
		rolled_back INTEGER NOT NULL DEFAULT 0 -- executor.Record.Undone (schema version 2)
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

const summaryColumns = `id, version, status, detection, incident, severity, playbook, response, breached, dry_run, started, updated, pending, error, rolled_back`

// The statements prepared at open.
const (
	sqlCreate = `INSERT INTO runs (` + summaryColumns + `, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`
	sqlVersion = `SELECT version FROM runs WHERE id = ?`
	sqlLoad    = `SELECT version, record FROM runs WHERE id = ?`
	// Insert the claim, or take it over from a holder whose claim lapsed.
	sqlClaim = `INSERT INTO claims (run_id, holder, token, expires) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (run_id) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires = excluded.expires
		WHERE claims.expires <= ?5`
	sqlClaimer = `SELECT holder, token, expires FROM claims WHERE run_id = ?`
	// Take over the claim of a holder that died, if it still has it.
	sqlTakeOver = `UPDATE claims SET holder = ?, token = ?, expires = ? WHERE run_id = ? AND holder = ? AND token = ?`
	sqlRenew    = `UPDATE claims SET expires = ? WHERE run_id = ? AND token = ?`
	sqlRelease  = `DELETE FROM claims WHERE run_id = ? AND token = ?`
)

// Open opens the run store in the SQLite database file at path,
// creating the file (mode 0600) and its tables if they do not exist. A
// database made by a newer version of this package, or by another
// application, is refused.
//
// The path is a file name, not ":memory:": an in-memory database is one
// per connection, and a store uses a pool of them. Use runstore.Memory
// for a store in memory, or a file in a temporary folder. The file must be on a local
// file system (WAL mode needs shared memory between the processes that
// open it), so all its users are on one host and share its clock, which
// claims' expiry times are read against.
//
// Importing this package also registers the store with runstore.Open
// as sqlite:PATH.
func Open(path string, opts ...Option) (*Store, error) {
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

	s := &Store{path: path, closing: make(chan struct{}), now: time.Now, busy: busyTimeout}
	for _, o := range opts {
		o(s)
	}
	db, err := sql.Open("sqlite", sqliteDSN(abs, s.busy))
	if err != nil {
		return nil, fmt.Errorf("open run store %s: %w", path, err)
	}
	// Connections keep their prepared statements: keep as many idle as
	// may be open.
	const conns = 8
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	s.db = db
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open run store %s: %w", path, err)
	}
	return s, nil
}

// An Option sets how a store works.
type Option func(*Store)

// WithClock makes the store read the time from now, not time.Now, for
// its claims: the expiry a claim or a renewal writes, and the time an
// expiry is compared with. (Claims still renew themselves every ttl/3 of
// real time.) A test moves the clock on rather than sleep; every handle
// on one database should have the same clock. The Memory store has the
// same option, runstore.WithClock.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// sqliteDSN is the data source name of the database at the absolute
// path abs, with the store's settings: WAL, synchronous=NORMAL, the busy
// timeout, and BEGIN IMMEDIATE for transactions (a transaction here
// writes, and taking the write lock at its start lets the busy timeout
// apply rather than failing at the first write). It is a file: URI, so
// that any file name works: its ?, # and % are escaped, and SQLite
// unescapes them.
func sqliteDSN(abs string, busy time.Duration) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/runs.db is file:///C:/runs.db
	}
	return "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + url.Values{
		"_busy_timeout": {fmt.Sprint(busy.Milliseconds())},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"NORMAL"},
		"_txlock":       {"immediate"},
	}.Encode()
}

// init checks the database's schema, creates it in a new database, and
// prepares the statements.
func (s *Store) init() error {
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
		case version == 1:
			if err := migrate1(ctx, tx); err != nil {
				return fmt.Errorf("upgrade the database from schema version 1: %w", err)
			}
			if err := tx.Commit(); err != nil {
				return fmt.Errorf("upgrade the database from schema version 1: %w", err)
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
		{&s.claim, sqlClaim}, {&s.claimer, sqlClaimer}, {&s.takeOver, sqlTakeOver}, {&s.renew, sqlRenew}, {&s.release, sqlRelease},
	} {
		stmt, err := s.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.sql, err)
		}
		*p.stmt = stmt
	}
	return nil
}

// migrate1 upgrades a database of schema version 1 to 2 in tx: the
// rolled_back column, filled from each record that rolled back
// anything. A process of an older secops still working on the file
// writes 0 there until it is stopped; it refuses to open the file again.
func migrate1(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `ALTER TABLE runs ADD COLUMN rolled_back INTEGER NOT NULL DEFAULT 0`); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, record FROM runs WHERE json_array_length(record, '$.rolled_back') > 0`)
	if err != nil {
		return err
	}
	var undone []string
	for rows.Next() {
		var id string
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			rows.Close()
			return err
		}
		var rec executor.Record
		if json.Unmarshal(blob, &rec) == nil && rec.Undone() {
			undone = append(undone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range undone {
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET rolled_back = 1 WHERE id = ?`, id); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion))
	return err
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaInfo returns the database's user_version, application_id and
// number of tables.
func (s *Store) schemaInfo(ctx context.Context, q querier) (version, app int64, tables int, err error) {
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
	var se *driver.Error
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

// row holds the values of the summary columns of a record.
type row struct {
	status, detection, incident, severity, playbook, response string
	breached, dryRun                                          bool
	started, updated                                          int64
	pending                                                   *string // JSON, or nil for NULL
	err                                                       string
	rolledBack                                                bool
}

// summaryNames are the summary columns, in the order of row's fields.
var summaryNames = [...]string{"status", "detection", "incident", "severity", "playbook", "response",
	"breached", "dry_run", "started", "updated", "pending", "error", "rolled_back"}

// changed returns the set of the columns (bit i for summaryNames[i])
// whose values differ in r and o.
func (r *row) changed(o *row) uint16 {
	diffs := [len(summaryNames)]bool{r.status != o.status, r.detection != o.detection, r.incident != o.incident,
		r.severity != o.severity, r.playbook != o.playbook, r.response != o.response, r.breached != o.breached,
		r.dryRun != o.dryRun, r.started != o.started, r.updated != o.updated,
		(r.pending == nil) != (o.pending == nil) || r.pending != nil && *r.pending != *o.pending, r.err != o.err,
		r.rolledBack != o.rolledBack}
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
		case 12:
			v = r.rolledBack
		}
		args = append(args, v)
	}
	return args
}

// saveStmt returns the statement that saves a record and the summary
// columns in set: its arguments are the new version, the values of the
// columns, the record, the id and the version saved over.
func (s *Store) saveStmt(ctx context.Context, set uint16) (*sql.Stmt, error) {
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
		string(rec.Response), rec.Breached, rec.DryRun, nanos(rec.Started), nanos(rec.Updated), pending, rec.Error, rec.Undone()}, nil
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

// Create stores a new record. See runstore.Store.
func (s *Store) Create(ctx context.Context, rec *executor.Record) error {
	if err := runstore.CheckNew(rec); err != nil {
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
		r.breached, r.dryRun, r.started, r.updated, r.pending, r.err, r.rolledBack, blob}
	n, err := s.write(ctx, s.create, args...)
	switch {
	case err != nil:
		rec.Version = 0
		return fmt.Errorf("create run %s: %w", rec.ID, err)
	case n == 0:
		rec.Version = 0
		return fmt.Errorf("run %s: %w", rec.ID, runstore.ErrExists)
	}
	if cache != nil {
		cache.version, cache.row = 1, r
		s.enc.keep(cache)
	}
	return nil
}

// Load returns the record of run id. See runstore.Store.
func (s *Store) Load(ctx context.Context, id string) (*executor.Record, error) {
	var version int64
	var blob []byte
	switch err := s.load.QueryRowContext(ctx, id).Scan(&version, &blob); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("run %s: %w", id, runstore.ErrNotFound)
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

// Save replaces the record if its version is the stored one. See runstore.Store.
// It writes without reading first: the version check is in the UPDATE,
// and only a refused save reads the stored version to say why.
func (s *Store) Save(ctx context.Context, rec *executor.Record) error {
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
	n, err := s.write(ctx, stmt, args...)
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
		return fmt.Errorf("run %s: %w", rec.ID, runstore.ErrNotFound)
	case err != nil:
		return fmt.Errorf("save run %s: the record changed since it was read, and its version cannot be read: %w", rec.ID, err)
	}
	return &runstore.ConflictError{ID: rec.ID, Version: old, Stored: stored}
}

// List returns a page of summaries. See runstore.Store.
func (s *Store) List(ctx context.Context, q runstore.Query) (runstore.Page, error) {
	after, err := runstore.ParseCursor(q.Cursor)
	if err != nil {
		return runstore.Page{}, err
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
		args = append(args, nanos(after.Started), after.ID)
	}
	query := "SELECT " + summaryColumns + " FROM runs"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	limit := q.PageSize()
	query += " ORDER BY started DESC, id DESC LIMIT ?"
	args = append(args, limit+1) // one more, to know whether a next page exists

	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return runstore.Page{}, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	p := runstore.Page{Runs: []runstore.Summary{}}
	for rows.Next() {
		var r runstore.Summary
		var started, updated int64
		var pending []byte
		if err := rows.Scan(&r.ID, &r.Version, &r.Status, &r.Detection, &r.Incident, &r.Severity, &r.Playbook, &r.Response,
			&r.Breached, &r.DryRun, &started, &updated, &pending, &r.Error, &r.RolledBack); err != nil {
			return runstore.Page{}, fmt.Errorf("list runs: %w", err)
		}
		r.Started, r.Updated = fromNanos(started), fromNanos(updated)
		if pending != nil {
			r.Pending = new(executor.Pending)
			if err := json.Unmarshal(pending, r.Pending); err != nil {
				return runstore.Page{}, fmt.Errorf("list runs: run %s: the stored pending does not decode: %w", r.ID, err)
			}
		}
		p.Runs = append(p.Runs, r)
	}
	if err := rows.Err(); err != nil {
		return runstore.Page{}, fmt.Errorf("list runs: %w", err)
	}
	if len(p.Runs) > limit {
		p.Runs = p.Runs[:limit]
		p.Next = runstore.CursorAfter(&p.Runs[limit-1])
	}
	return p, nil
}

// Claim takes the claim on run id. See runstore.Store.
//
// The claim renews itself in the background every ttl/3 until it is
// released (or the store closed), so that a process working on the run
// keeps it through a long adapter call and loses it only when it dies.
// A claim taken over while its holder could not renew (the process was
// stopped for longer than ttl) stops renewing, and its Renew reports it.
//
// A claim whose holder is a process of this host that has ended (as
// runstore.HolderGone tells from a holder named by runstore.Holder) is
// taken over at once, without waiting for it to lapse: the process was
// killed during a call. Of processes that take over one claim at once,
// one gets it.
func (s *Store) Claim(ctx context.Context, id, holder string, ttl time.Duration) (runstore.Claim, error) {
	if err := runstore.CheckClaim(id, holder, ttl); err != nil {
		return nil, err
	}
	c := &sqliteClaim{s: s, id: id, holder: holder, token: rand.Text(), ttl: ttl, stop: make(chan struct{})}
	// A claim can be released, or taken over, between a refused insert
	// and the read of its holder; then try again.
	for range 3 {
		now := s.now()
		n, err := s.write(ctx, s.claim, id, holder, c.token, nanos(now.Add(ttl)), nanos(now))
		if err != nil {
			return nil, fmt.Errorf("claim run %s: %w", id, err)
		}
		if n == 1 {
			return s.hold(c)
		}
		other, err := c.current(ctx)
		switch {
		case err != nil:
			return nil, fmt.Errorf("claim run %s: %w", id, err)
		case other == nil || other.expires <= nanos(now):
			continue // released or lapsed since
		case runstore.HolderGone(other.holder):
			// Take it over if it is still the dead holder's: the update
			// names its token, so of two processes doing this, one does.
			n, err := s.write(ctx, s.takeOver, holder, c.token, nanos(now.Add(ttl)), id, other.holder, other.token)
			if err != nil {
				return nil, fmt.Errorf("claim run %s of %s, which has ended: %w", id, other.holder, err)
			}
			if n == 1 {
				return s.hold(c)
			}
			continue
		}
		return nil, &runstore.ClaimedError{ID: id, Holder: other.holder, Expires: fromNanos(other.expires)}
	}
	return nil, fmt.Errorf("claim run %s: other processes take and release it too fast: %w", id, runstore.ErrClaimed)
}

// hold starts renewing a claim just taken, and returns it.
func (s *Store) hold(c *sqliteClaim) (runstore.Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		// Closed meanwhile: the claim lapses, as its holder's would.
		return nil, fmt.Errorf("claim run %s: the store is closed", c.id)
	}
	s.renewers.Add(1)
	go c.keep()
	return c, nil
}

// sqliteClaim is a claim held in the claims table, known by its token.
type sqliteClaim struct {
	s      *Store
	id     string
	holder string
	token  string
	ttl    time.Duration

	mu       sync.Mutex
	stop     chan struct{} // closed when the claim stops renewing
	stopped  bool
	released bool
}

// stored is a claim as the claims table holds it.
type stored struct {
	holder, token string
	expires       int64 // unix nanoseconds
}

// current returns the claim stored on the claim's run, nil when none.
func (c *sqliteClaim) current(ctx context.Context) (*stored, error) {
	var st stored
	switch err := c.s.claimer.QueryRowContext(ctx, c.id).Scan(&st.holder, &st.token, &st.expires); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &st, nil
}

// taken returns the *ClaimedError of the claim's run when another holder
// has a live claim on it; nil when nobody has.
func (c *sqliteClaim) taken(ctx context.Context) error {
	other, err := c.current(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("claim run %s: %w", c.id, err)
	case other == nil || other.token == c.token || other.expires <= nanos(c.s.now()) || runstore.HolderGone(other.holder):
		return nil
	}
	return &runstore.ClaimedError{ID: c.id, Holder: other.holder, Expires: fromNanos(other.expires)}
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
		if errors.Is(err, runstore.ErrClaimed) {
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
// for tests of claims' expiry (see package runstore/storetest).
func (c *sqliteClaim) Abandon() { c.halt() }

// Renew extends the claim by its ttl from now. See runstore.Claim.
func (c *sqliteClaim) Renew(ctx context.Context) error {
	c.mu.Lock()
	released := c.released
	c.mu.Unlock()
	if released {
		if err := c.taken(ctx); err != nil {
			return err
		}
		return fmt.Errorf("run %s: the claim was released: %w", c.id, runstore.ErrClaimed)
	}
	n, err := c.s.write(ctx, c.s.renew, nanos(c.s.now().Add(c.ttl)), c.id, c.token)
	switch {
	case err != nil:
		return fmt.Errorf("renew the claim on run %s: %w", c.id, err)
	case n == 1:
		return nil
	}
	if err := c.taken(ctx); err != nil {
		return err
	}
	return fmt.Errorf("run %s: the claim lapsed and was taken over: %w", c.id, runstore.ErrClaimed)
}

// Release gives the claim up. See runstore.Claim.
func (c *sqliteClaim) Release(ctx context.Context) error {
	c.halt()
	c.mu.Lock()
	released := c.released
	c.mu.Unlock()
	if released {
		return nil
	}
	if _, err := c.s.write(ctx, c.s.release, c.id, c.token); err != nil {
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
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.closeErr
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()
	s.renewers.Wait()
	for _, stmt := range []*sql.Stmt{s.create, s.version, s.load, s.claim, s.claimer, s.takeOver, s.renew, s.release} {
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
