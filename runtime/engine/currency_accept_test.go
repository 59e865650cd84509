package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// TestAcceptCurrencyMismatch: a transaction in another currency than the
// player's is an input error (the engine takes no conversion rates). It is
// refused naming the event and the field, and its call stores nothing; a
// player's currency is the one a player event sets, or the first a
// transaction names, and a player event may change it.
func TestAcceptCurrencyMismatch(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := newEngine(t, st)
	usdDeposit := func(id, player string, at time.Time) engine.Event {
		d := deposit(id, player, at, "50", "card")
		d.Currency = "USD"
		return d
	}

	_, err := e.Handle(ctx, []engine.Event{eur("p1", t0), usdDeposit("d1", "p1", t0.Add(time.Minute))})
	var ee *engine.EventError
	require.True(t, errors.As(err, &ee), "%v", err)
	assert.Equal(t, 1, ee.Index)
	assert.Equal(t, "d1", ee.ID)
	assert.Equal(t, "currency", ee.Field)
	assert.Contains(t, ee.Error(), "USD differs from the player's currency EUR")
	outs, err := st.Outcomes(ctx, 0, 100)
	require.NoError(t, err)
	assert.Empty(t, outs, "the call stored nothing")

	// The same player, stored in EUR by a good call: a later USD deposit is
	// refused against the stored currency.
	assert.Equal(t, []string{"first_deposit_bonus p1 issued 10.00 EUR"},
		brief(handle(t, e, eur("p1", t0), deposit("d1", "p1", t0.Add(time.Minute), "50", "card"))))
	_, err = e.Handle(ctx, []engine.Event{usdDeposit("d2", "p1", t0.Add(2*time.Minute))})
	require.True(t, errors.As(err, &ee), "%v", err)
	assert.Equal(t, "currency", ee.Field)

	// A player event changing the currency comes first: accepted.
	handle(t, e, playerEv("reg2-p1", "p1", t0.Add(3*time.Minute), "USD", "", nil), usdDeposit("d3", "p1", t0.Add(4*time.Minute)))

	// A player nobody registered: the first currency named is the player's.
	handle(t, e, usdDeposit("d1", "p2", t0.Add(time.Minute)))
	_, err = e.Handle(ctx, []engine.Event{deposit("d2", "p2", t0.Add(2*time.Minute), "10", "card")})
	require.NoError(t, err, "no currency named: the player's")
	d := deposit("d3", "p2", t0.Add(3*time.Minute), "10", "card")
	d.Currency = "EUR"
	_, err = e.Handle(ctx, []engine.Event{d})
	require.True(t, errors.As(err, &ee), "%v", err)
	assert.Contains(t, ee.Error(), "EUR differs from the player's currency USD")
}
