package wire_test

import (
	"fmt"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/internal/wire"
)

func ExampleDecode() {
	res, err := wire.Decode([]byte(`{"outputs": {"isolated": true}}`))
	fmt.Println(res.Outputs, err)
	_, err = wire.Decode([]byte(`{"error": "rate limited", "retryable": true}`))
	fmt.Println(err, adapters.IsRetryable(err))
	// Output:
	// map[isolated:true] <nil>
	// rate limited true
}
