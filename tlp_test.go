package secops_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/finding"
)

// TestMetadataTLP: metadata.tlp takes the TLP 2.0 levels only.
func TestMetadataTLP(t *testing.T) {
	tests := []struct {
		tlp  string
		want []string // paths of the findings on metadata.tlp
	}{
		{"", nil},
		{"clear", nil},
		{"amber+strict", nil},
		{"red", nil},
		{"white", []string{"metadata.tlp"}},
		{"AMBER", []string{"metadata.tlp"}},
	}
	for _, tt := range tests {
		t.Run(tt.tlp, func(t *testing.T) {
			d, lf, err := secops.LoadFile("examples/acme-web/design.yaml")
			if err == nil {
				err = lf.Err()
			}
			if err != nil {
				t.Skip(err)
			}
			d.Metadata.TLP = secops.TLP(tt.tlp)
			var got []string
			for _, f := range finding.From(d.Validate()) {
				if strings.HasPrefix(f.Path, "metadata.tlp") {
					got = append(got, f.Path)
					if f.Code != finding.InvalidValue {
						t.Errorf("code %s, want %s", f.Code, finding.InvalidValue)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
