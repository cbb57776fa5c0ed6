package document

import (
	"bytes"
	"reflect"
	"strconv"
)

// knownJSONKeys reports whether every object key of the JSON document data
// is unique in its object and written without escapes, and every key of an
// object that decodes into a struct is one of the struct's, in ASCII lower
// case; t is the type data is decoded into. Only then may
// encoding/json decode data: it matches keys case-insensitively (the long
// s matches s, the Kelvin sign k), keeps the last of duplicate keys and
// ignores unknown ones. Any other document goes through the YAML parser,
// which reports each of these with its position. It is one pass over data
// with no allocation for ordinary documents.
func knownJSONKeys(data []byte, t reflect.Type) bool {
	type span struct{ start, end int }
	type frame struct {
		open byte         // '{' or '['
		typ  reflect.Type // what the container decodes into; nil: anything
		next reflect.Type // for objects: the type of the value after the last key
	}
	var stack []frame
	var keys [][]span // per depth, the keys seen so far in the open object; reused
	// valueType is the type of a value starting now: the root, an element
	// of an array, or the value of the last key of an object.
	valueType := func() reflect.Type {
		if len(stack) == 0 {
			return t
		}
		f := &stack[len(stack)-1]
		if f.open == '[' {
			if f.typ == nil {
				return nil
			}
			return elem(f.typ)
		}
		return f.next
	}
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			stack = append(stack, frame{open: c, typ: checkedType(valueType())})
			if len(keys) < len(stack) {
				keys = append(keys, nil)
			}
			keys[len(stack)-1] = keys[len(stack)-1][:0]
		case '}', ']':
			if len(stack) == 0 {
				return false
			}
			stack = stack[:len(stack)-1]
		case '"':
			start := i + 1
			escaped := false
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					escaped = true
					i++
					if i < len(data) && escapesControl(data[i:]) {
						return false
					}
				}
			}
			end := i
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\n' || data[j] == '\r') {
				j++
			}
			if j >= len(data) || data[j] != ':' || len(stack) == 0 || stack[len(stack)-1].open != '{' {
				continue // a value, not a key
			}
			if escaped {
				return false
			}
			key := data[start:end]
			f := &stack[len(stack)-1]
			if f.typ != nil && f.typ.Kind() == reflect.Struct {
				for _, b := range key {
					if b >= 'A' && b <= 'Z' || b >= 0x80 {
						return false
					}
				}
			}
			seen := keys[len(stack)-1]
			for _, s := range seen {
				if bytes.Equal(data[s.start:s.end], key) {
					return false
				}
			}
			keys[len(stack)-1] = append(seen, span{start, end})
			f.next = nil
			switch {
			case f.typ == nil:
			case f.typ.Kind() == reflect.Struct:
				idx, ok := structInfo(f.typ).index[string(key)]
				if !ok {
					return false
				}
				f.next = f.typ.Field(idx).Type
			case f.typ.Kind() == reflect.Map:
				f.next = f.typ.Elem()
			default:
				return false // an object where the type wants no object
			}
		}
	}
	return len(stack) == 0
}

// escapesControl reports whether the JSON escape sequence that starts
// with esc (after its backslash) writes a control character other than
// tab and newline, which Decode reports with its position.
func escapesControl(esc []byte) bool {
	switch esc[0] {
	case 'b', 'f', 'r':
		return true
	case 'u':
		if len(esc) < 5 {
			return true // malformed: let the slow path say so
		}
		r, err := strconv.ParseUint(string(esc[1:5]), 16, 32)
		return err != nil || r < 0x20 && r != '\t' && r != '\n' || r >= 0x7f && r <= 0x9f
	}
	return false
}

// checkedType returns t without pointers; nil for interfaces and types that
// decode from text, whose contents are not checked.
func checkedType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil
	}
	return t
}

// elem returns the element type of a slice or array type, or nil.
func elem(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		return t.Elem()
	}
	return nil
}
