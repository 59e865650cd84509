package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// event is a player's event at t0 plus minutes, with a body.
func event(player, id string, minutes int) store.Event {
	return store.Event{Player: player, ID: id, Hash: []byte("h-" + id), Kind: "deposit",
		At: t0.Add(time.Duration(minutes) * time.Minute), Body: []byte(`{"id":"` + id + `"}`)}
}

// record applies one change per event and fails on any conflict.
func record(t testing.TB, s store.Store, events ...store.Event) {
	t.Helper()
	changes := make([]store.Change, len(events))
	for i := range events {
		changes[i] = store.Change{Event: &events[i]}
	}
	for i, a := range apply(t, s, changes...) {
		require.NoError(t, a.Err, "event %d", i)
		require.False(t, a.Duplicate, "event %d", i)
	}
}

func ids(events []store.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.ID)
	}
	return out
}

func testSeen(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	got, err := s.Seen(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, got)

	record(t, s, event("p1", "e1", 0), event("p1", "e2", 1), event("p2", "e1", 2))
	other := event("p1", "e2", 1)
	other.Hash = []byte("other")
	got, err = s.Seen(ctx, []store.Event{
		event("p1", "e1", 0), // the same
		other,                // the same id, other content
		event("p1", "e3", 0), // new
		event("p3", "e1", 0), // the id of another player's event
		event("p2", "e1", 2), // the same, for p2
		event("p1", "e1", 0), // asked twice in one call
	})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.SeenSame, store.SeenOther, store.NotSeen, store.NotSeen, store.SeenSame, store.SeenSame}, got)

	// A batch of thousands, every third one recorded, ids with quotes and
	// non-ASCII: one call answers them all, in order.
	var batch, seen []store.Event
	for i := range 3000 {
		e := event(fmt.Sprintf("pl-%d-\"ü\"", i%97), fmt.Sprintf("ev-%d'", i), i)
		e.Body = nil
		batch = append(batch, e)
		if i%3 == 0 {
			seen = append(seen, e)
		}
	}
	record(t, s, seen...)
	batch[3].Hash = []byte("changed")
	got, err = s.Seen(ctx, batch)
	require.NoError(t, err)
	require.Len(t, got, len(batch))
	for i, st := range got {
		want := store.NotSeen
		switch {
		case i == 3:
			want = store.SeenOther
		case i%3 == 0:
			want = store.SeenSame
		}
		if st != want {
			t.Fatalf("event %d: %v, want %v", i, st, want)
		}
	}
}

