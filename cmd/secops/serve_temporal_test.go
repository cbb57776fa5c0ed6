package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/internal/temporaltest"
)

// TestServeTemporal serves the reference design with --temporal on the
// real development server, with secops worker on the same task queue:
// an alert posted over HTTP waits for people, is answered and approved
// over HTTP until it completes; then secops review --temporal reviews
// it (and, with --until in the past, nothing).
func TestServeTemporal(t *testing.T) {
	dev := temporaltest.New(t)
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	hs, _ := integrations(t, sc.Outputs)
	_, cfg, _, _ := fixture(t, hs, "", sc)
	design := "../../examples/targeted-attack/design.yaml"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	workerLog, serveLog := &lockedBuffer{}, &lockedBuffer{}
	workerDone := make(chan error, 1)
	go func() {
		workerDone <- runWorker(ctx, runIO{stdin: strings.NewReader(""), stderr: workerLog}, workerOpts{adapters: cfg, hostPort: dev.HostPort,
			namespace: "default", taskQueue: "serve-cmd", timeout: 30 * time.Second, heartbeat: 10 * time.Second, designs: []string{design}})
	}()
	ready := make(chan string, 1)
	serveDone := make(chan error, 1)
	go func() {
		serveDone <- serve(ctx, runIO{stdin: strings.NewReader(""), stderr: serveLog}, serveOpts{design: design, adapters: cfg,
			addr: "127.0.0.1:0", queue: -1, temporal: dev.HostPort, namespace: "default", taskQueue: "serve-cmd"}, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-serveDone:
		t.Fatalf("serve: %v\n%s", err, serveLog.String())
	case <-time.After(time.Minute):
		t.Fatalf("serve did not start:\n%s", serveLog.String())
	}
	do := func(method, path string, body any) (int, []byte) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(b))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		_, _ = out.ReadFrom(resp.Body)
		return resp.StatusCode, out.Bytes()
	}
	code, body := do("POST", "/v1/alerts", sc.Alert)
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/alerts: %d %s\nworker:\n%s", code, body, workerLog.String())
	}
	var rec executor.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatal(err)
	}
	for i := 0; rec.Status == executor.Waiting && i < 20; i++ {
		p := rec.Pending
		path, req := "/v1/runs/"+rec.ID+"/approve", any(nil)
		if p.Party == "" {
			path = "/v1/runs/" + rec.ID + "/answers"
			req = map[string]any{"outputs": map[string]any{string(p.Method): sc.Outputs[p.Method]}}
		}
		code, body = do("POST", path, req)
		if code != http.StatusOK {
			t.Fatalf("POST %s: %d %s", path, code, body)
		}
		rec = executor.Record{}
		if err := json.Unmarshal(body, &rec); err != nil {
			t.Fatal(err)
		}
	}
	if rec.Status != executor.Completed {
		t.Fatalf("the run: %s (%s), want completed", rec.Status, rec.Error)
	}
	// The worker keeps no rollback window: the ended run's workflow is
	// closed, and a rollback says so.
	if code, body := do("POST", "/v1/runs/"+rec.ID+"/rollback", nil); code != http.StatusConflict || !strings.Contains(string(body), "rollback-window") {
		t.Errorf("a rollback of a closed run: %d %s; want 409 naming --rollback-window", code, body)
	}
	// Review through visibility and the Query, once visibility lists it.
	var rep struct {
		Runs     int                     `json:"runs"`
		Statuses map[executor.Status]int `json:"statuses"`
	}
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var stdout, stderr bytes.Buffer
		if code := runWith([]string{"review", design, "--temporal", dev.HostPort, "--since", "1h", "--format", "json"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("review --temporal: exit %d: %s", code, stderr.String())
		}
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("review: %v: %s", err, stdout.String())
		}
		if rep.Statuses[executor.Completed] == 1 || time.Now().After(end) {
			break
		}
	}
	if rep.Runs != 1 || rep.Statuses[executor.Completed] != 1 {
		t.Errorf("review --temporal: %d runs, statuses %v; want the completed run", rep.Runs, rep.Statuses)
	}
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"review", design, "--temporal", dev.HostPort, "--until", "2000-01-01T00:00:00Z", "--format", "json"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("review --temporal --until: exit %d: %s", code, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.Runs != 0 {
		t.Errorf("review --temporal --until 2000: %v %d runs; want none", err, rep.Runs)
	}
	if code := runWith([]string{"review", design, "--temporal", dev.HostPort, "--store", "dir:x"}, strings.NewReader(""), &stdout, &stderr); code != 2 {
		t.Errorf("review with --temporal and --store: exit %d, want 2", code)
	}
	cancel()
	for _, c := range []chan error{serveDone, workerDone} {
		if err := <-c; err != nil {
			t.Errorf("stopping: %v", err)
		}
	}
}
