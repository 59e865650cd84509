package runtime

import (
	"bytes"
	"unicode/utf8"
)

// nulEscape is how JSON writes the NUL character in a string.
var nulEscape = []byte(`\u0000`)

// NULOffset is the byte offset of the first NUL character in the strings of
// a JSON text (the escape \u0000 not preceded by an odd run of backslashes,
// which would make it the text "\u0000"; JSON holds no raw NUL), or -1. No
// id, name, property, reason or code that promoc stores may hold one:
// PostgreSQL cannot store it in text, and on SQLite an id holding one would
// be another id than it looks. The readers of events, players and status
// events, and promoc serve's requests, refuse it before anything is stored.
func NULOffset(b []byte) int {
	for off := 0; ; {
		i := bytes.Index(b[off:], nulEscape)
		if i < 0 {
			return -1
		}
		i += off
		n := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return i
		}
		off = i + len(nulEscape)
	}
}

// BadUTF8Offset is the byte offset of the first byte of b that is not part
// of UTF-8 text, or -1 when b is UTF-8. The readers that refuse NUL
// (NULOffset) refuse such bytes too, naming where they are: encoding/json
// would make them U+FFFD in silence, another id than the one sent.
func BadUTF8Offset(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	i := 0
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	return i
}
