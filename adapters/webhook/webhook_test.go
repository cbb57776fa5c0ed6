package webhook_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/webhook"
)

var req = adapters.Request{Operation: "block_ip", Method: "2.1.1", Run: "r-1", Inputs: map[string]any{"ip": "192.0.2.7"}}

// echo answers with the request it received and its Authorization
// header as outputs.
func echo(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"outputs": map[string]any{"request": body, "auth": r.Header.Get("Authorization")}})
}

// reply answers with status and body, and the given headers.
func reply(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// hang waits until the client goes away. It reads the body first: only
// then does the server notice a client that hangs up.
func hang(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(30 * time.Second):
	}
}

// trickle sends the headers and the start of a body, then hangs.
func trickle(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"outputs": {`)
	w.(http.Flusher).Flush()
	hang(w, r)
}

func oversized(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, `{"outputs": {"x": "`)
	chunk := strings.Repeat("a", 64<<10)
	for range 40 {
		if _, err := io.WriteString(w, chunk); err != nil {
			return
		}
	}
	_, _ = io.WriteString(w, `"}}`)
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestCall(t *testing.T) {
	tests := []struct {
		name          string
		handler       http.HandlerFunc
		opts          []webhook.Option
		want          map[string]any
		wantRetryable bool
		wantStatus    int           // of a *webhook.StatusError, if not 0
		wantHint      time.Duration // of adapters.RetryAfter, if not 0
		wantUnset     string        // the variable an *UnsetVariableError names
		wantDeadline  bool
	}{
		{name: "success with header expansion", handler: echo,
			opts: []webhook.Option{webhook.WithHeaders(map[string]string{"Authorization": "Bearer ${FW_TOKEN}"}), webhook.WithLookupEnv(lookup(map[string]string{"FW_TOKEN": "s3cret"}))},
			want: map[string]any{"auth": "Bearer s3cret", "request": map[string]any{"operation": "block_ip", "method": "2.1.1", "run": "r-1", "inputs": map[string]any{"ip": "192.0.2.7"}}}},
		{name: "literal dollar kept", handler: echo,
			opts: []webhook.Option{webhook.WithHeaders(map[string]string{"Authorization": "$ecret $1"})},
			want: map[string]any{"auth": "$ecret $1", "request": map[string]any{"operation": "block_ip", "method": "2.1.1", "run": "r-1", "inputs": map[string]any{"ip": "192.0.2.7"}}}},
		{name: "unset variable", handler: echo, wantUnset: "FW_TOKEN",
			opts: []webhook.Option{webhook.WithHeaders(map[string]string{"Authorization": "Bearer ${FW_TOKEN}"}), webhook.WithLookupEnv(lookup(nil))}},
		{name: "empty variable", handler: echo, wantUnset: "FW_TOKEN",
			opts: []webhook.Option{webhook.WithHeaders(map[string]string{"Authorization": "Bearer ${FW_TOKEN}"}), webhook.WithLookupEnv(lookup(map[string]string{"FW_TOKEN": ""}))}},
		{name: "no outputs", handler: reply(200, `{}`), want: nil},
		{name: "error reply", handler: reply(200, `{"error": "rule table full"}`)},
		{name: "retryable error reply", handler: reply(200, `{"error": "busy", "retryable": true}`), wantRetryable: true},
		{name: "500", handler: reply(500, `oops`), wantRetryable: true, wantStatus: 500},
		{name: "503 with an error reply and Retry-After", handler: reply(503, `{"error": "maintenance"}`, "Retry-After", "7"), wantRetryable: true, wantStatus: 503, wantHint: 7 * time.Second},
		{name: "429", handler: reply(429, ``, "Retry-After", "1"), wantRetryable: true, wantStatus: 429, wantHint: time.Second},
		{name: "400", handler: reply(400, `{"error": "bad ip"}`), wantStatus: 400},
		{name: "404", handler: reply(404, `not found`), wantStatus: 404},
		{name: "redirect not followed", handler: reply(302, ``, "Location", "http://127.0.0.1:1/"), wantStatus: 302},
		{name: "malformed reply", handler: reply(200, `<html>ok</html>`)},
		{name: "oversized reply", handler: oversized},
		{name: "slow reply", handler: hang, opts: []webhook.Option{webhook.WithTimeout(100 * time.Millisecond)}, wantRetryable: true, wantDeadline: true},
		{name: "slow body", handler: trickle, opts: []webhook.Option{webhook.WithTimeout(100 * time.Millisecond)}, wantRetryable: true, wantDeadline: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				tt.handler(w, r)
			}))
			defer srv.Close()
			a, err := webhook.New("firewall", srv.URL, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := a.Call(context.Background(), req)
			wantErr := tt.want == nil && tt.name != "no outputs"
			if !wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, res.Outputs); diff != "" {
					t.Errorf("outputs (-want +got):\n%s", diff)
				}
				return
			}
			checkCallError(t, err, "firewall", "block_ip", "2.1.1")
			if got := adapters.IsRetryable(err); got != tt.wantRetryable {
				t.Errorf("retryable = %v, want %v (err %v)", got, tt.wantRetryable, err)
			}
			var se *webhook.StatusError
			gotStatus := 0
			if errors.As(err, &se) {
				gotStatus = se.StatusCode
			}
			if gotStatus != tt.wantStatus {
				t.Errorf("status %d, want %d (err %v)", gotStatus, tt.wantStatus, err)
			}
			if hint, _ := adapters.RetryAfterHint(err); hint != tt.wantHint {
				t.Errorf("retry-after %v, want %v", hint, tt.wantHint)
			}
			var ue *webhook.UnsetVariableError
			gotUnset := ""
			if errors.As(err, &ue) {
				gotUnset = ue.Name
			}
			if gotUnset != tt.wantUnset {
				t.Errorf("unset variable %q, want %q", gotUnset, tt.wantUnset)
			}
			if gotUnset != "" && hits.Load() != 0 {
				t.Errorf("the request was sent with an unset variable")
			}
			if got := errors.Is(err, context.DeadlineExceeded); got != tt.wantDeadline {
				t.Errorf("deadline exceeded = %v, want %v", got, tt.wantDeadline)
			}
		})
	}
}

