package render

import (
	"fmt"
	"strconv"
	"sync"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
)

// parser parses CEL without checking it, so that designs with findings
// still get their conditions in words.
var parser = sync.OnceValues(func() (*cel.Env, error) {
	dyn := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(cel.Variable("fields", dyn), cel.Variable("alert", dyn), cel.Variable("severity", cel.StringType))
})

// describe says a CEL condition over fields (or alert) in words, using
// the fields' names: "size(fields.other_hosts) > 0" is
// "同事象が確認された別端末あり" in Japanese. It returns the condition
// itself, on one line, when any part of it has no words (a function call,
// arithmetic): a wrong paraphrase is worse than the CEL.
func describe(d *secops.Design, w *words, src string) string {
	env, err := parser()
	if err != nil {
		return oneLine(src)
	}
	root, ok := parsed(env, src)
	if !ok {
		return oneLine(src)
	}
	c := &describer{d: d, w: w}
	s, ok := c.expr(root, 0)
	if !ok {
		return oneLine(src)
	}
	return s
}

// parseCache keeps the parsed conditions, which a rendering reads several
// times (the steps, the flow) and the next rendering again. It is emptied
// when it holds maxParsed entries, so that a long-running program that
// renders many designs does not grow without bound.
var parseCache = struct {
	sync.Mutex
	m map[string]celast.Expr // nil: the source does not parse
}{m: map[string]celast.Expr{}}

const maxParsed = 4096

func parsed(env *cel.Env, src string) (celast.Expr, bool) {
	parseCache.Lock()
	e, ok := parseCache.m[src]
	parseCache.Unlock()
	if ok {
		return e, e != nil
	}
	a, iss := env.Parse(src)
	if iss.Err() == nil {
		e = a.NativeRep().Expr()
	}
	parseCache.Lock()
	if len(parseCache.m) >= maxParsed {
		clear(parseCache.m)
	}
	parseCache.m[src] = e
	parseCache.Unlock()
	return e, e != nil
}

type describer struct {
	d *secops.Design
	w *words
}

// Precedence of the operators that describe keeps: a part is put in
// parentheses when it binds less tightly than where it stands.
const (
	precOr = iota + 1
	precAnd
	precAtom
)

