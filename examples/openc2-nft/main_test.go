package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/openc2"
)

func TestMatchOf(t *testing.T) {
	tests := []struct {
		target, raw, want string
		err               bool
	}{
		{"ipv4_connection", `{"dst_addr": "203.0.113.7"}`, "ip daddr 203.0.113.7", false},
		{"ipv4_connection", `{"src_addr": "10.0.1.0/24", "dst_addr": "203.0.113.7", "protocol": "tcp", "dst_port": 443}`, "ip saddr 10.0.1.0/24 ip daddr 203.0.113.7 meta l4proto tcp tcp dport 443", false},
		{"ipv4_connection", `{"dst_port": 53}`, "th dport 53", false},
		{"ipv6_connection", `{"dst_addr": "2001:db8::7", "protocol": "icmp"}`, "ip6 daddr 2001:db8::7 meta l4proto ipv6-icmp", false},
		{"ipv4_net", `"198.51.100.7/24"`, "ip daddr 198.51.100.0/24|ip saddr 198.51.100.0/24", false},
		{"ipv4_connection", `{}`, "", true},
		{"ipv4_connection", `{"dst_addr": "2001:db8::7"}`, "", true},
		{"ipv4_connection", `{"dst_addr": "1.2.3.4; flush ruleset"}`, "", true},
		{"ipv4_connection", `{"dst_addr": "1.2.3.4", "comment": "x"}`, "", true},
		{"ipv4_connection", `{"protocol": "gre"}`, "", true},
		{"ipv4_connection", `{"dst_port": 70000}`, "", true},
		{"ipv6_net", `"10.0.0.1"`, "", true},
	}
	for _, tt := range tests {
		got, err := matchOf(tt.target, json.RawMessage(tt.raw))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("matchOf(%s, %s) = %q, %v; want %q, error %v", tt.target, tt.raw, got, err, tt.want, tt.err)
		}
	}
}

// fakeNft keeps the deny chain's rules as nft would, from the scripts it
// is given, and records every script.
type fakeNft struct {
	mu      sync.Mutex
	scripts []string
	rules   map[int]string // handle → comment
	next    int
}

func (f *fakeNft) run(_ context.Context, script string, args ...string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.Join(args, " ") == "-j list chain inet t deny" {
		var l []map[string]any
		for h, c := range f.rules {
			l = append(l, map[string]any{"rule": map[string]any{"handle": h, "comment": c}})
		}
		return json.Marshal(map[string]any{"nftables": l})
	}
	if script == "" {
		script = strings.Join(args, " ") + "\n"
	}
	f.scripts = append(f.scripts, script)
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		switch {
		case strings.HasPrefix(line, "add rule inet t deny "):
			f.next++
			if f.rules == nil {
				f.rules = map[int]string{}
			}
			c := line[strings.Index(line, `comment "`)+9 : len(line)-1]
			f.rules[f.next] = c
		case strings.HasPrefix(line, "delete rule inet t deny handle "):
			if h, err := strconv.Atoi(line[len("delete rule inet t deny handle "):]); err == nil {
				delete(f.rules, h)
			}
		}
	}
	return nil, nil
}

func (f *fakeNft) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.scripts
	f.scripts = nil
	return s
}

// TestConsumer drives the consumer through the openc2 adapter, with nft
// faked: each command becomes the script it should, a retry with the
// same request id does nothing again, and bad commands get the statuses
// the Language Specification gives them.
func TestConsumer(t *testing.T) {
	nft := &fakeNft{}
	c := &consumer{table: "t", hostname: "pc-a", port: 8443, nft: nft.run, log: slog.New(slog.NewTextHandler(io.Discard, nil)), done: map[string]reply{}}
	srv := httptest.NewServer(c.handler())
	defer srv.Close()
	fw, err := openc2.New("firewall", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	call := func(op string, inputs map[string]any, key string) error {
		_, err := fw.Call(context.Background(), adapters.Request{Operation: op, Inputs: inputs, IdempotencyKey: key})
		return err
	}
	cc := map[string]any{"dst_ip": "203.0.113.7"}
	steps := []struct {
		name    string
		op      string
		inputs  map[string]any
		key     string
		scripts []string
		status  int // of the error, 0 for none
	}{
		{"block", "block_ip", cc, "r/response/fr-1/2.1.1", []string{"add rule inet t deny ip daddr 203.0.113.7 drop comment \"openc2 deny ip daddr 203.0.113.7\"\n"}, 0},
		{"the block retried: answered as before", "block_ip", cc, "r/response/fr-1/2.1.1", nil, 0},
		{"blocked again under another key: already in place", "block_ip", cc, "r2/response/fr-1/2.1.1", nil, 0},
		{"unblock", "unblock_ip", cc, "r/rollback/2.1.1", []string{"delete rule inet t deny handle 1\n"}, 0},
		{"unblock again: nothing to do", "unblock_ip", cc, "r3/rollback/2.1.1", nil, 0},
		{"isolate", "isolate_host", map[string]any{"host": "pc-a"}, "r/response/fr-1/2.2.1", []string{`flush chain inet t contain
add rule inet t contain iif lo accept
add rule inet t contain oif lo accept
add rule inet t contain tcp dport 8443 accept
add rule inet t contain tcp sport 8443 accept
add rule inet t contain drop comment "openc2 contain device"
`}, 0},
		{"release", "release_host", map[string]any{"host": "pc-a"}, "r/rollback/2.2.1", []string{"flush chain inet t contain\n"}, 0},
		{"another host", "isolate_host", map[string]any{"host": "pc-b"}, "", nil, 404},
		{"features", "query_features", nil, "", nil, 0},
	}
	for _, s := range steps {
		err := call(s.op, s.inputs, s.key)
		var se *openc2.StatusError
		status := 0
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("%s: %v", s.name, err)
		} else if se != nil {
			status = se.Status
		}
		if status != s.status {
			t.Errorf("%s: status %d, want %d (%v)", s.name, status, s.status, err)
		}
		if diff := cmp.Diff(s.scripts, nft.take()); diff != "" {
			t.Errorf("%s: nft scripts (-want +got):\n%s", s.name, diff)
		}
	}
	f, err := fw.Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"slpf"}, f.Results["profiles"]); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}

	// Commands the consumer refuses, sent as they are.
	bad := []struct {
		name   string
		cmd    openc2.Command
		status int
	}{
		{"unsupported pair", openc2.Command{Action: "delete", Target: map[string]any{"file": map[string]any{"name": "x"}}}, 501},
		{"bad address", openc2.Command{Action: "deny", Target: map[string]any{"ipv4_connection": map[string]any{"dst_addr": "203.0.113.7 accept"}}}, 400},
		{"everything", openc2.Command{Action: "deny", Target: map[string]any{"ipv4_connection": map[string]any{}}}, 400},
		{"another actuator", openc2.Command{Action: "contain", Target: map[string]any{"device": map[string]any{"hostname": "pc-a"}}, Actuator: map[string]any{"er": map[string]any{}}}, 404},
	}
	for _, b := range bad {
		_, err := fw.Send(context.Background(), b.cmd, "")
		var se *openc2.StatusError
		if !errors.As(err, &se) || se.Status != b.status {
			t.Errorf("%s: %v, want status %d", b.name, err, b.status)
		}
	}
	if s := nft.take(); len(s) != 0 {
		t.Errorf("refused commands ran nft: %q", s)
	}

	// Not OpenC2 at all.
	resp, err := http.Post(srv.URL+path, "application/json", bytes.NewReader([]byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("a JSON post: HTTP %d, want 400", resp.StatusCode)
	}
}
