package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func due(t testing.TB, s store.Store, until time.Time, limit int) []store.Timer {
	t.Helper()
	got, err := s.Due(context.Background(), until, limit)
	require.NoError(t, err)
	return got
}

func testTimers(t *testing.T, d Driver) {
	s := d.fresh(t)
	assert.Empty(t, due(t, s, t0.Add(1000*time.Hour), 10))
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	apply(t, s, store.Change{Timers: []store.Timer{
		{Player: "p2", Rule: "winback", Due: h(2)},
		{Player: "p1", Rule: "winback", Due: h(2)},
		{Player: "p1", Rule: "alpha", Due: h(2)},
		{Player: "p3", Rule: "winback", Due: h(1)},
		{Player: "p4", Rule: "winback", Due: h(5)},
	}})
	// By due time, then player, then rule; until is inclusive.
	assert.Equal(t, []store.Timer{
		{Player: "p3", Rule: "winback", Due: h(1)},
		{Player: "p1", Rule: "alpha", Due: h(2)},
		{Player: "p1", Rule: "winback", Due: h(2)},
		{Player: "p2", Rule: "winback", Due: h(2)},
	}, due(t, s, h(2), 10))
	assert.Len(t, due(t, s, h(2), 2), 2, "at most limit")
	assert.Empty(t, due(t, s, h(1).Add(-1), 10))
	assert.Empty(t, due(t, s, time.Time{}, 10), "the zero time is before everything")

	// A timer of the same player and rule replaces the old one; a zero Due
	// deletes it, and deleting what is not there is no error.
	apply(t, s, store.Change{Timers: []store.Timer{
		{Player: "p3", Rule: "winback", Due: h(9)},
		{Player: "p1", Rule: "alpha"},
		{Player: "nobody", Rule: "winback"},
	}})
	assert.Equal(t, []store.Timer{
		{Player: "p1", Rule: "winback", Due: h(2)},
		{Player: "p2", Rule: "winback", Due: h(2)},
		{Player: "p4", Rule: "winback", Due: h(5)},
		{Player: "p3", Rule: "winback", Due: h(9)},
	}, due(t, s, h(100), 10))
	assert.Equal(t, time.UTC, due(t, s, h(100), 1)[0].Due.Location())
	assert.Len(t, due(t, s, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 10), 4, "a bound past what nanoseconds hold")

	// A time the store cannot hold exactly is refused, and nothing of the
	// batch written.
	ctx := context.Background()
	far := time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := s.Apply(ctx, []store.Change{{Timers: []store.Timer{{Player: "p5", Rule: "r", Due: h(1)}}}, {Timers: []store.Timer{{Player: "p6", Rule: "r", Due: far}}}})
	assert.ErrorContains(t, err, `change 1, timer of player "p6" in rule "r": time 2300-01-01 00:00:00 +0000 UTC out of range`)
	_, err = s.Apply(ctx, []store.Change{{Event: &store.Event{Player: "p5", ID: "old", At: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	assert.ErrorContains(t, err, `change 0, event "old": time 1600-01-01 00:00:00 +0000 UTC out of range`)
	assert.Len(t, due(t, s, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 10), 4)
}

// testChangeAllOrNothing: the timers and players of a change are written
// with it, and not at all when the change is a duplicate or conflicts.
func testChangeAllOrNothing(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	at := t0.Add(time.Hour)
	ev := event("p1", "e1", 0)
	a := apply(t, s, store.Change{
		Event:   &ev,
		States:  []store.State{{Player: "p1", Rule: "winback", Data: []byte("1")}},
		Timers:  []store.Timer{{Player: "p1", Rule: "winback", Due: at}},
		Players: []store.Player{{ID: "p1", Zone: "Europe/Malta", Props: []byte(`{"vip":1}`)}},
	})[0]
	require.NoError(t, a.Err)
	assert.Equal(t, []store.Timer{{Player: "p1", Rule: "winback", Due: at}}, due(t, s, at, 10))
	ps, err := s.Players(ctx, "", 10)
	require.NoError(t, err)
	assert.Equal(t, []store.Player{{ID: "p1", Zone: "Europe/Malta", Props: []byte(`{"vip":1}`)}}, ps)

	later := at.Add(time.Hour)
	changed := []store.Player{{ID: "p1", Zone: "Asia/Tokyo", Props: []byte(`{"vip":2}`)}, {ID: "p9", Props: []byte(`{}`)}}
	moved := []store.Timer{{Player: "p1", Rule: "winback", Due: later}, {Player: "p1", Rule: "new", Due: later}}
	clash := event("p1", "e1", 0)
	clash.Hash = []byte("other")
	as := apply(t, s,
		// A duplicate of e1.
		store.Change{Event: &ev, Timers: moved, Players: changed},
		// e1 with other content.
		store.Change{Event: &clash, Timers: moved, Players: changed},
		// A state read at an old version.
		store.Change{Event: ptr(event("p1", "e2", 1)), States: []store.State{{Player: "p1", Rule: "winback", Data: []byte("2")}},
			Timers: moved, Players: changed},
	)
	assert.True(t, as[0].Duplicate)
	assert.ErrorIs(t, as[1].Err, store.ErrEventConflict)
	assert.ErrorIs(t, as[2].Err, store.ErrStateConflict)
	assert.Equal(t, []store.Timer{{Player: "p1", Rule: "winback", Due: at}}, due(t, s, later, 10), "no timer written")
	ps, err = s.Players(ctx, "", 10)
	require.NoError(t, err)
	assert.Equal(t, []store.Player{{ID: "p1", Zone: "Europe/Malta", Props: []byte(`{"vip":1}`)}}, ps, "no player written")
	seen, err := s.Seen(ctx, []store.Event{event("p1", "e2", 1)})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.NotSeen}, seen, "the conflicting change's event not recorded")

	// A transaction error (a refused amount) writes nothing of the batch.
	_, err = s.Apply(ctx, []store.Change{
		{Timers: moved, Players: changed},
		{Outcomes: []store.Outcome{give(key("p1", "bad"), store.Issued, "c", "0.000000001", "EUR")}},
	})
	require.ErrorIs(t, err, store.ErrAmount)
	assert.Len(t, due(t, s, later, 10), 1, "no timer written")

	// Retried at the right version, everything is written.
	a = apply(t, s, store.Change{Event: ptr(event("p1", "e2", 1)), States: []store.State{{Player: "p1", Rule: "winback", Version: 1, Data: []byte("2")}},
		Timers: moved, Players: changed})[0]
	require.NoError(t, a.Err)
	assert.Equal(t, []store.Timer{{Player: "p1", Rule: "new", Due: later}, {Player: "p1", Rule: "winback", Due: later}}, due(t, s, later, 10))
	ps, err = s.Players(ctx, "", 10)
	require.NoError(t, err)
	assert.Equal(t, changed, ps)
}

func ptr[T any](v T) *T { return &v }

func testZones(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	zs, err := s.Zones(ctx)
	require.NoError(t, err)
	assert.Empty(t, zs)
	require.NoError(t, s.PutPlayers(ctx, []store.Player{
		{ID: "m1", Zone: "Europe/Malta"}, {ID: "t1", Zone: "Asia/Tokyo"}, {ID: "m3", Zone: "Europe/Malta"},
		{ID: "m2", Zone: "Europe/Malta", Props: []byte(`{"a":1}`)}, {ID: "x", Zone: ""}, {ID: "moved", Zone: "Europe/Malta"},
	}))
	// A player that moves leaves its old zone.
	apply(t, s, store.Change{Players: []store.Player{{ID: "moved", Zone: "America/New_York"}}})
	zs, err = s.Zones(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"", "America/New_York", "Asia/Tokyo", "Europe/Malta"}, zs)

	ps, err := s.PlayersIn(ctx, "Europe/Malta", "", 2)
	require.NoError(t, err)
	assert.Equal(t, []store.Player{{ID: "m1", Zone: "Europe/Malta", Props: []byte{}}, {ID: "m2", Zone: "Europe/Malta", Props: []byte(`{"a":1}`)}}, ps)
	ps, err = s.PlayersIn(ctx, "Europe/Malta", "m2", 2)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, "m3", ps[0].ID)
	ps, err = s.PlayersIn(ctx, "", "", 10)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, "x", ps[0].ID)
	ps, err = s.PlayersIn(ctx, "Europe/Berlin", "", 10)
	require.NoError(t, err)
	assert.Empty(t, ps)
}