func (c *describer) expr(e celast.Expr, outer int) (string, bool) {
	switch e.Kind() {
	case celast.SelectKind: // fields.x (a bool)
		if name, ok := c.field(e); ok {
			return fmt.Sprintf(c.w.isTrue, name), true
		}
		if s := e.AsSelect(); s.IsTestOnly() { // has(fields.x)
			if name, ok := c.fieldName(s.Operand(), s.FieldName()); ok {
				return fmt.Sprintf(c.w.known, name), true
			}
		}
		return "", false
	case celast.CallKind:
	default:
		return "", false
	}
	call := e.AsCall()
	args := call.Args()
	switch fn := call.FunctionName(); fn {
	case "_[_]": // fields["x"] (a bool)
		if name, ok := c.field(e); ok {
			return fmt.Sprintf(c.w.isTrue, name), true
		}
		return "", false
	case "_&&_", "_||_":
		if fn == "_&&_" {
			// has(fields.x) && <about x>: the test only guards the rest.
			if k, ok := hasKey(args[0]); ok && onlyKey(args[1], k) {
				return c.expr(args[1], outer)
			}
			// size(fields.x) > 0 && size(fields.x) <= 10: a range.
			if s, ok := c.sizeRange(args[0], args[1]); ok {
				return s, true
			}
		}
		prec, sep := precAnd, c.w.and
		if fn == "_||_" {
			prec, sep = precOr, c.w.or
		}
		l, ok1 := c.expr(args[0], prec)
		r, ok2 := c.expr(args[1], prec)
		if !ok1 || !ok2 {
			return "", false
		}
		// A field's name is written as a sentence ("The shop answers"):
		// inside one, it starts in lower case.
		s := l + sep + lowerFirst(r)
		if outer > prec {
			s = "(" + lowerFirst(l) + sep + lowerFirst(r) + ")"
		}
		return s, true
	case "!_":
		if name, ok := c.field(args[0]); ok {
			return fmt.Sprintf(c.w.isFalse, name), true
		}
		if a := args[0]; a.Kind() == celast.SelectKind && a.AsSelect().IsTestOnly() {
			if name, ok := c.fieldName(a.AsSelect().Operand(), a.AsSelect().FieldName()); ok {
				return fmt.Sprintf(c.w.unknown, name), true
			}
		}
		return "", false
	case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_":
		l, r := args[0], args[1]
		if l.Kind() == celast.LiteralKind && r.Kind() != celast.LiteralKind { // 0 < size(x)
			l, r, fn = r, l, flip[fn]
		}
		if r.Kind() != celast.LiteralKind {
			return "", false
		}
		lit := r.AsLiteral().Value()
		if l.Kind() == celast.CallKind && l.AsCall().FunctionName() == "size" && len(l.AsCall().Args()) == 1 {
			n, ok := lit.(int64)
			name, okf := c.field(l.AsCall().Args()[0])
			if !ok || !okf {
				return "", false
			}
			return c.count(name, fn, n), true
		}
		if l.Kind() == celast.IdentKind && l.AsIdent() == "severity" {
			id, ok := lit.(string)
			if !ok || (fn != "_==_" && fn != "_!=_") {
				return "", false
			}
			name := id
			if s := c.d.Criteria.Severities.Get(ident.ID(id)); s != nil {
				name = s.Name
			}
			return c.w.severity + " " + ops[fn] + " " + name, true
		}
		name, ok := c.field(l)
		if !ok {
			return "", false
		}
		var v string
		switch x := lit.(type) {
		case string:
			v = fmt.Sprintf(c.w.quoted, oneLine(x))
		case int64:
			v = strconv.FormatInt(x, 10)
		case uint64:
			v = strconv.FormatUint(x, 10)
		case float64:
			v = strconv.FormatFloat(x, 'g', -1, 64)
		case bool:
			if fn != "_==_" && fn != "_!=_" {
				return "", false
			}
			if x == (fn == "_==_") {
				return fmt.Sprintf(c.w.isTrue, name), true
			}
			return fmt.Sprintf(c.w.isFalse, name), true
		default:
			return "", false
		}
		return name + " " + ops[fn] + " " + v, true
	}
	return "", false
}

// ops are the comparison operators as people write them.
var ops = map[string]string{"_==_": "=", "_!=_": "≠", "_<_": "<", "_<=_": "≤", "_>_": ">", "_>=_": "≥"}

// flip turns a comparison around: 0 < x is x > 0.
var flip = map[string]string{"_==_": "_==_", "_!=_": "_!=_", "_<_": "_>_", "_<=_": "_>=_", "_>_": "_<_", "_>=_": "_<=_"}

// count says how many items of a list field a comparison asks for.
func (c *describer) count(name, fn string, n int64) string {
	switch {
	case fn == "_>_" && n == 0, fn == "_>=_" && n == 1, fn == "_!=_" && n == 0:
		return fmt.Sprintf(c.w.some, name)
	case fn == "_==_" && n == 0, fn == "_<_" && n == 1, fn == "_<=_" && n == 0:
		return fmt.Sprintf(c.w.noneOf, name)
	}
	return fmt.Sprintf(c.w.count, name, ops[fn], n)
}

// field returns the display name of fields.x or fields["x"] (or alert.x).
func (c *describer) field(e celast.Expr) (string, bool) {
	switch e.Kind() {
	case celast.SelectKind:
		s := e.AsSelect()
		if s.IsTestOnly() {
			return "", false
		}
		return c.fieldName(s.Operand(), s.FieldName())
	case celast.CallKind:
		call := e.AsCall()
		if call.FunctionName() == "_[_]" && len(call.Args()) == 2 && call.Args()[1].Kind() == celast.LiteralKind {
			if key, ok := call.Args()[1].AsLiteral().Value().(string); ok {
				return c.fieldName(call.Args()[0], key)
			}
		}
	}
	return "", false
}

