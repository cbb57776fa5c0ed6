package secops

import (
	"fmt"
	"io"
	"os"

	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/scenario"
)

// formats are the secops document formats, what each is called and the
// command that takes it.
var formats = []struct{ format, what, command string }{
	{Format, "a design", "secops validate"},
	{scenario.Format, "a scenario file", "secops test"},
	{"secops-adapters/v1", "an adapter configuration", "secops run --adapters"}, // adapters/config.Format
}

// otherFormat returns a finding, and true, when a document loaded as
// format declares another secops format: the findings of reading it as
// the wrong kind would only hide that.
func otherFormat(src *document.Source, got, want string) (finding.Finding, bool) {
	if got == want {
		return finding.Finding{}, false
	}
	var is, wanted string
	for _, f := range formats {
		if f.format == want {
			wanted = f.what
		}
	}
	for _, f := range formats {
		if f.format == got {
			is = fmt.Sprintf("this is %s (format %s), not %s: use it with %s", f.what, f.format, wanted, f.command)
		}
	}
	if is == "" {
		return finding.Finding{}, false
	}
	fd := finding.New(finding.InvalidValue, finding.NewPath("format"), "%s", is)
	fd.Position = src.Position("format", false)
	return fd, true
}

// LoadFile reads the design in the YAML or JSON file at path. See Load.
func LoadFile(path string) (*Design, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Load(f, path)
}

// Load reads a design in YAML or JSON from r; name is the file name used in
// positions. Keys are checked against the format: an unknown key, a value
// of the wrong type or a malformed duration is a finding, and all of them
// are reported at once.
//
// When the document could be read at all, Load returns the design even if
// it also returns findings (as a finding.List error), so that Validate can
// report the rest; Validate repeats the findings of Load. A document that
// is not YAML or JSON, is larger than document.MaxSize, nests deeper than
// document.MaxDepth, is not UTF-8, has a control character in its text, or
// expands aliases without bound gives a nil design and a single finding;
// so does a document of another secops format (a scenario file, an adapter
// configuration), with a finding that says which and names the command for
// it. An error reading r is returned as it is.
func Load(r io.Reader, name string) (*Design, error) {
	data, err := document.ReadAll(r)
	if err != nil {
		return nil, err
	}
	d := &Design{}
	src, findings, fatal := document.Decode(data, name, d, "design")
	if fatal {
		return nil, findings
	}
	if f, other := otherFormat(src, d.Format, Format); other {
		return nil, finding.List{f}
	}
	d.src = src
	d.loadFindings = findings
	return d, findings.Err()
}
