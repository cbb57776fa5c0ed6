// Package jsonpos says where in a JSON document a byte stands, so that
// messages about JSON files can name a line and column rather than
// encoding/json's byte offsets.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// At returns the line and column, counted from 1, of byte i of data;
// columns count characters (runes), as the findings' positions do. An i
// outside data is taken as its nearest end.
func At(data []byte, i int) (line, col int) {
	i = min(max(i, 0), len(data))
	line = 1 + bytes.Count(data[:i], []byte{'\n'})
	col = 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:i], '\n')+1:i])
	return line, col
}

// OfSyntaxError returns the line and column of the byte encoding/json
// stopped at: the last one it read (se.Offset counts the bytes read).
func OfSyntaxError(data []byte, se *json.SyntaxError) (line, col int) {
	return At(data, int(se.Offset)-1)
}
