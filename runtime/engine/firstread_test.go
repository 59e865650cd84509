package engine_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// readCounts is a store that counts the engine's reads of a player it
// does not hold: FirstRead (when the store has it, and first is set), or
// States and Player.
type readCounts struct {
	store.Store
	firstReads, states, player atomic.Int64
}

func (s *readCounts) States(ctx context.Context, id string) ([]store.State, error) {
	s.states.Add(1)
	return s.Store.States(ctx, id)
}

func (s *readCounts) Player(ctx context.Context, id string) (store.Player, bool, error) {
	s.player.Add(1)
	return s.Store.Player(ctx, id)
}

// withFirstRead adds FirstRead to a readCounts.
type withFirstRead struct{ *readCounts }

func (s withFirstRead) FirstRead(ctx context.Context, id string) (store.FirstRead, error) {
	s.firstReads.Add(1)
	return s.Store.(store.FirstReads).FirstRead(ctx, id)
}

// TestFirstRead: the engine reads a player it does not hold in one query
// on a store.FirstReads, and with States and Player on a store without it;
// both give the same outcomes: an imported player's record is taken on
// the first sight (by an event, and by a scheduled run), a player's stored
// data on a cold cache, and a new player is new.
func TestFirstRead(t *testing.T) {
	ctx := context.Background()
	run := func(t *testing.T, first bool) ([]string, *readCounts) {
		raw := openStore(t)
		counts := &readCounts{Store: raw}
		var st store.Store = counts
		if first {
			st = withFirstRead{counts}
		}
		_, hides := st.(store.FirstReads)
		require.Equal(t, first, hides)
		require.NoError(t, raw.PutPlayers(ctx, []store.Player{
			{ID: "imp", Zone: "Europe/Malta", Props: []byte(`{"id":"imp","currency":"EUR","zone":"Europe/Malta","properties":{"vip_level":2}}`)},
			{ID: "quiet", Zone: "Europe/Malta", Props: []byte(`{"id":"quiet","currency":"EUR","zone":"Europe/Malta","properties":{"vip_level":3}}`)},
		}))
		var all []string
		e := engineFor(t, "basic", st, engine.Options{})
		outs, err := e.Advance(ctx, t0) // puts the schedule into service
		require.NoError(t, err)
		all = append(all, brief(outs)...)
		all = append(all, brief(handle(t, e,
			ev("l1", "imp", "login", t0.Add(time.Hour)),
			playerEv("r1", "new", t0.Add(time.Hour), "EUR", "Europe/Malta", map[string]any{"vip_level": json.Number("1")}),
			ev("l2", "new", "login", t0.Add(2*time.Hour)),
			ev("d1", "new", "deposit", t0.Add(2*time.Hour), "amount", "30", "method", "card"),
		))...)
		// A cold cache: the players are read again, from their stored data.
		e = engineFor(t, "basic", st, engine.Options{})
		all = append(all, brief(handle(t, e, ev("l3", "imp", "login", t0.Add(3*time.Hour))))...)
		outs, err = e.Advance(ctx, t0.Add(7*day))
		require.NoError(t, err)
		all = append(all, brief(outs)...)
		return all, counts
	}
	one, c1 := run(t, true)
	two, c2 := run(t, false)
	assert.Equal(t, []string{
		"first_deposit_bonus new issued 10.00 EUR",
		"weekly_logins imp issued 2pts",
		"weekly_logins new issued 1pts",
		"weekly_logins quiet skipped/no-matching-transactions",
	}, one)
	assert.Equal(t, one, two)
	assert.Positive(t, c1.firstReads.Load())
	assert.Zero(t, c1.states.Load(), "a store with FirstRead is read with it")
	assert.Zero(t, c1.player.Load())
	assert.Zero(t, c2.firstReads.Load())
	assert.Equal(t, c1.firstReads.Load(), c2.states.Load(), "one States for each FirstRead")
	// Player is read for the players without stored data only: imp and
	// new on the first engine; on the second, quiet (imported, no event).
	assert.Equal(t, int64(3), c2.player.Load())
}