func (c *describer) fieldName(operand celast.Expr, key string) (string, bool) {
	if operand.Kind() != celast.IdentKind || (operand.AsIdent() != "fields" && operand.AsIdent() != "alert") {
		return "", false
	}
	if f := c.d.Field(ident.ID(key)); f != nil && f.Name != "" {
		return oneLine(f.Name), true
	}
	return key, true
}

// hasKey returns x when e is has(fields.x).
func hasKey(e celast.Expr) (string, bool) {
	if e.Kind() == celast.SelectKind && e.AsSelect().IsTestOnly() {
		if op := e.AsSelect().Operand(); op.Kind() == celast.IdentKind && op.AsIdent() == "fields" {
			return e.AsSelect().FieldName(), true
		}
	}
	return "", false
}

// onlyKey reports whether e reads fields.key and no other key of fields
// (and nothing but literals besides).
func onlyKey(e celast.Expr, key string) bool {
	found, other := false, false
	var walk func(e celast.Expr)
	walk = func(e celast.Expr) {
		switch e.Kind() {
		case celast.SelectKind:
			s := e.AsSelect()
			if op := s.Operand(); op.Kind() == celast.IdentKind && op.AsIdent() == "fields" {
				if s.FieldName() == key {
					found = true
				} else {
					other = true
				}
				return
			}
			walk(s.Operand())
		case celast.CallKind:
			for _, a := range e.AsCall().Args() {
				walk(a)
			}
			if t := e.AsCall().Target(); t.Kind() != celast.UnspecifiedExprKind {
				walk(t)
			}
		case celast.LiteralKind:
		default:
			other = true
		}
	}
	walk(e)
	return found && !other
}

// sizeBound reads size(fields.x) OP n (or n OP size(fields.x)) as a bound
// on the number of items of x: the key, and the least or the most.
func sizeBound(e celast.Expr) (key string, n int64, lower, ok bool) {
	if e.Kind() != celast.CallKind || len(e.AsCall().Args()) != 2 {
		return "", 0, false, false
	}
	fn := e.AsCall().FunctionName()
	l, r := e.AsCall().Args()[0], e.AsCall().Args()[1]
	if l.Kind() == celast.LiteralKind {
		l, r, fn = r, l, flip[fn]
	}
	if r.Kind() != celast.LiteralKind || l.Kind() != celast.CallKind || l.AsCall().FunctionName() != "size" || len(l.AsCall().Args()) != 1 {
		return "", 0, false, false
	}
	v, isInt := r.AsLiteral().Value().(int64)
	arg := l.AsCall().Args()[0]
	if !isInt || arg.Kind() != celast.SelectKind || arg.AsSelect().IsTestOnly() {
		return "", 0, false, false
	}
	if op := arg.AsSelect().Operand(); op.Kind() != celast.IdentKind || op.AsIdent() != "fields" {
		return "", 0, false, false
	}
	key = arg.AsSelect().FieldName()
	switch fn {
	case "_>_":
		return key, v + 1, true, true
	case "_>=_":
		return key, v, true, true
	case "_<_":
		return key, v - 1, false, true
	case "_<=_":
		return key, v, false, true
	}
	return "", 0, false, false
}

// sizeRange says "x: 1 to 10" for a lower and an upper bound on the size
// of the same list, in either order.
func (c *describer) sizeRange(a, b celast.Expr) (string, bool) {
	ka, na, la, oka := sizeBound(a)
	kb, nb, lb, okb := sizeBound(b)
	if !oka || !okb || ka != kb || la == lb {
		return "", false
	}
	if !la {
		na, nb = nb, na
	}
	name := ka
	if f := c.d.Field(ident.ID(ka)); f != nil && f.Name != "" {
		name = oneLine(f.Name)
	}
	return fmt.Sprintf(c.w.between, name, na, nb), true
}
