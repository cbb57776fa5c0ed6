package cacao

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/adapters/openc2"
)

// openc2Adapters is an adapters file of the reference design whose
// firewall is an OpenC2 consumer (the openc2 adapter's default
// mappings) and whose other adapters are webhooks at host names.
const openc2Adapters = `format: secops-adapters/v1
adapters:
  - {name: firewall, kind: openc2, url: "https://fw.example.org/.well-known/openc2"}
  - {name: edr, kind: webhook, url: "https://edr.example.org/hooks/edr"}
  - {name: threatintel, kind: webhook, url: "https://ti.example.org/hooks/ti"}
`

// TestOpenC2Export: the actions of an openc2 adapter are openc2-http
// commands of SOARCA's soarca-openc2-http capability, each the OpenC2
// command the adapter sends with the inputs as variables; they pass the
// official schemas and SOARCA's decoder, and import back as the same
// actions of an openc2 adapter with the same mappings.
func TestOpenC2Export(t *testing.T) {
	d := loadDesign(t, bundled[0])
	cfg, err := config.Load(strings.NewReader(openc2Adapters), "adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Export(d, Options{Adapters: cfg})
	if err != nil {
		t.Fatal(err)
	}
	type call struct{ Agent, Command, Content string }
	var got []call
	var pb *Playbook
	for _, f := range files {
		for _, s := range f.Playbook.Workflow {
			for _, c := range s.Commands {
				if c.Type != "openc2-http" {
					continue
				}
				pb = f.Playbook
				var cmd openc2.Command
				if err := json.Unmarshal([]byte(c.Content), &cmd); err != nil {
					t.Fatalf("content %q: %v", c.Content, err)
				}
				if c.Headers["Content-Type"][0] != openc2.ContentType || !strings.Contains(c.Headers["Idempotency-Key"][0], "__secops_run__:value/") {
					t.Errorf("headers %v", c.Headers)
				}
				got = append(got, call{f.Playbook.AgentDefinitions[s.Agent].Name, c.Command, c.Content})
			}
		}
	}
	if len(got) == 0 {
		t.Fatal("no openc2-http command")
	}
	for _, c := range got {
		if c.Agent != "soarca-openc2-http" || c.Command != "POST /.well-known/openc2 HTTP/1.1" ||
			!(strings.Contains(c.Content, `"ipv4_connection":{"dst_addr":"__dst_ip__:value"}`) || strings.Contains(c.Content, `"ipv4_connection":{"src_addr":"__src_ip__:value"}`)) {
			t.Errorf("openc2-http command %+v", c)
		}
	}
	if _, err := os.Stat(sharedDir); err == nil {
		if err := validateSchema(t, playbookSchema(t), pb); err != nil {
			t.Errorf("official schema: %v", err)
		}
		check := filepath.Join(soarcaBinaries(t), "check")
		var buf bytes.Buffer
		if err := pb.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "openc2.json")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(check, p).Output(); err != nil || !strings.Contains(string(out), "\tPASS") {
			t.Errorf("SOARCA's decoder: %v %s", err, out)
		}
	}

	var buf bytes.Buffer
	if err := pb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	back, rep, err := Import(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var fw *config.Entry
	for i, a := range rep.Adapters {
		if a.Name == "firewall" {
			fw = &rep.Adapters[i]
		}
	}
	if fw == nil {
		t.Fatalf("no firewall adapter imported: %+v", rep.Adapters)
	}
	// The block comes back as exported (the inputs the method gives),
	// its rollback as the adapter's default.
	want := config.Entry{Name: "firewall", Kind: config.OpenC2, URL: "https://fw.example.org/.well-known/openc2",
		Operations: map[string]openc2.Mapping{
			"block_ip":   {Action: "deny", Target: "ipv4_connection", Inputs: map[string]string{"dst_ip": "dst_addr"}},
			"unblock_ip": openc2.DefaultOperations()["unblock_ip"],
		}}
	if strings.Contains(fw.Operations["block_ip"].Inputs["src_ip"], "src_addr") {
		want.Operations["block_ip"].Inputs["src_ip"] = "src_addr"
	}
	actions := map[string]bool{}
	for _, p := range back.Processes {
		for _, m := range p.Methods {
			actions[string(m.Action)] = true
			if m.Rollback != nil {
				actions[string(m.Rollback.Action)] = true
			}
		}
	}
	if !actions["firewall.block_ip"] || !actions["firewall.unblock_ip"] {
		t.Errorf("imported actions %v lack the firewall's", actions)
	}
	if diff := cmp.Diff(want, *fw); diff != "" {
		t.Errorf("imported firewall adapter (-want +got):\n%s", diff)
	}
}
