package tracking_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPayouts prices conversions with the payouts of examples/affiliate
// through a tracker, and attributes with its windows.
func TestPayouts(t *testing.T) {
	ctx := context.Background()
	prog, err := runtime.Compile(os.DirFS("../../examples/affiliate"))
	require.NoError(t, err)
	s := newStore(t)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "SPA-2026", WebPage: "https://spa.example/"}))
	require.NoError(t, s.PutPublisher(ctx, store.Publisher{Ref: "beta", Created: t0}))
	now := t0
	tr := newTracker(t, s, tracking.Config{Clock: func() time.Time { return now }, Price: tracking.Pricer(prog, "EUR"), Window: tracking.Windows(prog)})

	casino, _, err := tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: "alpha", Sub: [5]string{"vip"}})
	require.NoError(t, err)
	r, err := tr.Convert(ctx, tracking.Conversion{Session: casino.ID, Player: "p1", Kind: "registration"})
	require.NoError(t, err)
	require.Empty(t, r.Rejected)
	assert.Equal(t, "25.00 EUR", r.Conversion.Payout.StringFixed(2)+" "+r.Conversion.PayoutCurrency, "no amount: the default currency")
	assert.Empty(t, r.Conversion.RevenueCurrency, "no revenue payout on registrations")

	now = t0.Add(time.Hour)
	r, err = tr.Convert(ctx, tracking.Conversion{Player: "p1", Offer: "casino", Kind: "first_deposit", Amount: decimal.RequireFromString("33.35"), Currency: "USD", Ref: "tx1"})
	require.NoError(t, err)
	require.Empty(t, r.Rejected)
	assert.Equal(t, "10.00", r.Conversion.Payout.StringFixed(2), "30%% of 33.35, rounded down")
	assert.Equal(t, "USD", r.Conversion.PayoutCurrency, "the conversion's currency")
	assert.Equal(t, "44.00", r.Conversion.Revenue.StringFixed(2), "the first of the publisher (33 USD), from a vip link (11 USD)")
	assert.Equal(t, "USD", r.Conversion.RevenueCurrency)

	// The spa's links count for 7 days, half-open.
	spa, _, err := tr.Click(ctx, tracking.Click{Offer: "SPA-2026", Publisher: "beta"})
	require.NoError(t, err)
	now = now.Add(7 * 24 * time.Hour)
	r, err = tr.Convert(ctx, tracking.Conversion{Session: spa.ID, Kind: "registration"})
	require.NoError(t, err)
	assert.Equal(t, store.RejectExpired, r.Rejected)
	r, err = tr.Convert(ctx, tracking.Conversion{Session: spa.ID, Kind: "registration", At: now.Add(-time.Nanosecond)})
	require.NoError(t, err)
	assert.Empty(t, r.Rejected)
	// A first deposit whose payout cannot be evaluated is not recorded:
	// without an amount, its transaction lacks the amount its kind declares.
	_, err = tr.Convert(ctx, tracking.Conversion{Session: spa.ID, Kind: "first_deposit", At: now.Add(-time.Nanosecond)})
	var pe *tracking.PriceError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "first_deposit_share", pe.Payout)
	assert.Equal(t, "invalid-input", pe.Reason, "%s", pe.Detail)
	t.Log(pe)
	all, err := s.Conversions(ctx, 0, 100)
	require.NoError(t, err)
	assert.Len(t, all, 3)
}
