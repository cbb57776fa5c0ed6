package document

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOtherFormat(t *testing.T) {
	src, _, _ := Decode([]byte("format: secops/v1\n"), "d.yaml", &struct {
		Format string `json:"format"`
	}{}, "adapter configuration")
	f, ok := src.OtherFormat("secops/v1", "secops-adapters/v1")
	want := "d.yaml:1:9: error: format: this is a design (format secops/v1), not an adapter configuration: use it with secops validate, or as the DESIGN of run, serve and test [invalid-value]"
	if diff := cmp.Diff(want, f.Error()); !ok || diff != "" {
		t.Errorf("OtherFormat = %v (-want +got):\n%s", ok, diff)
	}
	if _, ok := src.OtherFormat("secops/v9", "secops-adapters/v1"); ok {
		t.Error("an unknown format is another secops format")
	}
	if _, ok := src.OtherFormat("secops/v1", "secops/v1"); ok {
		t.Error("the format wanted is another")
	}
}
