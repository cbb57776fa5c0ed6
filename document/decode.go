package document

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/secopsdesign/secops/finding"
)

// decoder fills Go values from a YAML node tree, recording a finding with
// a position for every key the format does not have and every value of the
// wrong type, and going on after each.
type decoder struct {
	src       *Source
	findings  finding.List
	segs      []finding.Segment // the path of the value being decoded
	merging   []*yaml.Node      // the mappings whose merge keys are being decoded
	budget    int               // node visits left; aliases cannot expand without bound
	exhausted bool              // the budget ran out
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func valueOf(v any) reflect.Value { return reflect.ValueOf(v).Elem() }

func zero(v any) {
	rv := valueOf(v)
	rv.Set(reflect.Zero(rv.Type()))
}

// push and pop keep the path of the value being decoded: a key, or an
// index when key is "". The path is built only for a finding.
func (d *decoder) push(key string, index int) {
	d.segs = append(d.segs, finding.Segment{Key: key, Index: index})
}

func (d *decoder) pop() { d.segs = d.segs[:len(d.segs)-1] }

func (d *decoder) add(code finding.Code, n *yaml.Node, format string, args ...any) {
	var p *finding.Path
	for _, s := range d.segs {
		if s.Key == "" {
			p = p.Index(s.Index)
		} else {
			p = p.Child(s.Key)
		}
	}
	f := finding.New(code, p, format, args...)
	f.File = d.src.name
	if n != nil {
		f.Line, f.Column = n.Line, n.Column
	}
	d.findings = append(d.findings, f)
}

// The kinds of scalar, as YAML resolves them, plus number: a plain scalar
// written as a number that no Go number holds (1e99999, 20 digits of hex).
const (
	strTag       = "!!str"
	intTag       = "!!int"
	floatTag     = "!!float"
	boolTag      = "!!bool"
	nullTag      = "!!null"
	timestampTag = "!!timestamp"
	mergeTag     = "!!merge"
	numberTag    = "number"
)

// allowedTags are the tags a document may write on each kind of node;
// any other tag (!evil, !!python/object:os.system, !!binary) is an
// invalid value.
var allowedTags = map[yaml.Kind][]string{
	yaml.ScalarNode:   {strTag, intTag, floatTag, boolTag, nullTag, timestampTag, mergeTag},
	yaml.MappingNode:  {"!!map"},
	yaml.SequenceNode: {"!!seq"},
}

// scalarTag returns the kind of the scalar n: its explicit tag, or what
// YAML resolves a plain scalar to, with every plain scalar written as a
// number a number, whatever its size.
func scalarTag(n *yaml.Node) string {
	if n.Tag == strTag && n.Style == 0 && looksNumeric(n.Value) {
		return numberTag
	}
	return n.Tag
}

// looksNumeric reports whether s is written as a YAML number: decimal,
// hexadecimal, octal or binary digits (with underscores), or a decimal
// with a fraction or an exponent.
func looksNumeric(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" || !strings.ContainsAny(s[:1], "0123456789.") {
		return false
	}
	digits := func(s, set string) bool {
		n := 0
		for _, r := range s {
			switch {
			case strings.ContainsRune(set, r):
				n++
			case r != '_':
				return false
			}
		}
		return n > 0
	}
	for _, p := range []struct{ prefix, set string }{{"0x", "0123456789abcdefABCDEF"}, {"0o", "01234567"}, {"0b", "01"}} {
		if rest, ok := strings.CutPrefix(s, p.prefix); ok {
			return digits(rest, p.set)
		}
	}
	mant, exp, hasExp := strings.Cut(strings.ReplaceAll(s, "_", ""), "e")
	if !hasExp {
		mant, exp, hasExp = strings.Cut(mant, "E")
	}
	if hasExp && !digits(strings.TrimLeft(exp, "+-"), "0123456789") {
		return false
	}
	whole, frac, _ := strings.Cut(mant, ".")
	return (whole != "" || frac != "") && (whole == "" || digits(whole, "0123456789")) && (frac == "" || digits(frac, "0123456789"))
}

