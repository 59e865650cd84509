package tracking

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIDs: session ids are in the order they are made, even at one time,
// distinct, 32 hex digits, and start with the click's time.
func TestIDs(t *testing.T) {
	var g ids
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var prev string
	seen := map[string]bool{}
	for i := range 1000 {
		when := at
		if i%3 == 0 {
			when = at.Add(-time.Second) // a clock that went back
		}
		id := g.next(when)
		require.Len(t, id, 32)
		assert.Greater(t, id, prev, "id %d", i)
		assert.False(t, seen[id[16:]], "the random half repeats")
		seen[id[16:]] = true
		prev = id
	}
	id := (&ids{}).next(at)
	assert.Equal(t, fmt.Sprintf("%016x", at.UnixNano()), id[:16])
}
