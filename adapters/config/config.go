package config

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/secopsdesign/secops/adapters/openc2"
	"github.com/secopsdesign/secops/adapters/webhook"
	"github.com/secopsdesign/secops/document"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
)

// Format is the value of the format key of every adapter configuration
// file.
const Format = "secops-adapters/v1"

// File is an adapter configuration file: how each adapter that a design's
// actions name is reached.
type File struct {
	// Format is always secops-adapters/v1.
	Format string `json:"format" yaml:"format" jsonschema:"required,enum=secops-adapters/v1"`
	// Adapters lists the adapters, each under the name the design's
	// actions use before the dot.
	Adapters []Entry `json:"adapters" yaml:"adapters" jsonschema:"required"`

	src *document.Source // for positions
	dir string           // the directory relative paths start from
}

// Entry configures one adapter.
type Entry struct {
	// Name is the adapter's name, as in the design's actions: edr for
	// edr.isolate_host.
	Name ident.ID `json:"name" yaml:"name" jsonschema:"required"`
	// Kind says how the adapter is reached: command, webhook or openc2.
	Kind Kind `json:"kind" yaml:"kind" jsonschema:"required"`
	// Command is the executable and its arguments, for kind command; no
	// shell is involved. An executable containing a slash is relative to
	// this file's directory; one without is looked up in PATH.
	Command []string `json:"command,omitempty" yaml:"command,omitempty" jsonschema:"minItems=1"`
	// Dir is the working directory of the command, relative to this
	// file's directory; by default, this file's directory.
	Dir string `json:"dir,omitempty" yaml:"dir,omitempty"`
	// Env adds variables to the environment the command inherits.
	Env map[string]string `json:"env,omitempty" yaml:"env,omitempty"`
	// URL is where a webhook adapter POSTs each call, or an openc2 adapter
	// each OpenC2 command (the consumer's https://HOST/.well-known/openc2),
	// an http or https URL.
	URL string `json:"url,omitempty" yaml:"url,omitempty" jsonschema:"format=uri"`
	// Headers are sent with each webhook or openc2 call. A value may name
	// environment variables as ${NAME}, expanded at each call, so that
	// secrets stay out of this file.
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	// TLS configures https for a webhook or openc2 adapter.
	TLS *TLS `json:"tls,omitempty" yaml:"tls,omitempty"`
	// Operations maps each operation of an openc2 adapter (the part of an
	// action after the dot: block_ip for firewall.block_ip) to the OpenC2
	// command that performs it. By default: block_ip and unblock_ip are
	// deny and allow of an ipv4_connection (dst_ip → dst_addr, src_ip →
	// src_addr), isolate_host and release_host contain and allow of a
	// device (host → hostname), query_features a query of features.
	Operations map[string]openc2.Mapping `json:"operations,omitempty" yaml:"operations,omitempty"`
	// From is the from of an openc2 adapter's messages: who sends the
	// commands. By default secops@ and this host's name.
	From string `json:"from,omitempty" yaml:"from,omitempty"`
	// Timeout bounds each call, e.g. 30s. By default only the executor's
	// own per-call timeout applies.
	Timeout duration.Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// Retries is how many times a call that failed with a transient error
	// (a timeout, a rate limit, a 5xx) is tried again, with exponential
	// backoff. By default it is not.
	Retries int `json:"retries,omitempty" yaml:"retries,omitempty" jsonschema:"minimum=0,maximum=10"`
}

// TLS configures https for a webhook or openc2 adapter. Paths are relative to the
// configuration file's directory.
type TLS struct {
	// CAFile is a PEM file of the certificate authorities to trust instead
	// of the system's.
	CAFile string `json:"ca_file,omitempty" yaml:"ca_file,omitempty"`
	// CertFile is a PEM client certificate, with KeyFile.
	CertFile string `json:"cert_file,omitempty" yaml:"cert_file,omitempty"`
	// KeyFile is the PEM private key of CertFile.
	KeyFile string `json:"key_file,omitempty" yaml:"key_file,omitempty"`
	// InsecureSkipVerify turns off checking the server's certificate. For
	// tests only.
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty" yaml:"insecure_skip_verify,omitempty"`
}

// Kind says how an adapter is reached.
type Kind string

// The kinds of adapter.
const (
	// Command runs a local executable for each call (package
	// adapters/command).
	Command Kind = "command"
	// Webhook POSTs each call to a URL (package adapters/webhook).
	Webhook Kind = "webhook"
	// OpenC2 sends each call as an OpenC2 command to a consumer over
	// HTTPS (package adapters/openc2).
	OpenC2 Kind = "openc2"
)

// Kinds lists the valid Kind values.
var Kinds = []Kind{Command, Webhook, OpenC2}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// JSONSchema describes Kind as an enum.
func (Kind) JSONSchema() *jsonschema.Schema { return ident.Enum(Kinds) }

// LoadFile reads the adapter configuration file at path. See Load.
func LoadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Load(f, path)
}

// Load reads an adapter configuration in YAML or JSON from r; name is the
// file name used in positions, and its directory is where relative paths
// in the file start from.
//
// Every problem is a finding with its position, all reported at once as a
// finding.List error: unknown keys, values of the wrong type, a wrong
// format, missing keys, an unknown kind, a command adapter without a
// command, a webhook adapter without a valid URL, settings that do not
// apply to the kind, malformed header values, and two adapters of the
// same name. When the document could be read at all, Load returns the
// file along with the findings.
func Load(r io.Reader, name string) (*File, error) {
	data, err := document.ReadAll(r)
	if err != nil {
		return nil, err
	}
	f := &File{}
	src, findings, fatal := document.Decode(data, name, f, "adapter configuration")
	if fatal {
		return nil, findings
	}
	if fd, other := src.OtherFormat(f.Format, Format); other {
		return nil, finding.List{fd}
	}
	f.src, f.dir = src, filepath.Dir(name)
	findings = append(findings, f.validate()...)
	findings.Sort()
	return f, findings.Err()
}

