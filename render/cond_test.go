package render

import (
	"testing"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/process"
)

func TestDescribe(t *testing.T) {
	d := &secops.Design{
		Fields: []process.Field{
			{ID: "other_hosts", Name: "同事象が確認された別端末", Type: process.Host, List: true},
			{ID: "attack_ongoing", Name: "Attack ongoing", Type: process.Bool},
			{ID: "cidrs", Name: "Networks", Type: process.CIDR, List: true},
			{ID: "load", Name: "Load", Type: process.Int},
			{ID: "decision", Name: "Decision", Type: process.String},
		},
		Criteria: criteria.Criteria{Severities: criteria.Severities{{ID: "sev1", Name: "SEV1"}}},
	}
	tests := []struct {
		name, lang, src, want string
	}{
		{"list not empty, ja", "ja", "size(fields.other_hosts) > 0", "同事象が確認された別端末あり"},
		{"list not empty, written backwards", "en", "0 < size(fields.cidrs)", "Networks: one or more"},
		{"list empty", "en", "size(fields.cidrs) == 0", "Networks: none"},
		{"list count, ja", "ja", "size(fields.other_hosts) >= 5", "同事象が確認された別端末 ≥ 5件"},
		{"list range", "en", "size(fields.cidrs) > 0 && size(fields.cidrs) <= 10", "Networks: 1 to 10"},
		{"bool", "en", "fields.attack_ongoing", "Attack ongoing: yes"},
		{"bool, ja", "ja", "fields.attack_ongoing", "Attack ongoing: はい"},
		{"negated bool", "en", "!fields.attack_ongoing", "Attack ongoing: no"},
		{"bool compared", "en", "fields.attack_ongoing == false", "Attack ongoing: no"},
		{"index syntax", "en", `fields["attack_ongoing"]`, "Attack ongoing: yes"},
		{"has", "en", "has(fields.load)", "Load known"},
		{"has guarding the test", "en", "has(fields.attack_ongoing) && fields.attack_ongoing", "Attack ongoing: yes"},
		{"has guarding another field", "en", "has(fields.load) && fields.attack_ongoing", "Load known and attack ongoing: yes"},
		{"number", "en", "fields.load >= 80", "Load ≥ 80"},
		{"string", "ja", `fields.decision == "report"`, "Decision = 「report」"},
		{"severity by name", "en", `severity == "sev1"`, "Severity = SEV1"},
		{"unknown severity", "en", `severity != "sev9"`, "Severity ≠ sev9"},
		{"or inside and", "en", "(fields.attack_ongoing || fields.load > 1) && fields.decision == \"x\"", "(attack ongoing: yes or load > 1) and decision = “x”"},
		{"and inside or", "ja", "fields.attack_ongoing || fields.load > 1 && fields.load < 5", "Attack ongoing: はい または load > 1 かつ load < 5"},
		{"unknown field by key", "en", "fields.nope", "nope: yes"},
		{"a call: kept as CEL", "en", `fields.decision.startsWith("re")`, `fields.decision.startsWith("re")`},
		{"arithmetic: kept as CEL", "en", "fields.load + 1 > 2", "fields.load + 1 > 2"},
		{"syntax error: kept", "en", "fields.load >", "fields.load >"},
		{"folded over lines", "en", "fields.load\n  >= 80", "Load ≥ 80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(d, wordsFor(tt.lang), tt.src); got != tt.want {
				t.Errorf("describe(%q) = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

// TestLowerFirst: a condition after "If" starts in lower case, unless
// its first word is an acronym.
func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{
		"The user did not make the sign-in": "the user did not make the sign-in",
		"A rule forwards mail":              "a rule forwards mail",
		"EDR saw it":                        "EDR saw it",
		"IP":                                "IP",
		"threat score > 7":                  "threat score > 7",
		"検知内容を確認した":                         "検知内容を確認した",
		"":                                  "",
	} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