// testRedeliveryRace: writers deliver the same events at once, in batches
// in different orders: each event is written once (its state, timer,
// outcome and reservation), every other delivery is a duplicate.
func testRedeliveryRace(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.SetBudget(ctx, "c", "EUR", dec("1000"), t0))
	const events, writers, batch = 60, 6, 10
	changes := make([]store.Change, events)
	for i := range changes {
		p := fmt.Sprint("p", i%20)
		e := event(p, fmt.Sprint("e", i), i)
		changes[i] = store.Change{
			Event:   &e,
			Timers:  []store.Timer{{Player: p, Rule: fmt.Sprint("r", i), Due: e.At}},
			Players: []store.Player{{ID: p, Zone: "Europe/Malta"}},
			States:  []store.State{{Player: p, Rule: fmt.Sprint("r", i), Data: []byte("x")}},
			Outcomes: []store.Outcome{give(store.Key{Rule: "r", Action: "a", Player: p, TriggerHash: e.ID},
				store.Issued, "c", "1.5", "EUR")},
		}
	}
	written := make([]int, events)
	var mu sync.Mutex
	var wg sync.WaitGroup
	// Room for every error a writer can send (one per change, or one per
	// failed Apply): a full channel would block a writer holding mu.
	errs := make(chan error, writers*events)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			order := rand.New(rand.NewPCG(uint64(w), 7)).Perm(events)
			for len(order) > 0 {
				n := min(batch, len(order))
				part := make([]store.Change, n)
				for j, i := range order[:n] {
					part[j] = changes[i]
				}
				got, err := s.Apply(ctx, part)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for j, a := range got {
					switch {
					case a.Err != nil:
						errs <- fmt.Errorf("event %d: %w", order[j], a.Err)
					case !a.Duplicate:
						written[order[j]]++
					}
				}
				mu.Unlock()
				order = order[n:]
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, n := range written {
		assert.Equal(t, 1, n, "event %d written", i)
	}
	assertDec(t, "90", budget(t, s, "c", "EUR").Posted, "posted: 60 times 1.5")
	assert.Len(t, allOutcomes(t, s), events)
	assert.Len(t, due(t, s, t0.Add(time.Hour), 1000), events)
}
