package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// testRequestEnds: Apply records, in its transaction, the end of each
// request of its context whose events are all stored once it is
// committed, for the start the end names, and marks it Written; an end
// with an event not stored, or whose key another start took over, is not
// recorded; a repeat finds an end recorded so: not started, its status,
// no response.
func testRequestEnds(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	re := implements[store.RequestEnds](t, s)
	start := func(key string, fp byte) store.Request {
		r := store.Request{Scope: "k1 POST /v1/events", Key: key, Fingerprint: []byte{fp}, Started: t0}
		_, started, err := s.StartRequest(ctx, r, t0.Add(-time.Hour))
		require.NoError(t, err)
		require.True(t, started, key)
		return r
	}
	ref := func(e store.Event) store.EventRef { return store.EventRef{Player: e.Player, ID: e.ID} }
	e1, e2, e3 := event("p1", "e1", 0), event("p1", "e2", 1), event("p2", "e1", 0)
	old, lost, taken := event("p5", "e1", 0), event("p3", "e1", 0), event("p4", "e1", 0)
	record(t, s, old)
	// p3's state is at version 1: a change that read version 0 loses.
	require.NoError(t, apply(t, s, store.Change{States: []store.State{{Player: "p3", Rule: "r", Data: []byte("1")}}})[0].Err)

	one := &store.RequestEnd{Request: start("one", 1), Status: 200, Events: []store.EventRef{ref(e1)}}
	two := &store.RequestEnd{Request: start("two", 2), Status: 200, Events: []store.EventRef{ref(e2), ref(e3)}}
	again := &store.RequestEnd{Request: start("again", 3), Status: 200, Events: []store.EventRef{ref(old), ref(e1)}}
	conflict := &store.RequestEnd{Request: start("conflict", 4), Status: 200, Events: []store.EventRef{ref(lost)}}
	over := &store.RequestEnd{Request: start("over", 5), Status: 200, Events: []store.EventRef{ref(taken)}}
	later := over.Request
	later.Fingerprint, later.Started = []byte{6}, t0.Add(time.Hour)
	_, started, err := s.StartRequest(ctx, later, t0.Add(time.Minute)) // takes "over" over
	require.NoError(t, err)
	require.True(t, started)
	never := &store.RequestEnd{Request: store.Request{Scope: "k1 POST /v1/events", Key: "never", Fingerprint: []byte{7}, Started: t0},
		Status: 200, Events: []store.EventRef{ref(e1)}}
	ends := []*store.RequestEnd{one, two, again, conflict, over, never}

	ectx := re.WithRequestEnds(ctx, ends)
	got, err := s.Apply(ectx, []store.Change{
		{Event: &e1}, {Event: &e2}, {Event: &old}, {Event: &taken},
		{Event: &lost, States: []store.State{{Player: "p3", Rule: "r", Data: []byte("2")}}},
	})
	require.NoError(t, err)
	require.ErrorIs(t, got[4].Err, store.ErrStateConflict)
	assert.True(t, got[2].Duplicate)
	assert.True(t, one.Written.Load(), "its event written")
	assert.False(t, two.Written.Load(), "p2's e1 not stored yet")
	assert.True(t, again.Written.Load(), "an event recorded before, and one written")
	assert.False(t, conflict.Written.Load(), "its event's change lost")
	assert.False(t, over.Written.Load(), "its key taken over by another start")
	assert.False(t, never.Written.Load(), "never started")

	// The last of two's events, in another transaction: two is recorded;
	// one is not recorded twice.
	_, err = s.Apply(ectx, []store.Change{{Event: &e3}})
	require.NoError(t, err)
	assert.True(t, two.Written.Load(), "its events all stored")

	for _, c := range []struct {
		r      store.Request
		status int
	}{{one.Request, 200}, {two.Request, 200}, {again.Request, 200}, {conflict.Request, 0}, {later, 0}} {
		rep := c.r
		rep.Started = t0.Add(2 * time.Hour)
		got, started, err := s.StartRequest(ctx, rep, t0) // none stale
		require.NoError(t, err)
		assert.False(t, started, c.r.Key)
		assert.Equal(t, c.status, got.Status, c.r.Key)
		assert.Empty(t, got.Response, c.r.Key)
		assert.Equal(t, c.r.Fingerprint, got.Fingerprint, c.r.Key)
	}
	_, started, err = s.StartRequest(ctx, never.Request, t0)
	require.NoError(t, err)
	assert.True(t, started, "an end of a request never started records nothing")

	// A transaction that fails records no end.
	failing := &store.RequestEnd{Request: start("failing", 8), Status: 200, Events: []store.EventRef{{Player: "p6", ID: "e1"}}}
	cctx, cancel := context.WithCancel(re.WithRequestEnds(ctx, []*store.RequestEnd{failing}))
	cancel()
	e6 := event("p6", "e1", 0)
	_, err = s.Apply(cctx, []store.Change{{Event: &e6}})
	require.Error(t, err)
	assert.False(t, failing.Written.Load())
	rep := failing.Request
	rep.Started = t0.Add(2 * time.Hour)
	g, started, err := s.StartRequest(ctx, rep, t0)
	require.NoError(t, err)
	assert.False(t, started)
	assert.Equal(t, 0, g.Status, "still running")
}

