package expr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// Scope says where an expression appears and so which variables it sees.
type Scope int

// The scopes of expressions in a design.
const (
	// Alert is the scope of a detection's when: the variable alert, a
	// map from field id to value.
	Alert Scope = iota
	// Fields is the scope of method, branch and confirm conditions: the
	// variables fields (the values known so far) and severity (the
	// severity id).
	Fields
	// Design is the scope of policy rules: the variable design, the
	// document as a JSON object with keys as written.
	Design
)

// String names the scope by the variables it binds.
func (s Scope) String() string {
	switch s {
	case Alert:
		return "alert"
	case Fields:
		return "fields"
	case Design:
		return "design"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

var envs = sync.OnceValues(func() ([3]*cel.Env, error) {
	var e [3]*cel.Env
	var err error
	dyn := cel.MapType(cel.StringType, cel.DynType)
	if e[Alert], err = cel.NewEnv(cel.Variable("alert", dyn)); err != nil {
		return e, err
	}
	if e[Fields], err = cel.NewEnv(cel.Variable("fields", dyn), cel.Variable("severity", cel.StringType)); err != nil {
		return e, err
	}
	e[Design], err = cel.NewEnv(cel.Variable("design", dyn))
	return e, err
})

// Program is a compiled, type-checked boolean expression. It is safe for
// concurrent use.
type Program struct {
	scope  Scope
	source string
	refs   []string
	sel    string   // the key of a bare selection such as fields.x, or ""
	bools  []string // keys read where a bool is needed: fields.x in !fields.x
	whole  bool     // the map variable is used other than by selecting a key

	// The evaluable program is planned on first use: validation only
	// needs the type-checked AST.
	env  *cel.Env
	ast  *cel.Ast
	once sync.Once
	prg  cel.Program
	err  error
}

// Source returns the expression's text.
func (p *Program) Source() string { return p.source }

// Scope returns the scope the expression was compiled for.
func (p *Program) Scope() Scope { return p.scope }

// Refs returns, sorted and without repeats, the keys the expression reads
// from its map variable: "category" for alert.category, "confirmed" for
// has(fields.confirmed) or fields["confirmed"].
func (p *Program) Refs() []string { return p.refs }

// Compile parses and type-checks src for scope. The expression must be
// boolean (or dyn, checked when evaluated). Errors give the position
// inside src as line:column.
func Compile(scope Scope, src string) (*Program, error) {
	e, err := envs()
	if err != nil {
		return nil, err
	}
	if scope < Alert || scope > Design {
		return nil, fmt.Errorf("unknown scope %d", scope)
	}
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("empty expression")
	}
	env := e[scope]
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		var msgs []string
		for _, e := range iss.Errors() {
			loc := e.Location
			msgs = append(msgs, fmt.Sprintf("%d:%d: %s", loc.Line(), loc.Column()+1, e.Message))
		}
		return nil, errors.New(strings.Join(msgs, "; "))
	}
	if t := ast.OutputType(); !t.IsExactType(types.BoolType) && !t.IsExactType(types.DynType) {
		return nil, fmt.Errorf("expression is of type %s, want bool", t)
	}
	keys, whole := refs(ast.NativeRep(), scope.String())
	return &Program{scope: scope, source: src, env: env, ast: ast, refs: keys, whole: whole,
		sel: selection(ast.NativeRep().Expr(), scope.String()), bools: boolOperands(ast.NativeRep(), scope.String())}, nil
}

// Selection reports whether the whole expression reads one key of its map
// variable, as fields.confirmed or alert["category"] do, and which key.
// Such an expression is boolean only if the value is.
func (p *Program) Selection() (key string, ok bool) { return p.sel, p.sel != "" }

// BoolKeys returns the keys of the map variable that the expression uses
// where a bool is needed: as the whole expression, an operand of !, && or
// ||, or the condition of ?:. A field of another type there is an error
// that the checker cannot see, since the map's values are dyn.
func (p *Program) BoolKeys() []string { return p.bools }

func boolOperands(a *celast.AST, root string) []string {
	var keys []string
	// need notes that e must be a bool: a selection of a key, or a ?:
	// whose both results then must be.
	var need func(e celast.Expr)
	need = func(e celast.Expr) {
		if k := selection(e, root); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
		if e.Kind() == celast.CallKind && e.AsCall().FunctionName() == "_?_:_" && len(e.AsCall().Args()) == 3 {
			need(e.AsCall().Args()[1])
			need(e.AsCall().Args()[2])
		}
	}
	need(a.Expr())
	celast.PreOrderVisit(celast.NavigateAST(a), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.CallKind {
			return
		}
		c := e.AsCall()
		switch c.FunctionName() {
		case "!_", "_&&_", "_||_":
			for _, arg := range c.Args() {
				need(arg)
			}
		case "_?_:_":
			need(c.Args()[0])
		}
	}))
	return keys
}

