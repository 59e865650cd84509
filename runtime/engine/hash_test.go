package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTriggerHash keeps triggerHash what it has always been (stored keys
// name triggers by it): the SHA-256 of the parts, each followed by a zero
// byte, its first 16 bytes in hex. Parts longer than its stack buffer take
// the same path through the heap.
func TestTriggerHash(t *testing.T) {
	ref := func(parts ...string) string {
		h := sha256.New()
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		return hex.EncodeToString(h.Sum(nil)[:16])
	}
	long := strings.Repeat("é", 300)
	for _, parts := range [][]string{
		{},
		{""},
		{"event", "p1", "e1"},
		{"inactive", "p1", "2026-11-23T10:00:00Z"},
		{"schedule", "weekly", "Europe/Malta", "2026-11-23"},
		{"event", long, "e1"},
		{"event", "p1", long + long},
	} {
		assert.Equal(t, ref(parts...), triggerHash(parts...), "%q", parts)
	}
	// A value from before the rewrite (sha256sum of "event\0p1\0e1\0"):
	// the keys in stores stay valid.
	assert.Equal(t, "394530c3d4058a1de0154492f98b2b4f", triggerHash("event", "p1", "e1"))
}
