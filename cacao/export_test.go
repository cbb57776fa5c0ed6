package cacao

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
)

// bundled lists the bundled example designs; absent ones are skipped.
var bundled = []string{
	"../examples/targeted-attack/design.yaml",
	"../examples/acme-web/design.yaml",
}

func loadDesign(t *testing.T, path string) *secops.Design {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s: %v", path, err)
	}
	d, lf, err := secops.LoadFile(path)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

// testAdapters configures every adapter d names: webhooks (the first
// with a bearer token, the second with an API key header, both secret)
// and command adapters, alternately.
func testAdapters(t testing.TB, d *secops.Design) *config.File {
	t.Helper()
	var names []string
	for _, p := range d.Processes {
		for _, m := range p.Methods {
			if m.Action != "" {
				names = append(names, m.Action.Adapter())
			}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var b strings.Builder
	b.WriteString("format: secops-adapters/v1\nadapters:\n")
	for i, n := range names {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "  - {name: %s, kind: webhook, url: \"https://soar.example.org/hooks/%s?v=1\", timeout: 45s, headers: {Authorization: \"Bearer ${%s_TOKEN}\", X-Tenant: acme}}\n", n, n, strings.ToUpper(n))
		case 2:
			fmt.Fprintf(&b, "  - {name: %s, kind: webhook, url: \"https://%s.example.com/api\", timeout: 10s, headers: {X-Api-Key: \"${API_KEY}\"}}\n", n, n)
		default:
			fmt.Fprintf(&b, "  - {name: %s, kind: command, command: [/opt/secops/%s-adapter, --profile, \"it's\"], dir: /opt/secops, timeout: 2m}\n", n, n)
		}
	}
	f, err := config.Load(strings.NewReader(b.String()), "adapters.yaml")
	if err != nil {
		t.Fatalf("adapters: %v\n%s", err, b.String())
	}
	return f
}

// TestExportValid: every exported playbook of both examples, with and
// without adapters, passes the official schemas and Check, whose block
// rules (every branch ends in an end step of its own, every condition
// has on_completion) the schemas do not make.
func TestExportValid(t *testing.T) {
	s := playbookSchema(t)
	for _, path := range bundled {
		for _, withAdapters := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/adapters=%v", filepath.Base(filepath.Dir(path)), withAdapters), func(t *testing.T) {
				d := loadDesign(t, path)
				var opts Options
				if withAdapters {
					opts.Adapters = testAdapters(t, d)
				}
				files, err := Export(d, opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(files) != len(d.Playbooks) {
					t.Errorf("got %d files, want %d", len(files), len(d.Playbooks))
				}
				for _, f := range files {
					if err := validateSchema(t, s, f.Playbook); err != nil {
						t.Errorf("%s: schema: %v", f.ID, err)
					}
					for _, err := range Check(f.Playbook) {
						t.Errorf("%s: check: %v", f.ID, err)
					}
					conditions := 0
					for id, st := range f.Playbook.Workflow {
						if st.Type == StepIfCondition {
							conditions++
							if st.OnCompletion == "" {
								t.Errorf("%s: %s: no on_completion", f.ID, id)
							}
						}
						for _, c := range st.Commands {
							if withAdapters && c.Type == AdapterCommand {
								t.Errorf("%s: %s: a %s command with adapters", f.ID, id, c.Type)
							}
						}
					}
					if conditions == 0 {
						t.Errorf("%s: no if-condition to check", f.ID)
					}
				}
			})
		}
	}
}

