package runs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

// Driver keeps and moves the runs of a design; Runs checks the rules.
// Drivers others write pass the conformance suite of package runstest.
type Driver interface {
	// Start starts a run (the alert fits the design already). See
	// Runs.Start.
	Start(ctx context.Context, in StartInput) (*executor.Record, bool, error)
	// Load returns run id's record, or an error wrapping ErrNotFound.
	Load(ctx context.Context, id string) (*executor.Record, error)
	// List returns a page of summaries (see runstore.Store.List).
	List(ctx context.Context, q runstore.Query) (runstore.Page, error)
	// Do reads run id, calls check with its record (and whether a
	// running run is live), and does a only if check returns nil, so
	// that no other act comes between the check and the act (a claim,
	// an Update's validator). It returns the record after the act, or
	// the record read with check's error.
	Do(ctx context.Context, id string, a Act, by Actor, check func(rec *executor.Record, live bool) error) (*executor.Record, error)
	// Close stops the driver.
	Close() error
}

// StartInput is a Start's input.
type StartInput struct {
	Alert map[string]any
	// Key is the idempotency key, or "".
	Key   string
	Actor Actor
}

// Config is what a driver is opened with: the options of Open and New.
type Config struct {
	// Registry holds the adapters the design's actions call (in-process
	// drivers; a durable driver's workers have their own).
	Registry *adapters.Registry
	// Engine are further options of the engine (secrets, a Person and
	// an Approver, events, dry run).
	Engine []executor.Option
	// ChangedDesign lets runs started with another version of the
	// design go on (see Rules).
	ChangedDesign bool
	// Holder names this process in the claims it holds.
	Holder string
	// ClaimTTL is how long a claim lasts unless renewed.
	ClaimTTL time.Duration
	// Watch is how often the runs are scanned for targets that passed
	// (0: no SLA watch; New's runs are then escalated only when asked).
	Watch time.Duration
	// Logger logs what the SLA watch does.
	Logger *slog.Logger
	// Observe is told of every change a run goes through in this
	// process: the summary before (nil for a new run), how many events
	// the record had, and the record after.
	Observe func(before *runstore.Summary, events int, after *executor.Record)
	// Settle is how long a Start of a durable driver waits for the new
	// run to wait or end before it returns it running.
	Settle time.Duration
	// NewID makes the id of a run started without an idempotency key
	// (default NewID).
	NewID func() string
}

// Option configures Open and New.
type Option func(*Config) error

// WithRegistry sets the adapters.
func WithRegistry(r *adapters.Registry) Option {
	return func(c *Config) error { c.Registry = r; return nil }
}

// WithEngineOptions adds options to the engine of every act.
func WithEngineOptions(opts ...executor.Option) Option {
	return func(c *Config) error { c.Engine = append(c.Engine, opts...); return nil }
}

// WithChangedDesign lets runs started with another version of the design
// go on with this one.
func WithChangedDesign() Option {
	return func(c *Config) error { c.ChangedDesign = true; return nil }
}

// WithHolder sets the name of this process in its claims (default
// runstore.Holder()).
func WithHolder(h string) Option {
	return func(c *Config) error { c.Holder = h; return nil }
}

// WithClaimTTL sets how long a claim lasts unless renewed (default 30s).
func WithClaimTTL(d time.Duration) Option {
	return func(c *Config) error {
		if d <= 0 {
			return fmt.Errorf("claim ttl %v: want more than 0", d)
		}
		c.ClaimTTL = d
		return nil
	}
}

// WithWatch makes the runs' SLA targets watched: a scan of the open runs
// every interval (and at the moment a known target falls due) records
// target-breached and calls the severity's escalation. The first scan is
// at once, so that a breach that fell while no watcher ran fires on
// start.
func WithWatch(interval time.Duration) Option {
	return func(c *Config) error {
		if interval <= 0 {
			return fmt.Errorf("watch interval %v: want more than 0", interval)
		}
		c.Watch = interval
		return nil
	}
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *Config) error { c.Logger = l; return nil }
}

