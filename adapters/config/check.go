package config

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"

	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/openc2"
	"github.com/secopsdesign/secops/adapters/webhook"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
)

// Check compares f with the design d. Every action and rollback action of
// a method whose adapter no entry of f serves is a finding.UnknownRef, at
// the action's path in the design (processes[3].methods[1].action); every
// entry no action uses is a finding.Unused warning at its name in f.
//
// Findings in the design carry their position in the design's file when
// the design was loaded from one.
func (f *File) Check(d *secops.Design) finding.List {
	var l finding.List
	if d == nil {
		return nil
	}
	used := map[string]bool{}
	ref := func(adapter string, p *finding.Path, what, action string, inputs []ident.ID) {
		if adapter == "" {
			return
		}
		used[adapter] = true
		if e := f.Entry(adapter); e != nil {
			if e.Kind == OpenC2 {
				l = append(l, f.checkOpenC2(d, e, p, what, action, inputs)...)
			}
			return
		}
		fd := finding.New(finding.UnknownRef, p, "%s: action %s: no adapter %q in the adapter configuration", what, action, adapter)
		if s := finding.Suggest(adapter, f.names()); s != "" {
			fd.Message += "; did you mean " + `"` + s + `"?`
		}
		fd.Position = d.Position(fd.Path)
		l = append(l, fd)
	}
	for i, p := range d.Processes {
		for j, m := range p.Methods {
			mp := finding.NewPath("processes").Index(i).Child("methods").Index(j)
			ref(m.Action.Adapter(), mp.Child("action"), "method "+string(m.ID), string(m.Action), m.Inputs)
			if m.Rollback != nil {
				ref(m.Rollback.Action.Adapter(), mp.Child("rollback").Child("action"), "method "+string(m.ID), string(m.Rollback.Action), m.Inputs)
			}
		}
	}
	for i, s := range d.Criteria.Severities {
		if es := s.Escalation; es != nil {
			ref(es.Action.Adapter(), finding.NewPath("criteria", "severities").Index(i).Child("escalation", "action"), "the escalation of severity "+string(s.ID), string(es.Action), nil)
		}
	}
	l = append(l, f.insecureSecrets()...)
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

// InsecureSecret is the code of the warning for a header that carries a
// secret (${NAME}) to a plain http:// URL on another host, where anyone on
// the path can read it.
const InsecureSecret finding.Code = "insecure-secret"

// insecureSecrets warns of secret headers sent over http to hosts other
// than this one.
func (f *File) insecureSecrets() finding.List {
	var l finding.List
	for i, e := range f.Adapters {
		if e.Kind != Webhook && e.Kind != OpenC2 || len(e.Headers) == 0 {
			continue
		}
		u, err := url.Parse(e.URL)
		if err != nil || u.Scheme != "http" || isLoopback(u.Hostname()) {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
			if names, err := webhook.HeaderVariables(e.Headers[k]); err != nil || len(names) == 0 {
				continue
			}
			p := finding.NewPath("adapters").Index(i).Child("url")
			fd := finding.Finding{Severity: finding.Warning, Code: InsecureSecret, Path: p.String(),
				Message: fmt.Sprintf("adapter %q sends header %s, which carries a secret, over plain http to %s: use https", e.Name, k, u.Host)}
			fd.Position = f.src.Position(fd.Path, false)
			l = append(l, fd)
			break
		}
	}
	return l
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkOpenC2 checks an action served by the openc2 adapter e: its
// operation must have a command in e's operations, and the method must
// declare an input the command is built from.
func (f *File) checkOpenC2(d *secops.Design, e *Entry, p *finding.Path, what, action string, inputs []ident.ID) finding.List {
	ops := e.Operations
	if ops == nil {
		ops = openc2.DefaultOperations()
	}
	op := action[strings.IndexByte(action, '.')+1:]
	m, ok := ops[op]
	var fd finding.Finding
	switch {
	case !ok:
		fd = finding.New(finding.UnknownRef, p, "%s: action %s: the openc2 adapter %q has no command for operation %s (it has %s)", what, action, e.Name, op, strings.Join(slices.Sorted(maps.Keys(ops)), ", "))
		if s := finding.Suggest(op, slices.Collect(maps.Keys(ops))); s != "" {
			fd.Message += "; did you mean " + `"` + s + `"?`
		}
	case m.Target != "features" && inputs != nil && !slices.ContainsFunc(inputs, func(in ident.ID) bool { _, ok := m.Inputs[string(in)]; return ok }):
		fd = finding.New(finding.InvalidValue, p, "%s: action %s: the method's inputs (%s) include none that the openc2 adapter %q builds the %s %s command from (%s)", what, action,
			joinIDs(inputs), e.Name, m.Action, m.Target, strings.Join(slices.Sorted(maps.Keys(m.Inputs)), ", "))
	default:
		return nil
	}
	fd.Position = d.Position(fd.Path)
	return finding.List{fd}
}

func joinIDs(ids []ident.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
