package server

import "testing"

func TestHasNUL(t *testing.T) {
	if !hasNUL("/v1/players/a\x00b", "") || !hasNUL("/v1/bonuses", "campaign=a%00b") || hasNUL("/v1/bonuses", "campaign=a%20b") {
		t.Error("hasNUL")
	}
}