// selection returns the key when e is root.key or root["key"], and ""
// otherwise.
func selection(e celast.Expr, root string) string {
	switch e.Kind() {
	case celast.SelectKind:
		s := e.AsSelect()
		if op := s.Operand(); !s.IsTestOnly() && op.Kind() == celast.IdentKind && op.AsIdent() == root {
			return s.FieldName()
		}
	case celast.CallKind:
		c := e.AsCall()
		if c.FunctionName() == "_[_]" && len(c.Args()) == 2 {
			if op, key := c.Args()[0], c.Args()[1]; op.Kind() == celast.IdentKind && op.AsIdent() == root && key.Kind() == celast.LiteralKind {
				if s, ok := key.AsLiteral().Value().(string); ok {
					return s
				}
			}
		}
	}
	return ""
}

// ReadsWhole reports whether the expression uses its map variable other
// than by reading keys of it, e.g. by passing design to a macro; then
// Refs does not list everything the expression may read.
func (p *Program) ReadsWhole() bool { return p.whole }

// refs collects the keys read from the variable named root, and whether
// the variable is used in other ways too.
func refs(a *celast.AST, root string) (keys []string, whole bool) {
	seen := map[string]bool{}
	idents, selects := 0, 0
	celast.PreOrderVisit(celast.NavigateAST(a), celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.IdentKind:
			if e.AsIdent() == root {
				idents++
			}
		case celast.SelectKind:
			s := e.AsSelect()
			if op := s.Operand(); op.Kind() == celast.IdentKind && op.AsIdent() == root {
				seen[s.FieldName()] = true
				selects++
			}
		case celast.CallKind:
			c := e.AsCall()
			if c.FunctionName() != "_[_]" || len(c.Args()) != 2 {
				return
			}
			if op, key := c.Args()[0], c.Args()[1]; op.Kind() == celast.IdentKind && op.AsIdent() == root && key.Kind() == celast.LiteralKind {
				if s, ok := key.AsLiteral().Value().(string); ok {
					seen[s] = true
					selects++
				}
			}
		}
	}))
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, idents > selects
}

// Vars are the values an expression sees. Only those of the program's
// scope are read.
type Vars struct {
	// Alert is bound to alert.
	Alert map[string]any
	// Fields is bound to fields.
	Fields map[string]any
	// Severity is bound to severity.
	Severity string
	// Design is bound to design.
	Design map[string]any
}

// activation binds Vars to CEL names without building a map per call.
type activation struct{ v *Vars }

func (a activation) ResolveName(name string) (any, bool) {
	switch name {
	case "alert":
		return a.v.Alert, a.v.Alert != nil
	case "fields":
		if a.v.Fields == nil {
			return map[string]any{}, true
		}
		return a.v.Fields, true
	case "severity":
		return a.v.Severity, true
	case "design":
		return a.v.Design, a.v.Design != nil
	}
	return nil, false
}

func (a activation) Parent() interpreter.Activation { return nil }

// Eval evaluates the expression. A missing map key is an error (guard it
// with has()); so is a result that is not a bool.
func (p *Program) Eval(ctx context.Context, v *Vars) (bool, error) {
	p.once.Do(func() {
		p.prg, p.err = p.env.Program(p.ast, cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(64))
	})
	if p.err != nil {
		return false, fmt.Errorf("%s: %w", p.source, p.err)
	}
	var out ref.Val
	var err error
	if ctx.Done() == nil { // nothing can cancel: skip the interrupt checks
		out, _, err = p.prg.Eval(activation{v})
	} else {
		out, _, err = p.prg.ContextEval(ctx, activation{v})
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w", p.source, err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("%s: result is %s, want bool", p.source, out.Type())
	}
	return b, nil
}

// Cache compiles each distinct expression of a scope once. The zero Cache
// is ready to use and safe for concurrent use.
type Cache struct {
	mu sync.Mutex
	m  map[cacheKey]*cached
}

type cacheKey struct {
	scope  Scope
	source string
}

type cached struct {
	once sync.Once
	prg  *Program
	err  error
}

// Compile returns the compiled program for src, compiling it on first
// use; later calls return the same program or error.
func (c *Cache) Compile(scope Scope, src string) (*Program, error) {
	k := cacheKey{scope, src}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[cacheKey]*cached{}
	}
	e, ok := c.m[k]
	if !ok {
		e = &cached{}
		c.m[k] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.prg, e.err = Compile(scope, src) })
	return e.prg, e.err
}

// Len returns the number of distinct expressions compiled.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
