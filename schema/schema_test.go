package schema_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
	jsv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/internal/schemagen"
	"github.com/secopsdesign/secops/scenario"
	"github.com/secopsdesign/secops/schema"
)

var update = flag.Bool("update", false, "rewrite the committed schemas")

var targets = map[schema.Kind]schemagen.Target{
	schema.Design:    {File: "design.schema.json", Title: "secops design (secops/v1)", Type: &secops.Design{}},
	schema.Scenarios: {File: "scenarios.schema.json", Title: "secops scenarios (secops-scenarios/v1)", Type: &scenario.File{}},
	schema.Adapters:  {File: "adapters.schema.json", Title: "secops adapters (secops-adapters/v1)", Type: &config.File{}},
	schema.Record:    {File: "record.schema.json", Title: "secops run record (secops-record/v1)", Type: &executor.Record{}},
}

// TestSchemasUpToDate regenerates each schema from the Go types and
// compares it with the committed file.
func TestSchemasUpToDate(t *testing.T) {
	t.Chdir("..") // the module root, where the doc comments are read
	for k, target := range targets {
		got, err := schemagen.Generate("./", target)
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(filepath.Join("schema", target.File), got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := schema.Get(k)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s is out of date; run go test ./schema -update (-committed +generated):\n%s", target.File, diff)
		}
	}
}

func compile(t *testing.T, k schema.Kind) *jsv.Schema {
	t.Helper()
	b, err := schema.Get(k)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsv.NewCompiler()
	url := schemagen.BaseURL + schema.File(k)
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s does not compile: %v", schema.File(k), err)
	}
	return s
}

func instance(t *testing.T, yamlText []byte) any {
	t.Helper()
	j, err := yaml.YAMLToJSON(yamlText)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsv.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestExamplesMatchSchema checks every bundled document against its schema.
func TestExamplesMatchSchema(t *testing.T) {
	for k, pattern := range map[schema.Kind][]string{
		schema.Design:    {"../examples/*/design.yaml", "../testdata/minimal.yaml", "../../shared/reference/targeted-attack/design.yaml"},
		schema.Scenarios: {"../examples/*/scenarios.yaml", "../../shared/reference/targeted-attack/scenarios.yaml"},
		schema.Adapters:  {"../examples/*/adapters.yaml", "../adapters/config/testdata/adapters.yaml"},
	} {
		s := compile(t, k)
		for _, p := range pattern {
			files, _ := filepath.Glob(p)
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Validate(instance(t, b)); err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
		}
	}
}

// TestSchemaRejects shows that the design schema catches what an editor
// should underline.
func TestSchemaRejects(t *testing.T) {
	base, err := os.ReadFile("../testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := compile(t, schema.Design)
	tests := []struct {
		name, old, new, where string
	}{
		{"unknown key", "        procedure: Search", "        procedur: Search", "/processes/0/methods/0"},
		{"bad enum", "sourcing: outsourced}", "sourcing: offshore}", "/scope/parties/0/sourcing"},
		{"malformed duration", "estimate: 10m", "estimate: 10 minutes", "/processes/0/methods/0/estimate"},
		{"bad id", "- {id: host, name: Host", "- {id: Host, name: Host", "/fields/1/id"},
		{"bad format", "format: secops/v1", "format: secops/v2", "/format"},
		{"missing required", "    - {id: csirt, name: CSIRT, sourcing: in-house}", "    - {id: csirt, sourcing: in-house}", "/scope/parties/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(string(base), tt.old, tt.new, 1)
			if doc == string(base) {
				t.Fatalf("%q not found", tt.old)
			}
			err := s.Validate(instance(t, []byte(doc)))
			if err == nil {
				t.Fatal("schema accepted the document")
			}
			if !strings.Contains(err.Error(), "'"+tt.where+"'") {
				t.Errorf("error does not point at %s:\n%v", tt.where, err)
			}
		})
	}
}
