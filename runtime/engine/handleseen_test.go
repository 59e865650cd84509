package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// TestHandleSeen: HandleSeen marks the events handled before the call,
// by this engine or by another on the store, and not an event repeated
// within the call; it gives what Handle gives.
func TestHandleSeen(t *testing.T) {
	st := openStore(t)
	reg := playerEv("reg", "p", t0, "EUR", "", nil)
	d1 := ev("d1", "p", "deposit", t0.Add(time.Minute), "amount", "30", "method", "card")
	d2 := ev("d2", "p", "deposit", t0.Add(2*time.Minute), "amount", "30", "method", "card")
	e := newEngine(t, st)
	ctx := context.Background()
	outs, seen, err := e.HandleSeen(ctx, []engine.Event{reg, d1})
	require.NoError(t, err)
	assert.Len(t, outs, 1)
	assert.Equal(t, []bool{false, false}, seen)

	outs, seen, err = e.HandleSeen(ctx, []engine.Event{d1, d2, d2, reg})
	require.NoError(t, err)
	assert.Empty(t, outs, "the second deposit gives nothing here")
	assert.Equal(t, []bool{true, false, false, true}, seen, "d2's repeat within the call is the call's")

	outs, seen, err = newEngine(t, st).HandleSeen(ctx, []engine.Event{d2, d1})
	require.NoError(t, err)
	assert.Empty(t, outs)
	assert.Equal(t, []bool{true, true}, seen, "another engine on the store knows them")
}

// TestSubmitSeen: SubmitSeen marks as HandleSeen does, the events of a
// call still in flight among them, and nil when none was handled before.
func TestSubmitSeen(t *testing.T) {
	st := openStore(t)
	reg := playerEv("reg", "p", t0, "EUR", "", nil)
	d1 := ev("d1", "p", "deposit", t0.Add(time.Minute), "amount", "30", "method", "card")
	e := newEngine(t, st)
	ctx := context.Background()
	wait1, seen, err := e.SubmitSeen(ctx, []engine.Event{reg, d1})
	require.NoError(t, err)
	assert.Nil(t, seen, "none handled before")
	wait2, seen, err := e.SubmitSeen(ctx, []engine.Event{d1})
	require.NoError(t, err)
	assert.Equal(t, []bool{true}, seen, "d1 is in flight: handled before")
	outs, err := wait1()
	require.NoError(t, err)
	assert.Len(t, outs, 1)
	outs, err = wait2()
	require.NoError(t, err)
	assert.Empty(t, outs)
}
