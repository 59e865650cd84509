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
	texts := []string{path}
	if q, err := url.QueryUnescape(rawQuery); err == nil {
		texts = append(texts, q)
	} else {
		// A pair with a bad escape: url.ParseQuery drops that pair and
		// keeps the others, which the handlers read (URL.Query).
		vals, _ := url.ParseQuery(rawQuery)
		for name, vs := range vals {
			texts = append(append(texts, name), vs...)
		}
	}
	for _, s := range texts {
		if strings.ContainsRune(s, 0) {
			return "a NUL character (%00) in the path or the query: no path value or parameter may hold one"
		}
	}
	for _, s := range texts {
		if !utf8.ValidString(s) {
			return "the path or the query is not UTF-8 text once decoded: no path value or parameter is other text"
		}
	}
	return ""
}
