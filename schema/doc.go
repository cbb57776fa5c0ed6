// Package schema serves the JSON Schemas (draft 2020-12) of the secops
// file formats, for config editors such as VS Code's YAML extension and
// for tools that check documents before loading them.
//
// The schemas are generated from the Go types, their tags and doc
// comments, and committed in this directory; a test regenerates them and
// fails when they are out of date (run go test ./schema -update to
// refresh them).
package schema
