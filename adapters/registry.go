package adapters

import (
	"context"
	"fmt"
	"sort"
)

// Registry finds adapters by name. It is a value the caller builds and
// passes to the executor; there is no global registry. A Registry is not
// safe for concurrent Register calls, but Lookup may be called
// concurrently once it is built.
type Registry struct {
	m map[string]Adapter
}

// NewRegistry returns a registry holding the given adapters; two with the
// same name are an error.
func NewRegistry(as ...Adapter) (*Registry, error) {
	r := &Registry{m: map[string]Adapter{}}
	for _, a := range as {
		if err := r.Register(a); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds a; an adapter of the same name already there is an error.
func (r *Registry) Register(a Adapter) error {
	if a == nil {
		return fmt.Errorf("register: nil adapter")
	}
	if r.m == nil {
		r.m = map[string]Adapter{}
	}
	name := a.Name()
	if name == "" {
		return fmt.Errorf("register: adapter with an empty name")
	}
	if _, dup := r.m[name]; dup {
		return fmt.Errorf("register: duplicate adapter %q", name)
	}
	r.m[name] = a
	return nil
}

// Lookup returns the adapter called name.
func (r *Registry) Lookup(name string) (Adapter, bool) {
	if r == nil {
		return nil, false
	}
	a, ok := r.m[name]
	return a, ok
}

// Names returns the names of the registered adapters, sorted.
func (r *Registry) Names() []string {
	if r == nil {
		return nil
	}
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Wrap returns a new registry whose adapters are those of r wrapped by mw,
// the first middleware outermost.
func (r *Registry) Wrap(mw ...Middleware) *Registry {
	out := &Registry{m: make(map[string]Adapter, len(r.m))}
	for n, a := range r.m {
		for i := len(mw) - 1; i >= 0; i-- {
			a = mw[i](a)
		}
		out.m[n] = a
	}
	return out
}

// Middleware adds behaviour around an adapter: dry-run, audit, retry.
type Middleware func(Adapter) Adapter

// Func makes a plain function an adapter called name.
func Func(name string, f func(ctx context.Context, req Request) (Result, error)) Adapter {
	return funcAdapter{name, f}
}

type funcAdapter struct {
	name string
	f    func(context.Context, Request) (Result, error)
}

func (a funcAdapter) Name() string { return a.name }

func (a funcAdapter) Call(ctx context.Context, req Request) (Result, error) { return a.f(ctx, req) }
