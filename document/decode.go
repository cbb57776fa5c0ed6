package document

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/secopsdesign/secops/finding"
)

// decoder fills Go values from a YAML node tree, recording a finding with
// a position for every key the format does not have and every value of the
// wrong type, and going on after each.
type decoder struct {
	src       *Source
	findings  finding.List
	anchors   map[string]ast.Node
	every     map[string]ast.Node // all anchors, built on demand
	budget    int                 // node visits left; aliases cannot expand without bound
	exhausted bool                // the budget ran out
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func valueOf(v any) reflect.Value { return reflect.ValueOf(v).Elem() }

func zero(v any) {
	rv := valueOf(v)
	rv.Set(reflect.Zero(rv.Type()))
}

func (d *decoder) add(code finding.Code, p *finding.Path, n ast.Node, format string, args ...any) {
	f := finding.New(code, p, format, args...)
	f.File = d.src.name
	if n != nil {
		if tk := head(n).GetToken(); tk != nil {
			f.Line, f.Column = tk.Position.Line, tk.Position.Column
		}
	}
	d.findings = append(d.findings, f)
}

func (d *decoder) decode(n ast.Node, v reflect.Value, p *finding.Path, depth int) {
	if d.exhausted {
		return
	}
	if d.budget--; d.budget < 0 {
		d.exhausted = true
		d.findings = finding.List{}
		d.add(finding.Syntax, nil, n, "aliases expand to more than %d values; refusing to expand them", len(d.src.data)+100000)
		return
	}
	if depth > MaxDepth {
		d.add(finding.Syntax, p, n, "nesting deeper than %d levels", MaxDepth)
		return
	}
	switch t := n.(type) {
	case *ast.AnchorNode:
		if name := nodeName(t.Name); name != "" {
			d.anchors[name] = t.Value
		}
		d.decode(t.Value, v, p, depth)
		return
	case *ast.AliasNode:
		target, ok := d.anchors[nodeName(t.Value)]
		if !ok {
			target, ok = d.allAnchors()[nodeName(t.Value)]
		}
		if !ok {
			d.add(finding.Syntax, p, n, "alias *%s names no anchor defined before it", nodeName(t.Value))
			return
		}
		d.decode(target, v, p, depth+1)
		return
	case *ast.TagNode:
		// !!str makes a scalar a string whatever it looks like: !!str 1.1.
		if t.Start != nil && t.Start.Value == "!!str" && v.Kind() == reflect.String {
			if s, ok := scalarString(t.Value); ok {
				v.SetString(s)
				return
			}
		}
		d.decode(t.Value, v, p, depth)
		return
	case *ast.NullNode:
		v.Set(reflect.Zero(v.Type()))
		return
	case *ast.CommentNode, *ast.CommentGroupNode:
		return
	}

	if reflect.PointerTo(v.Type()).Implements(textUnmarshaler) {
		s, ok := scalarString(n)
		if !ok {
			d.add(finding.InvalidValue, p, n, "want a string, got %s", describeNode(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			d.add(finding.InvalidValue, p, n, "%v", err)
		}
		return
	}

	switch v.Kind() {
	case reflect.String:
		s, ok := n.(*ast.StringNode)
		if ok {
			v.SetString(stringValue(s))
			return
		}
		if l, ok := n.(*ast.LiteralNode); ok {
			v.SetString(l.Value.Value)
			return
		}
		hint := ""
		if _, ok := scalarString(n); ok {
			hint = fmt.Sprintf(" (quote it: \"%s\")", n.GetToken().Value)
		}
		d.add(finding.InvalidValue, p, n, "want a string, got %s%s", describeNode(n), hint)
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.add(finding.InvalidValue, p, n, "want true or false, got %s", describeNode(n))
			return
		}
		v.SetBool(b.Value)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, ok := n.(*ast.IntegerNode)
		if !ok {
			d.add(finding.InvalidValue, p, n, "want an integer, got %s", describeNode(n))
			return
		}
		switch x := i.Value.(type) {
		case int64:
			v.SetInt(x)
		case uint64:
			if x > math.MaxInt64 {
				d.add(finding.InvalidValue, p, n, "integer %d is too large", x)
				return
			}
			v.SetInt(int64(x))
		}
	case reflect.Pointer:
		// A value of the wrong type leaves the pointer nil, so that its
		// zero value does not cause findings of its own.
		before := len(d.findings)
		e := reflect.New(v.Type().Elem())
		d.decode(n, e.Elem(), p, depth)
		if len(d.findings) == before || !isMapping(n) {
			if len(d.findings) == before {
				v.Set(e)
			}
			return
		}
		v.Set(e) // a mapping with some bad values: keep the good ones
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.add(finding.InvalidValue, p, n, "want a list, got %s", describeNode(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, e := range seq.Values {
			d.decode(e, s.Index(i), p.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Struct:
		d.decodeStruct(n, v, p, depth)
	case reflect.Map:
		d.decodeMap(n, v, p, depth)
	case reflect.Interface:
		v.Set(reflect.ValueOf(d.generic(n, p, depth)))
	default:
		d.add(finding.InvalidValue, p, n, "cannot decode into %s", v.Type())
	}
}

// allAnchors maps every anchor of the document to its node, for aliases
// of anchors that decoding skipped (under an unknown key, say). It walks
// the tree once, on first use, without following aliases.
func (d *decoder) allAnchors() map[string]ast.Node {
	if d.every != nil {
		return d.every
	}
	d.every = map[string]ast.Node{}
	file, err := d.src.ast()
	if err != nil {
		return d.every
	}
	for _, doc := range file.Docs {
		ast.Walk(anchorVisitor(d.every), doc)
	}
	return d.every
}

type anchorVisitor map[string]ast.Node

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok {
		if name := nodeName(a.Name); name != "" {
			if _, seen := v[name]; !seen {
				v[name] = a.Value
			}
		}
	}
	return v
}

// mergeSources returns the mappings that the merge keys (<<) among values
// bring in, the one that wins last: of a list of merged mappings, the
// earlier ones win.
func (d *decoder) mergeSources(values []*ast.MappingValueNode) []ast.Node {
	var out []ast.Node
	for _, mv := range values {
		if _, merge := mv.Key.(*ast.MergeKeyNode); !merge {
			continue
		}
		target := mv.Value
		for anchors := 0; anchors < 100; anchors++ {
			a, ok := target.(*ast.AliasNode)
			if !ok {
				break
			}
			t, ok := d.anchors[nodeName(a.Value)]
			if !ok {
				t, ok = d.allAnchors()[nodeName(a.Value)]
			}
			if !ok {
				break
			}
			target = t
		}
		if seq, ok := target.(*ast.SequenceNode); ok {
			for i := len(seq.Values) - 1; i >= 0; i-- {
				out = append(out, seq.Values[i])
			}
			continue
		}
		out = append(out, target)
	}
	return out
}

func isMapping(n ast.Node) bool {
	_, ok := mappingValues(n)
	return ok
}

func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, p *finding.Path, depth int) {
	values, ok := mappingValues(n)
	if !ok {
		d.add(finding.InvalidValue, p, n, "want a mapping, got %s", describeNode(n))
		return
	}
	info := structInfo(v.Type())
	// Merge keys (<<) first, so that the mapping's own keys win over merged
	// ones.
	for _, src := range d.mergeSources(values) {
		d.decode(src, v, p, depth)
	}
	for _, mv := range values {
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			continue
		}
		key := keyString(mv.Key)
		i, ok := info.index[key]
		if !ok {
			msg := fmt.Sprintf("unknown field %q", key)
			if s := finding.Suggest(key, info.names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			d.add(finding.UnknownField, p.Child(key), mv.Key, "%s", msg)
			continue
		}
		// A key replaces what a merge put there whole: merging is shallow.
		f := v.Field(i)
		f.Set(reflect.Zero(f.Type()))
		d.decode(mv.Value, f, p.Child(key), depth+1)
	}
}

func (d *decoder) decodeMap(n ast.Node, v reflect.Value, p *finding.Path, depth int) {
	values, ok := mappingValues(n)
	if !ok {
		d.add(finding.InvalidValue, p, n, "want a mapping, got %s", describeNode(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		d.add(finding.InvalidValue, p, n, "cannot decode into %s", v.Type())
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(values))
	for _, src := range d.mergeSources(values) {
		merged := reflect.New(v.Type()).Elem()
		d.decode(src, merged, p, depth)
		for it := merged.MapRange(); it.Next(); {
			m.SetMapIndex(it.Key(), it.Value())
		}
	}
	for _, mv := range values {
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			continue
		}
		key := keyString(mv.Key)
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(mv.Value, e, p.Child(key), depth+1)
		m.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), e)
	}
	v.Set(m)
}

// generic converts a node as encoding/json would into an any: maps,
// lists, strings, bools, int64 or float64, nil.
func (d *decoder) generic(n ast.Node, p *finding.Path, depth int) any {
	switch t := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		m := map[string]any{}
		d.decodeMap(n, reflect.ValueOf(&m).Elem(), p, depth)
		return m
	case *ast.SequenceNode:
		l := make([]any, len(t.Values))
		for i, e := range t.Values {
			var x any
			d.decode(e, reflect.ValueOf(&x).Elem(), p.Index(i), depth+1)
			l[i] = x
		}
		return l
	case *ast.StringNode:
		return stringValue(t)
	case *ast.LiteralNode:
		return t.Value.Value
	case *ast.BoolNode:
		return t.Value
	case *ast.IntegerNode:
		switch x := t.Value.(type) {
		case uint64:
			if x <= math.MaxInt64 {
				return int64(x)
			}
			return float64(x)
		}
		return t.Value
	case *ast.FloatNode:
		return t.Value
	case *ast.InfinityNode:
		return t.Value
	case *ast.NanNode:
		return math.NaN()
	case *ast.NullNode:
		return nil
	}
	return nil
}

// stringValue returns the value of a string node. The parser drops tabs
// inside a plain (unquoted) scalar, "a<TAB>b" giving "ab"; for a plain
// scalar on one line, the text as written is taken instead.
func stringValue(s *ast.StringNode) string {
	tk := s.GetToken()
	if tk == nil || tk.Type != token.StringType || !strings.Contains(tk.Origin, "\t") {
		return s.Value
	}
	text := strings.Trim(tk.Origin, " \t\r\n")
	if strings.ContainsAny(text, "\r\n") {
		return s.Value // folded over lines: keep the parser's reading
	}
	return text
}

// scalarString returns the text of a scalar node.
func scalarString(n ast.Node) (string, bool) {
	switch t := n.(type) {
	case *ast.StringNode:
		return stringValue(t), true
	case *ast.LiteralNode:
		return t.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return t.GetToken().Value, true
	}
	return "", false
}

func nodeName(n ast.Node) string {
	if n == nil {
		return ""
	}
	if s, ok := scalarString(n); ok {
		return s
	}
	return n.String()
}

func describeNode(n ast.Node) string {
	switch t := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "the integer " + t.GetToken().Value
	case *ast.FloatNode:
		return "the number " + t.GetToken().Value
	case *ast.BoolNode:
		return "the bool " + strconv.FormatBool(t.Value)
	case *ast.NullNode:
		return "null"
	}
	return strings.ToLower(n.Type().String())
}

type fieldsInfo struct {
	index map[string]int
	names []string
}

var structInfos sync.Map // reflect.Type -> *fieldsInfo

// structInfo maps the JSON key names of t's exported fields to their
// indexes.
func structInfo(t reflect.Type) *fieldsInfo {
	if fi, ok := structInfos.Load(t); ok {
		return fi.(*fieldsInfo)
	}
	fi := &fieldsInfo{index: map[string]int{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fi.index[name] = i
		fi.names = append(fi.names, name)
	}
	slices.Sort(fi.names)
	structInfos.Store(t, fi)
	return fi
}
