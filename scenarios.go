package secops

import (
	"io"
	"os"
	"slices"

	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/scope"

	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/scenario"
)

// LoadScenarioFile reads the scenario file at path. See LoadScenarios.
func LoadScenarioFile(path string) (*scenario.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return LoadScenarios(f, path)
}

// LoadScenarios reads a scenario file (format secops-scenarios/v1) in YAML
// or JSON from r, with the same checks and findings as Load: unknown keys
// and values of the wrong type are findings with positions. The file is
// returned whenever it could be read, together with its findings, unless
// it is a document of another secops format (a design): then it is nil and
// a single finding says so.
func LoadScenarios(r io.Reader, name string) (*scenario.File, error) {
	data, err := document.ReadAll(r)
	if err != nil {
		return nil, err
	}
	f := &scenario.File{}
	src, findings, fatal := document.Decode(data, name, f, "scenario file")
	if fatal {
		return nil, findings
	}
	if fd, other := src.OtherFormat(f.Format, scenario.Format); other {
		return nil, finding.List{fd}
	}
	f.Source = src
	if f.Design == "" {
		fd := finding.New(finding.Required, finding.NewPath("design"), "design is required: the path of the design file, relative to this file")
		fd.Position = src.Position("design", false)
		findings = append(findings, fd)
	}
	if f.Format != scenario.Format {
		p := finding.NewPath("format")
		fd := finding.New(finding.InvalidValue, p, "format is %q, want %q", f.Format, scenario.Format)
		if f.Format == "" {
			fd = finding.New(finding.Required, p, "format is required: %q", scenario.Format)
		}
		fd.Position = src.Position("format", false)
		findings = append(findings, fd)
	}
	return f, findings.Err()
}

// CheckScenarios checks a scenario file against the design it tests, so
// that a typo in a scenario is a finding rather than a silently ignored
// value or a puzzling mismatch: duplicate scenario ids; alert keys that are
// not fields, and alert values of the wrong type; outputs for methods that
// do not exist, of fields the method does not declare, or of the wrong
// type; and expected detections, incidents, severities, playbooks,
// responses, steps and methods that the design does not define ("none"
// excepted). Findings carry positions in the scenario file when it was
// loaded from one.
func (d *Design) CheckScenarios(f *scenario.File) finding.List {
	var l finding.List
	add := func(c finding.Code, p *finding.Path, key bool, format string, args ...any) {
		fd := finding.New(c, p, format, args...)
		fd.Position = f.Source.Position(fd.Path, key)
		l = append(l, fd)
	}
	steps := map[ident.ID]bool{}
	for _, pb := range d.Playbooks {
		for _, s := range pb.Steps {
			steps[s.ID] = true
		}
	}
	methods := map[ident.Number]*process.Method{}
	for i := range d.Processes {
		for k := range d.Processes[i].Methods {
			m := &d.Processes[i].Methods[k]
			methods[m.ID] = m
		}
	}
	known := func(kind string, p *finding.Path, v *string, ok func(ident.ID) bool) {
		if v == nil || *v == scenario.None || ok(ident.ID(*v)) {
			return
		}
		add(finding.UnknownRef, p, false, "the design has no %s %q", kind, *v)
	}
	checkValue := func(p *finding.Path, id string, v any) {
		fl := d.Field(ident.ID(id))
		if fl == nil {
			add(finding.UnknownRef, p, true, "%q is not a field of the design", id)
			return
		}
		if err := fl.Check(v); err != nil {
			add(finding.InvalidValue, p, false, "field %s (%s): %v", id, fl.Type, err)
		}
	}
	seen := map[ident.ID]int{}
	for i, sc := range f.Scenarios {
		sp := finding.NewPath("scenarios").Index(i)
		if j, dup := seen[sc.ID]; dup && sc.ID != "" {
			add(finding.DuplicateID, sp.Child("id"), false, "scenario %q is already defined at scenarios[%d]", sc.ID, j)
		} else {
			seen[sc.ID] = i
		}
		for _, k := range sortedKeys(sc.Alert) {
			checkValue(sp.Child("alert", k), k, sc.Alert[k])
		}
		for _, mid := range sortedKeys(sc.Outputs) {
			op := sp.Child("outputs", string(mid))
			m := methods[mid]
			if m == nil {
				add(finding.UnknownRef, op, true, "the design has no method %q", mid)
				continue
			}
			for _, k := range sortedKeys(sc.Outputs[mid]) {
				if !slices.Contains(m.Outputs, ident.ID(k)) {
					add(finding.UnknownRef, op.Child(k), true, "method %s does not output %q (its outputs: %v)", mid, k, m.Outputs)
					continue
				}
				checkValue(op.Child(k), k, sc.Outputs[mid][k])
			}
		}
		ep := sp.Child("expect")
		e := sc.Expect
		known("detection", ep.Child("detection"), e.Detection, func(id ident.ID) bool {
			return slices.ContainsFunc(d.Criteria.Detections, func(x criteria.Detection) bool { return x.ID == id })
		})
		known("incident", ep.Child("incident"), e.Incident, func(id ident.ID) bool {
			return slices.ContainsFunc(d.Scope.Incidents, func(x scope.Incident) bool { return x.ID == id })
		})
		known("severity", ep.Child("severity"), e.Severity, func(id ident.ID) bool { return d.Criteria.Severities.Get(id) != nil })
		known("playbook", ep.Child("playbook"), e.Playbook, func(id ident.ID) bool { return d.Playbook(id) != nil })
		known("response", ep.Child("response"), e.Response, func(id ident.ID) bool { return d.Response(id) != nil })
		for k, id := range e.Path {
			if !steps[id] {
				add(finding.UnknownRef, ep.Child("path").Index(k), false, "no playbook of the design has a step %q", id)
			}
		}
		for k, id := range e.Skipped {
			if methods[id] == nil {
				add(finding.UnknownRef, ep.Child("skipped").Index(k), false, "the design has no method %q", id)
			}
		}
		if at, first, n := repeats(e.Skipped); n > 0 {
			sk := ep.Child("skipped")
			add(finding.DuplicateID, sk.Index(at), false, "method %q is already listed at %s", e.Skipped[at], sk.Index(first))
		}
	}
	return l
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
