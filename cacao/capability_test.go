package cacao

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/process"
)

// TestImportSOARCAAgents: an http-api command of a step whose agent is
// SOARCA's soarca-http-api capability becomes an action of a webhook
// adapter at the step's target, the request kept in the method's note;
// the same command under another agent stays text.
func TestImportSOARCAAgents(t *testing.T) {
	const head = `{"type":"playbook","spec_version":"cacao-2.0","id":"playbook--00000000-0000-4000-8000-000000000000","name":"P",` +
		`"created_by":"identity--00000000-0000-4000-8000-000000000001","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",` +
		`"workflow_start":"start--00000000-0000-4000-8000-000000000002","workflow":{` +
		`"start--00000000-0000-4000-8000-000000000002":{"type":"start","on_completion":"action--00000000-0000-4000-8000-000000000003"},` +
		`"action--00000000-0000-4000-8000-000000000003":{"type":"action","name":"Block","agent":"soarca--00000000-0000-4000-8000-000000000005",` +
		`"targets":["http-api--00000000-0000-4000-8000-000000000006"],` +
		`"commands":[{"type":"http-api","command":"POST /api/v1/block HTTP/1.1","content":"{\"ip\":\"198.51.100.7\"}","headers":{"Content-Type":["application/json"]}}],` +
		`"on_completion":"end--00000000-0000-4000-8000-000000000004"},` +
		`"end--00000000-0000-4000-8000-000000000004":{"type":"end"}},`
	tests := []struct {
		name, agent, target string
		action              process.Action
		adapters            []config.Entry
	}{
		{"url", `{"type":"soarca","name":"soarca-http-api"}`, `{"type":"http-api","name":"Edge Firewall","address":{"url":["https://fw.example.org/"]}}`,
			"edge-firewall.post_api_v1_block", []config.Entry{{Name: "edge-firewall", Kind: config.Webhook, URL: "https://fw.example.org"}}},
		{"dname and port", `{"type":"soarca-http-api","name":"soarca-http-api"}`, `{"type":"http-api","name":"fw","address":{"dname":["fw.example.org"]},"port":"8443"}`,
			"fw.post_api_v1_block", []config.Entry{{Name: "fw", Kind: config.Webhook, URL: "https://fw.example.org:8443"}}},
		{"ipv4 on port 8080", `{"type":"soarca","name":"soarca-http-api"}`, `{"type":"http-api","name":"fw","address":{"ipv4":["10.0.0.5"]},"port":"8080"}`,
			"fw.post_api_v1_block", []config.Entry{{Name: "fw", Kind: config.Webhook, URL: "http://10.0.0.5:8080"}}},
		{"another agent", `{"type":"security-category","name":"edr","category":["firewall"]}`, `{"type":"http-api","name":"fw","address":{"url":["https://fw.example.org"]}}`,
			"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + `"agent_definitions":{"soarca--00000000-0000-4000-8000-000000000005":` + tt.agent + `},` +
				`"target_definitions":{"http-api--00000000-0000-4000-8000-000000000006":` + tt.target + `}}`
			d, rep, err := Import(strings.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			requireValid(t, d, rep)
			m := d.Processes[0].Methods[0]
			if m.Action != tt.action {
				t.Errorf("action %q, want %q", m.Action, tt.action)
			}
			if diff := cmp.Diff(tt.adapters, rep.Adapters); diff != "" {
				t.Errorf("adapters (-want +got):\n%s", diff)
			}
			text := m.Note + "\n" + m.Procedure
			for _, want := range []string{"POST /api/v1/block HTTP/1.1", `{"ip":"198.51.100.7"}`, "Content-Type: application/json"} {
				if !strings.Contains(text, want) {
					t.Errorf("the request's %s is lost: note %q, procedure %q", want, m.Note, m.Procedure)
				}
			}
		})
	}
}

// TestImportExportedAdapters: a playbook exported with webhook adapters
// imports with the adapters it calls, at their URLs.
func TestImportExportedAdapters(t *testing.T) {
	d := loadDesign(t, bundled[0])
	src := "format: secops-adapters/v1\nadapters:\n" +
		"  - {name: edr, kind: webhook, url: \"https://edr.example.org/hooks/secops?tenant=a\"}\n" +
		"  - {name: firewall, kind: webhook, url: \"https://fw.example.org/\"}\n" +
		"  - {name: threatintel, kind: webhook, url: \"https://ti.example.org/api\"}\n"
	af, err := config.Load(strings.NewReader(src), "adapters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Export(d, Options{Adapters: af})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := files[0].Playbook.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	_, rep, err := Import(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range rep.Adapters {
		if a.Kind != config.Webhook {
			t.Errorf("adapter %s: kind %s", a.Name, a.Kind)
		}
		got[string(a.Name)] = a.URL
	}
	want := map[string]string{"edr": "https://edr.example.org/hooks/secops?tenant=a", "firewall": "https://fw.example.org/", "threatintel": "https://ti.example.org/api"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("adapters (-want +got):\n%s", diff)
	}
}
