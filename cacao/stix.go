package cacao

import (
	"strconv"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"

	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

// SeverityVariable is the playbook variable that holds the incident's
// severity id, the CEL variable severity of design conditions. Export
// declares it (external) when a condition reads severity.
const SeverityVariable = "__secops_severity__"

// RunVariable is the playbook variable that holds the id of the run,
// which the caller sets for each execution: http-api and bash commands
// written with Options.Adapters send it as "run" and derive the
// Idempotency-Key from it, as the secops executor does from its run id.
const RunVariable = "__secops_run__"

var (
	parseEnvOnce sync.Once
	parseEnv     *cel.Env
)

// stixCondition translates a CEL condition over fields and severity into
// a STIX comparison expression over the playbook variables, when it has
// one: a bool field (V:value = true), its negation (= false), equality
// and inequality of a field with a literal of the field's type, the
// order of an int or port field and a whole number (<, <=, >, >=), in a
// list of such literals (V:value IN ('a', 'b')), and conjunctions of
// those (AND); has(fields.x) in a conjunction with comparisons of x is
// left out, since a comparison of a variable with no value is false.
// ok is false for anything else. severity reports whether
// the condition reads severity, translated or not.
func stixCondition(src string, field func(ident.ID) *process.Field) (stix string, ok, severity bool) {
	parseEnvOnce.Do(func() { parseEnv, _ = cel.NewEnv() })
	a, iss := parseEnv.Parse(src)
	if iss.Err() != nil {
		return "", false, false
	}
	t := &stixer{field: field}
	stix, ok = t.expr(a.NativeRep().Expr())
	return stix, ok, t.severity || readsSeverity(a.NativeRep().Expr())
}

type stixer struct {
	field    func(ident.ID) *process.Field
	severity bool
}

func readsSeverity(e celast.Expr) bool {
	found := false
	celast.PostOrderVisit(e, celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() == celast.IdentKind && e.AsIdent() == "severity" {
			found = true
		}
	}))
	return found
}

func (t *stixer) expr(e celast.Expr) (string, bool) {
	if e.Kind() == celast.CallKind {
		c := e.AsCall()
		args := c.Args()
		switch c.FunctionName() {
		case operators.LogicalAnd:
			// has(fields.x) && E, where E compares x: a STIX comparison
			// of a variable with no value is false, which is what the
			// has() guards against.
			for i, a := range args {
				if v, ok := t.has(a); ok {
					other := args[1-i]
					if s, ok := t.expr(other); ok && strings.Contains(s, v) {
						return s, true
					}
				}
			}
			l, ok1 := t.expr(args[0])
			r, ok2 := t.expr(args[1])
			return l + " AND " + r, ok1 && ok2
		case operators.LogicalNot:
			if v, f := t.operand(args[0]); f != nil && f.Type == process.Bool && !f.List {
				return v + " = false", true
			}
			return "", false
		case operators.Equals, operators.NotEquals:
			op := " = "
			if c.FunctionName() == operators.NotEquals {
				op = " != "
			}
			v, f := t.operand(args[0])
			lit := args[1]
			if f == nil {
				v, f = t.operand(args[1])
				lit = args[0]
			}
			if f == nil || f.List {
				return "", false
			}
			if s, ok := literal(lit, f.Type); ok {
				return v + op + s, true
			}
			return "", false
		case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals:
			ops := map[string]string{operators.Less: "<", operators.LessEquals: "<=", operators.Greater: ">", operators.GreaterEquals: ">="}
			flip := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}
			op := ops[c.FunctionName()]
			v, f := t.operand(args[0])
			lit := args[1]
			if f == nil {
				v, f = t.operand(args[1])
				lit, op = args[0], flip[op]
			}
			if f == nil || f.List || (f.Type != process.Int && f.Type != process.Port) {
				return "", false
			}
			if s, ok := literal(lit, f.Type); ok {
				return v + " " + op + " " + s, true
			}
			return "", false
		case operators.In:
			v, f := t.operand(args[0])
			if f == nil || f.List || args[1].Kind() != celast.ListKind {
				return "", false
			}
			var ls []string
			for _, el := range args[1].AsList().Elements() {
				s, ok := literal(el, f.Type)
				if !ok {
					return "", false
				}
				ls = append(ls, s)
			}
			if len(ls) == 0 {
				return "", false
			}
			return v + " IN (" + strings.Join(ls, ", ") + ")", true
		}
	}
	if v, f := t.operand(e); f != nil && f.Type == process.Bool && !f.List {
		return v + " = true", true
	}
	return "", false
}

// has returns the variable reference of has(fields.x).
func (t *stixer) has(e celast.Expr) (string, bool) {
	if e.Kind() != celast.SelectKind {
		return "", false
	}
	s := e.AsSelect()
	if !s.IsTestOnly() || s.Operand().Kind() != celast.IdentKind || s.Operand().AsIdent() != "fields" {
		return "", false
	}
	if f := t.field(ident.ID(s.FieldName())); f != nil {
		return VariableName(f.ID) + ":value", true
	}
	return "", false
}

// operand returns the variable reference and the field of fields.x,
// fields["x"] or severity (as a string field), or nil.
func (t *stixer) operand(e celast.Expr) (string, *process.Field) {
	switch e.Kind() {
	case celast.IdentKind:
		if e.AsIdent() == "severity" {
			t.severity = true
			return SeverityVariable + ":value", &process.Field{ID: "severity", Type: process.String}
		}
	case celast.SelectKind:
		s := e.AsSelect()
		if !s.IsTestOnly() && s.Operand().Kind() == celast.IdentKind && s.Operand().AsIdent() == "fields" {
			if f := t.field(ident.ID(s.FieldName())); f != nil {
				return VariableName(f.ID) + ":value", f
			}
		}
	case celast.CallKind:
		c := e.AsCall()
		if c.FunctionName() == operators.Index && c.Args()[0].Kind() == celast.IdentKind && c.Args()[0].AsIdent() == "fields" &&
			c.Args()[1].Kind() == celast.LiteralKind {
			if s, ok := c.Args()[1].AsLiteral().(types.String); ok {
				if f := t.field(ident.ID(s)); f != nil {
					return VariableName(f.ID) + ":value", f
				}
			}
		}
	}
	return "", nil
}

// literal writes a CEL literal as a STIX one, when it has the field
// type's kind: strings quoted with ', whole numbers and booleans bare.
func literal(e celast.Expr, t process.Type) (string, bool) {
	if e.Kind() != celast.LiteralKind {
		return "", false
	}
	switch v := e.AsLiteral().(type) {
	case types.String:
		switch t {
		case process.Bool, process.Int, process.Port:
			return "", false
		}
		r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
		return "'" + r.Replace(string(v)) + "'", true
	case types.Bool:
		if t == process.Bool {
			return strconv.FormatBool(bool(v)), true
		}
	case types.Int:
		if t == process.Int || t == process.Port {
			return strconv.FormatInt(int64(v), 10), true
		}
	}
	return "", false
}
