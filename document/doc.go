// Package document decodes YAML and JSON documents into typed Go values
// while keeping every problem as a finding with its position.
//
// Decode checks each key against the json tags of the target type
// (reporting unknown keys with a "did you mean" hint), each value against
// the field's Go type, and guards against hostile input: documents over
// MaxSize, nesting deeper than MaxDepth, invalid UTF-8 and alias
// expansion without bound each give one clear finding, quickly, with
// bounded memory. The returned Source finds the position of any path
// afterwards, so validators can report findings at file:line:col.
package document
