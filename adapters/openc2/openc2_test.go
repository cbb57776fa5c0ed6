package openc2_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/openc2"
)

// messageSchema compiles the message schema of testdata, which refers to
// the OASIS schema of the Language Specification for the command.
var messageSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	for _, f := range []string{"oc2ls-v1.0.json", "openc2-message.schema.json"} {
		b, err := os.ReadFile("testdata/" + f)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		if err := c.AddResource("https://schemas.test/openc2/"+f, doc); err != nil {
			return nil, err
		}
	}
	return c.Compile("https://schemas.test/openc2/openc2-message.schema.json")
})

// received is one command as the consumer got it.
type received struct {
	RequestID, Key string
	Command        map[string]any
}

// consumer is an OpenC2 consumer for the tests: it checks the headers and
// the body of each command, against the OASIS schema too, keeps it, and
// answers with answer (200 by default).
type consumer struct {
	t      *testing.T
	mu     sync.Mutex
	got    []received
	answer func(n int, requestID string) (httpStatus int, body string)
}

func (c *consumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fail := func(format string, args ...any) {
		c.t.Errorf(format, args...)
		http.Error(w, "bad", http.StatusBadRequest)
	}
	if r.Method != http.MethodPost || r.URL.Path != openc2.Path {
		fail("%s %s, want POST %s", r.Method, r.URL.Path, openc2.Path)
		return
	}
	for k, want := range map[string]string{"Content-Type": openc2.ContentType, "Accept": openc2.ContentType, "Cache-Control": "no-cache"} {
		if got := r.Header.Get(k); got != want {
			fail("header %s = %q, want %q", k, got, want)
			return
		}
	}
	if _, err := http.ParseTime(r.Header.Get("Date")); err != nil {
		fail("Date %q: %v", r.Header.Get("Date"), err)
	}
	s, err := messageSchema()
	if err != nil {
		c.t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		fail("body is not JSON: %v", err)
		return
	}
	if err := s.Validate(doc); err != nil {
		fail("the message does not satisfy the OpenC2 schema: %v\n%s", err, body)
		return
	}
	var msg struct {
		Headers struct {
			RequestID string `json:"request_id"`
			From      string `json:"from"`
		} `json:"headers"`
		Body struct {
			OpenC2 struct {
				Request map[string]any `json:"request"`
			} `json:"openc2"`
		} `json:"body"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		fail("%v", err)
		return
	}
	id, key := msg.Headers.RequestID, r.Header.Get("Idempotency-Key")
	if r.Header.Get("X-Request-ID") != id {
		fail("X-Request-ID %q, request_id %q", r.Header.Get("X-Request-ID"), id)
	}
	if key != "" && openc2.RequestID(key) != id {
		fail("request_id %s is not that of the idempotency key %q", id, key)
	}
	c.mu.Lock()
	c.got = append(c.got, received{RequestID: id, Key: key, Command: msg.Body.OpenC2.Request})
	n := len(c.got)
	c.mu.Unlock()
	status, reply := 200, ""
	if c.answer != nil {
		status, reply = c.answer(n, id)
	}
	if reply == "" {
		reply = response(id, 200, "", nil)
	}
	w.Header().Set("Content-Type", openc2.ContentType)
	w.WriteHeader(status)
	io.WriteString(w, reply)
}

func (c *consumer) commands() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []map[string]any
	for _, r := range c.got {
		out = append(out, r.Command)
	}
	return out
}

// response is an OpenC2 response message to request id.
func response(id string, status int, text string, results map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"headers": map[string]any{"request_id": id, "created": 1764931200000, "from": "consumer"},
		"body":    map[string]any{"openc2": map[string]any{"response": openc2.Response{Status: status, StatusText: text, Results: results}}},
	})
	return string(b)
}

func newConsumer(t *testing.T, answer func(n int, id string) (int, string)) (*consumer, *httptest.Server) {
	c := &consumer{t: t, answer: answer}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

func newAdapter(t *testing.T, name, url string, ops map[string]openc2.Mapping, opts ...openc2.Option) *openc2.Adapter {
	t.Helper()
	a, err := openc2.New(name, url+openc2.Path, ops, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCommands: each operation of the reference design becomes the
// command the profiles define, valid by the OASIS schema (checked by the
// consumer), and the rollback of each is the allow of the same target.
func TestCommands(t *testing.T) {
	c, srv := newConsumer(t, nil)
	fw := newAdapter(t, "firewall", srv.URL, nil)
	edr := newAdapter(t, "edr", srv.URL, nil)
	args := map[string]any{"response_requested": "complete"}
	tests := []struct {
		name string
		a    *openc2.Adapter
		req  adapters.Request
		want map[string]any
	}{
		{"block the destination (2.1.1)", fw, adapters.Request{Operation: "block_ip", Method: "2.1.1", Inputs: map[string]any{"dst_ip": "203.0.113.7"}, IdempotencyKey: "r1/response/fr-1/2.1.1"},
			map[string]any{"action": "deny", "target": map[string]any{"ipv4_connection": map[string]any{"dst_addr": "203.0.113.7"}}, "args": args}},
		{"its rollback", fw, adapters.Request{Operation: "unblock_ip", Method: "2.1.1", Rollback: true, Inputs: map[string]any{"dst_ip": "203.0.113.7"}, IdempotencyKey: "r1/rollback/2.1.1"},
			map[string]any{"action": "allow", "target": map[string]any{"ipv4_connection": map[string]any{"dst_addr": "203.0.113.7"}}, "args": args}},
		{"block the source (2.3.1)", fw, adapters.Request{Operation: "block_ip", Method: "2.3.1", Inputs: map[string]any{"src_ip": "10.0.1.23"}, IdempotencyKey: "r1/response/fr-2/2.3.1"},
			map[string]any{"action": "deny", "target": map[string]any{"ipv4_connection": map[string]any{"src_addr": "10.0.1.23"}}, "args": args}},
		{"isolate the host (2.2.1)", edr, adapters.Request{Operation: "isolate_host", Method: "2.2.1", Inputs: map[string]any{"host": "pc-a"}, IdempotencyKey: "r1/response/fr-1/2.2.1"},
			map[string]any{"action": "contain", "target": map[string]any{"device": map[string]any{"hostname": "pc-a"}}, "args": args}},
		{"release it", edr, adapters.Request{Operation: "release_host", Method: "2.2.1", Rollback: true, Inputs: map[string]any{"host": "pc-a"}, IdempotencyKey: "r1/rollback/2.2.1"},
			map[string]any{"action": "allow", "target": map[string]any{"device": map[string]any{"hostname": "pc-a"}}, "args": args}},
		{"check the consumer", fw, adapters.Request{Operation: "query_features"},
			map[string]any{"action": "query", "target": map[string]any{"features": []any{"versions", "profiles", "pairs"}}, "args": args}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(c.commands())
			if _, err := tt.a.Call(context.Background(), tt.req); err != nil {
				t.Fatal(err)
			}
			got := c.commands()[before:]
			if diff := cmp.Diff([]map[string]any{tt.want}, got); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMappings: mappings of an adapters file make commands of every
// target kind, all valid by the schema.
func TestMappings(t *testing.T) {
	c, srv := newConsumer(t, nil)
	ops := map[string]openc2.Mapping{
		"block_net":    {Action: "deny", Target: "ipv4_net", Inputs: map[string]string{"network": "ipv4_net"}, Actuator: "slpf", Args: map[string]any{"slpf": map[string]any{"direction": "egress"}, "response_requested": "complete"}},
		"block_v6":     {Action: "deny", Target: "ipv6_connection", Inputs: map[string]string{"dst_ip": "dst_addr", "port": "dst_port", "proto": "protocol"}},
		"isolate_dev":  {Action: "contain", Target: "device", Inputs: map[string]string{"asset": "device_id"}, Actuator: "er"},
		"capabilities": {Action: "query", Target: "features", Features: []string{"profiles", "rate_limit"}, Outputs: map[string]string{"profiles": "profiles"}},
	}
	a := newAdapter(t, "fw", srv.URL, ops)
	tests := []struct {
		op     string
		inputs map[string]any
		want   map[string]any
	}{
		{"block_net", map[string]any{"network": "198.51.100.0/24"}, map[string]any{"action": "deny", "target": map[string]any{"ipv4_net": "198.51.100.0/24"},
			"args": map[string]any{"response_requested": "complete", "slpf": map[string]any{"direction": "egress"}}, "actuator": map[string]any{"slpf": map[string]any{}}}},
		{"block_v6", map[string]any{"dst_ip": "2001:db8::7", "port": float64(443), "proto": "tcp"}, map[string]any{"action": "deny",
			"target": map[string]any{"ipv6_connection": map[string]any{"dst_addr": "2001:db8::7", "dst_port": float64(443), "protocol": "tcp"}},
			"args":   map[string]any{"response_requested": "complete"}}},
		{"isolate_dev", map[string]any{"asset": "A-1017"}, map[string]any{"action": "contain", "target": map[string]any{"device": map[string]any{"device_id": "A-1017"}},
			"args": map[string]any{"response_requested": "complete"}, "actuator": map[string]any{"er": map[string]any{}}}},
		{"capabilities", nil, map[string]any{"action": "query", "target": map[string]any{"features": []any{"profiles", "rate_limit"}},
			"args": map[string]any{"response_requested": "complete"}}},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			before := len(c.commands())
			if _, err := a.Call(context.Background(), adapters.Request{Operation: tt.op, Inputs: tt.inputs}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]map[string]any{tt.want}, c.commands()[before:]); diff != "" {
				t.Errorf("commands (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOutputs: the results a mapping names become the method's outputs,
// the others are left out.
func TestOutputs(t *testing.T) {
	_, srv := newConsumer(t, func(_ int, id string) (int, string) {
		return 200, response(id, 200, "", map[string]any{"versions": []string{"1.0"}, "profiles": []string{"slpf"}, "pairs": map[string]any{"deny": []string{"ipv4_connection"}}})
	})
	a := newAdapter(t, "fw", srv.URL, map[string]openc2.Mapping{
		"check": {Action: "query", Target: "features", Features: []string{"versions", "profiles"}, Outputs: map[string]string{"profiles": "consumer_profiles", "rate_limit": "limit"}},
	})
	res, err := a.Call(context.Background(), adapters.Request{Operation: "check"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"consumer_profiles": []any{"slpf"}}, res.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	f, err := a.Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"1.0"}, f.Results["versions"]); diff != "" {
		t.Errorf("features (-want +got):\n%s", diff)
	}
}

// TestStatus maps the consumer's responses to outcomes.
func TestStatus(t *testing.T) {
	type outcome struct {
		OK, Retryable, Unknown bool
		Status                 int // of a *StatusError
		Hint                   time.Duration
	}
	msg := func(status int, text string) func(int, string) (int, string) {
		return func(_ int, id string) (int, string) { return 200, response(id, status, text, nil) }
	}
	raw := func(status int, body string, hdrs ...string) func(int, string) (int, string) {
		return func(int, string) (int, string) { return status, body }
	}
	tests := []struct {
		name   string
		answer func(int, string) (int, string)
		want   outcome
	}{
		{"200", msg(200, ""), outcome{OK: true}},
		{"102 processing", msg(102, "queued"), outcome{Retryable: true, Unknown: true, Status: 102}},
		{"400 bad request", msg(400, "no such target"), outcome{Status: 400}},
		{"401 unauthorized", msg(401, ""), outcome{Status: 401}},
		{"403 forbidden", msg(403, ""), outcome{Status: 403}},
		{"404 not found", msg(404, ""), outcome{Status: 404}},
		{"501 not implemented", msg(501, "contain is not supported"), outcome{Status: 501}},
		{"500 internal error", msg(500, ""), outcome{Retryable: true, Status: 500}},
		{"503 unavailable", msg(503, ""), outcome{Retryable: true, Status: 503}},
		{"status in the HTTP status line (HTTPS 1.0)", func(_ int, id string) (int, string) {
			return 400, `{"status": 400, "status_text": "bad"}`
		}, outcome{Status: 400}},
		{"bare response 200", func(int, string) (int, string) { return 200, `{"status": 200}` }, outcome{OK: true}},
		{"the HTTP status and the message disagree: the message decides", func(_ int, id string) (int, string) {
			return 400, response(id, 503, "maintenance", nil)
		}, outcome{Retryable: true, Status: 503}},
		{"HTTP 503 with Retry-After and no OpenC2 body", nil, outcome{Retryable: true, Status: 503, Hint: 3 * time.Second}},
		{"HTTP 502 from a gateway", raw(502, "<html>bad gateway</html>"), outcome{Retryable: true, Unknown: true, Status: 502}},
		{"HTTP 404 without OpenC2 (wrong path)", raw(404, "404 page not found"), outcome{Status: 404}},
		{"HTTP 200 not OpenC2", raw(200, "<html>ok</html>"), outcome{Unknown: true}},
		{"HTTP 200 empty", raw(200, " "), outcome{Unknown: true}},
		{"a response to another command", func(int, string) (int, string) {
			return 200, response("7c9e6679-7425-40de-944b-e07fc1f90ae7", 200, "", nil)
		}, outcome{Unknown: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			if tt.answer == nil {
				srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Retry-After", "3")
					w.WriteHeader(503)
				}))
				t.Cleanup(srv.Close)
			} else {
				_, srv = newConsumer(t, tt.answer)
			}
			a := newAdapter(t, "firewall", srv.URL, nil)
			_, err := a.Call(context.Background(), adapters.Request{Operation: "block_ip", Method: "2.1.1", Inputs: map[string]any{"dst_ip": "203.0.113.7"}, IdempotencyKey: "r/response/fr-1/2.1.1"})
			got := outcome{OK: err == nil, Retryable: adapters.IsRetryable(err), Unknown: adapters.IsOutcomeUnknown(err)}
			var se *openc2.StatusError
			if errors.As(err, &se) {
				got.Status = se.Status
			}
			got.Hint, _ = adapters.RetryAfterHint(err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s\nerr: %v", diff, err)
			}
			if err != nil {
				var ce *adapters.CallError
				if !errors.As(err, &ce) || ce.Adapter != "firewall" || ce.Operation != "block_ip" || ce.Method != "2.1.1" {
					t.Errorf("err = %v, want a *adapters.CallError naming firewall, block_ip, 2.1.1", err)
				}
			}
		})
	}
}

// TestRetrySameRequestID: a retry (by adapters.Retry, as the executor and
// an adapters file's retries do) sends the same request id and key, and
// a consumer that remembers request ids acts once.
func TestRetrySameRequestID(t *testing.T) {
	acted := map[string]int{}
	var mu sync.Mutex
	c, srv := newConsumer(t, func(n int, id string) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		if acted[id] == 0 {
			acted[id]++
		}
		if n < 3 {
			return 200, response(id, 102, "still applying", nil) // accepted, not yet done
		}
		return 200, response(id, 200, "", nil)
	})
	a := adapters.Retry(5, time.Millisecond)(newAdapter(t, "firewall", srv.URL, nil))
	req := adapters.Request{Operation: "block_ip", Method: "2.1.1", Inputs: map[string]any{"dst_ip": "203.0.113.7"}, IdempotencyKey: "r1/response/fr-1/2.1.1"}
	if _, err := a.Call(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	var ids, keys []string
	for _, r := range c.got {
		ids, keys = append(ids, r.RequestID), append(keys, r.Key)
	}
	want := openc2.RequestID(req.IdempotencyKey)
	if diff := cmp.Diff([]string{want, want, want}, ids); diff != "" {
		t.Errorf("request ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{req.IdempotencyKey, req.IdempotencyKey, req.IdempotencyKey}, keys); diff != "" {
		t.Errorf("idempotency keys (-want +got):\n%s", diff)
	}
	// Another call (the rollback) is another request id.
	rb := adapters.Request{Operation: "unblock_ip", Method: "2.1.1", Rollback: true, Inputs: req.Inputs, IdempotencyKey: "r1/rollback/2.1.1"}
	if _, err := a.Call(context.Background(), rb); err != nil {
		t.Fatal(err)
	}
	if got := c.got[len(c.got)-1].RequestID; got == want || got != openc2.RequestID(rb.IdempotencyKey) {
		t.Errorf("rollback request id %s, want that of its own key, not the block's %s", got, want)
	}
	if len(acted) != 2 {
		t.Errorf("the consumer saw %d distinct request ids, want 2", len(acted))
	}
}

func TestRequestID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-([45])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := openc2.RequestID("r1/response/fr-1/2.1.1"), openc2.RequestID("r1/rollback/2.1.1")
	if m := uuid.FindStringSubmatch(a); m == nil || m[1] != "5" || a != openc2.RequestID("r1/response/fr-1/2.1.1") || a == b {
		t.Errorf("RequestID: %s and %s, want two distinct, stable version-5 UUIDs", a, b)
	}
	r1, r2 := openc2.RequestID(""), openc2.RequestID("")
	if m := uuid.FindStringSubmatch(r1); m == nil || m[1] != "4" || r1 == r2 {
		t.Errorf("RequestID without a key: %s, %s, want distinct version-4 UUIDs", r1, r2)
	}
}

// TestBadCalls: calls the adapter cannot turn into a command fail before
// anything is sent, and retrying would not help.
func TestBadCalls(t *testing.T) {
	c, srv := newConsumer(t, nil)
	a := newAdapter(t, "firewall", srv.URL, nil)
	tests := []struct {
		name, op string
		inputs   map[string]any
		errHas   string
	}{
		{"unknown operation", "isolate_vlan", nil, "no OpenC2 command for this operation"},
		{"no input", "block_ip", map[string]any{"host": "pc-a"}, "gives none of the inputs"},
		{"IPv6 for ipv4_connection", "block_ip", map[string]any{"dst_ip": "2001:db8::1"}, "not an IPv4 address"},
		{"not an address", "block_ip", map[string]any{"dst_ip": "example.net"}, "not an IPv4 address"},
		{"not text", "isolate_host", map[string]any{"host": 7.0}, "is not text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Call(context.Background(), adapters.Request{Operation: tt.op, Inputs: tt.inputs})
			if err == nil || !strings.Contains(err.Error(), tt.errHas) || adapters.IsRetryable(err) {
				t.Errorf("err = %v, want a final error with %q", err, tt.errHas)
			}
		})
	}
	if n := len(c.commands()); n != 0 {
		t.Errorf("%d commands sent", n)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		m    openc2.Mapping
		want [][]string // paths
	}{
		{"valid", openc2.Mapping{Action: "deny", Target: "ipv4_connection", Inputs: map[string]string{"dst_ip": "dst_addr"}}, nil},
		{"missing action and target", openc2.Mapping{}, [][]string{{"action"}, {"target"}}},
		{"unknown action", openc2.Mapping{Action: "block", Target: "ipv4_net", Inputs: map[string]string{"ip": "ipv4_net"}}, [][]string{{"action"}}},
		{"unknown target", openc2.Mapping{Action: "deny", Target: "ip_addr"}, [][]string{{"target"}}},
		{"no inputs", openc2.Mapping{Action: "deny", Target: "ipv4_connection"}, [][]string{{"inputs"}}},
		{"unknown property", openc2.Mapping{Action: "contain", Target: "device", Inputs: map[string]string{"host": "name"}}, [][]string{{"inputs", "host"}}},
		{"features with inputs and a bad feature", openc2.Mapping{Action: "query", Target: "features", Inputs: map[string]string{"x": "y"}, Features: []string{"limits"}},
			[][]string{{"inputs", "x"}, {"features"}}},
		{"response requested otherwise", openc2.Mapping{Action: "query", Target: "features", Args: map[string]any{"response_requested": "ack"}}, [][]string{{"args", "response_requested"}}},
		{"bad actuator", openc2.Mapping{Action: "query", Target: "features", Actuator: "slpf v1"}, [][]string{{"actuator"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][]string
			for _, p := range tt.m.Check() {
				got = append(got, p.Path)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSecretHeaders: headers from the environment are sent and kept out
// of errors.
func TestSecretHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cr/t" {
			w.WriteHeader(401)
			return
		}
		w.WriteHeader(403)
		io.WriteString(w, `{"status": 403, "status_text": "token Bearer s3cr\/t may not block"}`)
	}))
	defer srv.Close()
	env := map[string]string{"OC2_TOKEN": "s3cr/t"}
	a := newAdapter(t, "firewall", srv.URL, nil, openc2.WithHeaders(map[string]string{"Authorization": "Bearer ${OC2_TOKEN}"}),
		openc2.WithLookupEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }))
	_, err := a.Call(context.Background(), adapters.Request{Operation: "block_ip", Inputs: map[string]any{"dst_ip": "192.0.2.1"}})
	if err == nil || strings.Contains(err.Error(), "s3cr") || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("err = %v, want the token redacted", err)
	}
	if diff := cmp.Diff([]string{"s3cr/t"}, a.Secrets()); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name, url string
		ops       map[string]openc2.Mapping
		opts      []openc2.Option
	}{
		{"", "http://127.0.0.1/", nil, nil},
		{"fw", "ftp://127.0.0.1/", nil, nil},
		{"fw", "http://127.0.0.1/", map[string]openc2.Mapping{"block_ip": {Action: "block"}}, nil},
		{"fw", "http://127.0.0.1/", nil, []openc2.Option{openc2.WithHeaders(map[string]string{"Authorization": "${UNCLOSED"})}},
	}
	for _, tt := range tests {
		if _, err := openc2.New(tt.name, tt.url, tt.ops, tt.opts...); err == nil {
			t.Errorf("New(%q, %q, %v) succeeded, want an error", tt.name, tt.url, tt.ops)
		}
	}
}

func TestTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	a := newAdapter(t, "firewall", srv.URL, nil, openc2.WithTimeout(100*time.Millisecond))
	_, err := a.Call(context.Background(), adapters.Request{Operation: "block_ip", Inputs: map[string]any{"dst_ip": "192.0.2.1"}})
	if !adapters.IsRetryable(err) || !errors.Is(err, context.DeadlineExceeded) || !adapters.IsOutcomeUnknown(err) {
		t.Errorf("err = %v, want a retryable timeout in doubt", err)
	}
}
