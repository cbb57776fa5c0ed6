package cacao

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/adapters/openc2"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

// Capability returns the SOARCA capability an agent names (SOARCA runs
// an action step with the capability named like its agent), or "" when
// the agent names none: soarca-http-api, soarca-manual, soarca-ssh,
// soarca-openc2-http or soarca-powershell. SOARCA's own examples give
// such agents the type soarca or the capability's name; only the name
// counts.
func Capability(a AgentTarget) string {
	for _, c := range capabilities {
		if a.Name == c {
			return c
		}
	}
	return ""
}

// httpAdapter is what Import makes of an http-api command of step s: the
// webhook adapter its target stands for, and the action that calls it.
type httpAdapter struct {
	entry  config.Entry
	action process.Action
}

// httpCall returns the webhook adapter of http-api command c of step s
// and the action calling it: the adapter is named after the step's
// http-api target and is at the target's address; the operation is made
// from the command's method and path (GET /api/v1/hosts becomes
// get_api_v1_hosts). ok is false when s has no http-api target with an
// address.
func (im *importer) httpCall(s *Step, c Command) (h httpAdapter, ok bool) {
	var tg AgentTarget
	for _, id := range s.Targets {
		if t, found := im.pb.TargetDefinitions[id]; found && t.Type == "http-api" && len(t.Address) > 0 {
			tg, ok = t, true
			break
		}
	}
	if !ok {
		return h, false
	}
	base := targetURL(tg)
	if base == "" {
		return h, false
	}
	name := identOf(tg.Name)
	if name == "" {
		name = "http-api"
	}
	fields := strings.Fields(c.Command)
	op := "call"
	if len(fields) >= 2 {
		op = strings.ReplaceAll(identOf(fields[0]+"_"+strings.Trim(fields[1], "/")), "-", "_")
	}
	return httpAdapter{entry: config.Entry{Name: ident.ID(name), Kind: config.Webhook, URL: base},
		action: process.Action(name + "." + op)}, true
}

// targetURL is the URL an http-api target's address stands for: its url,
// else its dname, ipv4 or ipv6 with its port, the scheme as SOARCA reads
// it (http on ports 80 and 8080, the default 80, https on others).
func targetURL(t AgentTarget) string {
	if u := t.Address["url"]; len(u) > 0 && u[0] != "" {
		return strings.TrimSuffix(u[0], "/")
	}
	for _, k := range []string{"dname", "ipv4", "ipv6"} {
		if h := t.Address[k]; len(h) > 0 && h[0] != "" {
			port := t.Port
			if port == "" {
				port = "80"
			}
			scheme := "https"
			if port == "80" || port == "8080" {
				scheme = "http"
			}
			host := h[0]
			if k == "ipv6" {
				host = "[" + host + "]"
			}
			if port != "80" && port != "443" || scheme == "http" && port == "443" || scheme == "https" && port == "80" {
				host += ":" + port
			}
			return (&url.URL{Scheme: scheme, Host: host}).String()
		}
	}
	return ""
}

// identOf makes s an ident.ID: lower case, runs of other characters as
// one dash, none at either end.
func identOf(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return b.String()
}

// webhook adds a webhook adapter to the report, once per name; a second
// address for the same name is noted.
func (im *importer) webhook(e config.Entry) {
	for _, a := range im.rep.Adapters {
		if a.Name == e.Name {
			if a.URL != e.URL {
				im.rep.note("", "webhook adapter %s is called at %s and at %s: the adapters have the first; secops calls an adapter at one URL", e.Name, a.URL, e.URL)
			}
			return
		}
	}
	im.rep.Adapters = append(im.rep.Adapters, e)
}

// exportedURL is the URL of the webhook adapter Export wrote as an
// http-api command to base: base followed by the command's path.
func exportedURL(base, command string) string {
	f := strings.Fields(command)
	if len(f) < 2 || !strings.HasPrefix(f[1], "/") {
		return base
	}
	return base + f[1]
}