// WithObserver sets a function told of every change of a run made in
// this process (metrics).
func WithObserver(f func(before *runstore.Summary, events int, after *executor.Record)) Option {
	return func(c *Config) error { c.Observe = f; return nil }
}

// WithSettle sets how long a durable driver's Start waits for the new
// run to wait or end (default 60s).
func WithSettle(d time.Duration) Option {
	return func(c *Config) error { c.Settle = d; return nil }
}

// WithIDs sets how the ids of runs started without an idempotency key
// are made (in-process drivers), e.g. to name a record file after the
// run before it starts.
func WithIDs(newID func() string) Option {
	return func(c *Config) error { c.NewID = newID; return nil }
}

// Configure returns the configuration opts make, with the defaults
// (holder, a 30s claim, slog.Default(), a 60s settle, random ids): what
// a Connector is given, for a driver made by hand.
func Configure(opts ...Option) (Config, error) {
	c := Config{Holder: runstore.Holder(), ClaimTTL: 30 * time.Second, Logger: slog.Default(), Settle: 60 * time.Second, NewID: NewID}
	var errs []error
	for _, o := range opts {
		if err := o(&c); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Registry == nil {
		c.Registry, _ = adapters.NewRegistry()
	}
	return c, errors.Join(errs...)
}

// Connector opens a driver of a design's runs at a URL.
type Connector interface {
	Open(ctx context.Context, plan *executor.Plan, url string, c Config) (Driver, error)
}

// ConnectorFunc is a function as a Connector.
type ConnectorFunc func(ctx context.Context, plan *executor.Plan, url string, c Config) (Driver, error)

// Open calls f.
func (f ConnectorFunc) Open(ctx context.Context, plan *executor.Plan, url string, c Config) (Driver, error) {
	return f(ctx, plan, url, c)
}

var (
	mu         sync.RWMutex
	connectors = map[string]Connector{}
)

// Register makes a driver available under scheme, for Open's URLs
// SCHEME://… or SCHEME:…. It panics if scheme is registered twice or c
// is nil, as database/sql.Register does.
func Register(scheme string, c Connector) {
	mu.Lock()
	defer mu.Unlock()
	if c == nil {
		panic("runs: Register of a nil connector")
	}
	if _, dup := connectors[scheme]; dup {
		panic("runs: Register called twice for " + scheme)
	}
	connectors[scheme] = c
}

// Drivers returns the registered schemes, sorted.
func Drivers() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for s := range connectors {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Open opens the runs of plan's design at url: a registered driver's
// (temporal://HOST:PORT?namespace=N&queue=Q, once package
// executor/temporal is imported), or else a run store's URL for
// runstore.Open (sqlite:PATH, dir:FOLDER), driven in this process as
// New's.
func Open(ctx context.Context, plan *executor.Plan, url string, opts ...Option) (*Runs, error) {
	if plan == nil {
		return nil, errors.New("runs.Open: no plan")
	}
	c, err := Configure(opts...)
	if err != nil {
		return nil, err
	}
	scheme, _, ok := strings.Cut(url, ":")
	mu.RLock()
	conn := connectors[scheme]
	mu.RUnlock()
	if !ok || conn == nil {
		store, err := runstore.Open(url)
		if err != nil {
			if len(Drivers()) > 0 {
				err = fmt.Errorf("%w (or a registered driver: %s)", err, strings.Join(Drivers(), ", "))
			}
			return nil, err
		}
		return newStore(plan, store, true, c)
	}
	drv, err := conn.Open(ctx, plan, url, c)
	if err != nil {
		return nil, err
	}
	return &Runs{drv: drv, rules: Rules{Plan: plan, ChangedDesign: c.ChangedDesign}}, nil
}

// NewDriven returns the runs of plan's design moved by drv (a driver
// opened by hand rather than by URL).
func NewDriven(plan *executor.Plan, drv Driver, opts ...Option) (*Runs, error) {
	c, err := Configure(opts...)
	if err != nil {
		return nil, err
	}
	return &Runs{drv: drv, rules: Rules{Plan: plan, ChangedDesign: c.ChangedDesign}}, nil
}
