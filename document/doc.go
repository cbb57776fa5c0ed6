// Package document decodes YAML and JSON documents into typed Go values
// while keeping every problem as a finding with its position.
//
// Decode checks each key against the json tags of the target type
// (reporting unknown keys with a "did you mean" hint), each value against
// the field's Go type, and guards against hostile input: documents over
// MaxSize, nesting deeper than MaxDepth, invalid UTF-8 and alias
// expansion without bound each give one clear finding, quickly, with
// bounded memory. Strings hold no control characters other than tab and
// newline, a number written where a string is wanted is an invalid value
// whatever its size, and tags other than YAML's own are invalid values.
// The returned Source finds the position of any path afterwards, so
// validators can report findings at file:line:col.
//
// YAML is parsed with go.yaml.in/yaml/v3 into its yaml.Node tree, which
// keeps the line and column of every node; JSON documents whose keys all
// belong to the target type take a fast path through encoding/json.
package document
