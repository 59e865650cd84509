package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// TestKeyBatcherConcurrent: requests starting at once, some with one key,
// get what they would one after the other: one start per key, the others
// the running request; finished, each keeps its first response.
func TestKeyBatcherConcurrent(t *testing.T) {
	ctx := context.Background()
	st := testStore(t)
	k := newKeyBatcher(st)
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	const n = 60
	started := make([]bool, n)
	got := make([]store.Request, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := store.Request{Scope: "k POST /v1/events", Key: fmt.Sprintf("key-%d", i%20), Fingerprint: []byte{byte(i)}, Started: t0}
			var err error
			got[i], started[i], err = k.startRequest(ctx, st, r, t0.Add(-time.Minute))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	perKey := map[string]int{}
	for i := range n {
		if started[i] {
			perKey[got[i].Key]++
			assert.Equal(t, []byte{byte(i)}, got[i].Fingerprint)
		} else {
			assert.Equal(t, 0, got[i].Status, "the first still runs")
		}
	}
	require.Len(t, perKey, 20)
	for key, c := range perKey {
		assert.Equal(t, 1, c, "%s started once", key)
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, k.finishLater(ctx, st, store.FinishedRequest{Scope: "k POST /v1/events", Key: fmt.Sprintf("key-%d", i%20),
				Status: 200 + i, Response: []byte("{}")})())
		}()
	}
	wg.Wait()
	for key := range 20 {
		r, ok, err := st.StartRequest(ctx, store.Request{Scope: "k POST /v1/events", Key: fmt.Sprintf("key-%d", key), Started: t0}, t0)
		require.NoError(t, err)
		assert.False(t, ok)
		assert.Equal(t, 0, (r.Status-200-key)%20, "key-%d kept one of its own responses: %d", key, r.Status)
	}
	assert.True(t, k.g.idle())
}

// TestKeyBatcherMixed: a group of finishes and starts is one transaction
// in which the finishes come first; each call gets its own answer.
func TestKeyBatcherMixed(t *testing.T) {
	ctx := context.Background()
	st := testStore(t)
	k := newKeyBatcher(st)
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	a := store.Request{Scope: "k POST /v1/events", Key: "a", Fingerprint: []byte{1}, Started: t0}
	_, started, err := k.startRequest(ctx, st, a, t0.Add(-time.Minute))
	require.NoError(t, err)
	require.True(t, started)
	again, b := a, a
	again.Fingerprint = []byte{2}
	b.Key = "b"
	call := func(op keyOp) *groupCall[keyOp, store.StartedRequest] {
		return &groupCall[keyOp, store.StartedRequest]{in: op, done: make(chan struct{})}
	}
	batch := []*groupCall[keyOp, store.StartedRequest]{
		call(keyOp{start: &b, staleBefore: t0.Add(-time.Minute)}),
		call(keyOp{finish: store.FinishedRequest{Scope: a.Scope, Key: "a", Status: 200, Response: []byte(`{"n":1}`)}}),
		call(keyOp{start: &again, staleBefore: t0.Add(-time.Minute)}),
		call(keyOp{start: &b, staleBefore: t0.Add(-time.Minute)}),
	}
	k.g.runGroup(ctx, batch)
	for _, c := range batch {
		<-c.done
		require.False(t, c.alone)
		require.NoError(t, c.err)
	}
	assert.Equal(t, store.StartedRequest{Request: b, Started: true}, batch[0].out)
	assert.Equal(t, store.StartedRequest{}, batch[1].out, "a finish answers nothing")
	assert.False(t, batch[2].out.Started)
	assert.Equal(t, 200, batch[2].out.Request.Status, "the finish of the group came first")
	assert.Equal(t, []byte{1}, batch[2].out.Request.Fingerprint, "the first request's fingerprint, for the 422")
	assert.Equal(t, store.StartedRequest{Request: b, Started: false}, batch[3].out, "the first start of b runs")
}

