package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func inboxOf(t testing.TB, s store.Store) store.Inbox {
	t.Helper()
	in := implements[store.Inbox](t, s)
	return in
}

func testInbox(t *testing.T, d Driver) {
	ctx := context.Background()
	addr := d.New(t)
	in := inboxOf(t, d.open(t, addr))
	a, err := in.Accept(ctx, store.InboxEntry{Ref: "a", Actor: "k1", Body: []byte(`[{"id":"e1"}]`), Accepted: t0})
	require.NoError(t, err)
	b, err := in.Accept(ctx, store.InboxEntry{Ref: "b", Actor: "k1", Body: []byte(`{"id":"e2"}`), Accepted: t0})
	require.NoError(t, err)
	assert.Greater(t, b.Seq, a.Seq)
	_, err = in.Accept(ctx, store.InboxEntry{Ref: "a", Actor: "k1", Body: []byte(`{}`), Accepted: t0})
	assert.Error(t, err, "a reference stored already")
	_, err = in.Accept(ctx, store.InboxEntry{Ref: "c", Accepted: t0})
	assert.Error(t, err, "no body")

	// Durable: another connection (a restarted process) sees them.
	in2 := inboxOf(t, d.open(t, addr))
	pend, err := in2.PendingInbox(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pend, 2)
	assert.Equal(t, store.InboxEntry{Seq: a.Seq, Ref: "a", Actor: "k1", Body: []byte(`[{"id":"e1"}]`), Accepted: t0, Status: store.InboxPending}, pend[0])
	assert.Equal(t, "b", pend[1].Ref)
	pend, err = in2.PendingInbox(ctx, 1)
	require.NoError(t, err)
	require.Len(t, pend, 1)

	at := t0.Add(time.Second)
	require.NoError(t, in2.FinishInbox(ctx, a.Seq, store.InboxDone, []byte(`{"events":1}`), at))
	require.NoError(t, in2.FinishInbox(ctx, a.Seq, store.InboxFailed, []byte(`{}`), at), "finished already: left as it was")
	assert.Error(t, in2.FinishInbox(ctx, b.Seq, store.InboxPending, nil, at))
	require.NoError(t, in2.FinishInbox(ctx, b.Seq, store.InboxFailed, []byte(`{"code":"invalid-event"}`), at))
	got, ok, err := in.InboxEntry(ctx, "a")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, store.InboxDone, got.Status)
	assert.Equal(t, `{"events":1}`, string(got.Result))
	assert.Equal(t, at, got.Finished)
	got, _, err = in.InboxEntry(ctx, "b")
	require.NoError(t, err)
	assert.Equal(t, store.InboxFailed, got.Status)
	_, ok, err = in.InboxEntry(ctx, "zz")
	require.NoError(t, err)
	assert.False(t, ok)
	pend, err = in.PendingInbox(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, pend)

	n, err := in.PruneInbox(ctx, at)
	require.NoError(t, err)
	assert.Zero(t, n, "finished at the bound, not before")
	n, err = in.PruneInbox(ctx, at.Add(time.Nanosecond))
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	_, ok, err = in.InboxEntry(ctx, "a")
	require.NoError(t, err)
	assert.False(t, ok)
}

// testInboxLease: one holder at a time; the lease passes on when it runs
// out, and many claimants at once elect one.
func testInboxLease(t *testing.T, d Driver) {
	ctx := context.Background()
	addr := d.New(t)
	in := inboxOf(t, d.open(t, addr))
	held, err := in.ClaimInbox(ctx, "p1", t0, t0.Add(10*time.Second))
	require.NoError(t, err)
	assert.True(t, held)
	held, err = in.ClaimInbox(ctx, "p2", t0.Add(5*time.Second), t0.Add(15*time.Second))
	require.NoError(t, err)
	assert.False(t, held, "p1's lease runs")
	held, err = in.ClaimInbox(ctx, "p1", t0.Add(5*time.Second), t0.Add(15*time.Second))
	require.NoError(t, err)
	assert.True(t, held, "renewed")
	held, err = in.ClaimInbox(ctx, "p2", t0.Add(16*time.Second), t0.Add(26*time.Second))
	require.NoError(t, err)
	assert.True(t, held, "p1's lease ran out")

	var mu sync.Mutex
	winners := 0
	var wg sync.WaitGroup
	now := t0.Add(time.Minute)
	for i := range 8 {
		s := inboxOf(t, d.open(t, addr))
		wg.Go(func() {
			held, err := s.ClaimInbox(ctx, string(rune('a'+i)), now, now.Add(time.Minute))
			assert.NoError(t, err)
			if held {
				mu.Lock()
				winners++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, winners, "claimants at once")
}