func testHistory(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	h, err := s.History(ctx, "p1", time.Time{})
	require.NoError(t, err)
	assert.Empty(t, h)

	// Recorded out of time order; two at the same time keep the order
	// recorded; one without a body keeps no history; another player's
	// events are not p1's.
	noBody := event("p1", "nobody", 5)
	noBody.Body = nil
	empty := event("p1", "empty", 6)
	empty.Body = []byte{}
	record(t, s, event("p1", "late", 30), event("p1", "same-b", 10), event("p2", "x", 10), noBody)
	record(t, s, event("p1", "same-a", 10), event("p1", "early", 0), empty)

	h, err = s.History(ctx, "p1", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []string{"early", "empty", "same-b", "same-a", "late"}, ids(h))
	want := event("p1", "late", 30)
	assert.Equal(t, want, h[4], "an event comes back as recorded")
	assert.Equal(t, time.UTC, h[4].At.Location())
	assert.Equal(t, []byte{}, h[1].Body, "an empty body is history too")

	// since is inclusive.
	h, err = s.History(ctx, "p1", t0.Add(10*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, []string{"same-b", "same-a", "late"}, ids(h))
	h, err = s.History(ctx, "p1", t0.Add(10*time.Minute+1))
	require.NoError(t, err)
	assert.Equal(t, []string{"late"}, ids(h))

	// A duplicate is not recorded twice, and a conflicting one changes
	// nothing.
	dup := event("p1", "late", 30)
	clash := event("p1", "late", 31)
	clash.Hash, clash.Body = []byte("other"), []byte("other")
	as := apply(t, s, store.Change{Event: &dup}, store.Change{Event: &clash})
	assert.True(t, as[0].Duplicate)
	assert.ErrorIs(t, as[1].Err, store.ErrEventConflict)
	h, err = s.History(ctx, "p1", t0.Add(11*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, []store.Event{want}, h)
}

func testPrune(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	noBody := event("p2", "nobody", 0)
	noBody.Body = nil
	record(t, s, event("p1", "a", 0), event("p1", "b", 10), event("p1", "c", 20), event("p2", "d", 5), noBody)

	n, err := s.Prune(ctx, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, int64(0), n, "the zero time is before everything")
	// Before is exclusive: b, at 10 minutes, stays.
	n, err = s.Prune(ctx, t0.Add(10*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, int64(2), n, "a and d; the event without a body had none to drop")
	h, err := s.History(ctx, "p1", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "c"}, ids(h))
	h, err = s.History(ctx, "p2", time.Time{})
	require.NoError(t, err)
	assert.Empty(t, h)
	n, err = s.Prune(ctx, t0.Add(10*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, int64(0), n, "pruning again drops nothing")

	// A pruned event delivered again is still a duplicate, with the same
	// hash, and a conflict with another.
	seen, err := s.Seen(ctx, []store.Event{event("p1", "a", 0), {Player: "p1", ID: "a", Hash: []byte("x")}})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.SeenSame, store.SeenOther}, seen)
	again := event("p1", "a", 0)
	as := apply(t, s, store.Change{Event: &again, Outcomes: []store.Outcome{give(key("p1", "a"), store.Issued, "", "1", "EUR")}})
	assert.True(t, as[0].Duplicate)
	assert.Empty(t, allOutcomes(t, s))
	h, err = s.History(ctx, "p1", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "c"}, ids(h), "a redelivery does not bring a body back")

	// Many bodies at once: every one is dropped, and counted.
	many := make([]store.Event, 9000)
	for i := range many {
		many[i] = event(fmt.Sprint("m", i%300), fmt.Sprint("m", i), -1000+i%900)
	}
	record(t, s, many...)
	n, err = s.Prune(ctx, t0.Add(15*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, int64(9001), n, "the 9000 and b")
	h, err = s.History(ctx, "m7", time.Time{})
	require.NoError(t, err)
	assert.Empty(t, h)
	h, err = s.History(ctx, "p1", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, ids(h))
}

func testStates(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	sts, err := s.States(ctx, "p1")
	require.NoError(t, err)
	assert.Empty(t, sts)
	apply(t, s, store.Change{States: []store.State{
		{Player: "p1", Rule: "weekly", Data: []byte("w")},
		{Player: "p1", Rule: "every_100", Data: []byte("e")},
		{Player: "p2", Rule: "weekly", Data: []byte("other player")},
		{Player: "p1", Rule: "empty", Data: nil},
	}})
	apply(t, s, store.Change{States: []store.State{{Player: "p1", Rule: "weekly", Version: 1, Data: []byte("w2")}}})
	sts, err = s.States(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, []store.State{
		{Player: "p1", Rule: "empty", Version: 1, Data: []byte{}},
		{Player: "p1", Rule: "every_100", Version: 1, Data: []byte("e")},
		{Player: "p1", Rule: "weekly", Version: 2, Data: []byte("w2")},
	}, sts)
}

// testSeenSame: an event's Same decides whether the hash recorded with its
// id is its own (the engine's hash of meaning, an older engine's hash of
// text), in Seen and in Apply, whatever the bytes of its Hash: the same is
// a duplicate, another a conflict that writes nothing.
func testSeenSame(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	record(t, s, event("p1", "e1", 0))
	recorded := []byte("h-e1")
	is := func(want []byte) func([]byte) bool {
		return func(h []byte) bool { return string(h) == string(want) }
	}
	yes, no := event("p1", "e1", 0), event("p1", "e1", 0)
	yes.Hash, yes.Same = []byte("another-hash"), is(recorded)
	no.Same = is([]byte("not-recorded"))
	got, err := s.Seen(ctx, []store.Event{yes, no})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.SeenSame, store.SeenOther}, got)

	a := apply(t, s, store.Change{Event: &yes})
	require.NoError(t, a[0].Err)
	assert.True(t, a[0].Duplicate, "recorded with a hash Same takes")
	a = apply(t, s, store.Change{Event: &no})
	assert.ErrorIs(t, a[0].Err, store.ErrEventConflict, "recorded with a hash Same refuses")

	// In one batch: the second change of an event recorded by the first.
	first := event("p1", "e2", 1)
	again := event("p1", "e2", 1)
	again.Hash, again.Same = []byte("e2 in other words"), is(first.Hash)
	a = apply(t, s, store.Change{Event: &first}, store.Change{Event: &again})
	require.NoError(t, a[0].Err)
	require.NoError(t, a[1].Err)
	assert.False(t, a[0].Duplicate)
	assert.True(t, a[1].Duplicate)
	got, err = s.Seen(ctx, []store.Event{event("p1", "e2", 1)})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.SeenSame}, got, "recorded with the first's hash")
}
