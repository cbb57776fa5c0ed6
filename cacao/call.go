package cacao

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/secopsdesign/secops/adapters/config"
	"github.com/secopsdesign/secops/adapters/openc2"
	"github.com/secopsdesign/secops/adapters/webhook"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

// AuthHeaders is the type of the authentication information Export
// writes for a webhook adapter's secret headers other than a bearer
// token: CACAO has no type for them (its vocabulary is open). Its
// secops extension lists each header with the template of its value,
// which names environment variables and holds no secret.
const AuthHeaders = "secops-headers"

// call gives st the command that calls m's action: with adapters, an
// http-api command for a webhook adapter and a bash command for a
// command adapter; otherwise (or when the adapter is not configured) an
// AdapterCommand, with a note.
func (x *exporter) call(st *Step, m *process.Method, stage, where string) {
	name := m.Action.Adapter()
	var a *config.Entry
	if x.adapters != nil {
		a = x.adapters[ident.ID(name)]
	}
	if a == nil {
		st.Agent = x.adapter(name)
		st.Commands = []Command{{Type: AdapterCommand, Command: string(m.Action),
			Description: "Call operation " + m.Action.Operation() + " of the " + name + " adapter"}}
		if x.adapters != nil {
			x.notes = append(x.notes, Note{Message: fmt.Sprintf("method %s: adapter %s is not in the adapters file: its action stays a %s command", m.ID, name, AdapterCommand)})
		}
		return
	}
	if a.Timeout > 0 {
		st.Timeout = time.Duration(a.Timeout).Milliseconds()
	}
	key := idempotencyKey(m, stage, where)
	body := x.body(m, key)
	desc := "Call operation " + m.Action.Operation() + " of the " + name + " adapter"
	switch a.Kind {
	case config.Webhook:
		u, err := url.Parse(a.URL)
		if err != nil || u.Host == "" {
			x.fail("adapter %s: url %q: want an absolute http or https URL", name, a.URL)
			return
		}
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
		st.Agent = x.capabilityAgent("http-api")
		headers := map[string][]string{
			"Content-Type":    {"application/json"},
			"Accept":          {"application/json"},
			"User-Agent":      {"secops"},
			"Idempotency-Key": {key},
		}
		for k, v := range a.Headers {
			if vars, _ := webhook.HeaderVariables(v); len(vars) == 0 {
				headers[canonical(k)] = []string{v}
			}
		}
		st.Commands = []Command{{Type: "http-api", Description: desc, Command: "POST " + path + " HTTP/1.1",
			Headers: headers, Content: body}}
		st.Targets = []string{x.webhookTarget(a, u)}
	case config.Command:
		line := "printf '%s' " + shellQuote(body) + " | " + shellJoin(a.Command)
		if a.Dir != "" {
			line = "cd " + shellQuote(a.Dir) + " && " + line
		}
		st.Commands = []Command{{Type: "bash", Description: desc, Command: line}}
		// The command runs where secops runs, which no SOARCA capability
		// does: soarca-ssh runs commands on an ssh target, whose
		// address the adapters file does not give.
		st.Agent = x.adapter(name)
		x.noteOnce("command/"+name, fmt.Sprintf("adapter %s is a command adapter: its methods are bash commands for the secops executor (agent %s), which SOARCA does not run (its soarca-ssh capability runs commands on an ssh target, not where secops runs): make it a webhook adapter for SOARCA", name, st.Agent))
	case config.OpenC2:
		x.openc2(st, m, a, key, desc)
	default:
		x.fail("adapter %s: kind %q", name, a.Kind)
	}
}

