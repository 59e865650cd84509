package store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/promoc/promoc/runtime/store"
)

func TestIDFault(t *testing.T) {
	for _, c := range []struct{ id, want string }{
		{"p1", ""},
		{"p-1001", ""},
		{"joueur é 7", ""}, // a space inside, a composed letter
		{"p1\t", "U+0009, a control character"},
		{"p\n1", "U+000A, a control character"},
		{"p1\x7f", "U+007F, a control character"},
		{"p1\u200b", "U+200B, an invisible character"},
		{"\ufeffp1", "U+FEFF, an invisible character"},
		{"p1\u202e", "U+202E, an invisible character"},
		{"\u0645\u200c\u06cc", "U+200C, an invisible character"}, // a joiner too, as in voucher codes
		{"p1\ufe0f", "U+FE0F, an invisible character"},
		{"\u3164p1", "U+3164, an invisible character"},
		{" p1", "a space at the start"},
		{"p1 ", "a space at the end"},
		{"p1\u00a0", "a space at the end"},
		{"p1\xff", "not UTF-8"},
	} {
		got := store.IDFault(c.id)
		if c.want == "" {
			assert.Empty(t, got, "%q", c.id)
		} else {
			assert.Contains(t, got, c.want, "%q", c.id)
		}
	}
}
