package bundle

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/executor"
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
	// Source, when not nil, is what the design is read from, Design
	// being its name in findings (a REV:PATH read from git, say).
	Source io.Reader
}

// Bundle is a design and its adapter configuration, loaded and checked.
type Bundle struct {
	// Files are the files loaded.
	Files Files
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
	switch {
	case f.Source != nil:
		d, dl, err = secops.Check(f.Source, f.Design)
	case f.Design == "-":
		in := f.Stdin
		if in == nil {
			in = os.Stdin
		}
		d, dl, err = secops.Check(in, Stdin)
	default:
		d, dl, err = secops.CheckFile(f.Design)
	}
	if err != nil {
		return nil, err
	}
	b := &Bundle{Files: f, Design: d, designErrors: d == nil || dl.HasErrors()}
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

// A Use is what a program loads a Bundle for, which decides the errors
// that stop it (see Plan).
type Use int

const (
	// ToRun runs a design, or continues its runs: it needs a design and
	// an adapter configuration without errors.
	ToRun Use = iota
	// ToUndo rolls back what a run applied: the adapter configuration
	// must be without errors, but errors of the design do not stop it
	// as long as the design compiles, since undoing containment must not
	// wait for a fix of the design.
	ToUndo
)

// ErrFindings says that the findings of a Bundle have errors that
// forbid what it was loaded for; they are in Findings.
var ErrFindings = errors.New("the findings have errors")

// Plan compiles the design for use. It fails, with an error wrapping
// ErrFindings, when the findings forbid that use (see Use).
func (b *Bundle) Plan(use Use) (*executor.Plan, error) {
	if b.Design == nil || b.adapterErrors || b.designErrors && use != ToUndo {
		return nil, fmt.Errorf("%s: %w", b.name(), ErrFindings)
	}
	p, err := executor.Compile(b.Design)
	if err != nil && b.designErrors {
		return nil, fmt.Errorf("%s: %w", b.name(), ErrFindings)
	}
	return p, err
}

// name names the design in errors.
func (b *Bundle) name() string {
	if b.Design == nil {
		return "the design"
	}
	return b.Design.Source()
}
