package simulate_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/simulate"
	"github.com/secopsdesign/secops/process"
)

const design = `format: secops/v1
processes:
  - id: "1.1"
    name: Investigate
    methods:
      - {id: "1.1.1", name: Hash, procedure: p, outputs: [hash], action: edr.file_hash}
      - {id: "1.1.2", name: Ask, procedure: p, outputs: [user]}
      - {id: "1.1.3", name: Lookup, procedure: p, outputs: [reputation], action: threatintel.lookup_ip}
  - id: "2.1"
    name: Contain
    methods:
      - id: "2.1.1"
        name: Block
        procedure: p
        action: firewall.block_ip
        rollback: {procedure: p, action: firewall.unblock_ip}
      - id: "2.1.2"
        name: Isolate
        procedure: p
        action: edr.isolate_host
        rollback: {procedure: p, action: ticket.reopen}
`

func load(t *testing.T) *secops.Design {
	t.Helper()
	d, lf, err := secops.Load(strings.NewReader(design), "design.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRegistry(t *testing.T) {
	outputs := map[string]map[string]any{
		"1.1.1": {"hash": "abc", "list": []any{map[string]any{"k": "v"}}},
	}
	reg, err := simulate.Registry(load(t), outputs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"edr", "firewall", "threatintel", "ticket"}, reg.Names()); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}

	tests := []struct {
		name       string
		adapter    string
		req        adapters.Request
		want       map[string]any
		wantNoOuts bool
	}{
		{"outputs given", "edr", adapters.Request{Operation: "file_hash", Method: "1.1.1"}, map[string]any{"hash": "abc", "list": []any{map[string]any{"k": "v"}}}, false},
		{"outputs declared, none given", "threatintel", adapters.Request{Operation: "lookup_ip", Method: "1.1.3"}, nil, true},
		{"no outputs declared, none given", "firewall", adapters.Request{Operation: "block_ip", Method: "2.1.1"}, nil, false},
		{"rollback", "firewall", adapters.Request{Operation: "unblock_ip", Method: "2.1.1", Rollback: true}, nil, false},
		{"rollback-only adapter", "ticket", adapters.Request{Operation: "reopen", Method: "2.1.2", Rollback: true}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := reg.Lookup(tt.adapter)
			if !ok {
				t.Fatalf("no adapter %q", tt.adapter)
			}
			res, err := a.Call(context.Background(), tt.req)
			if got := errors.Is(err, simulate.ErrNoOutputs); got != tt.wantNoOuts {
				t.Fatalf("err = %v, want ErrNoOutputs %v", err, tt.wantNoOuts)
			}
			if err != nil {
				var ce *adapters.CallError
				if !errors.As(err, &ce) || ce.Method != tt.req.Method || !strings.Contains(err.Error(), tt.req.Method) {
					t.Errorf("err = %v does not name method %s", err, tt.req.Method)
				}
			}
			if diff := cmp.Diff(tt.want, res.Outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}

	// The outputs handed out are copies.
	a, _ := reg.Lookup("edr")
	res, _ := a.Call(context.Background(), adapters.Request{Method: "1.1.1"})
	res.Outputs["list"].([]any)[0].(map[string]any)["k"] = "changed"
	if got := outputs["1.1.1"]["list"].([]any)[0].(map[string]any)["k"]; got != "v" {
		t.Errorf("the caller changed the scenario: %v", got)
	}

	// All the adapters share one log.
	log := a.(*simulate.Adapter).Log()
	var got []string
	for _, c := range log.Calls() {
		got = append(got, c.Adapter+"."+c.Operation+" "+c.Method)
	}
	want := []string{"edr.file_hash 1.1.1", "threatintel.lookup_ip 1.1.3", "firewall.block_ip 2.1.1", "firewall.unblock_ip 2.1.1", "ticket.reopen 2.1.2", "edr. 1.1.1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1.1.3", "2.1.1"}, log.Missing()); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
}

func TestRegistryNilDesign(t *testing.T) {
	if _, err := simulate.Registry(nil, nil); err == nil {
		t.Error("want an error for a nil design")
	}
}

func TestReferenceDesign(t *testing.T) {
	d, lf, err := secops.LoadFile("../../examples/targeted-attack/design.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	reg, err := simulate.Registry(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Processes {
		for _, m := range p.Methods {
			for _, a := range []string{m.Action.Adapter(), rollbackAdapter(m.Rollback)} {
				if _, ok := reg.Lookup(a); a != "" && !ok {
					t.Errorf("method %s: no adapter %q", m.ID, a)
				}
			}
		}
	}
}

func rollbackAdapter(r *process.Rollback) string {
	if r == nil {
		return ""
	}
	return r.Action.Adapter()
}

func TestConcurrent(t *testing.T) {
	a := simulate.New("edr", map[string]map[string]any{"1": {"x": 1}})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _, _ = a.Call(context.Background(), adapters.Request{Method: "1"}) })
		wg.Go(func() { _, _ = a.Call(context.Background(), adapters.Request{Method: "2"}) })
	}
	wg.Wait()
	if n := len(a.Log().Calls()); n != 100 {
		t.Errorf("%d calls recorded, want 100", n)
	}
	if diff := cmp.Diff([]string{"2"}, a.Log().Missing()); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := simulate.New("edr", nil).Call(ctx, adapters.Request{Method: "1"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestEmptyOutputs: an empty entry gives no outputs, as a missing one
// does, so a method that requires outputs fails either way.
func TestEmptyOutputs(t *testing.T) {
	tests := []struct {
		name    string
		outputs map[string]map[string]any
	}{
		{"missing", map[string]map[string]any{}},
		{"empty", map[string]map[string]any{"1.1.1": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := simulate.New("edr", tt.outputs, simulate.RequireOutputs("1.1.1"))
			_, err := a.Call(context.Background(), adapters.Request{Operation: "file_hash", Method: "1.1.1"})
			if !errors.Is(err, simulate.ErrNoOutputs) {
				t.Errorf("err = %v, want ErrNoOutputs", err)
			}
			if diff := cmp.Diff([]string{"1.1.1"}, a.Log().Missing()); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
		})
	}
}
