package bundle_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/bundle"
	"github.com/secopsdesign/secops/finding"
)

const (
	design   = "../examples/targeted-attack/design.yaml"
	adapters = "../examples/lab/adapters.yaml"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badAdapters := write("bad-adapters.yaml", "format: secops-adapters/v1\nadapters:\n  - {name: edr, kind: telepathy}\n")
	type got struct {
		Design, Adapters          bool // loaded
		DesignErrors, AdapterErrs bool
		OK                        bool
		Codes                     []string // the error findings' codes and paths
	}
	tests := []struct {
		name  string
		files bundle.Files
		want  got
	}{
		{"design alone", bundle.Files{Design: design},
			got{Design: true, OK: true}},
		{"design and adapters", bundle.Files{Design: design, Adapters: adapters},
			got{Design: true, Adapters: true, OK: true}},
		{"the design given as adapters", bundle.Files{Design: design, Adapters: design},
			got{Design: true, AdapterErrs: true, Codes: []string{"invalid-value format"}}},
		{"a scenario file given as the design", bundle.Files{Design: "../examples/targeted-attack/scenarios.yaml"},
			got{DesignErrors: true, Codes: []string{"invalid-value format"}}},
		{"adapters with an unknown kind", bundle.Files{Design: design, Adapters: badAdapters},
			got{Design: true, Adapters: true, AdapterErrs: true, Codes: []string{
				"unknown-ref processes[2].methods[3].action", // threatintel: not configured
				"unknown-ref processes[8].methods[0].action", // firewall: not configured
				"unknown-ref processes[8].methods[0].rollback.action",
				"unknown-ref processes[10].methods[0].action",
				"unknown-ref processes[10].methods[0].rollback.action",
				"invalid-value adapters[0].kind",
			}}},
		{"a design with errors, read from stdin", bundle.Files{Design: "-", Stdin: strings.NewReader("format: secops/v1\nmetadat: {}\n")},
			got{Design: true, DesignErrors: true, Codes: []string{
				"required criteria.severities", "required criteria.triage_threshold", "required metadata.name",
				"required scope.parties", "required scope.responsibilities", "unknown-field metadat",
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := bundle.Load(tt.files)
			if err != nil {
				t.Fatal(err)
			}
			g := got{Design: b.Design != nil, Adapters: b.Adapters != nil,
				DesignErrors: b.DesignErrors(), AdapterErrs: b.AdapterErrors(), OK: b.OK()}
			for _, f := range b.Errors() {
				g.Codes = append(g.Codes, string(f.Code)+" "+f.Path)
			}
			if diff := cmp.Diff(tt.want, g); diff != "" {
				t.Errorf("(-want +got):\n%s\n%v", diff, b.Findings)
			}
			if len(b.Errors()) > 0 && b.OK() {
				t.Error("OK with errors")
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	for _, f := range []bundle.Files{{Design: "no-such.yaml"}, {Design: design, Adapters: "no-such.yaml"}} {
		if _, err := bundle.Load(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load(%+v) = %v, want a not-exist error", f, err)
		}
	}
}

func TestFindingsOnce(t *testing.T) {
	b, err := bundle.Load(bundle.Files{Design: design, Adapters: adapters})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[finding.Finding]bool{}
	for _, f := range b.Findings {
		if seen[f] {
			t.Errorf("listed twice: %v", f)
		}
		seen[f] = true
	}
}
