package console

import (
	"fmt"
	"slices"
	"strings"
)

// Choice is the value of a flag that takes one of a few words, such as
// --format text|json: a flag.Value (and a pflag.Value) that refuses any
// other word when the command line is parsed, saying which it takes.
type Choice struct {
	p      *string
	values []string
}

// NewChoice returns the Choice that sets *p to one of values, *p being
// def until it is set.
func NewChoice(p *string, def string, values ...string) *Choice {
	*p = def
	return &Choice{p: p, values: values}
}

// Set sets the value to s, one of the values.
func (c *Choice) Set(s string) error {
	if !slices.Contains(c.values, s) {
		return fmt.Errorf("must be %s", OrList(c.values))
	}
	*c.p = s
	return nil
}

func (c *Choice) String() string { return *c.p }

// Type names the values in help: "string".
func (c *Choice) Type() string { return "string" }

// Values returns the words the flag takes, for completion.
func (c *Choice) Values() []string { return slices.Clone(c.values) }

// OrList joins words as "a, b or c".
func OrList(words []string) string {
	if n := len(words); n > 1 {
		return strings.Join(words[:n-1], ", ") + " or " + words[n-1]
	}
	return strings.Join(words, "")
}
