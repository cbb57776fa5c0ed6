package config_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/finding"
)

func TestLoadOpenC2(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []where
	}{
		{"defaults", `format: secops-adapters/v1
adapters:
  - {name: firewall, kind: openc2, url: "https://fw.example/.well-known/openc2"}
`, nil},
		{"operations", `format: secops-adapters/v1
adapters:
  - name: firewall
    kind: openc2
    url: https://fw.example/.well-known/openc2
    from: soc-1.example
    headers: {Authorization: "Bearer ${FW_TOKEN}"}
    tls: {ca_file: ca.pem, cert_file: c.pem, key_file: k.pem}
    operations:
      block_ip: {action: deny, target: ipv4_connection, inputs: {dst_ip: dst_addr, src_ip: src_addr}, actuator: slpf}
      unblock_ip: {action: allow, target: ipv4_connection, inputs: {dst_ip: dst_addr, src_ip: src_addr}, actuator: slpf}
      block_net: {action: deny, target: ipv4_net, inputs: {network: ipv4_net}, args: {slpf: {direction: egress}}}
      check: {action: query, target: features, features: [versions, profiles], outputs: {profiles: consumer_profiles}}
`, nil},
		{"no url", `format: secops-adapters/v1
adapters:
  - {name: firewall, kind: openc2}
`, []where{{finding.Required, "adapters[0].url", 3}}},
		{"bad mappings", `format: secops-adapters/v1
adapters:
  - name: firewall
    kind: openc2
    url: https://fw.example/.well-known/openc2
    operations:
      block_ip: {action: block, target: ipv4_connection, inputs: {dst_ip: destination}}
      isolate_host:
        target: device
        inputs: {host: hostname}
      Bad.Op: {action: query, target: features}
      nothing: {action: deny, target: ipv4_net}
`, []where{
			{finding.InvalidValue, "adapters[0].operations.block_ip.action", 7},
			{finding.InvalidValue, "adapters[0].operations.block_ip.inputs.dst_ip", 7},
			{finding.Required, "adapters[0].operations.isolate_host.action", 8},
			{finding.InvalidValue, `adapters[0].operations["Bad.Op"]`, 11},
			{finding.Required, "adapters[0].operations.nothing.inputs", 12},
		}},
		{"unknown key in a mapping", `format: secops-adapters/v1
adapters:
  - name: firewall
    kind: openc2
    url: https://fw.example/.well-known/openc2
    operations:
      block_ip: {action: deny, target: ipv4_net, inputs: {ip: ipv4_net}, verb: deny}
`, []where{{finding.UnknownField, "adapters[0].operations.block_ip.verb", 7}}},
		{"openc2 settings on other kinds", `format: secops-adapters/v1
adapters:
  - {name: fw, kind: webhook, url: "https://fw.example/", from: me}
  - {name: edr, kind: command, command: [x], operations: {isolate_host: {action: contain, target: device, inputs: {host: hostname}}}}
  - {name: ti, kind: openc2, url: "https://ti.example/", command: [x]}
`, []where{{finding.InvalidValue, "adapters[0].from", 3}, {finding.InvalidValue, "adapters[1].operations", 4}, {finding.InvalidValue, "adapters[2].command", 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Load(strings.NewReader(tt.in), "adapters.yaml")
			if f == nil {
				t.Fatalf("no file: %v", err)
			}
			got := finding.From(err)
			if diff := cmp.Diff(tt.want, wheres(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

// TestCheckOpenC2: with the reference design, an openc2 firewall with the
// default operations serves every firewall action; one without unblock_ip
// leaves the rollbacks without a command, and one built from an input
// the methods do not have never gets one.
func TestCheckOpenC2(t *testing.T) {
	d, lf, err := secops.LoadFile("../../examples/targeted-attack/design.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, firewall string
		want           []where
	}{
		{"defaults", `{name: firewall, kind: openc2, url: "https://fw.example/.well-known/openc2"}`, nil},
		{"no rollback command", `{name: firewall, kind: openc2, url: "https://fw.example/.well-known/openc2", operations: {block_ip: {action: deny, target: ipv4_connection, inputs: {dst_ip: dst_addr, src_ip: src_addr}}}}`,
			[]where{{finding.UnknownRef, "processes[8].methods[0].rollback.action", 390}, {finding.UnknownRef, "processes[10].methods[0].rollback.action", 416}}},
		{"inputs the methods lack", `{name: firewall, kind: openc2, url: "https://fw.example/.well-known/openc2", operations: {block_ip: {action: deny, target: ipv4_net, inputs: {ip: ipv4_net}}, unblock_ip: {action: allow, target: ipv4_net, inputs: {ip: ipv4_net, dst_ip: ipv4_net, src_ip: ipv4_net}}}}`,
			[]where{{finding.InvalidValue, "processes[8].methods[0].action", 387}, {finding.InvalidValue, "processes[10].methods[0].action", 413}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Load(strings.NewReader(`format: secops-adapters/v1
adapters:
  - {name: edr, kind: openc2, url: "https://edr.example/.well-known/openc2", operations: {isolate_host: {action: contain, target: device, inputs: {host: hostname}}, release_host: {action: allow, target: device, inputs: {host: hostname}}, file_hash: {action: query, target: features}, connections_by_file: {action: query, target: features}, process_by_ip: {action: query, target: features}, connections_by_ip: {action: query, target: features}, internal_connections: {action: query, target: features}, historical_search: {action: query, target: features}}}
  - {name: threatintel, kind: webhook, url: "https://ti.example/"}
  - `+tt.firewall+"\n"), "adapters.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, wheres(f.Check(d))); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, f.Check(d))
			}
		})
	}
}

// TestRegistryOpenC2: an openc2 entry builds an adapter that sends OpenC2
// over https with the file's CA, headers, from and operations, retried.
func TestRegistryOpenC2(t *testing.T) {
	var got []map[string]any
	var auth []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg map[string]any
		json.NewDecoder(r.Body).Decode(&msg)
		got = append(got, msg)
		auth = append(auth, r.Header.Get("Authorization"))
		status := 200
		if len(got) == 1 {
			status = 503 // retried
		}
		id := msg["headers"].(map[string]any)["request_id"]
		w.Header().Set("Content-Type", "application/openc2+json;version=1.0")
		io.WriteString(w, `{"headers": {"request_id": "`+id.(string)+`"}, "body": {"openc2": {"response": {"status": `+map[int]string{200: "200", 503: "503"}[status]+`}}}}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "adapters.yaml")
	cfg := `format: secops-adapters/v1
adapters:
  - name: firewall
    kind: openc2
    url: ` + srv.URL + `/.well-known/openc2
    from: soc-1.example
    headers: {Authorization: "Bearer ${FW_TOKEN}"}
    tls: {ca_file: ca.pem}
    timeout: 10s
    retries: 1
    operations:
      block_ip: {action: deny, target: ipv4_connection, inputs: {dst_ip: dst_addr}, actuator: slpf}
`
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := f.Registry(config.WithLookupEnv(func(k string) (string, bool) { return "s3cret", k == "FW_TOKEN" }), config.WithRetryBase(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := reg.Lookup("firewall")
	if _, err := a.Call(context.Background(), adapters.Request{Operation: "block_ip", Method: "2.1.1", Inputs: map[string]any{"dst_ip": "203.0.113.7"}, IdempotencyKey: "r/response/fr-1/2.1.1"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0]["headers"].(map[string]any)["request_id"] != got[1]["headers"].(map[string]any)["request_id"] {
		t.Fatalf("got %v, want two attempts with one request id", got)
	}
	if diff := cmp.Diff("soc-1.example", got[1]["headers"].(map[string]any)["from"]); diff != "" {
		t.Errorf("from (-want +got):\n%s", diff)
	}
	want := map[string]any{"action": "deny", "target": map[string]any{"ipv4_connection": map[string]any{"dst_addr": "203.0.113.7"}},
		"args": map[string]any{"response_requested": "complete"}, "actuator": map[string]any{"slpf": map[string]any{}}}
	if diff := cmp.Diff(want, got[1]["body"].(map[string]any)["openc2"].(map[string]any)["request"]); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Bearer s3cret", "Bearer s3cret"}, auth); diff != "" {
		t.Errorf("Authorization (-want +got):\n%s", diff)
	}
}
