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
