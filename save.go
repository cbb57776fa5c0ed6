package secops

import (
	"encoding/json"
	"io"

	"github.com/goccy/go-yaml"
)

// WriteYAML writes the design as a YAML document that Load reads back to
// an equal design.
func (d *Design) WriteYAML(w io.Writer) error {
	b, err := yaml.MarshalWithOptions(d, yaml.UseLiteralStyleIfMultiline(true), yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteJSON writes the design as an indented JSON document that Load reads
// back to an equal design.
func (d *Design) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}