func checkCallError(t *testing.T, err error, adapter, op, method string) {
	t.Helper()
	var ce *adapters.CallError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want an *adapters.CallError", err)
	}
	got := [3]string{ce.Adapter, ce.Operation, ce.Method}
	if diff := cmp.Diff([3]string{adapter, op, method}, got); diff != "" {
		t.Errorf("adapter, operation, method (-want +got):\n%s", diff)
	}
	for _, name := range got {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %q", err, name)
		}
	}
}

func TestEnvironment(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	t.Setenv("SECOPS_TEST_TOKEN", "from-env")
	a, err := webhook.New("firewall", srv.URL, webhook.WithHeaders(map[string]string{"Authorization": "Bearer ${SECOPS_TEST_TOKEN}"}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Call(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("Bearer from-env", res.Outputs["auth"]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(echo))
	defer srv.Close()

	// Without the server's CA the call fails, and retrying would not help.
	a, err := webhook.New("firewall", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Call(context.Background(), req)
	checkCallError(t, err, "firewall", "block_ip", "2.1.1")
	if adapters.IsRetryable(err) {
		t.Errorf("err = %v is retryable", err)
	}

	// With it, the call succeeds.
	cfg := &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	a, err = webhook.New("firewall", srv.URL, webhook.WithTLSConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Call(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outputs["request"] == nil {
		t.Errorf("outputs %v, want the echoed request", res.Outputs)
	}
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	a, err := webhook.New("firewall", "http://"+addr+"/")
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Call(context.Background(), req)
	checkCallError(t, err, "firewall", "block_ip", "2.1.1")
	if !adapters.IsRetryable(err) {
		t.Errorf("err = %v, want it retryable", err)
	}
}

func TestContextCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hang))
	defer srv.Close()
	a, err := webhook.New("firewall", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := a.Call(ctx, req); done <- err }()
	select {
	case err := <-done:
		checkCallError(t, err, "firewall", "block_ip", "2.1.1")
		if !errors.Is(err, context.DeadlineExceeded) || adapters.IsRetryable(err) {
			t.Errorf("err = %v, want a non-retryable context.DeadlineExceeded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the call did not end within 5s of the deadline")
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name, url string
		headers   map[string]string
	}{
		{"", "http://127.0.0.1/", nil},
		{"fw", "", nil},
		{"fw", "ftp://127.0.0.1/", nil},
		{"fw", "/relative", nil},
		{"fw", "http://%zz", nil},
		{"fw", "http://127.0.0.1/", map[string]string{"Authorization": "Bearer ${FW_TOKEN"}},
		{"fw", "http://127.0.0.1/", map[string]string{"Authorization": "Bearer ${}"}},
		{"fw", "http://127.0.0.1/", map[string]string{"Authorization": "Bearer ${FW-TOKEN}"}},
	}
	for _, tt := range tests {
		if _, err := webhook.New(tt.name, tt.url, webhook.WithHeaders(tt.headers)); err == nil {
			t.Errorf("New(%q, %q, %v) succeeded, want an error", tt.name, tt.url, tt.headers)
		}
	}
}

func TestConcurrentCalls(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	a, err := webhook.New("firewall", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			r := req
			r.Run = fmt.Sprint(i)
			res, err := a.Call(context.Background(), r)
			if err == nil && res.Outputs["request"].(map[string]any)["run"] != r.Run {
				err = fmt.Errorf("call %d got another call's reply", i)
			}
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestHeaderVariables(t *testing.T) {
	tests := []struct {
		value string
		want  []string
		err   bool
	}{
		{value: "Bearer ${EDR_TOKEN}", want: []string{"EDR_TOKEN"}},
		{value: "${A}:${B}:${A}", want: []string{"A", "B"}},
		{value: "plain $HOME", want: nil},
		{value: "${UNCLOSED", err: true},
	}
	for _, tt := range tests {
		got, err := webhook.HeaderVariables(tt.value)
		if (err != nil) != tt.err {
			t.Errorf("HeaderVariables(%q): err %v, want error %v", tt.value, err, tt.err)
		}
		if !slices.Equal(tt.want, got) {
			t.Errorf("HeaderVariables(%q) = %q, want %q", tt.value, got, tt.want)
		}
	}
}
