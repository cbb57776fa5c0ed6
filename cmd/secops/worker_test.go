package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/executor/temporal"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/internal/temporaltest"
)

// integration is a webhook integration for the reference design that
// answers from a scenario's outputs, logs every idempotency key, and
// holds the first containment call until its client goes away.
type integration struct {
	outputs map[ident.Number]map[string]any
	mu      sync.Mutex
	keys    []string
	held    chan string // the key of the held call
	once    sync.Once
}

func (in *integration) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Method string `json:"method"`
		Key    string `json:"idempotency_key"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	in.mu.Lock()
	in.keys = append(in.keys, req.Key)
	in.mu.Unlock()
	if strings.Contains(req.Key, "/response/") {
		hold := false
		in.once.Do(func() { hold = true })
		if hold {
			in.held <- req.Key
			<-r.Context().Done() // the worker making the call died
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"outputs": in.outputs[ident.Number(req.Method)]})
}

func (in *integration) count(key string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, k := range in.keys {
		if k == key {
			n++
		}
	}
	return n
}

// TestWorkerKilled: a worker (secops worker, a process of its own) is
// killed with SIGKILL while a containment call blocks; a new worker is
// started; the run completes, the integration sees the interrupted call
// again with the same idempotency key, and no other call twice.
func TestWorkerKilled(t *testing.T) {
	srv := temporaltest.New(t)
	dir, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "secops")
	design := "../../examples/targeted-attack/design.yaml"
	d, lf, err := secops.LoadFile(design)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	plan, err := executor.Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	f, err := secops.LoadScenarioFile("../../examples/targeted-attack/scenarios.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc := f.Scenarios[0]
	in := &integration{outputs: sc.Outputs, held: make(chan string, 1)}
	hs := httptest.NewServer(in)
	defer hs.Close()
	tmp := t.TempDir()
	var cfg strings.Builder
	cfg.WriteString("format: secops-adapters/v1\nadapters:\n")
	for _, a := range plan.Adapters() {
		fmt.Fprintf(&cfg, "  - name: %s\n    kind: webhook\n    url: %s/%s\n    timeout: 30s\n", a, hs.URL, a)
	}
	adaptersFile := filepath.Join(tmp, "adapters.yaml")
	if err := os.WriteFile(adaptersFile, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	startWorker := func(name string) (*exec.Cmd, *lockedBuffer) {
		stderr := &lockedBuffer{}
		cmd := exec.Command(bin, "worker", design, "--adapters", adaptersFile, "--temporal", srv.HostPort,
			"--task-queue", "killed", "--heartbeat", "2s", "--timeout", "30s")
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				_ = cmd.Process.Signal(syscall.SIGTERM)
				_ = cmd.Wait()
			}
			if t.Failed() {
				t.Logf("%s:\n%s", name, stderr.String())
			}
		})
		for end := time.Now().Add(time.Minute); !strings.Contains(stderr.String(), `"msg":"running"`); {
			if time.Now().After(end) {
				t.Fatalf("%s did not start:\n%s", name, stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		return cmd, stderr
	}
	w1, _ := startWorker("worker 1")
	c := srv.Client(t)
	tc := temporal.NewClient(c, "killed")
	ctx := context.Background()
	id, err := tc.Start(ctx, plan, sc.Alert, "killed-1")
	if err != nil {
		t.Fatal(err)
	}
	// Answer the person's tasks and the approval until the containment
	// call comes in.
	var held string
	deadline := time.After(2 * time.Minute)
	for held == "" {
		select {
		case held = <-in.held:
			continue
		case <-deadline:
			t.Fatal("no containment call within 2 minutes")
		case <-time.After(200 * time.Millisecond):
		}
		rec, err := tc.Record(ctx, id)
		if err != nil || rec.Status != executor.Waiting {
			continue
		}
		p := rec.Pending
		dcs := temporal.Decision{Answer: executor.Answer{Approve: true, Actor: "analyst"}, Party: p.Party}
		if p.Method != "" {
			dcs = temporal.Decision{Answer: executor.Answer{Outputs: map[ident.Number]map[string]any{p.Method: sc.Outputs[p.Method]}, Actor: "analyst"}}
		}
		go func() { _, _ = tc.Answer(ctx, id, dcs) }()
	}
	if err := w1.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = w1.Wait()
	startWorker("worker 2")
	var rec *executor.Record
	for end := time.Now().Add(2 * time.Minute); ; {
		rec, err = tc.Record(ctx, id)
		if err == nil && rec.Status == executor.Completed {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the run did not complete: %v %+v", err, rec)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := in.count(held); n != 2 {
		t.Errorf("the interrupted call %s was made %d times, want 2 (once more, same key)", held, n)
	}
	in.mu.Lock()
	keys := append([]string(nil), in.keys...)
	in.mu.Unlock()
	for _, k := range keys {
		if k != held && in.count(k) != 1 {
			t.Errorf("call %s was made %d times", k, in.count(k))
		}
	}
	if rec.Response != "fr-1" || len(rec.Applied) == 0 {
		t.Errorf("response %s, applied %v", rec.Response, rec.Applied)
	}
}

// lockedBuffer is a buffer a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestWorkerUsage: the worker needs an adapters file, a design without
// errors, and a server it can reach; each failure says so.
func TestWorkerUsage(t *testing.T) {
	dir := t.TempDir()
	adapters := filepath.Join(dir, "adapters.yaml")
	if err := os.WriteFile(adapters, []byte("format: secops-adapters/v1\nadapters:\n"+
		"  - {name: edr, kind: command, command: [x]}\n  - {name: firewall, kind: command, command: [x]}\n"+
		"  - {name: threatintel, kind: command, command: [x]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	design := "../../examples/targeted-attack/design.yaml"
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no adapters", []string{"worker", design}, 2, "worker needs --adapters FILE"},
		{"design with errors", []string{"worker", "../../testdata/invalid/unknown-ref.yaml", "--adapters", adapters}, 1, ""}, // the findings go to the process's stderr
		{"no server", []string{"worker", design, "--adapters", adapters, "--temporal", "127.0.0.1:1"}, 2, "connecting to Temporal at 127.0.0.1:1"},
	} {
		var stdout, stderr bytes.Buffer
		code := runWith(tt.args, strings.NewReader(""), &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%s: exit %d, want %d; stderr:\n%s", tt.name, code, tt.code, stderr.String())
		}
	}
}
