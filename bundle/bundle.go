package bundle

import (
	"io"
	"os"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/finding"
)

// Stdin is the name standard input has in positions.
const Stdin = "<stdin>"

// Files names what to load.
type Files struct {
	// Design is the design's path; "-" reads Stdin.
	Design string
	// Adapters is the adapter configuration's path, "" for none.
	Adapters string
	// Stdin is what "-" reads (default os.Stdin).
	Stdin io.Reader
}

// Bundle is a design and its adapter configuration, loaded and checked.
type Bundle struct {
	// Design is the design; nil when its file could not be read as one
	// (Findings say why).
	Design *secops.Design
	// Adapters is the adapter configuration; nil without Files.Adapters,
	// or when it could not be read as one.
	Adapters *config.File
	// Findings are the findings of the design (reading and validating
	// it) and of the adapter configuration (reading it and checking it
	// against the design), each once, sorted.
	Findings finding.List

	designErrors, adapterErrors bool
}

// Load loads and checks the files. Problems of their content are
// findings of the Bundle; the error is for a file that could not be
// read at all (missing, unreadable), and then the Bundle is nil.
func Load(f Files) (*Bundle, error) {
	var d *secops.Design
	var dl finding.List
	var err error
	if f.Design == "-" {
		in := f.Stdin
		if in == nil {
			in = os.Stdin
		}
		d, dl, err = secops.Check(in, Stdin)
	} else {
		d, dl, err = secops.CheckFile(f.Design)
	}
	if err != nil {
		return nil, err
	}
	b := &Bundle{Design: d, designErrors: d == nil || dl.HasErrors()}
	var al finding.List
	if f.Adapters != "" {
		b.Adapters, al, err = loadAdapters(f.Adapters)
		if err != nil {
			return nil, err
		}
		if b.Adapters != nil && d != nil {
			al = append(al, b.Adapters.Check(d)...)
		}
		b.adapterErrors = b.Adapters == nil || al.HasErrors()
	}
	b.Findings = uniq(append(dl, al...))
	b.Findings.Sort()
	return b, nil
}

// loadAdapters reads an adapter configuration, its findings apart.
func loadAdapters(path string) (*config.File, finding.List, error) {
	cfg, err := config.LoadFile(path)
	if l := finding.From(err); l != nil || err == nil {
		return cfg, l, nil
	}
	return nil, nil, err
}

// DesignErrors reports whether the design could not be read or has
// error findings.
func (b *Bundle) DesignErrors() bool { return b.designErrors }

// AdapterErrors reports whether the adapter configuration, when one was
// asked for, could not be read or has error findings (its own, or
// against the design).
func (b *Bundle) AdapterErrors() bool { return b.adapterErrors }

// OK reports whether neither has errors: the design can be compiled
// and run with the configuration's adapters.
func (b *Bundle) OK() bool { return !b.designErrors && !b.adapterErrors }

// Errors returns the findings of severity error only.
func (b *Bundle) Errors() finding.List {
	var l finding.List
	for _, f := range b.Findings {
		if f.Severity == finding.Error {
			l = append(l, f)
		}
	}
	return l
}

// uniq drops findings equal to an earlier one, so that a problem the
// design and the adapter configuration both see is listed once.
func uniq(l finding.List) finding.List {
	seen := make(map[finding.Finding]bool, len(l))
	out := l[:0:0]
	for _, f := range l {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}
