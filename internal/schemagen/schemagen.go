package schemagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"reflect"

	"github.com/invopop/jsonschema"
)

// Module is the module path whose packages the comments are read from.
const Module = "github.com/secopsdesign/secops"

// BaseURL is where the committed schemas are published; each $id is
// BaseURL followed by the file name.
const BaseURL = "https://secopsdesign.github.io/secops/schema/"

// Target is one schema to generate.
type Target struct {
	// File is the schema's file name in the schema directory.
	File string
	// Title is the schema's title.
	Title string
	// Type is a value of the document's root type.
	Type any
}

// Generate returns the schema for t, reading doc comments from the
// module's source in root, a path relative to the working directory that
// must be "./" or below (the comment reader names packages by that path).
func Generate(root string, t Target) ([]byte, error) {
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: true,
		// Several packages have a Phase, an Action or a Type: name the
		// definitions by package, as scope.Phase and response.Phase.
		Namer: func(t reflect.Type) string {
			if t.Name() == "" || t.PkgPath() == "" {
				return ""
			}
			if t.PkgPath() == Module {
				return t.Name()
			}
			return path.Base(t.PkgPath()) + "." + t.Name()
		},
	}
	if err := r.AddGoComments(Module, root); err != nil {
		return nil, fmt.Errorf("reading doc comments: %w", err)
	}
	s := r.Reflect(t.Type)
	s.ID = jsonschema.ID(BaseURL + t.File)
	s.Title = t.Title
	if s.Description == "" {
		s.Description = r.CommentMap[reflect.TypeOf(t.Type).Elem().PkgPath()+"."+reflect.TypeOf(t.Type).Elem().Name()]
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
