//go:build unix

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// fakeLeases is a store.Leases whose answers a test sets: the error paths
// of holdRunLease that no real store gives on demand.
type fakeLeases struct {
	mu         sync.Mutex
	acquire    func(holder string, now time.Time) (store.Lease, bool, error)
	renew      func(l store.Lease, now time.Time) (store.Lease, bool, error)
	renewCalls int
	released   []store.Lease
}

func (f *fakeLeases) Acquire(_ context.Context, _, holder string, now time.Time, ttl time.Duration) (store.Lease, bool, error) {
	return f.acquire(holder, now)
}

func (f *fakeLeases) Renew(_ context.Context, l store.Lease, now time.Time, ttl time.Duration) (store.Lease, bool, error) {
	f.mu.Lock()
	f.renewCalls++
	f.mu.Unlock()
	return f.renew(l, now)
}

func (f *fakeLeases) Release(_ context.Context, l store.Lease) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.released = append(f.released, l)
	return nil
}

func (f *fakeLeases) LeaseOf(context.Context, string) (store.Lease, bool, error) {
	return store.Lease{}, false, nil
}

// granted takes the lease for holder until now+runLeaseTTL.
func granted(holder string, now time.Time) (store.Lease, bool, error) {
	return store.Lease{Name: runLeaseName, Holder: holder, Expires: now.Add(runLeaseTTL)}, true, nil
}

// shortRunLease makes the run lease last d for the test.
func shortRunLease(t *testing.T, d time.Duration) {
	old := runLeaseTTL
	runLeaseTTL = d
	t.Cleanup(func() { runLeaseTTL = old })
}

func TestRunLeaseAcquireFails(t *testing.T) {
	f := &fakeLeases{acquire: func(string, time.Time) (store.Lease, bool, error) {
		return store.Lease{}, false, errors.New("disk I/O error")
	}}
	_, _, err := holdRunLease(context.Background(), f, "promoc.db")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "taking the run lease: disk I/O error")
}

func TestRunLeaseHeldByAnother(t *testing.T) {
	until := time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC)
	f := &fakeLeases{acquire: func(string, time.Time) (store.Lease, bool, error) {
		// A holder of another host: alive or not, it cannot be told.
		return store.Lease{Name: runLeaseName, Holder: "elsewhere:1:00", Expires: until}, false, nil
	}}
	_, _, err := holdRunLease(context.Background(), f, "promoc.db")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "another promoc run is running on this database (elsewhere:1:00, lease until 2026-12-06T21:00:00Z)")
}

func TestRunLeaseTakeoverFails(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)
	dead := deadPid(t)
	calls := 0
	f := &fakeLeases{acquire: func(holder string, now time.Time) (store.Lease, bool, error) {
		calls++
		if calls == 1 {
			return store.Lease{Name: runLeaseName, Holder: host + ":" + strconv.Itoa(dead) + ":00", Expires: now.Add(time.Hour)}, false, nil
		}
		return store.Lease{}, false, errors.New("database is locked")
	}}
	_, _, err = holdRunLease(context.Background(), f, "promoc.db")
	require.Error(t, err)
	assert.Equal(t, 2, calls, "the lease of a dead holder is taken over")
	assert.Contains(t, err.Error(), "taking the run lease: database is locked")
}

// TestRunLeaseRenewRefused: the lease passed to another holder; the run's
// context ends with errRunLeaseLost, and release leaves the lease alone.
func TestRunLeaseRenewRefused(t *testing.T) {
	shortRunLease(t, 30*time.Millisecond)
	f := &fakeLeases{acquire: granted, renew: func(store.Lease, time.Time) (store.Lease, bool, error) {
		return store.Lease{Name: runLeaseName, Holder: "other:1:00"}, false, nil
	}}
	held, release, err := holdRunLease(context.Background(), f, "promoc.db")
	require.NoError(t, err)
	waitDone(t, held)
	assert.ErrorIs(t, context.Cause(held), errRunLeaseLost)
	release()
	assert.Empty(t, f.released, "a lease lost is not released")
}

// TestRunLeaseRenewFails: a renewal that fails is tried again while the
// lease lasts; once it expired unrenewed, the lease is lost. Every failed
// renewal before the expiry is followed by another; the one that loses
// the lease came at or after it. A process stalled past the lease before
// its first renewal (a loaded machine) loses it at that first renewal, as
// it should, without trying again: the lease is then held again, until
// one run tries before the expiry (within 50 tries).
func TestRunLeaseRenewFails(t *testing.T) {
	shortRunLease(t, 60*time.Millisecond)
	for run := 0; ; run++ {
		require.Less(t, run, 50, "no first renewal came before the lease's expiry in 50 runs")
		var calls []time.Time // the now of each renewal; all of one lease
		var expires time.Time
		f := &fakeLeases{acquire: granted, renew: func(l store.Lease, now time.Time) (store.Lease, bool, error) {
			calls, expires = append(calls, now), l.Expires
			return store.Lease{}, false, errors.New("connection reset")
		}}
		held, release, err := holdRunLease(context.Background(), f, "promoc.db")
		require.NoError(t, err)
		waitDone(t, held)
		assert.ErrorIs(t, context.Cause(held), errRunLeaseLost)
		release()
		assert.Empty(t, f.released)
		f.mu.Lock()
		require.NotEmpty(t, calls)
		for _, now := range calls[:len(calls)-1] {
			require.True(t, now.Before(expires), "a renewal at or after the expiry %s did not lose the lease", expires)
		}
		require.False(t, calls[len(calls)-1].Before(expires), "the lease was lost before its expiry %s", expires)
		tried := len(calls) >= 2
		f.mu.Unlock()
		if tried {
			return // a failed renewal before the expiry was retried
		}
		t.Logf("run %d: stalled past the lease before its first renewal; again", run)
	}
}

// TestRunLeaseRenewedAndReleased: renewals that succeed keep the run going;
// release gives the lease up.
func TestRunLeaseRenewedAndReleased(t *testing.T) {
	shortRunLease(t, 15*time.Millisecond)
	f := &fakeLeases{acquire: granted, renew: func(l store.Lease, now time.Time) (store.Lease, bool, error) {
		l.Expires = now.Add(runLeaseTTL)
		return l, true, nil
	}}
	held, release, err := holdRunLease(context.Background(), f, "promoc.db")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.renewCalls >= 3
	}, 10*time.Second, 5*time.Millisecond, "three renewals")
	require.NoError(t, held.Err())
	release()
	require.Len(t, f.released, 1)
	assert.Equal(t, runLeaseName, f.released[0].Name)
	assert.ErrorIs(t, held.Err(), context.Canceled)
	assert.NotErrorIs(t, context.Cause(held), errRunLeaseLost)
}

func TestDeadHolder(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)
	for _, c := range []struct {
		holder string
		dead   bool
	}{
		{"", false},
		{"no-colons", false},
		{host + ":12:ab:cd", false},
		{host + ":x:ab", false},
		{host + ":0:ab", false},
		{host + ":-3:ab", false},
		{"another-host-" + host + ":" + strconv.Itoa(deadPid(t)) + ":ab", false},
		{host + ":" + strconv.Itoa(os.Getpid()) + ":ab", false},
		{host + ":" + strconv.Itoa(deadPid(t)) + ":ab", true},
	} {
		assert.Equal(t, c.dead, deadHolder(c.holder), c.holder)
	}
}

// waitDone waits until ctx is done.
func waitDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the run lease was not lost within 10 s")
	}
}

// deadPid is the id of a process of this host that ended.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}
