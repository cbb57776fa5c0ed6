// Package ident defines the two kinds of identifier a design uses: IDs for
// named entries and dotted Numbers for processes and methods.
//
// Identifiers are plain strings underneath, so they marshal as strings in
// YAML and JSON; Valid reports whether one has the shape the format
// requires.
package ident