// TestKeyBatcherFinishLater: a key's end queued is recorded before a start
// of the key queued after it, so that a retry sent once the end is queued
// (its response already sent) gets the response kept.
func TestKeyBatcherFinishLater(t *testing.T) {
	ctx := context.Background()
	st := testStore(t)
	k := newKeyBatcher(st)
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	a := store.Request{Scope: "k POST /v1/events", Key: "a", Fingerprint: []byte{1}, Started: t0}
	for i := range 20 {
		a.Key = fmt.Sprintf("a%d", i)
		_, started, err := k.startRequest(ctx, st, a, t0.Add(-time.Minute))
		require.NoError(t, err)
		require.True(t, started)
		finished := k.finishLater(ctx, st, store.FinishedRequest{Scope: a.Scope, Key: a.Key, Status: 200, Response: []byte(`{}`)})
		got, started, err := k.startRequest(ctx, st, a, t0.Add(-time.Minute))
		require.NoError(t, err)
		assert.False(t, started)
		assert.Equal(t, 200, got.Status, "the retry comes after the end")
		require.NoError(t, finished())
	}
}

// shortAnswers is a store whose WriteRequests answers one start fewer
// than it was given, as a broken driver would.
type shortAnswers struct{ *sqlite.Store }

func (s shortAnswers) WriteRequests(ctx context.Context, fs []store.FinishedRequest, rs []store.Request, stale time.Time) ([]store.StartedRequest, error) {
	got, err := s.Store.WriteRequests(ctx, fs, rs, stale)
	return got[:len(got)-1], err
}

// TestKeyBatcherShortAnswers: a group to which the store answers fewer
// starts than it asked runs each of its requests alone, each getting what
// the store gives it alone: no request takes another's answer.
func TestKeyBatcherShortAnswers(t *testing.T) {
	ctx := context.Background()
	st := testStore(t)
	k := newKeyBatcher(shortAnswers{st})
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	a := store.Request{Scope: "k POST /v1/events", Key: "a", Fingerprint: []byte{1}, Started: t0}
	b := a
	b.Key = "b"
	batch := []*groupCall[keyOp, store.StartedRequest]{
		{in: keyOp{start: &a, staleBefore: t0.Add(-time.Minute)}, done: make(chan struct{})},
		{in: keyOp{start: &b, staleBefore: t0.Add(-time.Minute)}, done: make(chan struct{})},
	}
	k.g.runGroup(ctx, batch)
	for _, c := range batch {
		<-c.done
		assert.True(t, c.alone, "run alone")
		assert.Nil(t, c.panic)
	}
	// Alone (a group of one is answered nothing, and panics in the
	// caller's goroutine, where the server's handler recovers it).
	assert.Panics(t, func() { k.startRequest(ctx, st, b, t0.Add(-time.Minute)) })
}

func (g *grouper[In, Out]) idle() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return !g.running && len(g.queue) == 0
}

// TestGrouperFailure: a group that fails sends each call back to run
// alone; a call alone gets the error, or the panic raised in its own
// goroutine.
func TestGrouperFailure(t *testing.T) {
	ctx := context.Background()
	fail := errors.New("the disk is full")
	g := &grouper[int, int]{do: func(_ context.Context, ins []int) ([]int, error) {
		for _, x := range ins {
			switch x {
			case 7:
				return nil, fail
			case 9:
				panic("the disk caught fire")
			}
		}
		out := make([]int, len(ins))
		for i, x := range ins {
			out[i] = 2 * x
		}
		return out, nil
	}}
	out, ok, err := g.call(ctx, 3)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 6, out)
	_, ok, err = g.call(ctx, 7)
	assert.True(t, ok, "alone: the error is its own")
	assert.ErrorIs(t, err, fail)
	assert.PanicsWithValue(t, "the disk caught fire", func() { g.call(ctx, 9) })

	// In a group, the failure sends every call back to run alone.
	batch := []*groupCall[int, int]{{in: 1, done: make(chan struct{})}, {in: 7, done: make(chan struct{})}, {in: 2, done: make(chan struct{})}}
	g.runGroup(ctx, batch)
	for _, c := range batch {
		<-c.done
		assert.True(t, c.alone)
		assert.NoError(t, c.err)
	}
	batch = []*groupCall[int, int]{{in: 9, done: make(chan struct{})}, {in: 2, done: make(chan struct{})}}
	g.runGroup(ctx, batch)
	for _, c := range batch {
		assert.True(t, c.alone)
		assert.Nil(t, c.panic)
	}
	assert.True(t, g.idle())
}