// badTag reports, and records as a finding, a tag n may not have.
func (d *decoder) badTag(n *yaml.Node) bool {
	if n.Style&yaml.TaggedStyle == 0 || slices.Contains(allowedTags[n.Kind], n.Tag) {
		return false
	}
	d.add(finding.InvalidValue, n, "the tag %s is not supported: a document holds plain data (tags allowed: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)", n.Tag)
	return true
}

// checkString records a finding for a control character in s, the value
// of n, and reports whether s is clean.
func (d *decoder) checkString(s string, n *yaml.Node) bool {
	i, r := controlIn(s)
	if i < 0 {
		return true
	}
	d.add(finding.InvalidValue, n, "%s at character %d of the string: only tab and newline may appear in strings", describeRune(r), i+1)
	return false
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, depth int) {
	if d.exhausted {
		return
	}
	if d.budget--; d.budget < 0 {
		d.exhausted = true
		f := finding.New(finding.Syntax, nil, "aliases expand to more than %d values; refusing to expand them", len(d.src.data)+100000)
		f.File, f.Line, f.Column = d.src.name, n.Line, n.Column
		d.findings = finding.List{f} // about the whole file: no path
		return
	}
	if depth > MaxDepth {
		d.add(finding.Syntax, n, "nesting deeper than %d levels", MaxDepth)
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			d.add(finding.Syntax, n, "alias *%s names no anchor defined before it", n.Value)
			return
		}
		d.decode(n.Alias, v, depth+1)
		return
	}
	if d.badTag(n) {
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == nullTag {
		v.Set(reflect.Zero(v.Type()))
		return
	}

	if reflect.PointerTo(v.Type()).Implements(textUnmarshaler) {
		if n.Kind != yaml.ScalarNode {
			d.add(finding.InvalidValue, n, "want a string, got %s", describeNode(n))
			return
		}
		if !d.checkString(n.Value, n) {
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.add(finding.InvalidValue, n, "%v", err)
		}
		return
	}

	switch v.Kind() {
	case reflect.String:
		if s, ok := d.str(n); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		b, ok := boolValue(n)
		if !ok {
			d.add(finding.InvalidValue, n, "want true or false, got %s", describeNode(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, ok := d.integer(n)
		if ok && v.OverflowInt(i) {
			d.add(finding.InvalidValue, n, "integer %s is too large", n.Value)
			return
		}
		if ok {
			v.SetInt(i)
		}
	case reflect.Float64, reflect.Float32:
		if f, ok := d.float(n); ok {
			v.SetFloat(f)
		}
	case reflect.Pointer:
		// A value of the wrong type leaves the pointer nil, so that its
		// zero value does not cause findings of its own.
		before := len(d.findings)
		e := reflect.New(v.Type().Elem())
		d.decode(n, e.Elem(), depth)
		if len(d.findings) == before || n.Kind == yaml.MappingNode {
			v.Set(e) // a mapping with some bad values: keep the good ones
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.add(finding.InvalidValue, n, "want a list, got %s", describeNode(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, e := range n.Content {
			d.push("", i)
			d.decode(e, s.Index(i), depth+1)
			d.pop()
		}
		v.Set(s)
	case reflect.Struct:
		d.decodeStruct(n, v, depth)
	case reflect.Map:
		d.decodeMap(n, v, depth)
	case reflect.Interface:
		if x := d.generic(n, depth); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		d.add(finding.InvalidValue, n, "cannot decode into %s", v.Type())
	}
}

// str returns the string a scalar holds where a string is wanted: a
// quoted or plain string, or a date; a number or a bool must be quoted.
func (d *decoder) str(n *yaml.Node) (string, bool) {
	if n.Kind == yaml.ScalarNode {
		switch scalarTag(n) {
		case strTag, timestampTag, mergeTag:
			return n.Value, d.checkString(n.Value, n)
		case intTag, floatTag, numberTag, boolTag:
			d.add(finding.InvalidValue, n, "want a string, got %s (quote it: \"%s\")", describeNode(n), n.Value)
			return "", false
		}
	}
	d.add(finding.InvalidValue, n, "want a string, got %s", describeNode(n))
	return "", false
}

// boolValue returns the value of a bool scalar: true or false in any
// case, as YAML writes them; a !!bool tag on anything else is not one.
func boolValue(n *yaml.Node) (bool, bool) {
	if n.Kind != yaml.ScalarNode || scalarTag(n) != boolTag {
		return false, false
	}
	switch {
	case strings.EqualFold(n.Value, "true"):
		return true, true
	case strings.EqualFold(n.Value, "false"):
		return false, true
	}
	return false, false
}

// integer returns the value of an integer scalar.
func (d *decoder) integer(n *yaml.Node) (int64, bool) {
	tag := ""
	if n.Kind == yaml.ScalarNode {
		tag = scalarTag(n)
	}
	if tag != intTag && tag != numberTag || tag == numberTag && !isInteger(n.Value) {
		d.add(finding.InvalidValue, n, "want an integer, got %s", describeNode(n))
		return 0, false
	}
	i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) || tag == numberTag {
			d.add(finding.InvalidValue, n, "integer %s is too large", n.Value)
		} else {
			d.add(finding.InvalidValue, n, "want an integer, got %s", describeNode(n))
		}
		return 0, false
	}
	return i, true
}

// isInteger reports whether s, a number, has no fraction or exponent.
func isInteger(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0o") || strings.HasPrefix(s, "0b") || !strings.ContainsAny(s, ".eE")
}

// float returns the value of a number scalar, integer or not, as a
// float64; a number beyond float64 is an invalid value.
func (d *decoder) float(n *yaml.Node) (float64, bool) {
	tag := ""
	if n.Kind == yaml.ScalarNode {
		tag = scalarTag(n)
	}
	if tag != intTag && tag != floatTag && tag != numberTag {
		d.add(finding.InvalidValue, n, "want a number, got %s", describeNode(n))
		return 0, false
	}
	f, ok := parseFloat(n.Value)
	switch {
	case ok:
	case looksNumeric(n.Value):
		d.add(finding.InvalidValue, n, "the number %s is out of range", n.Value)
	default:
		d.add(finding.InvalidValue, n, "want a number, got %q", n.Value)
	}
	return f, ok
}

// parseFloat reads a YAML number: .inf and .nan in their spellings,
// decimals, and integers in any base.
func parseFloat(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case ".inf", "+.inf":
		return math.Inf(1), true
	case "-.inf":
		return math.Inf(-1), true
	case ".nan":
		return math.NaN(), true
	}
	s = strings.ReplaceAll(s, "_", "")
	if !isInteger(s) {
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	if i, err := strconv.ParseInt(s, 0, 64); err == nil {
		return float64(i), true
	}
	if u, err := strconv.ParseUint(s, 0, 64); err == nil {
		return float64(u), true
	}
	f, err := strconv.ParseFloat(s, 64) // a long decimal integer: as encoding/json reads it
	return f, err == nil && !math.IsInf(f, 0)
}

// mergeSources returns the mappings that the merge keys (<<) of the
// mapping n bring in, the one that wins last: of a list of merged
// mappings, the earlier ones win.
func mergeSources(n *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !isMergeKey(n.Content[i]) {
			continue
		}
		target := n.Content[i+1]
		for hops := 0; hops < 100 && target.Kind == yaml.AliasNode && target.Alias != nil; hops++ {
			target = target.Alias
		}
		if target.Kind == yaml.SequenceNode {
			for j := len(target.Content) - 1; j >= 0; j-- {
				out = append(out, target.Content[j])
			}
			continue
		}
		out = append(out, target)
	}
	return out
}

// eachMerged calls f with each mapping that the merge keys of n bring in,
// in the order of mergeSources, leaving out (with a finding) any that is
// being merged already: a mapping that merges itself, directly or through
// another, would never end.
func (d *decoder) eachMerged(n *yaml.Node, f func(src *yaml.Node)) {
	srcs := mergeSources(n)
	if len(srcs) == 0 {
		return
	}
	d.merging = append(d.merging, n)
	for _, src := range srcs {
		if slices.Contains(d.merging, src) {
			d.add(finding.InvalidValue, n, "a merge key (<<) brings in the mapping that holds it")
			continue
		}
		f(src)
	}
	d.merging = d.merging[:len(d.merging)-1]
}

func isMergeKey(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && k.Tag == mergeTag }

// key returns the string of the mapping key k, following an alias;
// a key that is not a scalar, or holds a control character, is an invalid
// value.
func (d *decoder) key(k *yaml.Node) (string, bool) {
	for hops := 0; hops < 100 && k.Kind == yaml.AliasNode && k.Alias != nil; hops++ {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		d.add(finding.InvalidValue, k, "want a string as a key, got %s", describeNode(k))
		return "", false
	}
	d.push(k.Value, -1)
	defer d.pop()
	return k.Value, d.checkString(k.Value, k)
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		d.add(finding.InvalidValue, n, "want a mapping, got %s", describeNode(n))
		return
	}
	info := structInfo(v.Type())
	// Merge keys (<<) first, so that the mapping's own keys win over merged
	// ones.
	d.eachMerged(n, func(src *yaml.Node) {
		d.decode(src, v, depth+1)
	})
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMergeKey(k) {
			continue
		}
		key, ok := d.key(k)
		if !ok {
			continue
		}
		idx, ok := info.index[key]
		if !ok {
			msg := fmt.Sprintf("unknown field %q", key)
			if s := finding.Suggest(key, info.names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			d.push(key, -1)
			d.add(finding.UnknownField, k, "%s", msg)
			d.pop()
			continue
		}
		// A key replaces what a merge put there whole: merging is shallow.
		f := v.Field(idx)
		f.Set(reflect.Zero(f.Type()))
		d.push(key, -1)
		d.decode(n.Content[i+1], f, depth+1)
		d.pop()
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		d.add(finding.InvalidValue, n, "want a mapping, got %s", describeNode(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		d.add(finding.InvalidValue, n, "cannot decode into %s", v.Type())
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	d.eachMerged(n, func(src *yaml.Node) {
		merged := reflect.New(v.Type()).Elem()
		d.decode(src, merged, depth+1)
		for it := merged.MapRange(); it.Next(); {
			m.SetMapIndex(it.Key(), it.Value())
		}
	})
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMergeKey(k) {
			continue
		}
		key, ok := d.key(k)
		if !ok {
			continue
		}
		e := reflect.New(v.Type().Elem()).Elem()
		d.push(key, -1)
		d.decode(n.Content[i+1], e, depth+1)
		d.pop()
		m.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), e)
	}
	v.Set(m)
}

// generic converts a node as encoding/json would into an any: maps,
// lists, strings, bools, int64 or float64, nil. It is called on nodes
// that are neither aliases nor null.
func (d *decoder) generic(n *yaml.Node, depth int) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		d.decodeMap(n, reflect.ValueOf(&m).Elem(), depth)
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, e := range n.Content {
			var x any
			d.push("", i)
			d.decode(e, reflect.ValueOf(&x).Elem(), depth+1)
			d.pop()
			l[i] = x
		}
		return l
	}
	switch scalarTag(n) {
	case boolTag:
		if b, ok := boolValue(n); ok {
			return b
		}
		d.add(finding.InvalidValue, n, "want true or false, got %q", n.Value)
		return nil
	case intTag, numberTag, floatTag:
		if tag := scalarTag(n); tag != floatTag && isInteger(n.Value) {
			if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
				return i
			}
		}
		f, ok := d.float(n)
		if !ok {
			return nil
		}
		return f
	}
	if s, ok := d.str(n); ok {
		return s
	}
	return nil
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Style&yaml.TaggedStyle != 0 && n.Tag != strTag {
		return fmt.Sprintf("%s %q", n.Tag, n.Value)
	}
	switch scalarTag(n) {
	case intTag:
		return "the integer " + n.Value
	case floatTag, numberTag:
		return "the number " + n.Value
	case boolTag:
		return "the bool " + strings.ToLower(n.Value)
	case nullTag:
		return "null"
	}
	return "a string"
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
