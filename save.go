package secops

import (
	"encoding/json"
	"io"

	"github.com/secopsdesign/secops/document"
)

// WriteYAML writes the design as a YAML document that Load reads back to
// an equal design: strings that YAML would read as something else are
// quoted, and multi-line text keeps every space.
func (d *Design) WriteYAML(w io.Writer) error {
	return document.EncodeYAML(w, d)
}

// WriteJSON writes the design as an indented JSON document that Load reads
// back to an equal design.
func (d *Design) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}
