package server

import "strings"

// hasNUL says whether a request's path or query holds a NUL character
// (%00), which no path value or parameter of the API may hold; a body's
// strings are checked by runtime.NULOffset.
func hasNUL(path, rawQuery string) bool {
	return strings.ContainsRune(path, 0) || strings.Contains(rawQuery, "%00")
}
