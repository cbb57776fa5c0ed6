package document

import (
	"fmt"

	"github.com/secopsdesign/secops/finding"
)

// Formats are the secops document formats: the value of a document's
// format key, what such a document is called, and the command that takes
// it.
var Formats = []struct{ Format, What, Command string }{
	{"secops/v1", "a design", "secops validate, or as the DESIGN of run, serve and test"},
	{"secops-scenarios/v1", "a scenario file", "secops test"},
	{"secops-adapters/v1", "an adapter configuration", "secops run --adapters"},
}

// OtherFormat returns a finding, and true, when a document read as format
// want declares got, another of the Formats: the findings of reading it
// as the wrong kind (every key unknown) would only hide that. The finding
// says what the document is and names the command for it.
func (s *Source) OtherFormat(got, want string) (finding.Finding, bool) {
	if got == want {
		return finding.Finding{}, false
	}
	var is, wanted string
	for _, f := range Formats {
		if f.Format == want {
			wanted = f.What
		}
	}
	for _, f := range Formats {
		if f.Format == got {
			is = fmt.Sprintf("this is %s (format %s), not %s: use it with %s", f.What, f.Format, wanted, f.Command)
		}
	}
	if is == "" {
		return finding.Finding{}, false
	}
	fd := finding.New(finding.InvalidValue, finding.NewPath("format"), "%s", is)
	fd.Position = s.Position("format", false)
	return fd, true
}
