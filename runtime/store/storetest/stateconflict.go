package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testStateConflictElsewhere: a store that wrote a state, and so may know
// its version without reading it again (the SQLite writer keeps the
// versions it committed), still finds every change of it made since by
// another store on the same database (another connection, as another
// process would be), by a transaction of WithAudit, or by a state created
// elsewhere that its change says is new. Each stale change loses whole, in
// batches as alone, and a change with the version stored then goes
// through.
func testStateConflictElsewhere(t *testing.T, d Driver) {
	ctx := context.Background()
	addr := d.New(t)
	s1, s2 := d.open(t, addr), d.open(t, addr)
	n := 0
	change := func(player, rule string, version int64, data string) store.Change {
		n++
		id := fmt.Sprintf("e%d", n)
		return store.Change{
			Event:    &store.Event{Player: player, ID: id, Hash: []byte(data), Kind: "deposit", At: t0},
			States:   []store.State{{Player: player, Rule: rule, Version: version, Data: []byte(data)}},
			Outcomes: []store.Outcome{give(store.Key{Rule: rule, Action: "give", Player: player, TriggerHash: id}, store.Issued, "", "1", "EUR")},
		}
	}
	state := func(s store.Store, player, rule string) store.State {
		t.Helper()
		st, err := s.State(ctx, player, rule)
		require.NoError(t, err)
		return st
	}
	seen := func(c store.Change) store.SeenStatus {
		t.Helper()
		got, err := s1.Seen(ctx, []store.Event{*c.Event})
		require.NoError(t, err)
		return got[0]
	}

	// s1 writes p1's state twice (the second write finds the version it
	// wrote); s2 writes it after.
	for v, data := range []string{"one", "two"} {
		a := apply(t, s1, change("p1", "r", int64(v), data), change("q1", "r", int64(v), data))
		require.NoError(t, a[0].Err)
		require.NoError(t, a[1].Err)
	}
	require.NoError(t, apply(t, s2, change("p1", "r", 2, "three"))[0].Err)

	// s1's changes of version 2 are stale: alone, in a batch beside a
	// change that goes through, and without an event.
	stale := change("p1", "r", 2, "stale")
	a := apply(t, s1, stale)[0]
	assert.ErrorIs(t, a.Err, store.ErrStateConflict, "alone")
	stale2 := change("p1", "r", 2, "stale2")
	a2 := apply(t, s1, change("q1", "r", 2, "q3"), stale2, store.Change{States: []store.State{{Player: "p1", Rule: "r", Version: 2, Data: []byte("x")}}})
	require.NoError(t, a2[0].Err)
	assert.ErrorIs(t, a2[1].Err, store.ErrStateConflict, "in a batch")
	assert.ErrorIs(t, a2[2].Err, store.ErrStateConflict, "without an event")
	assert.Equal(t, store.State{Player: "p1", Rule: "r", Version: 3, Data: []byte("three")}, state(s1, "p1", "r"))
	assert.Equal(t, store.NotSeen, seen(stale), "the stale change's event")
	assert.Equal(t, store.NotSeen, seen(stale2), "the stale change's event, in a batch")
	a = apply(t, s1, change("p1", "r", 3, "four"))[0]
	require.NoError(t, a.Err, "the version stored")
	assert.Equal(t, []int64{4}, a.Versions)

	// A state s2 created, which s1's change says is new.
	require.NoError(t, apply(t, s2, change("p2", "r", 0, "s2"))[0].Err)
	isNew := change("p2", "r", 0, "s1")
	a2 = apply(t, s1, isNew, change("q1", "r", 3, "q4"))
	assert.ErrorIs(t, a2[0].Err, store.ErrStateConflict, "a state created elsewhere")
	require.NoError(t, a2[1].Err)
	assert.Equal(t, store.State{Player: "p2", Rule: "r", Version: 1, Data: []byte("s2")}, state(s1, "p2", "r"))
	assert.Equal(t, store.NotSeen, seen(isNew))

	// s2 writes twice in a row, after a write of s1's to another state;
	// s1's changes that have either version s2 wrote over are stale, with
	// an event or without.
	require.NoError(t, apply(t, s1, change("q1", "r", 4, "q5"))[0].Err)
	require.NoError(t, apply(t, s2, change("p1", "r", 4, "five"))[0].Err)
	require.NoError(t, apply(t, s2, change("p1", "r", 5, "six"))[0].Err)
	noEvent := change("p1", "r", 5, "stale")
	noEvent.Event, noEvent.Outcomes = nil, nil
	a2 = apply(t, s1, change("p1", "r", 4, "stale"), noEvent, change("q1", "r", 5, "q6"))
	assert.ErrorIs(t, a2[0].Err, store.ErrStateConflict)
	assert.ErrorIs(t, a2[1].Err, store.ErrStateConflict)
	require.NoError(t, a2[2].Err)
	noEvent.States[0].Version = 4
	assert.ErrorIs(t, apply(t, s1, noEvent)[0].Err, store.ErrStateConflict)
	require.NoError(t, apply(t, s1, change("p1", "r", 6, "seven"))[0].Err)

	// s1 erases a player whose state it wrote: a change of the version it
	// wrote before is stale, one that says the state is new goes through.
	if er, ok := s1.(store.Eraser); ok {
		require.NoError(t, apply(t, s1, change("p4", "r", 0, "one"))[0].Err)
		require.NoError(t, apply(t, s1, change("p4", "r", 1, "two"))[0].Err)
		_, err := er.Erase(ctx, store.Erasure{Player: "p4", Pseudonym: "erased:p4", At: t0, Scrub: func(b []byte) ([]byte, error) { return b, nil }})
		require.NoError(t, err)
		assert.ErrorIs(t, apply(t, s1, change("p4", "r", 2, "stale"))[0].Err, store.ErrStateConflict, "after an erasure")
		a = apply(t, s1, change("p4", "r", 0, "anew"))[0]
		require.NoError(t, a.Err, "after an erasure, new")
		assert.Equal(t, []int64{1}, a.Versions)
	}

	// A batch of s1's that fails (an outcome's status no store takes)
	// changes nothing: the next batch finds the versions stored before it.
	bad := change("p1", "r", 7, "bad")
	bad.Outcomes[0].Status = "bogus"
	_, err := s1.Apply(ctx, []store.Change{change("q1", "r", 6, "q7"), bad})
	require.Error(t, err)
	a2 = apply(t, s1, change("q1", "r", 6, "q7"), change("p1", "r", 7, "eight"))
	require.NoError(t, a2[0].Err, "after a failed batch")
	require.NoError(t, a2[1].Err, "after a failed batch")

	// A write of s1's own in WithAudit's transaction.
	au, ok := s1.(store.Audited)
	if !ok {
		return
	}
	require.NoError(t, apply(t, s1, change("p3", "r", 0, "one"))[0].Err)
	_, err = au.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		got, err := tx.Apply(ctx, []store.Change{change("p3", "r", 1, "audited")})
		if err == nil {
			err = got[0].Err
		}
		return store.AuditEntry{Actor: "test", Action: "state", Target: "p3", At: t0, Before: []byte("null"), After: []byte("null")}, err
	})
	require.NoError(t, err)
	assert.ErrorIs(t, apply(t, s1, change("p3", "r", 1, "stale"))[0].Err, store.ErrStateConflict, "after WithAudit")
	assert.Equal(t, store.State{Player: "p3", Rule: "r", Version: 2, Data: []byte("audited")}, state(s1, "p3", "r"))
}
