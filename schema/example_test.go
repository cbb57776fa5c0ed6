package schema_test

import (
	"encoding/json"
	"fmt"

	"github.com/secopsdesign/secops/schema"
)

func ExampleGet() {
	b, err := schema.Get(schema.Design)
	if err != nil {
		panic(err)
	}
	var s struct {
		Schema string `json:"$schema"`
		ID     string `json:"$id"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		panic(err)
	}
	fmt.Println(s.Schema)
	fmt.Println(s.ID)
	fmt.Println(schema.File(schema.Scenarios))
	// Output:
	// https://json-schema.org/draft/2020-12/schema
	// https://secopsdesign.github.io/secops/schema/design.schema.json
	// scenarios.schema.json
}
