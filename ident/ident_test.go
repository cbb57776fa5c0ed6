package ident

import "testing"

func TestValid(t *testing.T) {
	ids := []struct {
		in   ID
		want bool
	}{
		{"a", true}, {"0", true}, {"a.b_c-d", true}, {"", false}, {"A", false},
		{"_a", false}, {"a b", false}, {"ä", false},
	}
	for _, c := range ids {
		if got := c.in.Valid(); got != c.want {
			t.Errorf("ID(%q).Valid() = %v, want %v", c.in, got, c.want)
		}
	}
	nums := []struct {
		in   Number
		want bool
	}{
		{"1", true}, {"1.2", true}, {"1.27.1", true}, {"", false}, {"1.", false},
		{".1", false}, {"1..2", false}, {"a.1", false},
	}
	for _, c := range nums {
		if got := c.in.Valid(); got != c.want {
			t.Errorf("Number(%q).Valid() = %v, want %v", c.in, got, c.want)
		}
	}
}
