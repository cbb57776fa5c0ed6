// Package process describes the process table of a design and the typed
// fields that flow through it.
//
// A Process is a numbered unit of work ("1.1 exfiltrated data") carried
// out by Methods in order; each method has a procedure for a person, the
// fields it needs and produces, and optionally an adapter Action and a
// Rollback. A Field has a Type whose Check validates values, so that an
// adapter returning "not-an-ip" for an ip field is caught.
package process
