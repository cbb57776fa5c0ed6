package cacao

import (
	"bytes"
	"io"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml"

	"github.com/secopsdesign/secops/adapters/config"
)

// WriteFiles writes each exported file into dir (made if need be) as
// <playbook id>.json, and returns the paths written, in order, up to
// the first error.
func WriteFiles(dir string, files []File) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range files {
		var buf bytes.Buffer
		if err := f.Playbook.Encode(&buf); err != nil {
			return paths, err
		}
		p := filepath.Join(dir, string(f.ID)+".json")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// WriteAdapters writes the adapter configuration (secops-adapters/v1)
// of r's Adapters to w, with a comment naming source, the CACAO file
// imported, and what is left to check: the URLs, and the headers
// (tokens) the endpoints need, which CACAO does not carry.
func (r *Report) WriteAdapters(w io.Writer, source string) error {
	var b bytes.Buffer
	b.WriteString("# Adapters of the actions imported from " + filepath.Base(source) + ": check each URL,\n# and add the headers (tokens) the endpoints need.\n")
	if err := yaml.NewEncoder(&b).Encode(config.File{Format: config.Format, Adapters: r.Adapters}); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
