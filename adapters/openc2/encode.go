package openc2

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendMessage appends the JSON of the command message: the same bytes
// json.Marshal makes of it (keys of maps sorted), without reflection for
// the values commands hold — strings, numbers, lists of strings, maps of
// those — since the adapter makes one at every call.
func appendMessage(b []byte, h MessageHeaders, cmd *Command) ([]byte, error) {
	b = append(b, `{"headers":{"request_id":`...)
	b = appendString(b, h.RequestID)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, h.Created, 10)
	b = append(b, `,"from":`...)
	b = appendString(b, h.From)
	if len(h.To) > 0 {
		b = append(b, `,"to":`...)
		var err error
		if b, err = appendValue(b, h.To); err != nil {
			return nil, err
		}
	}
	b = append(b, `},"body":{"openc2":{"request":{"action":`...)
	b = appendString(b, cmd.Action)
	var err error
	b = append(b, `,"target":`...)
	if b, err = appendValue(b, cmd.Target); err != nil {
		return nil, err
	}
	if len(cmd.Args) > 0 {
		b = append(b, `,"args":`...)
		if b, err = appendValue(b, cmd.Args); err != nil {
			return nil, err
		}
	}
	if len(cmd.Actuator) > 0 {
		b = append(b, `,"actuator":`...)
		if b, err = appendValue(b, cmd.Actuator); err != nil {
			return nil, err
		}
	}
	return append(b, "}}}}"...), nil
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendString(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.AppendInt(b, int64(v), 10), nil
		}
	case bool:
		return strconv.AppendBool(b, v), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']'), nil
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '{')
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		if len(keys) > 1 {
			slices.Sort(keys)
		}
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendValue(b, v[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case map[string]string:
		m := make(map[string]any, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			m[k] = v[k]
		}
		return appendValue(b, m)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it (<, >, & and U+2028, U+2029 included; invalid UTF-8 as
// U+FFFD).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
