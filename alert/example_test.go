package alert_test

import (
	"fmt"
	"strings"

	"github.com/secopsdesign/secops/alert"
)

func ExampleRead() {
	a, err := alert.Read(strings.NewReader("category: malware\nhost: pc-1\nscore: 7\n"), "alert.yaml")
	fmt.Println(a, err)

	_, err = alert.Read(strings.NewReader(`{"category": "malware", "category": "other"}`), "alert.json")
	fmt.Println(err)
	// Output:
	// map[category:malware host:pc-1 score:7] <nil>
	// alert.json:1:25: error: category: key "category" is written twice: first at line 1, column 2 [duplicate-key]
}
