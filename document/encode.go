package document

import (
	"bufio"
	"encoding"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EncodeYAML writes v (a struct, or a pointer to one, with json tags) as a
// block-style YAML document that Decode reads back to an equal value.
// Keys follow the struct's field order and honour omitempty and omitzero;
// map keys are sorted. A string is written plain only when YAML cannot
// read it as anything else (a number, a bool, null, a date, an indicator);
// otherwise it is double-quoted with escapes, and multi-line text is a
// literal block when that is exact.
func EncodeYAML(w io.Writer, v any) error {
	e := &encoder{w: bufio.NewWriter(w)}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return fmt.Errorf("encode: nil %s", rv.Type())
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct && rv.Kind() != reflect.Map {
		return fmt.Errorf("encode: want a struct or a map, got %s", rv.Type())
	}
	if !e.mapping(rv, 0, false) {
		e.w.WriteString("{}\n")
	}
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

type encoder struct {
	w   *bufio.Writer
	err error
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// entry is one key and value of a mapping.
type entry struct {
	key string
	val reflect.Value
}

// entries lists what a struct or map writes, in order.
func entries(v reflect.Value) []entry {
	var out []entry
	if v.Kind() == reflect.Map {
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			out = append(out, entry{k.String(), v.MapIndex(k)})
		}
		return out
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if name, skip := JSONField(t.Field(i), v.Field(i)); !skip {
			out = append(out, entry{name, v.Field(i)})
		}
	}
	return out
}

// JSONField returns the key that encoding/json writes struct field f
// under, and whether it leaves the field's value v out: an unexported or
// "-" field, an empty value with omitempty, a zero value with omitzero.
func JSONField(f reflect.StructField, v reflect.Value) (name string, skip bool) {
	if !f.IsExported() {
		return "", true
	}
	name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return "", true
	}
	if name == "" {
		name = f.Name
	}
	omit := strings.Contains(opts, "omitempty") && isEmptyValue(v) || strings.Contains(opts, "omitzero") && v.IsZero()
	return name, omit
}

// mapping writes the entries of v at indent; with inline set, the first
// key goes on the current line (after "- "). It reports whether it wrote
// anything.
func (e *encoder) mapping(v reflect.Value, indent int, inline bool) bool {
	es := entries(v)
	for i, en := range es {
		if i > 0 || !inline {
			e.w.WriteString(strings.Repeat(" ", indent))
		}
		e.w.WriteString(plainOrQuoted(en.key))
		e.w.WriteByte(':')
		e.value(en.val, indent)
	}
	return len(es) > 0
}

// value writes v after "key:" or "-", at the indent of that key or dash.
func (e *encoder) value(v reflect.Value, indent int) {
	for (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() && !v.Type().Implements(textMarshaler) {
		v = v.Elem()
	}
	switch {
	case !v.IsValid() || (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface || v.Kind() == reflect.Map || v.Kind() == reflect.Slice) && v.IsNil():
		e.w.WriteString(" null\n")
	case v.Type().Implements(textMarshaler):
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil && e.err == nil {
			e.err = err
		}
		e.scalar(string(b), indent)
	case v.Kind() == reflect.String:
		e.scalar(v.String(), indent)
	case v.Kind() == reflect.Bool:
		fmt.Fprintf(e.w, " %t\n", v.Bool())
	case v.CanInt():
		fmt.Fprintf(e.w, " %d\n", v.Int())
	case v.CanUint():
		fmt.Fprintf(e.w, " %d\n", v.Uint())
	case v.CanFloat():
		fmt.Fprintf(e.w, " %s\n", yamlFloat(v.Float()))
	case v.Kind() == reflect.Struct || v.Kind() == reflect.Map:
		if len(entries(v)) == 0 {
			e.w.WriteString(" {}\n")
			return
		}
		e.w.WriteByte('\n')
		e.mapping(v, indent+2, false)
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
		if v.Len() == 0 {
			e.w.WriteString(" []\n")
			return
		}
		e.w.WriteByte('\n')
		for i := 0; i < v.Len(); i++ {
			e.w.WriteString(strings.Repeat(" ", indent+2))
			e.w.WriteByte('-')
			item := v.Index(i)
			for (item.Kind() == reflect.Pointer || item.Kind() == reflect.Interface) && !item.IsNil() && !item.Type().Implements(textMarshaler) {
				item = item.Elem()
			}
			if (item.Kind() == reflect.Struct || item.Kind() == reflect.Map) && !item.Type().Implements(textMarshaler) && len(entries(item)) > 0 {
				e.w.WriteByte(' ')
				e.mapping(item, indent+4, true)
				continue
			}
			e.value(item, indent+2)
		}
	default:
		if e.err == nil {
			e.err = fmt.Errorf("encode: cannot write %s", v.Type())
		}
	}
}

// scalar writes a string value after "key:" or "-".
func (e *encoder) scalar(s string, indent int) {
	if literalSafe(s) {
		e.w.WriteString(" |")
		if !strings.HasSuffix(s, "\n") {
			e.w.WriteByte('-')
		}
		e.w.WriteByte('\n')
		for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
			if line != "" {
				e.w.WriteString(strings.Repeat(" ", indent+2))
				e.w.WriteString(line)
			}
			e.w.WriteByte('\n')
		}
		return
	}
	e.w.WriteByte(' ')
	e.w.WriteString(plainOrQuoted(s))
	e.w.WriteByte('\n')
}

// literalSafe reports whether s reads back exactly from a literal block:
// several lines of printable text, the first not indented, no line ending
// in a space, and at most one final newline.
func literalSafe(s string) bool {
	if !strings.Contains(strings.TrimSuffix(s, "\n"), "\n") || strings.HasSuffix(s, "\n\n") || s[0] == ' ' || s[0] == '\n' {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") {
			return false
		}
		for _, r := range line {
			if r == '\t' || !unicode.IsPrint(r) && r != ' ' || r == utf8.RuneError {
				return false
			}
		}
	}
	return true
}

// yamlFloat writes f so that YAML reads it back as a float: with a point
// before any exponent, and .inf and .nan for the special values.
func yamlFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if hasExp {
		return mant + "e" + exp
	}
	return mant
}

// plainOrQuoted returns s as a plain scalar when YAML reads it back as the
// same string, and double-quoted otherwise. Invalid UTF-8 is written as
// U+FFFD, as encoding/json does.
func plainOrQuoted(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if plainSafe(s) {
		return s
	}
	return strconv.Quote(s)
}

func plainSafe(s string) bool {
	if s == "" || s != strings.TrimSpace(s) || !utf8.ValidString(s) {
		return false
	}
	switch strings.ToLower(s) {
	case "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf", ".nan", "<<":
		return false
	}
	if strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`.+0123456789=", rune(s[0])) {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f || !unicode.IsPrint(r) && r != ' ' || r == '\uFEFF' {
			return false
		}
	}
	return true
}

// isEmptyValue is encoding/json's notion of an empty value for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