// validate checks what decoding cannot.
func (f *File) validate() finding.List {
	var l finding.List
	add := func(code finding.Code, p *finding.Path, key bool, format string, args ...any) {
		fd := finding.New(code, p, format, args...)
		fd.Position = f.src.Position(fd.Path, key)
		l = append(l, fd)
	}
	switch {
	case f.Format == "":
		add(finding.Required, finding.NewPath("format"), false, "format is required: want %s", Format)
	case f.Format != Format:
		add(finding.InvalidValue, finding.NewPath("format"), false, "format %q: want %s", f.Format, Format)
	}
	if f.Adapters == nil { // absent: an empty list decodes as an empty slice
		add(finding.Required, finding.NewPath("adapters"), false, "adapters is required")
	}
	seen := map[ident.ID]int{}
	for i, e := range f.Adapters {
		p := finding.NewPath("adapters").Index(i)
		switch {
		case e.Name == "":
			add(finding.Required, p.Child("name"), false, "name is required")
		case !e.Name.Valid() || strings.Contains(string(e.Name), "."):
			add(finding.InvalidValue, p.Child("name"), false, "name %q: want lower-case letters, digits, _ and - (no dot)", e.Name)
		default:
			if j, dup := seen[e.Name]; dup {
				add(finding.DuplicateID, p.Child("name"), false, "adapter %q is already configured at adapters[%d]", e.Name, j)
			} else {
				seen[e.Name] = i
			}
		}
		notFor := func(key string, set bool) {
			if set {
				add(finding.InvalidValue, p.Child(key), true, "%s does not apply to a %s adapter", key, e.Kind)
			}
		}
		switch e.Kind {
		case "":
			add(finding.Required, p.Child("kind"), false, "kind is required: one of %s", kindList())
		case Command:
			if len(e.Command) == 0 || e.Command[0] == "" {
				add(finding.Required, p.Child("command"), false, "a command adapter needs a command: [executable, args...]")
			}
			notFor("url", e.URL != "")
			notFor("headers", e.Headers != nil)
			notFor("tls", e.TLS != nil)
			notFor("operations", e.Operations != nil)
			notFor("from", e.From != "")
		case Webhook, OpenC2:
			if e.URL == "" {
				add(finding.Required, p.Child("url"), false, "a%s %s adapter needs a url", map[bool]string{true: "n"}[e.Kind == OpenC2], e.Kind)
			} else if err := webhook.CheckURL(e.URL); err != nil {
				add(finding.InvalidValue, p.Child("url"), false, "%v", err)
			}
			for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
				if err := webhook.CheckHeader(e.Headers[k]); err != nil {
					add(finding.InvalidValue, p.Child("headers").Child(k), false, "%v", err)
				}
			}
			if t := e.TLS; t != nil {
				if t.CertFile != "" && t.KeyFile == "" {
					add(finding.Required, p.Child("tls").Child("key_file"), false, "cert_file needs key_file")
				}
				if t.KeyFile != "" && t.CertFile == "" {
					add(finding.Required, p.Child("tls").Child("cert_file"), false, "key_file needs cert_file")
				}
			}
			notFor("command", e.Command != nil)
			notFor("dir", e.Dir != "")
			notFor("env", e.Env != nil)
			if e.Kind == OpenC2 {
				for _, op := range slices.Sorted(maps.Keys(e.Operations)) {
					if !ident.ID(op).Valid() || strings.Contains(op, ".") {
						add(finding.InvalidValue, p.Child("operations", op), true, "operation %q: want the part of an action after the dot: lower-case letters, digits, _ and -", op)
					}
					for _, pr := range e.Operations[op].Check() {
						code := finding.InvalidValue
						if pr.Required {
							code = finding.Required
						}
						add(code, p.Child("operations", op).Child(pr.Path[0], pr.Path[1:]...), false, "operation %s: %s", op, pr.Message)
					}
				}
			} else {
				notFor("operations", e.Operations != nil)
				notFor("from", e.From != "")
			}
		default:
			msg := fmt.Sprintf("unknown kind %q; supported: %s", e.Kind, kindList())
			if s := finding.Suggest(string(e.Kind), kindStrings()); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			add(finding.InvalidValue, p.Child("kind"), false, "%s", msg)
		}
		if e.Retries < 0 || e.Retries > 10 {
			add(finding.InvalidValue, p.Child("retries"), false, "retries %d: want 0 to 10", e.Retries)
		}
		if e.Timeout < 0 {
			add(finding.InvalidValue, p.Child("timeout"), false, "timeout must not be negative")
		}
	}
	return l
}

func kindStrings() []string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return s
}

func kindList() string { return strings.Join(kindStrings(), ", ") }

// Entry returns the entry for the adapter called name, or nil.
func (f *File) Entry(name string) *Entry {
	for i := range f.Adapters {
		if string(f.Adapters[i].Name) == name {
			return &f.Adapters[i]
		}
	}
	return nil
}

// path resolves p, relative to the file's directory, into an absolute
// path.
func (f *File) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	p = filepath.Join(f.dir, p)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
