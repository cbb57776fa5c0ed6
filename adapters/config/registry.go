package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/command"
	"github.com/secopsdesign/secops/adapters/openc2"
	"github.com/secopsdesign/secops/adapters/webhook"
)

// DefaultRetryBase is the first wait between attempts of an adapter with
// retries.
const DefaultRetryBase = 500 * time.Millisecond

type options struct {
	lookup    func(string) (string, bool)
	retryBase time.Duration
}

// Option configures Registry.
type Option func(*options)

// WithLookupEnv sets how ${NAME} in webhook and openc2 header values is expanded;
// the default is os.LookupEnv.
func WithLookupEnv(lookup func(name string) (string, bool)) Option {
	return func(o *options) { o.lookup = lookup }
}

// WithRetryBase sets the first wait between attempts for adapters with
// retries; the default is DefaultRetryBase.
func WithRetryBase(d time.Duration) Option { return func(o *options) { o.retryBase = d } }

// Registry builds the adapters f describes: command, webhook and openc2 adapters,
// each wrapped in adapters.Retry when it has retries. TLS files are read
// now. An error names the adapter it concerns; f should have loaded
// without findings.
func (f *File) Registry(opts ...Option) (*adapters.Registry, error) {
	o := options{retryBase: DefaultRetryBase}
	for _, opt := range opts {
		opt(&o)
	}
	reg, _ := adapters.NewRegistry()
	for _, e := range f.Adapters {
		a, err := f.build(e, o)
		if err != nil {
			return nil, fmt.Errorf("adapter %q: %w", e.Name, err)
		}
		if e.Retries > 0 {
			a = adapters.Retry(e.Retries+1, o.retryBase)(a)
		}
		if err := reg.Register(a); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

func (f *File) build(e Entry, o options) (adapters.Adapter, error) {
	name := string(e.Name)
	switch e.Kind {
	case Command:
		if len(e.Command) == 0 {
			return nil, fmt.Errorf("no command")
		}
		argv := append([]string(nil), e.Command...)
		if strings.Contains(argv[0], "/") || strings.Contains(argv[0], string(filepath.Separator)) {
			argv[0] = f.path(argv[0])
		}
		dir := f.path(".")
		if e.Dir != "" {
			dir = f.path(e.Dir)
		}
		return command.New(name, argv, command.WithDir(dir), command.WithEnv(e.Env), command.WithTimeout(e.Timeout.Std()))
	case Webhook:
		wo := []webhook.Option{webhook.WithHeaders(e.Headers), webhook.WithTimeout(e.Timeout.Std())}
		if o.lookup != nil {
			wo = append(wo, webhook.WithLookupEnv(o.lookup))
		}
		if e.TLS != nil {
			c, err := f.tlsConfig(e.TLS)
			if err != nil {
				return nil, err
			}
			wo = append(wo, webhook.WithTLSConfig(c))
		}
		return webhook.New(name, e.URL, wo...)
	case OpenC2:
		oo := []openc2.Option{openc2.WithHeaders(e.Headers), openc2.WithTimeout(e.Timeout.Std()), openc2.WithFrom(e.From)}
		if o.lookup != nil {
			oo = append(oo, openc2.WithLookupEnv(o.lookup))
		}
		if e.TLS != nil {
			c, err := f.tlsConfig(e.TLS)
			if err != nil {
				return nil, err
			}
			oo = append(oo, openc2.WithTLSConfig(c))
		}
		return openc2.New(name, e.URL, e.Operations, oo...)
	}
	return nil, fmt.Errorf("unknown kind %q", e.Kind)
}

func (f *File) tlsConfig(t *TLS) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CAFile != "" {
		pem, err := os.ReadFile(f.path(t.CAFile))
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls: ca_file %s holds no PEM certificate", t.CAFile)
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(f.path(t.CertFile), f.path(t.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// Secrets returns the values that f's webhook and openc2 headers take from the
// environment (${NAME}), looked up with lookup (os.LookupEnv when nil):
// the values that must never be stored or printed. Give them to the
// executor (executor.WithSecrets) so that records redact them.
func (f *File) Secrets(lookup func(string) (string, bool)) []string {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var out []string
	for _, e := range f.Adapters {
		for _, v := range e.Headers {
			names, err := webhook.HeaderVariables(v)
			if err != nil {
				continue
			}
			for _, n := range names {
				if v, ok := lookup(n); ok && v != "" {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// Unset lists, in the order the adapters and their headers (sorted) name
// them, the environment variables that adapter headers name (${NAME})
// and that lookup (default os.LookupEnv) finds unset or empty: a call
// would fail on them, after earlier calls already took effect, so a
// program checks them before it runs anything.
func (f *File) Unset(lookup func(string) (string, bool)) []string {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var unset []string
	for _, e := range f.Adapters {
		for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
			names, err := webhook.HeaderVariables(e.Headers[k])
			if err != nil {
				continue // a finding of the configuration already
			}
			for _, n := range names {
				if v, ok := lookup(n); (!ok || v == "") && !slices.Contains(unset, n) {
					unset = append(unset, n)
				}
			}
		}
	}
	return unset
}
