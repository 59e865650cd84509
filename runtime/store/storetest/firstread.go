package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// testFirstRead: FirstRead gives what States and Player give, read
// together: a player with neither, with states only, with a record only,
// and with both; the states by rule in byte order (upper case and the
// engine's '@' rows before lower case), none of another player's.
func testFirstRead(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	fr := implements[store.FirstReads](t, s)

	require.NoError(t, s.PutPlayers(ctx, []store.Player{
		{ID: "both", Zone: "Europe/Malta", Props: []byte(`{"vip_level":2}`)},
		{ID: "record", Zone: "", Props: []byte(`{}`)},
		{ID: "bot", Zone: "Asia/Tokyo", Props: []byte(`{"vip_level":9}`)},
	}))
	apply(t, s, store.Change{States: []store.State{
		{Player: "both", Rule: "weekly", Data: []byte("w")},
		{Player: "both", Rule: "@player", Data: []byte(`{"latest":"2026-11-02T00:00:00Z"}`)},
		{Player: "both", Rule: "Zeta", Data: []byte("z")},
		{Player: "both", Rule: "empty", Data: nil},
		{Player: "bothx", Rule: "weekly", Data: []byte("another player")},
		{Player: "states", Rule: "every_100", Data: []byte("e")},
	}})
	apply(t, s, store.Change{States: []store.State{{Player: "both", Rule: "weekly", Version: 1, Data: []byte("w2")}}})

	for _, id := range []string{"none", "states", "record", "both", "bot"} {
		t.Run(id, func(t *testing.T) {
			got, err := fr.FirstRead(ctx, id)
			require.NoError(t, err)
			states, err := s.States(ctx, id)
			require.NoError(t, err)
			p, has, err := s.Player(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, len(states), len(got.States))
			if len(states) > 0 {
				assert.Equal(t, states, got.States)
			}
			assert.Equal(t, has, got.HasPlayer)
			assert.Equal(t, p, got.Player)
		})
	}
	got, err := fr.FirstRead(ctx, "both")
	require.NoError(t, err)
	assert.Equal(t, []store.State{
		{Player: "both", Rule: "@player", Version: 1, Data: []byte(`{"latest":"2026-11-02T00:00:00Z"}`)},
		{Player: "both", Rule: "Zeta", Version: 1, Data: []byte("z")},
		{Player: "both", Rule: "empty", Version: 1, Data: []byte{}},
		{Player: "both", Rule: "weekly", Version: 2, Data: []byte("w2")},
	}, got.States)
	assert.True(t, got.HasPlayer)
	assert.Equal(t, store.Player{ID: "both", Zone: "Europe/Malta", Props: []byte(`{"vip_level":2}`)}, got.Player)
	none, err := fr.FirstRead(ctx, "none")
	require.NoError(t, err)
	assert.Empty(t, none.States)
	assert.False(t, none.HasPlayer)
	assert.Equal(t, store.Player{}, none.Player)
}
