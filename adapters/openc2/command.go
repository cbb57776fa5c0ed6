package openc2

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strings"
)

// Command is an OpenC2 Command (Language Specification 1.0, section
// 3.3.1): an action on a target, with arguments and the actuator that
// is to act.
type Command struct {
	// Action is the verb: deny, allow, contain, query…
	Action string `json:"action"`
	// Target is a choice of one target type and its value:
	// {"ipv4_connection": {"dst_addr": "192.0.2.7"}}.
	Target map[string]any `json:"target"`
	// Args are the command's arguments: response_requested, and those of
	// an actuator profile ({"slpf": {"direction": "egress"}}).
	Args map[string]any `json:"args,omitempty"`
	// Actuator names the profile of the actuator that is to act, with
	// its specifiers: {"slpf": {}}.
	Actuator map[string]any `json:"actuator,omitempty"`
}

// Mapping says how an operation becomes an OpenC2 command. In an
// adapters file it is one entry of an openc2 adapter's operations:
//
//	block_ip: {action: deny, target: ipv4_connection, inputs: {dst_ip: dst_addr, src_ip: src_addr}}
type Mapping struct {
	// Action is the OpenC2 action: deny, allow, contain, query, delete,
	// update, start, stop, restart, scan, locate, cancel, set, redirect,
	// create or detonate.
	Action string `json:"action" yaml:"action" jsonschema:"required,enum=scan,enum=locate,enum=query,enum=deny,enum=contain,enum=allow,enum=start,enum=stop,enum=restart,enum=cancel,enum=set,enum=update,enum=redirect,enum=create,enum=delete,enum=detonate"`
	// Target is the OpenC2 target type: ipv4_connection, ipv6_connection,
	// ipv4_net, ipv6_net, device or features.
	Target string `json:"target" yaml:"target" jsonschema:"required,enum=ipv4_connection,enum=ipv6_connection,enum=ipv4_net,enum=ipv6_net,enum=device,enum=features"`
	// Inputs maps the method's input fields to properties of the target:
	// src_addr, dst_addr, src_port, dst_port and protocol of a
	// connection; hostname, idn_hostname and device_id of a device; the
	// target itself (ipv4_net, ipv6_net) for an address range. An input
	// the call does not give is left out; a call that gives none of them
	// is an error, so that no command ever targets everything.
	Inputs map[string]string `json:"inputs,omitempty" yaml:"inputs,omitempty"`
	// Features lists what a query of features asks for: versions,
	// profiles, pairs, rate_limit.
	Features []string `json:"features,omitempty" yaml:"features,omitempty"`
	// Args are added to the command's arguments, e.g.
	// {slpf: {direction: egress}} (an actuator profile's arguments go under
	// its namespace). response_requested is always complete.
	Args map[string]any `json:"args,omitempty" yaml:"args,omitempty"`
	// Actuator is the profile of the actuator that is to act, e.g. slpf
	// (stateless packet filtering) or er (endpoint response); by default
	// the command names none and the consumer decides.
	Actuator string `json:"actuator,omitempty" yaml:"actuator,omitempty"`
	// Outputs maps keys of the response's results to the method's output
	// fields, e.g. {versions: consumer_versions}.
	Outputs map[string]string `json:"outputs,omitempty" yaml:"outputs,omitempty"`
}

// DefaultOperations returns the mappings an openc2 adapter has when its
// configuration names none: the containment actions of the reference
// design.
//
//	block_ip        deny ipv4_connection      dst_ip → dst_addr, src_ip → src_addr
//	unblock_ip      allow ipv4_connection     the same (the rollback of block_ip)
//	isolate_host    contain device            host → hostname
//	release_host    allow device              host → hostname (the rollback of isolate_host)
//	query_features  query features            versions, profiles, pairs
func DefaultOperations() map[string]Mapping {
	conn := map[string]string{"dst_ip": "dst_addr", "src_ip": "src_addr"}
	dev := map[string]string{"host": "hostname"}
	return map[string]Mapping{
		"block_ip":       {Action: "deny", Target: "ipv4_connection", Inputs: conn},
		"unblock_ip":     {Action: "allow", Target: "ipv4_connection", Inputs: maps.Clone(conn)},
		"isolate_host":   {Action: "contain", Target: "device", Inputs: dev},
		"release_host":   {Action: "allow", Target: "device", Inputs: maps.Clone(dev)},
		"query_features": {Action: "query", Target: "features", Features: []string{"versions", "profiles", "pairs"}},
	}
}

// Actions lists the actions of the Language Specification 1.0.
var Actions = []string{"scan", "locate", "query", "deny", "contain", "allow", "start", "stop", "restart",
	"cancel", "set", "update", "redirect", "create", "delete", "detonate"}

