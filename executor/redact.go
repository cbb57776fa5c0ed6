package executor

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/secopsdesign/secops/adapters"
)

// MaxText is the most of an error text or detail a record keeps, in
// bytes; the rest is cut and its length noted, so that an adapter that
// answers with megabytes cannot make the record as large.
const MaxText = 4 << 10

// Redacted replaces secrets in what a record keeps.
const Redacted = "[redacted]"

// WithSecrets makes the engine replace each of secrets by [redacted]
// wherever it would keep or report it: error texts, details, inputs and
// outputs of events, the record's error. Give it the values substituted
// into the adapters' configuration (config.File.Secrets), so that a
// token an integration echoes in an error reply is never stored. Empty
// strings are ignored.
func WithSecrets(secrets ...string) Option {
	return func(c *config) error {
		var pairs []string
		// Every form an echo may give (as is, JSON-escaped), longer
		// first, so that a secret containing another is replaced whole.
		s := adapters.SecretForms(secrets)
		for _, v := range s {
			pairs = append(pairs, v, Redacted)
		}
		if len(pairs) > 0 {
			c.redact = strings.NewReplacer(pairs...)
			c.secrets = s
		}
		return nil
	}
}

// clean redacts and caps a text the record keeps.
func (c *config) clean(s string) string {
	if s == "" {
		return s
	}
	if c.redact != nil && c.hasSecret(s) {
		s = c.redact.Replace(s)
	}
	return capText(s)
}

func (c *config) hasSecret(s string) bool {
	for _, v := range c.secrets {
		if v != "" && strings.Contains(s, v) {
			return true
		}
	}
	return false
}

// cleanValues returns m with secrets in its strings redacted: m itself
// when it holds none.
func (c *config) cleanValues(m map[string]any) map[string]any {
	if c.redact == nil || m == nil {
		return m
	}
	out, _ := c.cleanMap(m)
	return out
}

func (c *config) cleanMap(m map[string]any) (map[string]any, bool) {
	var out map[string]any
	for k, v := range m {
		nv, changed := c.cleanValue(v)
		if c.hasSecret(k) {
			// A key that holds a secret: the entry goes under its
			// redacted name.
			if out == nil {
				out = maps.Clone(m)
			}
			delete(out, k)
			out[c.redact.Replace(k)] = nv
			continue
		}
		if changed {
			if out == nil {
				out = maps.Clone(m)
			}
			out[k] = nv
		}
	}
	if out == nil {
		return m, false
	}
	return out, true
}

func (c *config) cleanValue(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		if c.hasSecret(x) {
			return c.redact.Replace(x), true
		}
	case []any:
		var out []any
		for i, e := range x {
			if ne, ok := c.cleanValue(e); ok {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = ne
			}
		}
		if out != nil {
			return out, true
		}
	case []string:
		var out []string
		for i, e := range x {
			if c.hasSecret(e) {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = c.redact.Replace(e)
			}
		}
		if out != nil {
			return out, true
		}
	case map[string]any:
		return c.cleanMap(x)
	}
	return v, false
}

// capText cuts s to MaxText bytes, at a rune boundary, noting how much
// was cut.
func capText(s string) string {
	if len(s) <= MaxText {
		return s
	}
	cut := MaxText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… [%d more bytes cut]", s[:cut], len(s)-cut)
}
