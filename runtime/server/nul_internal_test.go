package server

import "testing"

func TestBadText(t *testing.T) {
	for _, c := range []struct {
		path, query string
		bad         bool
	}{
		{"/v1/players/a\x00b", "", true},
		{"/v1/bonuses", "campaign=a%00b", true},
		{"/v1/players/a\xffb", "", true},
		{"/v1/bonuses", "campaign=a%FFb", true},
		{"/v1/bonuses", "campaign=a%20b", false},
		// A pair that does not unescape is dropped by url.ParseQuery: the
		// others still reach the handler.
		{"/v1/bonuses", "x=%ZZ&campaign=a%00b", true},
		{"/v1/bonuses", "x=%ZZ&campaign=a%FFb", true},
		{"/v1/bonuses", "campaign=a%FFb&x=%ZZ", true},
		{"/v1/bonuses", "x=%ZZ&campaign=ab", false},
		{"/v1/players/zoë", "after=0", false},
	} {
		if got := badText(c.path, c.query) != ""; got != c.bad {
			t.Errorf("badText(%q, %q) = %v, want %v", c.path, c.query, got, c.bad)
		}
	}
}