// Targets lists the target types a Mapping may name, each with the
// properties inputs may fill.
var Targets = map[string][]string{
	"ipv4_connection": {"src_addr", "src_port", "dst_addr", "dst_port", "protocol"},
	"ipv6_connection": {"src_addr", "src_port", "dst_addr", "dst_port", "protocol"},
	"ipv4_net":        {"ipv4_net"},
	"ipv6_net":        {"ipv6_net"},
	"device":          {"hostname", "idn_hostname", "device_id"},
	"features":        nil,
}

// Features lists the features a query may ask for.
var Features = []string{"versions", "profiles", "pairs", "rate_limit"}

// protocols are the L4 protocols of the Language Specification.
var protocols = []string{"icmp", "tcp", "udp", "sctp"}

// Problem is one thing wrong with a Mapping.
type Problem struct {
	// Path names the key: action, or inputs then the input's name.
	Path []string
	// Required is set when the key is missing.
	Required bool
	// Message says what is wrong.
	Message string
}

// Check returns what is wrong with m: an unknown action or target, an
// input mapped to a property the target does not have, an unknown
// feature, a response_requested argument other than complete. A nil
// result means m makes valid commands.
func (m Mapping) Check() []Problem {
	var ps []Problem
	add := func(msg string, path ...string) { ps = append(ps, Problem{Path: path, Message: msg}) }
	required := func(msg string, path ...string) { ps = append(ps, Problem{Path: path, Required: true, Message: msg}) }
	switch {
	case m.Action == "":
		required("action is required: one of "+strings.Join(Actions, ", "), "action")
	case !slices.Contains(Actions, m.Action):
		add(fmt.Sprintf("action %q is not an OpenC2 action; want one of %s", m.Action, strings.Join(Actions, ", ")), "action")
	}
	props, ok := Targets[m.Target]
	switch {
	case m.Target == "":
		required("target is required: one of "+targetList(), "target")
	case !ok:
		add(fmt.Sprintf("target %q: want one of %s", m.Target, targetList()), "target")
	case m.Target == "features":
		for _, k := range slices.Sorted(maps.Keys(m.Inputs)) {
			add("a query of features takes no inputs", "inputs", k)
		}
		for _, f := range m.Features {
			if !slices.Contains(Features, f) {
				add(fmt.Sprintf("feature %q: want one of %s", f, strings.Join(Features, ", ")), "features")
			}
		}
		if m.Action != "query" && m.Action != "" {
			add("the features target goes with the query action", "action")
		}
	default:
		if len(m.Inputs) == 0 {
			required(fmt.Sprintf("the %s target needs inputs: which input fills which of %s", m.Target, strings.Join(props, ", ")), "inputs")
		}
		for _, k := range slices.Sorted(maps.Keys(m.Inputs)) {
			if !slices.Contains(props, m.Inputs[k]) {
				add(fmt.Sprintf("input %s: %q is not a property of %s; want one of %s", k, m.Inputs[k], m.Target, strings.Join(props, ", ")), "inputs", k)
			}
		}
		if len(m.Features) > 0 {
			add("features apply to the features target only", "features")
		}
	}
	if v, ok := m.Args["response_requested"]; ok && v != "complete" {
		add("response_requested is always complete: the adapter waits for the outcome", "args", "response_requested")
	}
	if m.Actuator != "" && !validNsid(m.Actuator) {
		add(fmt.Sprintf("actuator %q: want a profile's namespace identifier, such as slpf or er", m.Actuator), "actuator")
	}
	return ps
}

func targetList() string { return strings.Join(slices.Sorted(maps.Keys(Targets)), ", ") }

func validNsid(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9' || c == '-' && i == 1 && s[0] == 'x') {
			return false
		}
	}
	return true
}

// Command returns the OpenC2 command for a call with inputs. A missing or
// malformed input value (an address that is not IPv4 for an
// ipv4_connection, a port out of range) is an error naming the input.
func (m Mapping) Command(inputs map[string]any) (Command, error) {
	return m.build(inputs, value)
}

// Template is the command for a call with inputs whose values are not
// checked: placeholders such as a CACAO playbook's variable references
// ("__dst_ip__:value"), which an executor replaces before it sends the
// command. Inputs it does not give are left out, and giving none of
// them is an error, as in Command.
func (m Mapping) Template(inputs map[string]any) (Command, error) {
	return m.build(inputs, func(_, _ string, raw any) (any, error) { return raw, nil })
}

