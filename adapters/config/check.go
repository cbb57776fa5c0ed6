package config

import (
	"os"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
)

// Check compares f with the design d. Every action and rollback action of
// a method whose adapter no entry of f serves is a finding.UnknownRef, at
// the action's path in the design (processes[3].methods[1].action); every
// entry no action uses is a finding.Unused warning at its name in f.
//
// Findings in the design carry the design's file name and, when that file
// can still be read, their line and column.
func (f *File) Check(d *secops.Design) finding.List {
	var l finding.List
	if d == nil {
		return nil
	}
	src := designSource(d)
	used := map[string]bool{}
	ref := func(adapter string, p *finding.Path, method ident.Number, action string) {
		if adapter == "" {
			return
		}
		used[adapter] = true
		if f.Entry(adapter) != nil {
			return
		}
		fd := finding.New(finding.UnknownRef, p, "method %s: action %s: no adapter %q in the adapter configuration", method, action, adapter)
		if s := finding.Suggest(adapter, f.names()); s != "" {
			fd.Message += "; did you mean " + `"` + s + `"?`
		}
		fd.Position = finding.Position{File: d.Source()}
		if src != nil {
			fd.Position = src.Position(fd.Path, false)
		}
		l = append(l, fd)
	}
	for i, p := range d.Processes {
		for j, m := range p.Methods {
			mp := finding.NewPath("processes").Index(i).Child("methods").Index(j)
			ref(m.Action.Adapter(), mp.Child("action"), m.ID, string(m.Action))
			if m.Rollback != nil {
				ref(m.Rollback.Action.Adapter(), mp.Child("rollback").Child("action"), m.ID, string(m.Rollback.Action))
			}
		}
	}
	for i, e := range f.Adapters {
		if e.Name != "" && !used[string(e.Name)] {
			fd := finding.New(finding.Unused, finding.NewPath("adapters").Index(i).Child("name"), "adapter %q is not used by any action of the design", e.Name)
			fd.Position = f.src.Position(fd.Path, false)
			l = append(l, fd)
		}
	}
	return l
}

func (f *File) names() []string {
	var s []string
	for _, e := range f.Adapters {
		s = append(s, string(e.Name))
	}
	return s
}

// designSource reads d's file again to find positions in it: a Design
// does not expose the source it was decoded from. It returns nil when
// the file cannot be read.
//
// TODO: use the design's own position lookup once package secops has one.
func designSource(d *secops.Design) *document.Source {
	name := d.Source()
	if name == "" {
		return nil
	}
	data, err := os.ReadFile(name)
	if err != nil || len(data) > document.MaxSize {
		return nil
	}
	var v any
	src, _, fatal := document.Decode(data, name, &v, "design")
	if fatal {
		return nil
	}
	return src
}