// testRequestUnstarted: an Unstarted end is recorded, started and done,
// by the transaction that stores its events, and a repeat finds it as if
// it had been started by StartRequest; one whose events are stored over two
// transactions is started (running) by the first and done by the
// second; one whose key another request started meanwhile fails its
// transaction with ErrRequestTaken, and nothing of it is stored.
func testRequestUnstarted(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	re := implements[store.RequestEnds](t, s)
	const scope = "k1 POST /v1/events"
	req := func(key string, fp byte) store.Request {
		return store.Request{Scope: scope, Key: key, Fingerprint: []byte{fp}, Started: t0}
	}
	ref := func(e store.Event) store.EventRef { return store.EventRef{Player: e.Player, ID: e.ID} }
	// read is the request recorded with key, as a repeat finds it.
	read := func(key string) (store.Request, bool) {
		rep := store.Request{Scope: scope, Key: key, Fingerprint: []byte{99}, Started: t0.Add(2 * time.Hour)}
		got, started, err := s.StartRequest(ctx, rep, t0.Add(-time.Hour))
		require.NoError(t, err)
		return got, !started
	}

	e1, e2, e3 := event("p1", "e1", 0), event("p2", "e1", 0), event("p2", "e2", 1)
	one := &store.RequestEnd{Request: req("one", 1), Status: 200, Events: []store.EventRef{ref(e1)}, Unstarted: true}
	two := &store.RequestEnd{Request: req("two", 2), Status: 201, Events: []store.EventRef{ref(e2), ref(e3)}, Unstarted: true}
	ectx := re.WithRequestEnds(ctx, []*store.RequestEnd{one, two})
	_, err := s.Apply(ectx, []store.Change{{Event: &e1}, {Event: &e2}})
	require.NoError(t, err)
	assert.True(t, one.Written.Load(), "its event written")
	assert.False(t, two.Written.Load(), "p2's e2 not stored yet")
	got, found := read("one")
	require.True(t, found, "recorded")
	assert.Equal(t, 200, got.Status)
	assert.Empty(t, got.Response)
	assert.Equal(t, []byte{1}, got.Fingerprint)
	assert.True(t, got.Started.Equal(t0))
	got, found = read("two")
	require.True(t, found, "started by the transaction of its first event")
	assert.Equal(t, 0, got.Status, "running")
	assert.Equal(t, []byte{2}, got.Fingerprint)

	_, err = s.Apply(ectx, []store.Change{{Event: &e3}})
	require.NoError(t, err)
	assert.True(t, two.Written.Load(), "its events all stored")
	got, _ = read("two")
	assert.Equal(t, 201, got.Status, "done")
	assert.Empty(t, got.Response)

	// Another request took the key meanwhile: started, or done.
	for i, other := range []func(store.Request){
		func(r store.Request) {
			_, started, err := s.StartRequest(ctx, r, t0.Add(-time.Hour))
			require.NoError(t, err)
			require.True(t, started)
		},
		func(r store.Request) {
			_, started, err := s.StartRequest(ctx, r, t0.Add(-time.Hour))
			require.NoError(t, err)
			require.True(t, started)
			require.NoError(t, s.FinishRequest(ctx, r.Scope, r.Key, 200, []byte("{}")))
		},
	} {
		key := fmt.Sprintf("taken-%d", i)
		theirs := req(key, 7)
		theirs.Started = t0.Add(time.Second)
		other(theirs)
		ev := event("p3", key, 0)
		mine := &store.RequestEnd{Request: req(key, 8), Status: 200, Events: []store.EventRef{ref(ev)}, Unstarted: true}
		_, err = s.Apply(re.WithRequestEnds(ctx, []*store.RequestEnd{mine}), []store.Change{{Event: &ev}})
		require.ErrorIs(t, err, store.ErrRequestTaken)
		assert.False(t, mine.Written.Load())
		seen, err := s.Seen(ctx, []store.Event{ev})
		require.NoError(t, err)
		assert.Equal(t, store.NotSeen, seen[0], "nothing of the transaction stored")
		got, _ = read(key)
		assert.Equal(t, []byte{7}, got.Fingerprint, "the other's key left as it was")
	}

	// A transaction that fails after it recorded a key's start leaves no
	// key behind: the first end's start is rolled back with the second's
	// failure (the same key, taken by the first within the transaction).
	ea, eb := event("p4", "a", 0), event("p5", "b", 0)
	first := &store.RequestEnd{Request: req("rolled", 5), Status: 200, Events: []store.EventRef{ref(ea)}, Unstarted: true}
	second := &store.RequestEnd{Request: req("rolled", 6), Status: 200, Events: []store.EventRef{ref(eb)}, Unstarted: true}
	_, err = s.Apply(re.WithRequestEnds(ctx, []*store.RequestEnd{first, second}), []store.Change{{Event: &ea}, {Event: &eb}})
	require.ErrorIs(t, err, store.ErrRequestTaken)
	assert.False(t, first.Written.Load() || first.Begun.Load(), "not marked: not committed")
	seen, err := s.Seen(ctx, []store.Event{ea, eb})
	require.NoError(t, err)
	assert.Equal(t, []store.SeenStatus{store.NotSeen, store.NotSeen}, seen, "nothing of the transaction stored")
	_, found = read("rolled")
	assert.False(t, found, "no key left behind")

	// Two requests with one key at once (two processes on one
	// database): one records it with its events, the other's transaction
	// fails with ErrRequestTaken and stores nothing.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	evs := []store.Event{event("p6", "race", 0), event("p7", "race", 0)}
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			end := &store.RequestEnd{Request: req("raced", byte(10+i)), Status: 200, Events: []store.EventRef{ref(evs[i])}, Unstarted: true}
			_, errs[i] = s.Apply(re.WithRequestEnds(ctx, []*store.RequestEnd{end}), []store.Change{{Event: &evs[i]}})
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, won, "one only")
			won = i
		} else {
			require.ErrorIs(t, err, store.ErrRequestTaken)
		}
	}
	require.NotEqual(t, -1, won, "one of them")
	seen, err = s.Seen(ctx, evs)
	require.NoError(t, err)
	assert.Equal(t, store.NotSeen, seen[1-won], "the other stored nothing")
	assert.NotEqual(t, store.NotSeen, seen[won])
	got, found = read("raced")
	require.True(t, found)
	assert.Equal(t, []byte{byte(10 + won)}, got.Fingerprint, "the winner's")
	assert.Equal(t, 200, got.Status)
}
