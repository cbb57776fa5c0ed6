package config_test

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/finding"
)

// where is what tests compare of a finding: never the message.
type where struct {
	Code finding.Code
	Path string
	Line int
}

func wheres(l finding.List) []where {
	var w []where
	for _, f := range l {
		w = append(w, where{f.Code, f.Path, f.Line})
	}
	return w
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []where
	}{
		{"valid", `format: secops-adapters/v1
adapters:
  - name: edr
    kind: command
    command: [python3, integrations/edr.py]
    timeout: 30s
  - name: firewall
    kind: webhook
    url: https://fw.example.internal/secops
    headers: {Authorization: "Bearer ${FW_TOKEN}"}
    tls: {ca_file: ca.pem, cert_file: c.pem, key_file: k.pem}
    retries: 3
`, nil},
		{"empty list", "format: secops-adapters/v1\nadapters: []\n", nil},
		{"missing format and adapters", "x: 1\n", []where{
			{finding.Required, "adapters", 1},
			{finding.Required, "format", 1},
			{finding.UnknownField, "x", 1},
		}},
		{"wrong format", "format: secops-adapters/v0\nadapters: []\n", []where{{finding.InvalidValue, "format", 1}}},
		{"unknown kind", `format: secops-adapters/v1
adapters:
  - name: edr
    kind: comand
    command: [x]
`, []where{{finding.InvalidValue, "adapters[0].kind", 4}}},
		{"missing name and kind", `format: secops-adapters/v1
adapters:
  - command: [x]
`, []where{{finding.Required, "adapters[0].kind", 3}, {finding.Required, "adapters[0].name", 3}}},
		{"bad name", `format: secops-adapters/v1
adapters:
  - {name: edr.v2, kind: command, command: [x]}
`, []where{{finding.InvalidValue, "adapters[0].name", 3}}},
		{"command missing", `format: secops-adapters/v1
adapters:
  - name: edr
    kind: command
  - name: av
    kind: command
    command: [""]
`, []where{{finding.Required, "adapters[0].command", 3}, {finding.Required, "adapters[1].command", 7}}},
		{"url missing or invalid", `format: secops-adapters/v1
adapters:
  - name: fw
    kind: webhook
  - name: fw2
    kind: webhook
    url: ftp://fw.example/
`, []where{{finding.Required, "adapters[0].url", 3}, {finding.InvalidValue, "adapters[1].url", 7}}},
		{"bad header", `format: secops-adapters/v1
adapters:
  - name: fw
    kind: webhook
    url: https://fw.example/
    headers:
      Authorization: "Bearer ${FW_TOKEN"
`, []where{{finding.InvalidValue, "adapters[0].headers.Authorization", 7}}},
		{"settings of the other kind", `format: secops-adapters/v1
adapters:
  - name: fw
    kind: webhook
    url: https://fw.example/
    command: [x]
  - name: edr
    kind: command
    command: [x]
    url: https://edr.example/
`, []where{{finding.InvalidValue, "adapters[0].command", 6}, {finding.InvalidValue, "adapters[1].url", 10}}},
		{"half a client certificate", `format: secops-adapters/v1
adapters:
  - name: fw
    kind: webhook
    url: https://fw.example/
    tls: {cert_file: c.pem}
`, []where{{finding.Required, "adapters[0].tls.key_file", 6}}},
		{"duplicate names", `format: secops-adapters/v1
adapters:
  - {name: edr, kind: command, command: [x]}
  - {name: edr, kind: command, command: [y]}
`, []where{{finding.DuplicateID, "adapters[1].name", 4}}},
		{"bad values", `format: secops-adapters/v1
adapters:
  - {name: edr, kind: command, command: [x], timeout: soon, retries: 11}
`, []where{{finding.InvalidValue, "adapters[0].timeout", 3}, {finding.InvalidValue, "adapters[0].retries", 3}}},
		{"json", `{"format": "secops-adapters/v1", "adapters": [{"name": "edr", "kind": "command"}]}`,
			[]where{{finding.Required, "adapters[0].command", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Load(strings.NewReader(tt.in), "adapters.yaml")
			if f == nil {
				t.Fatalf("no file: %v", err)
			}
			got := finding.From(err)
			for _, fd := range got {
				if fd.File != "adapters.yaml" {
					t.Errorf("%v: file %q, want adapters.yaml", fd, fd.File)
				}
			}
			if diff := cmp.Diff(tt.want, wheres(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestLoadModel(t *testing.T) {
	f, err := config.Load(strings.NewReader(`format: secops-adapters/v1
adapters:
  - name: edr
    kind: command
    command: [python3, integrations/edr.py]
    timeout: 30s
    env: {MODE: live}
`), "x/adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []config.Entry{{Name: "edr", Kind: config.Command, Command: []string{"python3", "integrations/edr.py"},
		Timeout: duration.Duration(30 * time.Second), Env: map[string]string{"MODE": "live"}}}
	if diff := cmp.Diff(want, f.Adapters); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadFatal(t *testing.T) {
	f, err := config.Load(strings.NewReader("format: [\n"), "adapters.yaml")
	if f != nil || len(finding.From(err)) != 1 {
		t.Errorf("got %v, %v; want no file and one finding", f, err)
	}
	if _, err := config.LoadFile(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want os.ErrNotExist", err)
	}
}

const design = `format: secops/v1
processes:
  - id: "1.1"
    name: Investigate
    methods:
      - {id: "1.1.1", name: Hash, procedure: p, action: edr.file_hash}
      - {id: "1.1.2", name: Ask, procedure: p}
      - {id: "1.1.3", name: Lookup, procedure: p, action: threatintel.lookup_ip}
  - id: "2.1"
    name: Contain
    methods:
      - id: "2.1.1"
        name: Block
        procedure: p
        action: edr.block
        rollback: {procedure: p, action: firewal.unblock_ip}
`

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "design.yaml")
	if err := os.WriteFile(path, []byte(design), 0o644); err != nil {
		t.Fatal(err)
	}
	d, lf, err := secops.LoadFile(path)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(strings.NewReader(`format: secops-adapters/v1
adapters:
  - {name: edr, kind: command, command: [x]}
  - {name: firewall, kind: command, command: [x]}
  - {name: chat, kind: command, command: [x]}
`), "adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := f.Check(d)
	want := []where{
		{finding.UnknownRef, "processes[0].methods[2].action", 8},
		{finding.UnknownRef, "processes[1].methods[0].rollback.action", 16},
		{finding.Unused, "adapters[1].name", 4},
		{finding.Unused, "adapters[2].name", 5},
	}
	if diff := cmp.Diff(want, wheres(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s\n%v", diff, got)
	}
	files := []string{path, path, "adapters.yaml", "adapters.yaml"}
	for i, fd := range got {
		if i < len(files) && fd.File != files[i] {
			t.Errorf("finding %d in %q, want %q", i, fd.File, files[i])
		}
	}
	if got[0].Severity != finding.Error || got[2].Severity != finding.Warning {
		t.Errorf("severities %v, %v; want error, warning", got[0].Severity, got[2].Severity)
	}

	// A design whose file is gone still gets its paths and file name.
	os.Remove(path)
	got = f.Check(d)
	if len(got) != 4 || got[0].File != path || got[0].Path != "processes[0].methods[2].action" {
		t.Errorf("got %v", got)
	}
}

func TestCheckReferenceDesign(t *testing.T) {
	d, lf, err := secops.LoadFile("../../examples/targeted-attack/design.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(strings.NewReader(`format: secops-adapters/v1
adapters:
  - {name: edr, kind: command, command: [x]}
  - {name: firewall, kind: webhook, url: "https://fw.example/"}
  - {name: threatintel, kind: webhook, url: "https://ti.example/"}
`), "adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Check(d); len(got) != 0 {
		t.Errorf("findings:\n%v", got)
	}
}

func TestRegistryCommand(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs /bin/sh")
	}
	f, err := config.LoadFile("testdata/adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := f.Registry()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"edr", "ticket"}, reg.Names()); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	for _, name := range reg.Names() {
		a, _ := reg.Lookup(name)
		res, err := a.Call(context.Background(), adapters.Request{Operation: "op", Method: "1.1.1", Inputs: map[string]any{"host": "pc-1"}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mode := map[string]string{"edr": "edr"}[name]
		want := map[string]any{"dir": "testdata", "mode": mode,
			"request": map[string]any{"operation": "op", "method": "1.1.1", "run": "", "inputs": map[string]any{"host": "pc-1"}}}
		if diff := cmp.Diff(want, res.Outputs); diff != "" {
			t.Errorf("%s: outputs (-want +got):\n%s", name, diff)
		}
	}
}

func TestRegistryWebhook(t *testing.T) {
	var hits int
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if hits == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // retried
			return
		}
		io.WriteString(w, `{"outputs": {"auth": "`+r.Header.Get("Authorization")+`"}}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := `format: secops-adapters/v1
adapters:
  - name: firewall
    kind: webhook
    url: ` + srv.URL + `
    headers: {Authorization: "Bearer ${FW_TOKEN}"}
    tls: {ca_file: ca.pem}
    timeout: 10s
    retries: 1
`
	path := filepath.Join(dir, "adapters.yaml")
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
	res, err := a.Call(context.Background(), adapters.Request{Operation: "block_ip", Method: "2.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"auth": "Bearer s3cret"}, res.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestRegistryErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"missing ca file", `{name: fw, kind: webhook, url: "https://fw.example/", tls: {ca_file: nope.pem}}`},
		{"ca file without certificates", `{name: fw, kind: webhook, url: "https://fw.example/", tls: {ca_file: adapters.yaml}}`},
		{"missing key pair", `{name: fw, kind: webhook, url: "https://fw.example/", tls: {cert_file: c.pem, key_file: k.pem}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Load(strings.NewReader("format: secops-adapters/v1\nadapters:\n  - "+tt.in+"\n"), "testdata/adapters.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Registry()
			if err == nil || !strings.Contains(err.Error(), `"fw"`) {
				t.Errorf("err = %v, want an error naming the adapter", err)
			}
		})
	}
}

// TestCheckEscalation: a severity's escalation action is an action like
// a method's: its adapter must be in the file, and it uses the adapter.
func TestCheckEscalation(t *testing.T) {
	d, lf, err := secops.LoadFile("../../examples/targeted-attack/design.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	d.Criteria.Severities.Get("high").Escalation = &criteria.Escalation{Action: "pager.page", Party: "csirt"}
	base := `format: secops-adapters/v1
adapters:
  - {name: edr, kind: command, command: [x]}
  - {name: firewall, kind: webhook, url: "https://fw.example/"}
  - {name: threatintel, kind: webhook, url: "https://ti.example/"}
`
	f, err := config.Load(strings.NewReader(base), "adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := f.Check(d)
	if len(got) != 1 || got[0].Code != finding.UnknownRef || got[0].Path != "criteria.severities[1].escalation.action" ||
		!strings.Contains(got[0].Message, `the escalation of severity high: action pager.page: no adapter "pager"`) {
		t.Errorf("without the pager: %v", got)
	}
	f, err = config.Load(strings.NewReader(base+"  - {name: pager, kind: webhook, url: \"https://pager.example/\"}\n"), "adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Check(d); len(got) != 0 {
		t.Errorf("with the pager (used by the escalation only): %v", got)
	}
}

// TestInsecureSecret: a header carrying a ${SECRET} to a plain http URL
// on another host is a warning at the adapter's url; https, loopback and
// headers without secrets are not.
func TestInsecureSecret(t *testing.T) {
	d, lf, err := secops.LoadFile("../../examples/targeted-attack/design.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(strings.NewReader(`format: secops-adapters/v1
adapters:
  - {name: edr, kind: webhook, url: "http://edr.example/", headers: {Authorization: "Bearer ${EDR_TOKEN}"}}
  - {name: firewall, kind: webhook, url: "http://127.0.0.1:8080/", headers: {Authorization: "Bearer ${FW_TOKEN}"}}
  - {name: threatintel, kind: webhook, url: "http://ti.example/", headers: {X-Tenant: "acme"}}
`), "adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := f.Check(d)
	if len(got) != 1 || got[0].Code != config.InsecureSecret || got[0].Severity != finding.Warning ||
		got[0].Path != "adapters[0].url" || got[0].Line != 3 || !strings.Contains(got[0].Message, "use https") {
		t.Errorf("findings:\n%v", got)
	}
}

func TestUnset(t *testing.T) {
	f, err := config.Load(strings.NewReader(`format: secops-adapters/v1
adapters:
  - {name: a, kind: webhook, url: "https://a.example.org/", headers: {X-Key: "${A_KEY}", Authorization: "Bearer ${TOKEN}"}}
  - {name: b, kind: webhook, url: "https://b.example.org/", headers: {X-Key: "${A_KEY}${EMPTY}"}}
`), "adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TOKEN": "t", "EMPTY": ""}
	got := f.Unset(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if diff := cmp.Diff([]string{"A_KEY", "EMPTY"}, got); diff != "" {
		t.Errorf("Unset (-want +got):\n%s", diff)
	}
}
