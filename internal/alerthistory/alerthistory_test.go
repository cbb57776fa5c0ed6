package alerthistory_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/internal/alerthistory"
)

// The committed histories are what the generator writes: regenerate
// them with the commands in the package doc after changing a recipe.
func TestCommitted(t *testing.T) {
	files := map[string]string{
		"targeted-attack": "../../review/testdata/targeted-attack.jsonl",
		"acme-web":        "../../review/testdata/acme-web.json",
	}
	for _, ex := range alerthistory.Examples {
		t.Run(ex, func(t *testing.T) {
			var b bytes.Buffer
			if err := alerthistory.Write(&b, ex); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(files[ex])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("%s differs from the generator's output (-committed +generated):\n%s", files[ex], diff)
			}
		})
	}
	if err := alerthistory.Write(&bytes.Buffer{}, "nope"); err == nil {
		t.Error("an unknown example writes")
	}
}
