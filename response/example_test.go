package response_test

import (
	"fmt"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/response"
)

func ExampleResponse() {
	r := response.Response{
		ID:        "fr-1",
		Name:      "Block the destination + isolate the host",
		Phase:     response.FirstResponse,
		Processes: []ident.Number{"2.1", "2.2"},
		Approval:  "csirt",
	}
	fmt.Println(r.ID, r.Phase.Valid(), r.Processes, "approved by", r.Approval)
	// Output: fr-1 true [2.1 2.2] approved by csirt
}