// openc2 gives st the openc2-http command of m's action on the openc2
// adapter a: the OpenC2 command its mapping makes, with the method's
// inputs as variable references, POSTed to the consumer (SOARCA's
// soarca-openc2-http capability sends it to the step's target).
func (x *exporter) openc2(st *Step, m *process.Method, a *config.Entry, key, desc string) {
	name := string(a.Name)
	op := m.Action.Operation()
	mp, ok := a.Operations[op]
	if !ok && a.Operations == nil {
		mp, ok = openc2.DefaultOperations()[op]
	}
	if !ok {
		x.fail("adapter %s: no OpenC2 command for operation %s (method %s)", name, op, m.ID)
		return
	}
	u, err := url.Parse(a.URL)
	if err != nil || u.Host == "" {
		x.fail("adapter %s: url %q: want an absolute http or https URL", name, a.URL)
		return
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	// The command as the adapter builds it, each input the variable of
	// its field: a string inside quotes, a number bare (below).
	refs := map[string]any{}
	for _, in := range m.Inputs {
		refs[string(in)] = VariableName(in) + ":value"
	}
	cmd, err := mp.Template(refs)
	if err != nil {
		x.fail("adapter %s: method %s: %v", name, m.ID, err)
		return
	}
	b, err := json.Marshal(cmd)
	if err != nil {
		x.fail("adapter %s: %v", name, err)
		return
	}
	body := string(b)
	for in, ref := range refs { // a number or a list is its variable bare
		if f := x.d.Field(ident.ID(in)); f != nil && (f.List || f.Type == process.Int || f.Type == process.Port) {
			body = strings.ReplaceAll(body, `"`+ref.(string)+`"`, ref.(string))
		}
	}
	st.Agent = x.capabilityAgent("openc2-http")
	st.Commands = []Command{{Type: "openc2-http", Description: desc, Command: "POST " + path + " HTTP/1.1",
		Headers: map[string][]string{
			"Content-Type":    {openc2.ContentType},
			"Accept":          {openc2.ContentType},
			"Idempotency-Key": {key},
		}, Content: body}}
	st.Targets = []string{x.webhookTarget(a, u)}
}

// idempotencyKey is the Idempotency-Key of a call, made as the secops
// executor makes it (executor.Key): run/stage/step-or-response/method,
// the run being the variable the caller sets.
func idempotencyKey(m *process.Method, stage, where string) string {
	return RunVariable + ":value/" + stage + "/" + where + "/" + string(m.ID)
}

// body is the JSON request the adapter sends, with the inputs as
// variable references: a string-valued variable inside quotes, a bool,
// integer or list one bare (its value is then JSON text).
func (x *exporter) body(m *process.Method, key string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	var b strings.Builder
	b.WriteString(`{"operation":` + q(m.Action.Operation()) + `,"inputs":{`)
	ins := slices.Clone(m.Inputs)
	slices.Sort(ins)
	ins = slices.Compact(ins)
	for i, in := range ins {
		if i > 0 {
			b.WriteByte(',')
		}
		ref := VariableName(in) + ":value"
		if f := x.d.Field(in); f != nil && (f.List || f.Type == process.Bool || f.Type == process.Int || f.Type == process.Port) {
			b.WriteString(q(string(in)) + ":" + ref)
		} else {
			b.WriteString(q(string(in)) + ":" + q(ref))
		}
	}
	b.WriteString(`},"method":` + q(string(m.ID)) + `,"run":` + q(RunVariable+":value") +
		`,"idempotency_key":` + q(key) + `}`)
	return b.String()
}

// webhookTarget defines the http-api target of a webhook adapter whose
// URL is u: its address is the URL's scheme and host (the command has
// the path, and executors such as SOARCA send to the address followed by
// the command's path), with its secret headers (those whose value names
// environment variables) as authentication information, without their
// values. An address the CACAO schema's url pattern does not accept (an
// IP address, a host name without a dot) is written all the same, with
// a note.
func (x *exporter) webhookTarget(a *config.Entry, u *url.URL) string {
	name := string(a.Name)
	tid := "http-api--" + uuid5(Namespace, string(x.d.Metadata.Name)+"/adapter/"+name)
	addr := u.Scheme + "://" + u.Host
	t := AgentTarget{Type: "http-api", Name: name, Description: "The " + name + " " + string(a.Kind) + " adapter",
		Address: map[string][]string{"url": {addr}}}
	if !schemaURL.MatchString(addr) {
		x.noteOnce("url/"+name, fmt.Sprintf("adapter %s: target %s: url %s does not match the CACAO 2.0 schema's url pattern, which wants a host name with a dot and a top-level domain (an IP address or localhost does not): validators of the schema, SOARCA's decoder among them, refuse the playbook: give the adapter a url with a host name (an ipv4 address can be given to SOARCA only in a target's ipv4 and port fields, which this export does not write)", name, tid, addr))
	}
	secret := map[string]string{}
	for k, v := range a.Headers {
		if vars, _ := webhook.HeaderVariables(v); len(vars) > 0 {
			secret[canonical(k)] = v
		}
	}
	if len(secret) > 0 {
		aid := "authentication-info--" + uuid5(Namespace, string(x.d.Metadata.Name)+"/adapter/"+name+"/auth")
		info := AuthenticationInfo{Type: AuthHeaders, Name: name + " headers",
			Extensions: map[string]json.RawMessage{ExtensionID: rawJSON(map[string]any{"headers": secret})}}
		if v, ok := secret["Authorization"]; ok && len(secret) == 1 {
			if vars, _ := webhook.HeaderVariables(v); len(vars) == 1 && v == "Bearer ${"+vars[0]+"}" {
				vn := "__secops_secret_" + strings.ToLower(vars[0]) + "__"
				info = AuthenticationInfo{Type: "oauth2", Name: name + " bearer token", OAuthHeader: "Authorization",
					Token: vn + ":value"}
				x.secretVariable(vn, vars[0])
			}
		}
		if x.pb.AuthenticationInfoDefinitions == nil {
			x.pb.AuthenticationInfoDefinitions = map[string]AuthenticationInfo{}
		}
		x.pb.AuthenticationInfoDefinitions[aid] = info
		t.AuthenticationInfo = aid
	}
	x.target(tid, t)
	return tid
}

// secretVariable declares the external variable that holds the secret
// in environment variable env; it never has a value in the playbook.
func (x *exporter) secretVariable(name, env string) {
	if x.secrets == nil {
		x.secrets = map[string]Variable{}
	}
	x.secrets[name] = Variable{Type: "string", External: true,
		Description: "A secret the caller passes in (environment variable " + env + " of the secops executor)"}
}

func canonical(h string) string { return http.CanonicalHeaderKey(h) }

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// shellQuote quotes s for bash when it holds anything but safe
// characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// schemaURL is the pattern of url addresses in the CACAO 2.0 schemas
// (agent-target/http-api.json), unanchored as JSON Schema patterns are.
var schemaURL = regexp.MustCompile(`[(http(s)?):/(www.)?a-zA-Z0-9@:%._+~#=]{2,256}\.[a-z]{2,6}\b([-a-zA-Z0-9@:%_+.~#?&//=]*)`)

// SOARCAAgentType is the agent type of SOARCA's capabilities: SOARCA runs
// an action step with the capability its agent names (an agent of this
// type named, for example, soarca-http-api).
const SOARCAAgentType = "soarca"

// capabilities maps each command type an exported or imported step may
// have to the SOARCA capability that runs it, the name of the step's
// agent. A command type without one is run by the secops executor.
var capabilities = map[string]string{
	"http-api":    "soarca-http-api",
	"manual":      "soarca-manual",
	"ssh":         "soarca-ssh",
	"openc2-http": "soarca-openc2-http",
	"powershell":  "soarca-powershell",
}

// capabilityAgent defines and returns the agent of the SOARCA capability
// that runs commands of type command.
func (x *exporter) capabilityAgent(command string) string {
	name := capabilities[command]
	aid := "soarca--" + uuid5(Namespace, string(x.d.Metadata.Name)+"/agent/"+name)
	x.agent(aid, AgentTarget{Type: SOARCAAgentType, Name: name,
		Description: "Runs the " + command + " commands of the steps that name it: SOARCA's " + name + " capability, or any executor that runs " + command + " commands"})
	return aid
}

// noteOnce adds a note about the playbook, once per key.
func (x *exporter) noteOnce(key, msg string) {
	if x.noted == nil {
		x.noted = map[string]bool{}
	}
	if !x.noted[key] {
		x.noted[key] = true
		x.notes = append(x.notes, Note{Message: msg})
	}
}
