package simulate

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
)

// ErrNoOutputs is wrapped by the error of a call for a method that
// requires outputs when the scenario gives it none.
var ErrNoOutputs = errors.New("the scenario gives no outputs for the method")

// Call is one call a simulated adapter received.
type Call struct {
	// Adapter is the name of the adapter called.
	Adapter string
	adapters.Request
}

// Log records the calls of one or more simulated adapters. The zero
// value is ready to use, and it is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	calls   []Call
	missing []string
}

// Calls returns the calls received, in order.
func (l *Log) Calls() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// Missing returns the ids of the methods called (not as rollbacks) that
// the scenario gives no outputs for (no entry, or an empty one), in the
// order of their first call, each once.
func (l *Log) Missing() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.missing)
}

func (l *Log) add(c Call, missing bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
	if missing && !slices.Contains(l.missing, c.Method) {
		l.missing = append(l.missing, c.Method)
	}
}

// Adapter answers calls from a scenario's outputs. It is safe for
// concurrent use.
type Adapter struct {
	name    string
	outputs map[string]map[string]any
	require map[string]bool
	log     *Log
}

var _ adapters.Adapter = (*Adapter)(nil)

// Option configures an Adapter.
type Option func(*Adapter)

// WithLog makes the adapter record its calls in l, which several
// adapters may share; by default each adapter has a Log of its own.
func WithLog(l *Log) Option { return func(a *Adapter) { a.log = l } }

// RequireOutputs makes a call for any of the given method ids fail with
// ErrNoOutputs when the scenario gives the method no outputs: no entry,
// or an empty one.
func RequireOutputs(methods ...string) Option {
	return func(a *Adapter) {
		for _, m := range methods {
			a.require[m] = true
		}
	}
}

// New returns a simulated adapter called name. outputs maps method ids
// to the outputs the scenario gives them; a call returns a copy of the
// entry for its Method. A rollback call returns no outputs and succeeds.
func New(name string, outputs map[string]map[string]any, opts ...Option) *Adapter {
	a := &Adapter{name: name, outputs: outputs, require: map[string]bool{}}
	for _, o := range opts {
		o(a)
	}
	if a.log == nil {
		a.log = &Log{}
	}
	return a
}

// Name returns the adapter's name.
func (a *Adapter) Name() string { return a.name }

// Log returns the log the adapter records its calls in.
func (a *Adapter) Log() *Log { return a.log }

// Call records req and answers it with the scenario's outputs for
// req.Method.
func (a *Adapter) Call(ctx context.Context, req adapters.Request) (adapters.Result, error) {
	req.Inputs = copyMap(req.Inputs)
	if req.Rollback {
		a.log.add(Call{Adapter: a.name, Request: req}, false)
		return adapters.Result{}, nil
	}
	// An empty entry gives no outputs, as a missing one does.
	out := a.outputs[req.Method]
	ok := len(out) > 0
	a.log.add(Call{Adapter: a.name, Request: req}, !ok)
	if err := ctx.Err(); err != nil {
		return adapters.Result{}, adapters.NewCallError(a.name, req, err)
	}
	if !ok {
		if a.require[req.Method] {
			return adapters.Result{}, adapters.NewCallError(a.name, req, ErrNoOutputs)
		}
		return adapters.Result{}, nil
	}
	return adapters.Result{Outputs: copyMap(out)}, nil
}

// Registry returns a registry with one simulated adapter for each adapter
// name used by an action or a rollback action of a method of d, all
// recording in one Log (the one given with WithLog, or a new one reached
// through any of the adapters). Every method of d that has an action and
// declares outputs requires them. opts apply to every adapter.
func Registry(d *secops.Design, outputs map[string]map[string]any, opts ...Option) (*adapters.Registry, error) {
	if d == nil {
		return nil, errors.New("simulate: nil design")
	}
	var names []string
	require := map[string][]string{}
	for _, p := range d.Processes {
		for _, m := range p.Methods {
			if n := m.Action.Adapter(); n != "" {
				names = append(names, n)
				if len(m.Outputs) > 0 {
					require[n] = append(require[n], string(m.ID))
				}
			}
			if m.Rollback != nil {
				if n := m.Rollback.Action.Adapter(); n != "" {
					names = append(names, n)
				}
			}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	log := &Log{}
	reg, _ := adapters.NewRegistry()
	for _, n := range names {
		o := append([]Option{WithLog(log)}, opts...)
		o = append(o, RequireOutputs(require[n]...))
		if err := reg.Register(New(n, outputs, o...)); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// copyMap copies m and the maps and lists inside it, so that neither the
// scenario nor the caller can change what the other holds.
func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = copyValue(v)
	}
	return c
}

func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return copyMap(t)
	case []any:
		c := make([]any, len(t))
		for i, e := range t {
			c[i] = copyValue(e)
		}
		return c
	}
	return v
}
