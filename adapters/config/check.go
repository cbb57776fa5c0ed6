package config

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"

	"github.com/secopsdesign/secops"
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
		fd.Position = d.Position(fd.Path)
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
		if e.Kind != Webhook || len(e.Headers) == 0 {
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
