package process

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/invopop/jsonschema"
	"github.com/secopsdesign/secops/ident"
)

// Field is a typed piece of data that flows from an alert through the
// processes: an alert key, a method input or a method output.
type Field struct {
	// ID identifies the field; alerts and methods refer to it.
	ID ident.ID `json:"id" yaml:"id" jsonschema:"required"`
	// Name is the field's display name.
	Name string `json:"name" yaml:"name" jsonschema:"required,minLength=1"`
	// Type is the type of the field's value.
	Type Type `json:"type" yaml:"type" jsonschema:"required"`
	// List says that the value is a list of values of Type.
	List bool `json:"list,omitempty" yaml:"list,omitempty"`
	// Description says what the field holds.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
}

// Check reports whether v is a valid value of the field: a value of Type,
// or a list of them when List is set. Lists may be []any or []string.
func (f Field) Check(v any) error {
	if !f.List {
		return f.Type.Check(v)
	}
	switch l := v.(type) {
	case []any:
		for i, e := range l {
			if err := f.Type.Check(e); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		return nil
	case []string:
		for i, e := range l {
			if err := f.Type.Check(e); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		return nil
	}
	return fmt.Errorf("want a list of %s, got %s", f.Type, describe(v))
}

// Type is the type of a field's value.
type Type string

// The field types.
const (
	String Type = "string"
	Bool   Type = "bool"
	Int    Type = "int"
	IP     Type = "ip"
	CIDR   Type = "cidr"
	URL    Type = "url"
	Domain Type = "domain"
	Hash   Type = "hash"
	Host   Type = "host"
	User   Type = "user"
	Time   Type = "time"
	Port   Type = "port"
)

// Types lists the valid Type values.
var Types = []Type{String, Bool, Int, IP, CIDR, URL, Domain, Hash, Host, User, Time, Port}

// Valid reports whether t is one of Types.
func (t Type) Valid() bool { return slices.Contains(Types, t) }

// JSONSchema describes Type as an enum.
func (Type) JSONSchema() *jsonschema.Schema { return ident.Enum(Types) }

// hashSizes maps hash algorithms to their digest length in hex digits.
var hashSizes = map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}

// Check reports whether v is a valid value of type t. Values are what
// JSON or YAML decoding gives: strings, bools and numbers (int, int64,
// uint64 or float64 with no fraction).
//
//   - ip: an IPv4 or IPv6 address; cidr: a prefix such as 10.0.0.0/8;
//   - url: an absolute URL with a scheme and host;
//   - domain and host: a DNS name (a host may also be an IP address);
//   - hash: algo:hex with algo md5, sha1, sha256 or sha512 and a digest
//     of the right length;
//   - time: RFC 3339; port: an integer from 0 to 65535;
//   - string and user: any non-empty string.
func (t Type) Check(v any) error {
	switch t {
	case Bool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("want a bool, got %s", describe(v))
		}
		return nil
	case Int, Port:
		n, ok := integer(v)
		if !ok {
			return fmt.Errorf("want an integer, got %s", describe(v))
		}
		if t == Port && (n < 0 || n > 65535) {
			return fmt.Errorf("port %d is out of range 0-65535", n)
		}
		return nil
	}
	s, ok := v.(string)
	if !ok {
		if t == String {
			return fmt.Errorf("want a string, got %s", describe(v))
		}
		return fmt.Errorf("want a %s string, got %s", t, describe(v))
	}
	switch t {
	case String, User:
		if s == "" && t == User {
			return fmt.Errorf("empty user")
		}
	case IP:
		if _, err := netip.ParseAddr(s); err != nil {
			return fmt.Errorf("%s is not an IP address", Quote(s))
		}
	case CIDR:
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Errorf("%s is not a CIDR prefix", Quote(s))
		}
	case URL:
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("%s is not an absolute URL", Quote(s))
		}
	case Domain:
		if !dnsName(s) {
			return fmt.Errorf("%s is not a domain name", Quote(s))
		}
	case Host:
		if _, err := netip.ParseAddr(s); err != nil && !dnsName(s) {
			return fmt.Errorf("%s is not a host name or address", Quote(s))
		}
	case Hash:
		algo, digest, ok := strings.Cut(s, ":")
		size, known := hashSizes[strings.ToLower(algo)]
		if !ok || !known {
			return fmt.Errorf("%s is not a hash: want algo:hex with algo md5, sha1, sha256 or sha512", Quote(s))
		}
		if _, err := hex.DecodeString(digest); err != nil || len(digest) != size {
			return fmt.Errorf("%s is not a %s hash: want %d hex digits", Quote(s), algo, size)
		}
	case Time:
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return fmt.Errorf("%s is not an RFC 3339 time", Quote(s))
		}
	default:
		return fmt.Errorf("unknown field type %q", t)
	}
	return nil
}

func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case float64:
		return int64(n), n == math.Trunc(n) && math.Abs(n) < 1<<53
	}
	return 0, false
}

// dnsName reports whether s is a DNS name: dot-separated labels of
// letters, digits, '-' and '_', each 1 to 63 bytes, 253 in all.
func dnsName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "the string " + Quote(v)
	case bool:
		return fmt.Sprintf("the bool %v", v)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "a map"
	case float64, float32, int, int64, int32, uint64, uint, json.Number:
		return fmt.Sprintf("the number %v", v)
	}
	return fmt.Sprintf("%T %v", v, v)
}

// QuoteLimit is how many characters of a value Quote shows.
const QuoteLimit = 200

// Quote quotes s for a message, as %q does, cut to its first QuoteLimit
// characters (saying so, with its length) so that a message about a
// value of megabytes stays a line.
func Quote(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= QuoteLimit {
		return strconv.Quote(s)
	}
	cut, i := s, 0
	for off := range s {
		if i == QuoteLimit {
			cut = s[:off]
			break
		}
		i++
	}
	return fmt.Sprintf("%s… (cut: %d characters in all)", strconv.Quote(cut), n)
}
