package bundle

import (
	"errors"
	"io"

	"github.com/secopsdesign/secops/finding"
)

// A Result is what LoadEach found of one design.
type Result struct {
	// File names the design: its path, or Stdin for "-".
	File string
	// Findings are the design's findings (see Bundle.Findings).
	Findings finding.List
	// Err is why the file could not be read at all; Findings are then
	// empty.
	Err error
}

// ErrStdinTwice is LoadEach's error for a "-" after the first: standard
// input can be read once.
var ErrStdinTwice = errors.New("standard input (-) can be read only once")

// LoadEach loads each design of paths as Load does, with the adapter
// configuration at adapters ("" for none), in order; "-" reads stdin.
// A finding of the adapter configuration itself is listed once, with
// the first design that has it, while its findings against each design
// stay with that design.
func LoadEach(paths []string, adapters string, stdin io.Reader) []Result {
	out := make([]Result, 0, len(paths))
	stdinRead := false
	seen := map[finding.Finding]bool{}
	for _, path := range paths {
		r := Result{File: path}
		if path == "-" {
			r.File = Stdin
			if stdinRead {
				r.Err = ErrStdinTwice
				out = append(out, r)
				continue
			}
			stdinRead = true
		}
		b, err := Load(Files{Design: path, Adapters: adapters, Stdin: stdin})
		if err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		for _, f := range b.Findings {
			if f.File != adapters || !seen[f] {
				seen[f] = true
				r.Findings = append(r.Findings, f)
			}
		}
		out = append(out, r)
	}
	return out
}
