package cacao

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sharedDir is ../shared relative to the module root.
const sharedDir = "../../shared"

// playbookSchema compiles the official CACAO playbook schema from the
// local files, each registered under its $id, or skips the test when
// ../shared is absent.
func playbookSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	dir := filepath.Join(sharedDir, "cacao", "schemas")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no CACAO schemas: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	var root string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return err
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			t.Fatalf("%s: no $id", path)
		}
		if filepath.Base(path) == "playbook.json" && filepath.Dir(path) == dir {
			root = id
		}
		return c.AddResource(id, doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(root)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validateSchema validates pb, as JSON, against s.
func validateSchema(t *testing.T, s *jsonschema.Schema, pb *Playbook) error {
	t.Helper()
	var buf bytes.Buffer
	if err := pb.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(doc)
}

// TestSchemaRejects makes sure the compiled schema is not vacuous.
func TestSchemaRejects(t *testing.T) {
	s := playbookSchema(t)
	var bad any
	if err := json.Unmarshal([]byte(`{"type":"playbook","spec_version":"cacao-1.0"}`), &bad); err != nil {
		t.Fatal(err)
	}
	if s.Validate(bad) == nil {
		t.Error("the schema accepts a playbook with no id, wrong spec_version")
	}
}