// build is Command with check converting each input's value.
func (m Mapping) build(inputs map[string]any, check func(target, prop string, raw any) (any, error)) (Command, error) {
	cmd := Command{Action: m.Action, Args: make(map[string]any, 1+len(m.Args))}
	cmd.Args["response_requested"] = "complete"
	for k, v := range m.Args {
		if k != "response_requested" {
			cmd.Args[k] = v
		}
	}
	if m.Actuator != "" {
		cmd.Actuator = map[string]any{m.Actuator: map[string]any{}}
	}
	if m.Target == "features" {
		f := m.Features
		if f == nil {
			f = []string{}
		}
		cmd.Target = map[string]any{"features": f}
		return cmd, nil
	}
	props := make(map[string]any, len(m.Inputs))
	for in := range m.Inputs { // in any order: the result does not depend on it
		raw, ok := inputs[in]
		if !ok || raw == nil {
			continue
		}
		prop := m.Inputs[in]
		v, err := check(m.Target, prop, raw)
		if err != nil {
			return Command{}, fmt.Errorf("input %s: %w", in, err)
		}
		if prev, dup := props[prop]; dup && prev != v {
			a, b := fmt.Sprint(prev), fmt.Sprint(v)
			if a > b {
				a, b = b, a
			}
			return Command{}, fmt.Errorf("inputs give %s twice, %s and %s", prop, a, b)
		}
		props[prop] = v
	}
	if len(props) == 0 {
		return Command{}, fmt.Errorf("the call gives none of the inputs the %s %s command is built from (%s)", m.Action, m.Target, strings.Join(slices.Sorted(maps.Keys(m.Inputs)), ", "))
	}
	if v, ok := props[m.Target]; ok && len(props) == 1 { // ipv4_net, ipv6_net: the value itself
		cmd.Target = map[string]any{m.Target: v}
	} else {
		cmd.Target = map[string]any{m.Target: props}
	}
	return cmd, nil
}

// value checks and converts the input value raw for property prop of
// target.
func value(target, prop string, raw any) (any, error) {
	switch prop {
	case "src_port", "dst_port":
		n, ok := integer(raw)
		if !ok || n < 0 || n > 65535 {
			return nil, fmt.Errorf("%v is not a port number (0 to 65535)", raw)
		}
		return n, nil
	}
	s, ok := raw.(string)
	if !ok {
		return nil, fmt.Errorf("%v is not text", raw)
	}
	switch prop {
	case "protocol":
		if !slices.Contains(protocols, s) {
			return nil, fmt.Errorf("protocol %q: want one of %s", s, strings.Join(protocols, ", "))
		}
	case "src_addr", "dst_addr", "ipv4_net", "ipv6_net":
		v6 := strings.HasPrefix(target, "ipv6")
		if err := checkNet(s, v6); err != nil {
			return nil, err
		}
	case "hostname", "idn_hostname", "device_id":
		if s == "" {
			return nil, fmt.Errorf("empty %s", prop)
		}
	}
	return s, nil
}

func integer(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<31 {
			return int(n), true
		}
	}
	return 0, false
}

// checkNet reports whether s is an IPv4 (or, with v6, IPv6) address or
// range in CIDR notation.
func checkNet(s string, v6 bool) error {
	fam := "IPv4"
	if v6 {
		fam = "IPv6"
	}
	var addr netip.Addr
	if p, err := netip.ParsePrefix(s); err == nil {
		addr = p.Addr()
	} else if a, err := netip.ParseAddr(s); err == nil {
		addr = a
	} else {
		return fmt.Errorf("%q is not an %s address or range", s, fam)
	}
	if addr.Is4() == v6 || addr.Zone() != "" {
		return fmt.Errorf("%q is not an %s address or range", s, fam)
	}
	return nil
}

// requestNamespace is the namespace of the name-based UUIDs of request
// ids (a random UUID chosen once for secops).
var requestNamespace = [16]byte{0x3c, 0x1f, 0x4e, 0x7a, 0x95, 0x2b, 0x4d, 0x61, 0x8e, 0x0a, 0x57, 0xc4, 0x2d, 0x9b, 0x06, 0xf3}

// RequestID returns the request_id of a call with the idempotency key:
// a name-based UUID (RFC 4122 version 5) of the key, the same for every
// attempt of one call and different for every other call, so that a
// consumer that remembers the request ids it acted on can answer a retry
// without acting again. Without a key it is a random (version 4) UUID.
func RequestID(key string) string {
	var u [16]byte
	if key == "" {
		_, _ = rand.Read(u[:])
		u[6] = u[6]&0x0f | 0x40
	} else {
		h := sha1.New()
		h.Write(requestNamespace[:])
		h.Write([]byte(key))
		copy(u[:], h.Sum(nil))
		u[6] = u[6]&0x0f | 0x50
	}
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
