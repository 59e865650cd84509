package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// A limit in days counts days on the player's wall clock: a weekly payout
// with at most 1 reward per 7 days pays every Monday, also in the week the
// clocks go forward (Monday to Monday is then 167 hours).
func TestLimitInDaysAcrossDST(t *testing.T) {
	ctx := context.Background()
	e, err := engine.New(ctx, compile(t, "testdata/weekly"), openStore(t), engine.Options{})
	require.NoError(t, err)
	malta, err := time.LoadLocation("Europe/Malta")
	require.NoError(t, err)
	start := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	handle(t, e, playerEv("reg", "p", start, "EUR", "Europe/Malta", nil))
	_, err = e.Advance(ctx, start)
	require.NoError(t, err)
	var got []string
	for _, day := range []int{23, 30} { // Mondays; the clocks go forward on Sunday the 29th
		at := time.Date(2026, 3, day, 0, 0, 0, 0, malta)
		outs, err := e.Advance(ctx, at)
		require.NoError(t, err)
		for _, o := range outs {
			assert.Equal(t, at.UTC(), o.At)
		}
		got = append(got, brief(outs)...)
	}
	assert.Equal(t, []string{"weekly p issued 5.00 EUR", "weekly p issued 5.00 EUR"}, got)
}
