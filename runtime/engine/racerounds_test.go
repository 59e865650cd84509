package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// losing is a store on which every change of the next n writes loses to
// another writer (its state written meanwhile), and that records when
// each write came.
type losing struct {
	store.Store
	n     atomic.Int32
	times []time.Time
}

func (l *losing) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	if l.n.Add(-1) >= 0 {
		l.times = append(l.times, time.Now())
		out := make([]store.Applied, len(changes))
		for i := range out {
			out[i].Err = store.ErrStateConflict
		}
		return out, nil
	}
	return l.Store.Apply(ctx, changes)
}

// TestAdvanceLosesRounds: Advance decides a scheduled run again after
// each write it lost, as Handle does, waiting a random time before each
// round after a loss (below 2^round x 100 µs), up to 16 rounds: 12 losses
// in a row are survived (8 ended Advance before), and the rounds are
// spaced, not run in step.
func TestAdvanceLosesRounds(t *testing.T) {
	prog, err := program(noonRules)
	require.NoError(t, err)
	l := &losing{Store: openStore(t)}
	e, err := engine.New(context.Background(), prog, l, engine.Options{})
	require.NoError(t, err)
	handle(t, e, playerEv("reg-p1", "p1", utc("2026-11-02T09:00:00Z"), "EUR", "UTC", nil))
	_, err = e.Advance(context.Background(), utc("2026-11-02T11:00:00Z")) // in service
	require.NoError(t, err)
	l.n.Store(12)
	out, err := e.Advance(context.Background(), utc("2026-11-02T12:00:00Z"))
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.Equal(t, "issued", string(out[0].Status))
	require.Len(t, l.times, 12)
	assert.Greater(t, l.times[11].Sub(l.times[0]), time.Millisecond, "the rounds wait")
}
