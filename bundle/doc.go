// Package bundle loads what a command that runs a design needs, in one
// call: the design, read and validated, and its adapter configuration,
// read and checked against the design, with every finding of both, each
// once, in one list.
//
// It is the same call for every command and program that takes a design
// ("secops run", "resume", "rollback", "export cacao", "export
// navigator", "replay", "validate"), so that each reports the same
// problems the same way: a design given where an adapter configuration
// is wanted is one finding that says so, not one per unknown key.
package bundle
