package runner

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// EvalSTIX evaluates a STIX comparison expression over vars: comparisons
// __name__:value OP literal (OP one of = != < <= > >=) or
// __name__:value IN (literal, ...), joined by AND. Literals are 'quoted
// strings' (\' and \\ escaped), true, false and numbers. A comparison
// of a variable that has no value is false.
func EvalSTIX(src string, vars map[string]any) (bool, error) {
	p := &parser{s: src}
	result := true
	for {
		ok, err := p.comparison(vars)
		if err != nil {
			return false, fmt.Errorf("condition %q: %w", src, err)
		}
		result = result && ok
		p.space()
		if p.eof() {
			return result, nil
		}
		if !p.word("AND") {
			return false, fmt.Errorf("condition %q: want AND at offset %d", src, p.i)
		}
	}
}

type parser struct {
	s string
	i int
}

func (p *parser) eof() bool { return p.i >= len(p.s) }

func (p *parser) space() {
	for !p.eof() && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *parser) word(w string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

type lit struct {
	str     *string
	num     *float64
	boolean *bool
}

func (p *parser) comparison(vars map[string]any) (bool, error) {
	p.space()
	j := strings.Index(p.s[p.i:], ":value")
	if j < 0 || !strings.HasPrefix(p.s[p.i:], "__") {
		return false, fmt.Errorf("want __name__:value at offset %d", p.i)
	}
	name := p.s[p.i : p.i+j]
	p.i += j + len(":value")
	p.space()
	var op string
	for _, o := range []string{"<=", ">=", "!=", "=", "<", ">", "IN"} {
		if strings.HasPrefix(p.s[p.i:], o) {
			op = o
			p.i += len(o)
			break
		}
	}
	if op == "" {
		return false, fmt.Errorf("want a comparison operator at offset %d", p.i)
	}
	var lits []lit
	if op == "IN" {
		p.space()
		if !p.word("(") {
			return false, fmt.Errorf("want ( at offset %d", p.i)
		}
		for {
			l, err := p.literal()
			if err != nil {
				return false, err
			}
			lits = append(lits, l)
			if p.word(")") {
				break
			}
			if !p.word(",") {
				return false, fmt.Errorf("want , or ) at offset %d", p.i)
			}
		}
	} else {
		l, err := p.literal()
		if err != nil {
			return false, err
		}
		lits = []lit{l}
	}
	v, ok := vars[name]
	if !ok || v == nil {
		return false, nil
	}
	if op == "IN" {
		for _, l := range lits {
			if c, ok := compare(v, l); ok && c == 0 {
				return true, nil
			}
		}
		return false, nil
	}
	c, ok := compare(v, lits[0])
	if !ok {
		return false, nil
	}
	switch op {
	case "=":
		return c == 0, nil
	case "!=":
		return c != 0, nil
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func (p *parser) literal() (lit, error) {
	p.space()
	if p.eof() {
		return lit{}, fmt.Errorf("want a literal at offset %d", p.i)
	}
	if p.s[p.i] == '\'' {
		var b strings.Builder
		for p.i++; !p.eof(); p.i++ {
			c := p.s[p.i]
			switch {
			case c == '\\' && p.i+1 < len(p.s):
				p.i++
				b.WriteByte(p.s[p.i])
			case c == '\'':
				p.i++
				s := b.String()
				return lit{str: &s}, nil
			default:
				b.WriteByte(c)
			}
		}
		return lit{}, fmt.Errorf("unterminated string")
	}
	j := p.i
	for j < len(p.s) && (unicode.IsLetter(rune(p.s[j])) || unicode.IsDigit(rune(p.s[j])) || p.s[j] == '-' || p.s[j] == '.') {
		j++
	}
	w := p.s[p.i:j]
	p.i = j
	switch w {
	case "true", "false":
		b := w == "true"
		return lit{boolean: &b}, nil
	}
	f, err := strconv.ParseFloat(w, 64)
	if err != nil {
		return lit{}, fmt.Errorf("literal %q", w)
	}
	return lit{num: &f}, nil
}

// compare orders v against l when they are of one kind.
func compare(v any, l lit) (int, bool) {
	switch x := v.(type) {
	case string:
		if l.str != nil {
			return strings.Compare(x, *l.str), true
		}
	case bool:
		if l.boolean != nil {
			if x == *l.boolean {
				return 0, true
			}
			return 1, true
		}
	case float64, int, int64, json.Number, uint64:
		f, err := strconv.ParseFloat(fmt.Sprint(x), 64)
		if err == nil && l.num != nil {
			switch {
			case f < *l.num:
				return -1, true
			case f > *l.num:
				return 1, true
			}
			return 0, true
		}
	}
	return 0, false
}
