package server

import (
	"bytes"
	"strings"
)

// nulEscape is how JSON writes the NUL character in a string.
var nulEscape = []byte(`\u0000`)

// jsonNUL is the offset of the first NUL character a JSON text's strings
// hold (the escape \u0000, not preceded by an odd run of backslashes,
// which would make it the text "\u0000"), or -1. No id, name, reason or
// code of promoc's holds one: PostgreSQL cannot store it in text, and on
// SQLite an id with one would read as another. One search of the body,
// which holds none in all but hostile requests.
func jsonNUL(body []byte) int {
	for off := 0; ; {
		i := bytes.Index(body[off:], nulEscape)
		if i < 0 {
			return -1
		}
		i += off
		n := 0
		for j := i - 1; j >= 0 && body[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return i
		}
		off = i + len(nulEscape)
	}
}

// hasNUL says whether a request's path or query holds a NUL character
// (%00), which no path value or parameter of the API may hold.
func hasNUL(path, rawQuery string) bool {
	return strings.ContainsRune(path, 0) || strings.Contains(rawQuery, "%00")
}
