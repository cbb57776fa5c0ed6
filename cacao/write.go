package cacao

import (
	"bytes"
	"os"
	"path/filepath"
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
