package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// statesFail fails the read of one player's states while armed.
type statesFail struct {
	store.Store
	player string
	armed  atomic.Bool
}

func (s *statesFail) States(ctx context.Context, player string) ([]store.State, error) {
	if player == s.player && s.armed.Load() {
		return nil, errInjected
	}
	return s.Store.States(ctx, player)
}

// TestAdvanceDecideFails: Advance fails while deciding a page of timers,
// after it decided the first (p0's inactivity) and before it wrote
// anything. Nothing of the page is kept as decided (p0's cached state
// marked its inactivity fired): the next Advance fires both, in the order
// they fell due.
func TestAdvanceDecideFails(t *testing.T) {
	ctx := context.Background()
	st := &statesFail{Store: openStore(t), player: "p1"}
	handle(t, newEngine(t, st), eur("p0", t0), eur("p1", t0), login("l0", "p0", t0), login("l1", "p1", t0.Add(time.Minute)))
	e := engineFor(t, "basic", st, engine.Options{}) // a cache of its own: p0 and p1 read from the store
	st.armed.Store(true)
	_, err := e.Advance(ctx, t0.Add(8*24*time.Hour))
	require.ErrorIs(t, err, errInjected)
	st.armed.Store(false)
	outs, err := e.Advance(ctx, t0.Add(8*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []string{"win_back p0 issued 50pts", "win_back p1 issued 50pts"}, brief(outs), "in the order they fell due, p0's decided from the store")
}
