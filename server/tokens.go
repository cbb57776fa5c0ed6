package server

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
)

// TokensFormat is the value of the format key of a tokens file.
const TokensFormat = "secops-tokens/v1"

// Role is what a token may do.
type Role string

// The roles. Any role may read runs, since acting on a run needs seeing
// it; read alone gives nothing more.
const (
	// Ingest posts alerts.
	Ingest Role = "ingest"
	// Read lists and shows runs and reads the metrics.
	Read Role = "read"
	// Answer gives the outputs of a person's task, for the party
	// responsible for the task's phase.
	Answer Role = "answer"
	// Approve approves or rejects a response whose approval names one of
	// the token's parties.
	Approve Role = "approve"
	// Admin recovers interrupted runs and rolls back responses.
	Admin Role = "admin"
)

// Roles lists every Role.
var Roles = []Role{Ingest, Read, Answer, Approve, Admin}

// Token is one entry of a tokens file: never the token itself, only the
// SHA-256 digest of it.
type Token struct {
	// Name names the token's holder; it is the actor in the records.
	Name string `yaml:"name" json:"name"`
	// Digest is "sha256:" and the hex SHA-256 of the token.
	Digest string `yaml:"digest" json:"digest"`
	// Roles are what the token may do.
	Roles []Role `yaml:"roles" json:"roles"`
	// Parties are the ids of the design's parties the token answers and
	// approves for; required with the answer and approve roles.
	Parties []ident.ID `yaml:"parties,omitempty" json:"parties,omitempty"`

	sum [sha256.Size]byte
}

// Has reports whether t has role r.
func (t *Token) Has(r Role) bool { return slices.Contains(t.Roles, r) }

// ActsFor reports whether t acts for party p.
func (t *Token) ActsFor(p ident.ID) bool { return slices.Contains(t.Parties, p) }

// Tokens is a tokens file (format secops-tokens/v1): who may call the
// server, as digests of their tokens.
type Tokens struct {
	Format string  `yaml:"format" json:"format"`
	Tokens []Token `yaml:"tokens" json:"tokens"`
}

// NewTokens returns an empty tokens file.
func NewTokens() *Tokens { return &Tokens{Format: TokensFormat} }

// LoadTokens reads and checks the tokens file at path.
func LoadTokens(path string) (*Tokens, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Tokens
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &t, nil
}

// check reports every problem of the file at once.
func (t *Tokens) check() error {
	var errs []error
	if t.Format != TokensFormat {
		errs = append(errs, fmt.Errorf("format is %q: want %s", t.Format, TokensFormat))
	}
	names := map[string]bool{}
	for i := range t.Tokens {
		tok := &t.Tokens[i]
		at := fmt.Sprintf("tokens[%d]", i)
		if tok.Name == "" {
			errs = append(errs, fmt.Errorf("%s: no name", at))
		} else if names[tok.Name] {
			errs = append(errs, fmt.Errorf("%s: the name %q is used twice", at, tok.Name))
		}
		names[tok.Name] = true
		hexSum, ok := strings.CutPrefix(tok.Digest, "sha256:")
		sum, err := hex.DecodeString(hexSum)
		if !ok || err != nil || len(sum) != sha256.Size {
			errs = append(errs, fmt.Errorf("%s (%s): digest: want sha256: and 64 hex digits (the file keeps digests, never tokens)", at, tok.Name))
		} else {
			copy(tok.sum[:], sum)
		}
		if len(tok.Roles) == 0 {
			errs = append(errs, fmt.Errorf("%s (%s): no roles: want some of %s", at, tok.Name, roleList()))
		}
		for _, r := range tok.Roles {
			if !slices.Contains(Roles, r) {
				errs = append(errs, fmt.Errorf("%s (%s): unknown role %q: want one of %s", at, tok.Name, r, roleList()))
			}
		}
		if (tok.Has(Approve) || tok.Has(Answer)) && len(tok.Parties) == 0 {
			errs = append(errs, fmt.Errorf("%s (%s): the approve and answer roles need the parties the token acts for", at, tok.Name))
		}
	}
	return errors.Join(errs...)
}

func roleList() string {
	s := make([]string, len(Roles))
	for i, r := range Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// CheckParties reports the parties the tokens name that d does not have.
func (t *Tokens) CheckParties(d *secops.Design) error {
	var known []ident.ID
	for _, p := range d.Scope.Parties {
		known = append(known, p.ID)
	}
	var errs []error
	for _, tok := range t.Tokens {
		for _, p := range tok.Parties {
			if !slices.Contains(known, p) {
				errs = append(errs, fmt.Errorf("token %s: party %q is not a party of design %s (its parties: %s)", tok.Name, p, d.Metadata.Name, joinIDs(known)))
			}
		}
	}
	return errors.Join(errs...)
}

// Add makes a new token named name and adds its digest. It returns the
// token, which is kept nowhere: show it once to its holder.
func (t *Tokens) Add(name string, roles []Role, parties []ident.ID) (string, error) {
	if t.Format == "" {
		t.Format = TokensFormat
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	secret := "secops_" + base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(secret))
	var ps []ident.ID // each once
	for _, p := range parties {
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	next := *t
	next.Tokens = append(slices.Clip(t.Tokens), Token{Name: name, Digest: "sha256:" + hex.EncodeToString(sum[:]), Roles: roles, Parties: ps})
	if err := next.check(); err != nil {
		return "", err
	}
	*t = next
	return secret, nil
}

// Save writes the tokens file to path (mode 0600), through a temporary
// file renamed over it.
func (t *Tokens) Save(path string) error {
	var buf bytes.Buffer
	buf.WriteString("# secops tokens: digests only. Add with: secops token add NAME --party P --role R\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(t); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Lookup returns the entry of the token secret, comparing its digest
// with every entry's in constant time, so that the time taken says
// nothing of how close a guess was or which entry matched.
func (t *Tokens) Lookup(secret string) (*Token, bool) {
	sum := sha256.Sum256([]byte(secret))
	var found *Token
	for i := range t.Tokens {
		if subtle.ConstantTimeCompare(sum[:], t.Tokens[i].sum[:]) == 1 {
			found = &t.Tokens[i]
		}
	}
	return found, found != nil
}

func joinIDs(ids []ident.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
