package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leases is the store's store.Leases; the test fails when it has none.
func leases(t *testing.T, s store.Store) store.Leases {
	t.Helper()
	ls := implements[store.Leases](t, s)
	return ls
}

func testLeases(t *testing.T, d Driver) {
	ctx := context.Background()
	ls := leases(t, d.fresh(t))
	const ttl = 30 * time.Second
	_, ok, err := ls.LeaseOf(ctx, "job")
	require.NoError(t, err)
	assert.False(t, ok, "never taken")

	a, ok, err := ls.Acquire(ctx, "job", "A", t0, ttl)
	require.NoError(t, err)
	require.True(t, ok, "a free lease is taken")
	assert.Equal(t, store.Lease{Name: "job", Holder: "A", Token: 1, Expires: t0.Add(ttl)}, a)

	got, ok, err := ls.Acquire(ctx, "job", "B", t0.Add(ttl-time.Nanosecond), ttl)
	require.NoError(t, err)
	assert.False(t, ok, "held by A until it expires")
	assert.Equal(t, a, got, "the lease as held")

	again, ok, err := ls.Acquire(ctx, "job", "A", t0.Add(time.Second), ttl)
	require.NoError(t, err)
	require.True(t, ok, "the holder takes it again")
	assert.Equal(t, int64(1), again.Token, "same holder, same token")
	assert.Equal(t, t0.Add(time.Second+ttl), again.Expires)

	r, ok, err := ls.Renew(ctx, again, t0.Add(2*time.Second), ttl)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(2*time.Second+ttl), r.Expires)
	stale := r
	stale.Token = 7
	_, ok, err = ls.Renew(ctx, stale, t0.Add(2*time.Second), ttl)
	require.NoError(t, err)
	assert.False(t, ok, "another token renews nothing")

	// A stops renewing: at its expiry B takes it, with the next token;
	// A can neither renew nor release B's lease.
	b, ok, err := ls.Acquire(ctx, "job", "B", r.Expires, ttl)
	require.NoError(t, err)
	require.True(t, ok, "an expired lease is taken")
	assert.Equal(t, store.Lease{Name: "job", Holder: "B", Token: 2, Expires: r.Expires.Add(ttl)}, b)
	_, ok, err = ls.Renew(ctx, r, r.Expires, ttl)
	require.NoError(t, err)
	assert.False(t, ok, "A lost it")
	require.NoError(t, ls.Release(ctx, r))
	got, ok, err = ls.LeaseOf(ctx, "job")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, b, got, "A's release left B's lease alone")

	// B releases: A takes it at once, before B's lease would have expired.
	require.NoError(t, ls.Release(ctx, b))
	c, ok, err := ls.Acquire(ctx, "job", "A", r.Expires.Add(time.Second), ttl)
	require.NoError(t, err)
	require.True(t, ok, "a released lease is free")
	assert.Equal(t, int64(3), c.Token)
	_, ok, err = ls.Renew(ctx, b, r.Expires.Add(time.Second), ttl)
	require.NoError(t, err)
	assert.False(t, ok, "a released lease is not renewed")

	// The holder that let its lease lapse gets a new token: its old
	// renewals must not count.
	d2, ok, err := ls.Acquire(ctx, "job", "A", c.Expires.Add(time.Hour), ttl)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, int64(4), d2.Token, "a lapsed lease taken again moves on")

	other, ok, err := ls.Acquire(ctx, "other", "B", t0, ttl)
	require.NoError(t, err)
	assert.True(t, ok, "leases are per name")
	assert.Equal(t, int64(1), other.Token)

	for _, bad := range []struct {
		name, holder string
		now          time.Time
		ttl          time.Duration
	}{{"", "A", t0, ttl}, {"x", "", t0, ttl}, {"x", "A", t0, 0}, {"x", "A", time.Time{}, ttl}, {"x", "A", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), ttl}} {
		_, _, err := ls.Acquire(ctx, bad.name, bad.holder, bad.now, bad.ttl)
		assert.Error(t, err, "Acquire(%q, %q, %s, %s)", bad.name, bad.holder, bad.now, bad.ttl)
	}
}

// testLeaseRace makes goroutines ask for one lease at once, on stores of
// their own: exactly one gets it, and the others are told who.
func testLeaseRace(t *testing.T, d Driver) {
	ctx := context.Background()
	addr := d.New(t)
	const n = 12
	stores := make([]store.Leases, n)
	for i := range stores {
		stores[i] = leases(t, d.open(t, addr))
	}
	for round := range 3 {
		name := fmt.Sprintf("job-%d", round)
		var wg sync.WaitGroup
		got := make([]store.Lease, n)
		oks := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], oks[i], errs[i] = stores[i].Acquire(ctx, name, fmt.Sprintf("h%d", i), t0, time.Minute)
			}()
		}
		wg.Wait()
		winner := -1
		for i := range n {
			require.NoError(t, errs[i])
			if oks[i] {
				assert.Equal(t, -1, winner, "%s: h%d and h%d both took it", name, winner, i)
				winner = i
			}
		}
		require.NotEqual(t, -1, winner, "%s: nobody took it", name)
		for i := range n {
			assert.Equal(t, fmt.Sprintf("h%d", winner), got[i].Holder, "%s: h%d was told the holder", name, i)
		}
	}
	t.Logf("%s: %d stores asked for one lease at once, 3 times: one holder each time", d.Name, n)
}
