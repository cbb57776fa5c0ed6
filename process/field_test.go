package process

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		f    Field
		v    any
		ok   bool
	}{
		{"ipv4", Field{Type: IP}, "10.0.0.1", true},
		{"ipv6", Field{Type: IP}, "2001:db8::1", true},
		{"bad ip", Field{Type: IP}, "not-an-ip", false},
		{"ip not string", Field{Type: IP}, 7, false},
		{"cidr", Field{Type: CIDR}, "10.0.0.0/8", true},
		{"bad cidr", Field{Type: CIDR}, "10.0.0.0", false},
		{"url", Field{Type: URL}, "https://example.com/x", true},
		{"relative url", Field{Type: URL}, "/x", false},
		{"domain", Field{Type: Domain}, "update-check.example.net", true},
		{"bad domain", Field{Type: Domain}, "-bad-.example", false},
		{"host name", Field{Type: Host}, "pc-a", true},
		{"host address", Field{Type: Host}, "10.0.0.1", true},
		{"bad host", Field{Type: Host}, "pc a", false},
		{"sha256", Field{Type: Hash}, "sha256:9f2c6a4be1d8c0f3a7b5e2d4c6a8b0e1f3d5c7a9b1e3f5a7c9d1e3f5a7b9c1d3", true},
		{"md5", Field{Type: Hash}, "md5:d41d8cd98f00b204e9800998ecf8427e", true},
		{"short hash", Field{Type: Hash}, "sha256:abcd", false},
		{"unknown algo", Field{Type: Hash}, "crc32:abcd", false},
		{"no algo", Field{Type: Hash}, "d41d8cd98f00b204e9800998ecf8427e", false},
		{"time", Field{Type: Time}, "2026-11-20T09:15:00+09:00", true},
		{"bad time", Field{Type: Time}, "yesterday", false},
		{"port", Field{Type: Port}, 443, true},
		{"port float", Field{Type: Port}, float64(443), true},
		{"port range", Field{Type: Port}, 70000, false},
		{"port fraction", Field{Type: Port}, 4.5, false},
		{"int", Field{Type: Int}, int64(-3), true},
		{"bool", Field{Type: Bool}, true, true},
		{"bool string", Field{Type: Bool}, "true", false},
		{"string", Field{Type: String}, "", true},
		{"user", Field{Type: User}, "alice", true},
		{"list", Field{Type: IP, List: true}, []any{"10.0.0.1", "10.0.0.2"}, true},
		{"list of strings", Field{Type: Host, List: true}, []string{"pc-a"}, true},
		{"bad element", Field{Type: IP, List: true}, []any{"10.0.0.1", "x"}, false},
		{"scalar for list", Field{Type: IP, List: true}, "10.0.0.1", false},
		{"unknown type", Field{Type: "colour"}, "red", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f.Check(tt.v)
			if (err == nil) != tt.ok {
				t.Errorf("Check(%v) = %v, want ok=%v", tt.v, err, tt.ok)
			}
		})
	}
}

func TestAction(t *testing.T) {
	for _, tt := range []struct {
		a  Action
		ok bool
	}{{"edr.isolate_host", true}, {"fw.block-ip", true}, {"edr", false}, {".x", false}, {"Edr.x", false}, {"edr.", false}} {
		if got := tt.a.Valid(); got != tt.ok {
			t.Errorf("Action(%q).Valid() = %v, want %v", tt.a, got, tt.ok)
		}
	}
}

func TestCheckMessages(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		typ  Type
		v    any
		want string
	}{
		{"number for a host", Host, float64(12345), "want a host string, got the number 12345"},
		{"integer for a string", String, int64(7), "want a string, got the number 7"},
		{"short value quoted whole", IP, "not-an-ip", `"not-an-ip" is not an IP address`},
		{"long value cut", IP, long, `"` + strings.Repeat("x", QuoteLimit) + `"… (cut: 300 characters in all) is not an IP address`},
		{"long string for an int", Int, long, `want an integer, got the string "` + strings.Repeat("x", QuoteLimit) + `"… (cut: 300 characters in all)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.typ.Check(tt.v)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQuoteCutsRunes(t *testing.T) {
	s := strings.Repeat("語", QuoteLimit+1)
	got := Quote(s)
	want := strconv.Quote(strings.Repeat("語", QuoteLimit)) + "… (cut: 201 characters in all)"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Quote (-want +got):\n%s", diff)
	}
}
