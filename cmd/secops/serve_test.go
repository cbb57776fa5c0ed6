package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore/sqlite"
)

func TestServeRefuses(t *testing.T) {
	design := "../../examples/targeted-attack/design.yaml"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no adapters", []string{"serve", design}, "needs --adapters"},
		{"beyond loopback without tokens", []string{"serve", design, "--adapters", "../../examples/lab/adapters.yaml", "--addr", "0.0.0.0:0"}, "not loopback"},
		{"temporal with a store", []string{"serve", design, "--adapters", "../../examples/lab/adapters.yaml", "--temporal", "127.0.0.1:1", "--store", "dir:x"}, "do not apply"},
		{"a token without a role", []string{"token", "add", "x", "--tokens", filepath.Join(t.TempDir(), "t.yaml")}, "needs --role"},
		{"approve without a party", []string{"token", "add", "x", "--role", "approve", "--tokens", filepath.Join(t.TempDir(), "t.yaml")}, "need the parties"},
		{"a party not in the design", []string{"token", "add", "x", "--role", "approve", "--party", "cirt", "--design", design, "--tokens", filepath.Join(t.TempDir(), "t.yaml")}, `party "cirt"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runWith(tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}

// TestServe makes a token with secops token add, serves the reference
// design with it on loopback, posts an alert, and stops: the run is in
// the store, and the token is in no log line.
func TestServe(t *testing.T) {
	sc := scenarioNamed(t, "c2-single-host-ongoing")
	srv, _ := integrations(t, sc.Outputs)
	dir, cfg, _, _ := fixture(t, srv, "", sc)
	design := "../../examples/targeted-attack/design.yaml"
	tokens := filepath.Join(dir, "tokens.yaml")
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"token", "add", "mssp", "--role", "ingest", "--tokens", tokens, "--design", design}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("token add: %d %s", code, stderr.String())
	}
	token := strings.TrimSpace(stdout.String())
	if b, _ := os.ReadFile(tokens); strings.Contains(string(b), token) || !strings.Contains(string(b), "sha256:") {
		t.Errorf("the tokens file: %s", b)
	}

	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	db := filepath.Join(dir, "runs.db")
	go func() {
		done <- serve(ctx, runIO{stdin: strings.NewReader(""), stderr: &logs}, serveOpts{design: design, adapters: cfg, store: "sqlite:" + db,
			addr: "127.0.0.1:0", tokens: tokens, queue: -1}, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	alert, _ := json.Marshal(sc.Alert)
	post := func(tok string) *http.Response {
		req, _ := http.NewRequest("POST", "http://"+addr+"/v1/alerts", bytes.NewReader(alert))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := post("nope"); resp.StatusCode != 401 {
		t.Errorf("a wrong token: %d", resp.StatusCode)
	}
	resp := post(token)
	var rec executor.Record
	_ = json.NewDecoder(resp.Body).Decode(&rec)
	resp.Body.Close()
	if resp.StatusCode != 201 || rec.Status != executor.Waiting {
		t.Errorf("an alert: %d %s", resp.StatusCode, rec.Status)
	}
	cancel() // as SIGTERM does
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Load(context.Background(), rec.ID); err != nil {
		t.Errorf("the run after serve stopped: %v", errors.Unwrap(err))
	}
	if strings.Contains(logs.String(), token) || !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("the log holds the token, or does not say it stopped:\n%s", logs.String())
	}
}
