package runtime_test

import (
	"testing"

	"github.com/promoc/promoc/runtime"
)

func TestNULOffset(t *testing.T) {
	for _, c := range []struct {
		body string
		want int
	}{
		{`{"a": "b"}`, -1},
		{`{"a": "\u0000"}`, 7},
		{`{"a": "\\u0000"}`, -1},                // the text \u0000
		{`{"a": "\\\u0000"}`, 9},                // a backslash, then NUL
		{`{"a": "\\u0000", "b": "\u0000"}`, 23}, // the second
		{`{"a": "\u00001"}`, 7},
		{`{"a": "\u0001"}`, -1},
	} {
		if got := runtime.NULOffset([]byte(c.body)); got != c.want {
			t.Errorf("NULOffset(%s) = %d, want %d", c.body, got, c.want)
		}
	}
}

// TestBadUTF8Offset: the offset of the first byte that is not UTF-8 text.
func TestBadUTF8Offset(t *testing.T) {
	for _, c := range []struct {
		body string
		want int
	}{
		{`{"a": "b"}`, -1},
		{`{"a": "zoë"}`, -1},
		{"{\"a\": \"a\xffb\"}", 8},
		{"\xff", 0},
		{"zoë\xc3", 4},       // a rune cut short at the end
		{"a\xed\xa0\x80", 1}, // a surrogate's encoding is not UTF-8
	} {
		if got := runtime.BadUTF8Offset([]byte(c.body)); got != c.want {
			t.Errorf("BadUTF8Offset(%q) = %d, want %d", c.body, got, c.want)
		}
	}
}
