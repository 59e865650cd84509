package server

import "testing"

func TestJSONNUL(t *testing.T) {
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
		if got := jsonNUL([]byte(c.body)); got != c.want {
			t.Errorf("jsonNUL(%s) = %d, want %d", c.body, got, c.want)
		}
	}
	if !hasNUL("/v1/players/a\x00b", "") || !hasNUL("/v1/bonuses", "campaign=a%00b") || hasNUL("/v1/bonuses", "campaign=a%20b") {
		t.Error("hasNUL")
	}
}