// TestExportAdapters: what an executor needs to call each kind of
// adapter, and no secret.
func TestExportAdapters(t *testing.T) {
	d := loadDesign(t, bundled[0])
	af := testAdapters(t, d)
	files, err := Export(d, Options{Adapters: af})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.AdapterCommands() {
			t.Errorf("%s: an adapter command although every adapter is configured", f.ID)
		}
	}
	bare, err := Export(d, Options{})
	if err != nil || !bare[0].AdapterCommands() {
		t.Errorf("without adapters, %s has no adapter command (%v)", bare[0].ID, err)
	}
	pb := files[0].Playbook
	var buf bytes.Buffer
	if err := pb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "it's\"") || strings.Count(buf.String(), "${") != 0 && !strings.Contains(buf.String(), `"${API_KEY}"`) {
		t.Errorf("a header template or an unquoted argument leaked:\n%s", buf.String())
	}
	type seen struct{ HTTP, Bash, Manual bool }
	var got seen
	// The agent SOARCA dispatches each kind of command to: its
	// capabilities by name, and the secops executor for bash.
	agents := map[string]AgentTarget{
		"http-api": {Type: "soarca", Name: "soarca-http-api"},
		"manual":   {Type: "soarca", Name: "soarca-manual"},
		"bash":     {Type: "security-category", Category: []string{"orchestrator"}},
	}
	for id, st := range pb.Workflow {
		for _, c := range st.Commands {
			if want, ok := agents[c.Type]; ok {
				a := pb.AgentDefinitions[st.Agent]
				if c.Type == "bash" {
					want.Name = a.Name // the adapter's
				}
				if a.Type != want.Type || a.Name != want.Name || !slices.Equal(a.Category, want.Category) {
					t.Errorf("%s: %s command: agent %s %s %v, want %s %s", id, c.Type, a.Type, a.Name, a.Category, want.Type, want.Name)
				}
			}
			switch c.Type {
			case "http-api":
				got.HTTP = true
				if !strings.HasPrefix(c.Command, "POST /") || !strings.HasSuffix(c.Command, " HTTP/1.1") {
					t.Errorf("%s: command %q", id, c.Command)
				}
				key := c.Headers["Idempotency-Key"]
				if len(key) != 1 || !strings.HasPrefix(key[0], RunVariable+":value/") || !strings.Contains(c.Content, `"idempotency_key":"`+key[0]+`"`) {
					t.Errorf("%s: Idempotency-Key %v, content %s", id, key, c.Content)
				}
				if _, ok := c.Headers["Authorization"]; ok {
					t.Errorf("%s: the secret Authorization header is in the command", id)
				}
				if len(st.Targets) != 1 || pb.TargetDefinitions[st.Targets[0]].Type != "http-api" {
					t.Errorf("%s: targets %v", id, st.Targets)
				}
				tg := pb.TargetDefinitions[st.Targets[0]]
				if tg.AuthenticationInfo == "" {
					t.Errorf("%s: target %s has no authentication_info", id, tg.Name)
				} else if a := pb.AuthenticationInfoDefinitions[tg.AuthenticationInfo]; a.Token != "" && !strings.HasSuffix(a.Token, "__:value") {
					t.Errorf("%s: token %q is not a variable reference", id, a.Token)
				}
				var body map[string]any
				if err := json.Unmarshal([]byte(strings.NewReplacer(`:__`, `:"__`, `__:value,`, `__:value",`, `__:value}`, `__:value"}`).Replace(c.Content)), &body); err != nil {
					t.Errorf("%s: content %s: %v", id, c.Content, err)
				}
				if st.Timeout == 0 {
					t.Errorf("%s: no timeout from the adapter", id)
				}
			case "bash":
				got.Bash = true
				if !strings.HasPrefix(c.Command, "cd /opt/secops && printf '%s' '{\"operation\":") || !strings.HasSuffix(c.Command, `--profile 'it'\''s'`) {
					t.Errorf("%s: bash command %q", id, c.Command)
				}
			case "manual":
				got.Manual = true
				if len(st.Targets) != 1 {
					t.Errorf("%s: manual step targets %v: want the party", id, st.Targets)
				} else if tt := pb.TargetDefinitions[st.Targets[0]].Type; tt != "group" && tt != "organization" {
					t.Errorf("%s: target type %q", id, tt)
				}
			}
		}
	}
	if diff := cmp.Diff(seen{true, true, true}, got); diff != "" {
		t.Errorf("command kinds (-want +got):\n%s", diff)
	}
	if v, ok := pb.PlaybookVariables[RunVariable]; !ok || !v.External {
		t.Errorf("no external %s variable", RunVariable)
	}
}

