package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/server"
)

func TestLoadTokens(t *testing.T) {
	const digest = "sha256:e497b751f328af6f92daeada277f7fb1ae6df3e71c8ad4f6b3e3b77e69fa27d3"
	tests := []struct {
		name, file string
		// want are the substrings the error has, one per problem; none
		// for a file that loads.
		want []string
	}{
		{"good", "format: secops-tokens/v1\ntokens:\n  - {name: a, digest: " + digest + ", roles: [approve], parties: [csirt]}\n", nil},
		{"wrong format", "format: secops-tokens/v2\ntokens: []\n", []string{"want secops-tokens/v1"}},
		{"a token in clear", "format: secops-tokens/v1\ntokens:\n  - {name: a, digest: secops_abc, roles: [read]}\n", []string{"digest: want sha256:"}},
		{"every problem at once", "format: secops-tokens/v1\ntokens:\n  - {name: a, digest: " + digest + ", roles: [approve, root]}\n  - {name: a, digest: " + digest + ", roles: []}\n",
			[]string{`unknown role "root"`, "need the parties", "used twice", "no roles"}},
		{"an unknown key", "format: secops-tokens/v1\ntokens:\n  - {name: a, token: x, digest: " + digest + ", roles: [read]}\n", []string{"field token not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tokens.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := server.LoadTokens(path)
			var got []string
			for _, w := range tt.want {
				if err != nil && strings.Contains(err.Error(), w) {
					got = append(got, w)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || (err == nil) != (tt.want == nil) {
				t.Errorf("error %v: (-want +got)\n%s", err, diff)
			}
		})
	}
}

// TestTokens adds tokens, saves and loads the file, and looks them up:
// the file holds digests only, with mode 0600, and the parties are
// checked against the design.
func TestTokens(t *testing.T) {
	toks := server.NewTokens()
	secret, err := toks.Add("csirt-lead", []server.Role{server.Approve}, []ident.ID{"csirt"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := toks.Add("csirt-lead", []server.Role{server.Read}, nil); err == nil {
		t.Error("a second token of one name was added")
	}
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	if err := toks.Save(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), secret) {
		t.Error("the file holds the token in clear")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 (%v)", fi.Mode(), err)
	}
	loaded, err := server.LoadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	type found struct {
		Name string
		OK   bool
	}
	var got []found
	for _, s := range []string{secret, secret + "x", "", strings.ToUpper(secret)} {
		tok, ok := loaded.Lookup(s)
		f := found{OK: ok}
		if ok {
			f.Name = tok.Name
		}
		got = append(got, f)
	}
	if diff := cmp.Diff([]found{{"csirt-lead", true}, {}, {}, {}}, got); diff != "" {
		t.Errorf("lookups: (-want +got)\n%s", diff)
	}
	d, lf, err := secops.LoadFile(designPath)
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.CheckParties(d); err != nil {
		t.Error(err)
	}
	if _, err := loaded.Add("mssp", []server.Role{server.Answer}, []ident.ID{"msp"}); err != nil {
		t.Fatal(err)
	}
	if err := loaded.CheckParties(d); err == nil || !strings.Contains(err.Error(), `party "msp"`) {
		t.Errorf("an unknown party: %v", err)
	}
}
