package secops

import (
	"io"
	"os"

	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/finding"
)

// LoadFile reads the design in the YAML or JSON file at path. See Load.
func LoadFile(path string) (*Design, finding.List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return Load(f, path)
}

// Load reads a design in YAML or JSON from r; name is the file name used in
// positions. Keys are checked against the format: an unknown key, a value
// of the wrong type or a malformed duration is a finding, and all of them
// are reported at once.
//
// The design and what reading it found come apart, as a parser's tree and
// its diagnostics do: the findings are returned beside the design, and err
// is only an error reading r. When the document could be read at all, Load
// returns the design even with error findings, so that Validate can report
// the rest; Validate repeats the findings of Load. A document that is not
// YAML or JSON, is larger than document.MaxSize, nests deeper than
// document.MaxDepth, is not UTF-8, has a control character in its text, or
// expands aliases without bound gives a nil design and a single finding;
// so does a document of another secops format (a scenario file, an adapter
// configuration), with a finding that says which and names the command for
// it.
//
// Check does Load and Validate in one call.
func Load(r io.Reader, name string) (*Design, finding.List, error) {
	data, err := document.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	d := &Design{}
	src, findings, fatal := document.Decode(data, name, d, "design")
	if fatal {
		return nil, findings, nil
	}
	if f, other := src.OtherFormat(d.Format, Format); other {
		return nil, finding.List{f}, nil
	}
	d.src = src
	d.loadFindings = findings
	return d, findings, nil
}

// Check reads the design from r and validates it: the design (nil when
// it could not be read as one) and every finding of both, each once. err
// is only an error reading r.
func Check(r io.Reader, name string) (*Design, finding.List, error) {
	d, findings, err := Load(r, name)
	if d == nil || err != nil {
		return d, findings, err
	}
	return d, finding.From(d.Validate()), nil
}

// CheckFile is Check of the file at path.
func CheckFile(path string) (*Design, finding.List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return Check(f, path)
}
