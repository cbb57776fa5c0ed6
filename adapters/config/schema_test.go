package config_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/invopop/jsonschema"

	"github.com/secopsdesign/secops/adapters/config"
)

// TestSchema checks that the types reflect into the schema the project's
// generator will export: kind an enum, required keys from the tags, no
// additional properties, and every field described.
func TestSchema(t *testing.T) {
	r := &jsonschema.Reflector{RequiredFromJSONSchemaTags: true, DoNotReference: true}
	if err := r.AddGoComments("github.com/secopsdesign/secops/adapters/config", "./"); err != nil {
		t.Fatal(err)
	}
	s := r.Reflect(&config.File{})
	if diff := cmp.Diff([]string{"format", "adapters"}, s.Required); diff != "" {
		t.Errorf("required (-want +got):\n%s", diff)
	}
	entry := s.Properties.Value("adapters").Items
	if diff := cmp.Diff([]string{"name", "kind"}, entry.Required); diff != "" {
		t.Errorf("entry required (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"command", "webhook", "openc2"}, entry.Properties.Value("kind").Enum); diff != "" {
		t.Errorf("kind enum (-want +got):\n%s", diff)
	}
	if b, _ := json.Marshal(entry.AdditionalProperties); string(b) != "false" {
		t.Errorf("additionalProperties = %s, want false", b)
	}
	for pair := entry.Properties.Oldest(); pair != nil; pair = pair.Next() {
		if pair.Value.Description == "" && pair.Key != "kind" && pair.Key != "timeout" && pair.Key != "name" {
			t.Errorf("field %s has no description", pair.Key)
		}
	}
}
