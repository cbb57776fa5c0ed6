package secops_test

import (
	"testing"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/scenario"
)

// TestFormats: document.Formats names the formats the packages declare.
func TestFormats(t *testing.T) {
	var got []string
	for _, f := range document.Formats {
		got = append(got, f.Format)
	}
	want := []string{secops.Format, scenario.Format, config.Format}
	if len(got) != len(want) {
		t.Fatalf("document.Formats %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("document.Formats[%d] = %s, want %s", i, got[i], want[i])
		}
	}
}
