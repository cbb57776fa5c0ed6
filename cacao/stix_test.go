package cacao

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

func TestSTIXCondition(t *testing.T) {
	fields := map[ident.ID]*process.Field{
		"up":    {ID: "up", Type: process.Bool},
		"name":  {ID: "name", Type: process.String},
		"load":  {ID: "load", Type: process.Int},
		"ips":   {ID: "ips", Type: process.IP, List: true},
		"a.b":   {ID: "a.b", Type: process.Bool},
		"proto": {ID: "proto", Type: process.String},
	}
	field := func(id ident.ID) *process.Field { return fields[id] }
	tests := []struct {
		cel, want string
		ok, sev   bool
	}{
		{"fields.up", "__up__:value = true", true, false},
		{"!fields.up", "__up__:value = false", true, false},
		{`fields["up"]`, "__up__:value = true", true, false},
		{`fields.name == "it's"`, `__name__:value = 'it\'s'`, true, false},
		{`"x" != fields.name`, "__name__:value != 'x'", true, false},
		{`fields.proto in ["tcp", "udp"]`, "__proto__:value IN ('tcp', 'udp')", true, false},
		{"fields.load >= 80", "__load__:value >= 80", true, false},
		{"80 < fields.load", "__load__:value > 80", true, false},
		{`fields.up && fields.name == "a"`, "__up__:value = true AND __name__:value = 'a'", true, false},
		{"has(fields.up) && fields.up", "__up__:value = true", true, false},
		{`severity == "sev1"`, SeverityVariable + ":value = 'sev1'", true, true},
		{"fields.a.b", "", false, false},
		{`fields.load == "80"`, "", false, false},
		{"fields.up == 1", "", false, false},
		{"fields.up || fields.up", "", false, false},
		{"size(fields.ips) > 0", "", false, false},
		{"has(fields.name)", "", false, false},
		{`severity == "sev1" || !fields.up`, "", false, true},
		{"fields.ips == []", "", false, false},
		{"fields.unknown", "", false, false},
		{"fields.load > 1.5", "", false, false},
		{"fields.", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.cel, func(t *testing.T) {
			got, ok, sev := stixCondition(tt.cel, field)
			if !ok {
				got = ""
			}
			if diff := cmp.Diff([]any{tt.want, tt.ok, tt.sev}, []any{got, ok, sev}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
