package secops

import (
	"io"
	"os"

	"github.com/secopsdesign/secops/document"
)

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
// document.MaxDepth, is not UTF-8, or expands aliases without bound gives a
// nil design and a single finding. An error reading r is returned as it is.
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
	d.src = src
	d.loadFindings = findings
	return d, findings.Err()
}
