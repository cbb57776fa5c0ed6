// Package schemagen generates the JSON Schemas of the secops file formats
// from the Go types, with descriptions taken from their doc comments. It
// needs the module's source, so it runs in tests and tools, never in the
// secops command, which serves the committed schemas of package schema.
package schemagen
