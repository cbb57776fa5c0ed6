package synth_test

import (
	"bytes"
	"testing"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/internal/synth"
)

// TestValid checks that generated designs load and validate with no
// finding, from JSON and YAML alike.
func TestValid(t *testing.T) {
	for _, n := range []int{1, 10, 100} {
		d := synth.Design(n)
		for _, format := range []string{"json", "yaml"} {
			var buf bytes.Buffer
			if format == "json" {
				d.WriteJSON(&buf)
			} else {
				d.WriteYAML(&buf)
			}
			back, lf, err := secops.Load(&buf, "synth."+format)
			if err == nil {
				err = lf.Err()
			}
			if err != nil {
				t.Fatalf("n=%d %s: %v", n, format, err)
			}
			if err := back.Validate(); err != nil {
				t.Errorf("n=%d %s: %v", n, format, err)
			}
		}
	}
}
