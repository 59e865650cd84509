package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// panickyStore panics reading the states of one player: a bug of the
// store's, met on one of the goroutines that read a call's new players
// (prefetch).
type panickyStore struct {
	store.Store
	player string
}

func (s panickyStore) States(ctx context.Context, player string) ([]store.State, error) {
	if player == s.player {
		panic("the store's bug")
	}
	return s.Store.States(ctx, player)
}

// TestPrefetchPanic: a panic of the store's while the engine reads a
// call's new players on goroutines of its own is raised again in the
// caller's goroutine, where a host recovers it (promoc serve's handler),
// not on a goroutine no one recovers, which ended the process; nothing of
// the call is cached or written, and the engine goes on.
func TestPrefetchPanic(t *testing.T) {
	ctx := context.Background()
	st := panickyStore{Store: openStore(t), player: "p2"}
	e, err := engine.New(ctx, compile(t, "testdata/basic"), st, engine.Options{})
	require.NoError(t, err)
	call := []engine.Event{
		ev("d1", "p1", "deposit", t0, "amount", "150"),
		ev("d2", "p2", "deposit", t0, "amount", "150"),
		ev("d3", "p3", "deposit", t0, "amount", "150"),
	}
	assert.PanicsWithValue(t, "the store's bug", func() { _, _ = e.Handle(ctx, call) })
	outs, err := e.Handle(ctx, []engine.Event{call[0], call[2]})
	require.NoError(t, err, "the engine goes on")
	assert.NotEmpty(t, outs)
}