func TestExportDeterministic(t *testing.T) {
	for _, path := range bundled {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			encode := func(opts Options) []byte {
				files, err := Export(loadDesign(t, path), opts)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				for _, f := range files {
					if err := f.Playbook.Encode(&buf); err != nil {
						t.Fatal(err)
					}
				}
				return buf.Bytes()
			}
			a, b := encode(Options{}), encode(Options{})
			if !bytes.Equal(a, b) {
				t.Error("two exports of the same design differ")
			}
			if c := encode(Options{Time: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)}); !bytes.Contains(c, []byte(`"2026-01-02T03:04:05.006Z"`)) {
				t.Error("Options.Time is not written")
			}
		})
	}
}

// TestExportAddresses: the http-api target is the webhook's scheme and
// host and the command has its path, so that an executor sending to the
// address followed by the path (SOARCA) calls the adapter's URL; an
// address the schema's url pattern rejects is exported with a note
// naming the adapter and the target, once per adapter.
func TestExportAddresses(t *testing.T) {
	d := loadDesign(t, bundled[0])
	tests := []struct {
		name, url, address, command string
		note                        bool
	}{
		{"host name", "https://soar.example.org/hooks/edr?v=1", "https://soar.example.org", "POST /hooks/edr?v=1 HTTP/1.1", false},
		{"IPv4 address", "http://10.0.0.5/hooks/edr", "http://10.0.0.5", "POST /hooks/edr HTTP/1.1", true},
		{"loopback with a port", "http://127.0.0.1:18480/", "http://127.0.0.1:18480", "POST / HTTP/1.1", true},
		{"localhost", "http://localhost:8080/edr", "http://localhost:8080", "POST /edr HTTP/1.1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "format: secops-adapters/v1\nadapters:\n"
			for _, n := range []string{"edr", "firewall", "threatintel"} {
				src += fmt.Sprintf("  - {name: %s, kind: webhook, url: %q}\n", n, tt.url)
			}
			af, err := config.Load(strings.NewReader(src), "adapters.yaml")
			if err != nil {
				t.Fatal(err)
			}
			files, err := Export(d, Options{Adapters: af})
			if err != nil {
				t.Fatal(err)
			}
			f := files[0]
			tid := ""
			for id, st := range f.Playbook.Workflow {
				if e := stepExt(st); e == nil || !strings.HasPrefix(e.Action, "edr.") || len(st.Targets) == 0 {
					continue
				}
				tid = st.Targets[0]
				if got := f.Playbook.TargetDefinitions[tid].Address["url"]; !slices.Equal(got, []string{tt.address}) {
					t.Errorf("%s: address %v, want %s", id, got, tt.address)
				}
				if c := st.Commands[0].Command; c != tt.command {
					t.Errorf("%s: command %q, want %q", id, c, tt.command)
				}
			}
			var notes []string
			for _, n := range f.Notes {
				if strings.Contains(n.Message, "url pattern") {
					notes = append(notes, n.Message)
				}
			}
			if !tt.note {
				if len(notes) > 0 {
					t.Errorf("notes %q for an address the schema takes", notes)
				}
				return
			}
			if len(notes) != 3 {
				t.Errorf("%d url notes, want one per adapter (3): %q", len(notes), notes)
			}
			if !slices.ContainsFunc(notes, func(s string) bool {
				return strings.Contains(s, "adapter edr:") && strings.Contains(s, tid) && strings.Contains(s, tt.address)
			}) {
				t.Errorf("no note names adapter edr, target %s and %s: %q", tid, tt.address, notes)
			}
		})
	}
}

func TestWriteFiles(t *testing.T) {
	d := loadDesign(t, bundled[0])
	files, err := Export(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := WriteFiles(dir, files)
	if err != nil || len(paths) != len(files) {
		t.Fatalf("WriteFiles = %v, %v", paths, err)
	}
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := Decode(b)
		if err != nil || pb.ID != files[i].Playbook.ID {
			t.Errorf("%s: %v, id %v", p, err, pb)
		}
	}
}
