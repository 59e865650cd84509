package server

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// badText says what is wrong with a request's path or query as text: a
// NUL character (%00), which no path value or parameter of the API may
// hold, or bytes that are not UTF-8 (%FF), which no id is; "" when
// nothing. A body's strings are checked by runtime.NULOffset.
func badText(path, rawQuery string) string {
	q, err := url.QueryUnescape(rawQuery)
	switch {
	case strings.ContainsRune(path, 0) || (err == nil && strings.ContainsRune(q, 0)):
		return "a NUL character (%00) in the path or the query: no path value or parameter may hold one"
	case !utf8.ValidString(path) || (err == nil && !utf8.ValidString(q)):
		return "the path or the query is not UTF-8 text once decoded: no path value or parameter is other text"
	}
	return ""
}
