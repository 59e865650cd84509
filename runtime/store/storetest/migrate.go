package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// CheckMigratedFrom1 checks a store opened on a database of schema
// version 1 that held the event p1/old with hash 0x0102, the player p1 in
// Europe/Malta with properties {}, p1's state "x" at version 3 in rule r,
// and the issued outcome (seq 1, 5 EUR) of key r/a/p1/t: all are kept
// through the migrations, and the engine's additions work on the migrated
// database.
func CheckMigratedFrom1(t *testing.T, s store.Store) {
	ctx := context.Background()
	seen, err := s.Seen(ctx, []store.Event{{Player: "p1", ID: "old", Hash: []byte{1, 2}}, {Player: "p1", ID: "old", Hash: []byte{3}}})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.SeenSame, store.SeenOther}, seen)
	h, err := s.History(ctx, "p1", time.Time{})
	require.NoError(t, err)
	assert.Empty(t, h, "an event of version 1 has no body")
	zs, err := s.Zones(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"Europe/Malta"}, zs)
	ps, err := s.PlayersIn(ctx, "Europe/Malta", "", 10)
	require.NoError(t, err)
	assert.Equal(t, []store.Player{{ID: "p1", Zone: "Europe/Malta", Props: []byte("{}")}}, ps)

	sts, err := s.States(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, []store.State{{Player: "p1", Rule: "r", Version: 3, Data: []byte("x")}}, sts)
	got := one(t, s, store.Outcome{Key: store.Key{Rule: "r", Action: "a", Player: "p1", TriggerHash: "t"}, Status: store.Issued, Amount: dec("7"), Currency: "EUR"})
	assert.True(t, got.Repeat)
	assert.Equal(t, int64(1), got.Seq)
	assertDec(t, "5", got.Amount, "the first outcome's amount")

	record(t, s, event("p1", "new", 1))
	h, err = s.History(ctx, "p1", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []string{"new"}, ids(h))
	apply(t, s, store.Change{Timers: []store.Timer{{Player: "p1", Rule: "r", Due: t0}}})
	assert.Len(t, due(t, s, t0, 10), 1)
}