// openc2Call is what Import makes of openc2-http command c of step s
// (text its command line): the action of an openc2 adapter at the step's
// http-api target, whose operation maps to the OpenC2 command of the
// content, each variable of a target property an input. e is the secops
// extension of a step Export wrote, which names the action.
func (im *importer) openc2Call(id string, s *Step, c Command, text string, e *StepExtension) (process.Action, bool) {
	h, ok := im.httpCall(s, c)
	if !ok {
		return "", false
	}
	var cmd openc2.Command
	if err := json.Unmarshal([]byte(c.Content), &cmd); err != nil || cmd.Action == "" || len(cmd.Target) != 1 {
		return "", false
	}
	mp := openc2.Mapping{Action: cmd.Action}
	var literal []string
	for typ, v := range cmd.Target {
		mp.Target = typ
		field := func(prop string, v any) {
			ref, _ := v.(string)
			if f, ok := im.fieldByVar[strings.TrimSuffix(ref, ":value")]; ok && strings.HasSuffix(ref, ":value") {
				if mp.Inputs == nil {
					mp.Inputs = map[string]string{}
				}
				mp.Inputs[string(f)] = prop
				return
			}
			literal = append(literal, fmt.Sprintf("%s %v", prop, v))
		}
		switch x := v.(type) {
		case map[string]any:
			for _, prop := range slices.Sorted(maps.Keys(x)) {
				field(prop, x[prop])
			}
		case []any:
			for _, f := range x {
				if str, ok := f.(string); ok {
					mp.Features = append(mp.Features, str)
				}
			}
		default:
			field(typ, x)
		}
	}
	for k, v := range cmd.Args {
		if k != "response_requested" {
			if mp.Args == nil {
				mp.Args = map[string]any{}
			}
			mp.Args[k] = v
		}
	}
	for k := range cmd.Actuator {
		mp.Actuator = k
	}
	name := h.entry.Name
	action := process.Action(string(name) + "." + cmd.Action + "_" + mp.Target)
	if e != nil && process.Action(e.Action).Valid() {
		action = process.Action(e.Action)
		name = ident.ID(action.Adapter())
	}
	if len(literal) > 0 {
		im.rep.note(id, "openc2-http command %q: target values %s are constants, which an openc2 adapter's mapping cannot hold: the method must give them as inputs", strings.TrimSpace(text), strings.Join(literal, ", "))
	}
	ops := map[string]openc2.Mapping{action.Operation(): mp}
	// A rollback travels only in the step's extension, with no command:
	// its operation gets the adapter's default mapping, when it has one.
	if e != nil && e.Rollback != nil && e.Rollback.Action.Valid() && ident.ID(e.Rollback.Action.Adapter()) == name {
		op := e.Rollback.Action.Operation()
		if def, ok := openc2.DefaultOperations()[op]; ok {
			ops[op] = def
		} else {
			im.rep.note(id, "rollback %s: the playbook carries no OpenC2 command for it, and the openc2 adapter has no default for %s: give its mapping in the adapters file", e.Rollback.Action, op)
		}
	}
	entry := config.Entry{Name: name, Kind: config.OpenC2, URL: exportedURL(h.entry.URL, text), Operations: ops}
	for i, a := range im.rep.Adapters {
		if a.Name == name && a.Kind == config.OpenC2 {
			if a.URL != entry.URL {
				im.rep.note("", "openc2 adapter %s is called at %s and at %s: the adapters have the first; secops calls an adapter at one URL", name, a.URL, entry.URL)
			}
			if a.Operations == nil {
				im.rep.Adapters[i].Operations = map[string]openc2.Mapping{}
			}
			for op, m := range ops {
				if _, had := im.rep.Adapters[i].Operations[op]; !had || op == action.Operation() {
					im.rep.Adapters[i].Operations[op] = m
				}
			}
			return action, true
		}
	}
	im.rep.Adapters = append(im.rep.Adapters, entry)
	return action, true
}
