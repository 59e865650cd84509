package server

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// TestLeaser: a job's lease is taken, renewed while the job runs, and
// released at its end; a job another holds is left; a job whose lease
// another took is cancelled, and its end releases nothing of the other's.
//
// The renewals are of a short lease, waited for (not slept through); that
// another holder is refused is checked on a lease of a minute: a short
// lease lapses, as it should, when this process stalls past it (a loaded
// machine), and another may then take it.
func TestLeaser(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "promoc.db"))
	require.NoError(t, err)
	defer st.Close()
	const ttl = 300 * time.Millisecond
	reg := prometheus.NewRegistry()
	l := newLeaser(st, "me", ttl, slog.New(slog.DiscardHandler), reg)

	held, release, ok, err := l.lease(ctx, "a")
	require.NoError(t, err)
	require.True(t, ok)
	first, _, err := st.LeaseOf(ctx, "scheduler/a")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, _, err := st.LeaseOf(ctx, "scheduler/a")
		require.NoError(t, err)
		return got.Holder == "me" && got.Token == first.Token && got.Expires.After(first.Expires)
	}, 10*time.Second, 5*time.Millisecond, "the lease was not renewed while the job ran (taken %+v)", first)
	require.NoError(t, held.Err(), "the job goes on while its lease is renewed")
	release()
	got, _, err := st.LeaseOf(ctx, "scheduler/a")
	require.NoError(t, err)
	assert.True(t, got.Expires.IsZero(), "released")
	assert.Equal(t, 1.0, counted(t, reg, "promoc_scheduler_jobs_total", "ran"))

	// Held by me: another holder is refused, and takes it once released.
	mine := newLeaser(st, "me", time.Minute, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	other := newLeaser(st, "other", time.Minute, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	_, releaseC, ok, err := mine.lease(ctx, "c")
	require.NoError(t, err)
	require.True(t, ok)
	_, _, ok, err = other.lease(ctx, "c")
	require.NoError(t, err)
	assert.False(t, ok, "held by me")
	releaseC()
	_, releaseOther, ok, err := other.lease(ctx, "c")
	require.NoError(t, err)
	assert.True(t, ok, "released: another takes it at once")
	releaseOther()

	// Another holder takes the lease as if mine had lapsed (this process
	// stalled): my next renewal finds it gone and cancels the job.
	held, release, ok, err = l.lease(ctx, "b")
	require.NoError(t, err)
	require.True(t, ok)
	thief, ok, err := st.Acquire(ctx, "scheduler/b", "thief", time.Now().Add(ttl), time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	select {
	case <-held.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the job was not cancelled when its lease was taken")
	}
	assert.True(t, errors.Is(context.Cause(held), errLeaseLost), "cause %v", context.Cause(held))
	release()
	got, _, err = st.LeaseOf(ctx, "scheduler/b")
	require.NoError(t, err)
	assert.Equal(t, thief, got, "the thief's lease left alone")
	assert.Equal(t, 1.0, counted(t, reg, "promoc_scheduler_jobs_total", "lost"))
}

var _ store.Leases = (*sqlite.Store)(nil)

// counted is the value of the counter name of reg whose one label has the
// value label.
func counted(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if ls := m.GetLabel(); len(ls) == 1 && ls[0].GetValue() == label {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
