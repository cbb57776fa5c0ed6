package executor_test

import (
	"context"
	"sync"
	"testing"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/scenario"
)

const (
	designPath    = "../examples/targeted-attack/design.yaml"
	scenariosPath = "../examples/targeted-attack/scenarios.yaml"
)

func loadDesign(t testing.TB) *secops.Design {
	t.Helper()
	d, lf, err := secops.LoadFile(designPath)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func loadPlan(t testing.TB) *executor.Plan {
	t.Helper()
	p, err := executor.Compile(loadDesign(t))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadScenarios(t testing.TB) map[ident.ID]*scenario.Scenario {
	t.Helper()
	f, err := secops.LoadScenarioFile(scenariosPath)
	if err != nil {
		t.Fatal(err)
	}
	m := map[ident.ID]*scenario.Scenario{}
	for i := range f.Scenarios {
		m[f.Scenarios[i].ID] = &f.Scenarios[i]
	}
	return m
}

// call is one adapter call a fake saw.
type call struct {
	Action   string
	Method   string
	Rollback bool
	Key      string
}

// fakes answers every action of the reference design from outputs, and
// logs the calls. override, when set for a method, replaces the answer.
type fakes struct {
	mu       sync.Mutex
	calls    []call
	outputs  map[ident.Number]map[string]any
	override map[ident.Number]func(ctx context.Context) (adapters.Result, error)
}

func (f *fakes) registry(t testing.TB) *adapters.Registry {
	t.Helper()
	var as []adapters.Adapter
	for _, name := range []string{"edr", "threatintel", "firewall"} {
		as = append(as, adapters.Func(name, func(ctx context.Context, req adapters.Request) (adapters.Result, error) {
			f.mu.Lock()
			f.calls = append(f.calls, call{name + "." + req.Operation, req.Method, req.Rollback, req.IdempotencyKey})
			o := f.override[ident.Number(req.Method)]
			f.mu.Unlock()
			if o != nil && !req.Rollback {
				return o(ctx)
			}
			if req.Rollback {
				return adapters.Result{}, nil
			}
			return adapters.Result{Outputs: f.outputs[ident.Number(req.Method)]}, nil
		}))
	}
	r, err := adapters.NewRegistry(as...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fakes) person() executor.Person {
	return executor.PersonFunc(func(_ context.Context, t executor.Task) (executor.Done, error) {
		return executor.Done{Outputs: f.outputs[t.Method.ID], Actor: "analyst"}, nil
	})
}

func (f *fakes) log() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// merged returns the outputs of a scenario with some replaced.
func merged(base map[ident.Number]map[string]any, over map[ident.Number]map[string]any) map[ident.Number]map[string]any {
	out := map[ident.Number]map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
