package tracking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"testing/fstest"
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
	prices := tracking.NewPrices(prog, "EUR")
	tr := newTracker(t, s, tracking.Config{Clock: func() time.Time { return now }, Price: prices.Price, Forget: prices.Forget, Window: tracking.Windows(prog)})

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

// TestPricesKept: a tiered payout priced on the publisher's kept
// conversions gives what an evaluation over every recorded conversion of
// the publisher gives, with conversions out of time order, ones exactly a
// window apart, two publishers, and a batch that failed in between.
func TestPricesKept(t *testing.T) {
	ctx := context.Background()
	prog, err := runtime.Compile(os.DirFS("../../examples/affiliate"))
	require.NoError(t, err)
	s := newStore(t)
	require.NoError(t, s.PutPublisher(ctx, store.Publisher{Ref: "beta", Created: t0}))
	now := t0
	prices := tracking.NewPrices(prog, "EUR")
	tr := newTracker(t, s, tracking.Config{Clock: func() time.Time { return now }, Price: prices.Price, Forget: prices.Forget, Window: tracking.Windows(prog)})
	const month = 30 * 24 * time.Hour
	rng := rand.New(rand.NewPCG(1, 2))
	at := t0
	for i := range 400 {
		switch r := rng.IntN(100); {
		case r == 0:
			at = at.Add(-time.Duration(rng.IntN(40*24)) * time.Hour) // far back: older than what is kept
		case r < 15:
			at = at.Add(-time.Duration(rng.IntN(120)) * time.Minute) // a little late
		case r == 15:
			at = at.Add(month) // exactly a window after the last
		default:
			at = at.Add(time.Duration(rng.IntN(60)) * time.Minute)
		}
		now = at
		pub := "alpha"
		if i%5 == 0 {
			pub = "beta"
		}
		sub := ""
		if i%7 == 0 {
			sub = "vip"
		}
		se, _, err := tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: pub, Sub: [5]string{sub}})
		require.NoError(t, err)
		if i == 200 {
			// A first deposit without an amount fails its price: nothing is
			// recorded, and what was kept is read again.
			_, err := tr.Convert(ctx, tracking.Conversion{Session: se.ID, Kind: "first_deposit", Ref: "bad"})
			require.Error(t, err)
		}
		_, err = tr.Convert(ctx, tracking.Conversion{Session: se.ID, Kind: "first_deposit", Amount: decimal.New(int64(10+i%90), 0),
			Currency: "EUR", Ref: fmt.Sprint(i)})
		require.NoError(t, err)
	}
	all, err := s.Conversions(ctx, 0, 1000)
	require.NoError(t, err)
	require.Len(t, all, 400)
	tiers := map[string]int{}
	for _, c := range all {
		// The reference: every conversion of the publisher recorded before
		// this one (or this one) that happened at or before it.
		in := runtime.Input{Now: c.At.Add(time.Nanosecond), Player: runtime.Player{ID: c.Publisher, Currency: "EUR"}}
		for _, e := range all {
			if e.Publisher == c.Publisher && !e.At.After(c.At) && e.Seq <= c.Seq {
				in.Transactions = append(in.Transactions, runtime.Transaction{ID: fmt.Sprint(e.Seq), Kind: e.Kind, Time: e.At, Currency: "EUR",
					Attrs: map[string]any{"amount": e.Amount, "offer": e.Offer, "publisher": e.Publisher, "sub1": e.Sub[0]}})
			}
		}
		res, err := prog.Evaluate(ctx, "first_deposit_revenue", in)
		require.NoError(t, err)
		require.Equal(t, runtime.Calculated, res.Outcome, "%s: %s", res.Reason, res.Detail)
		assert.Equal(t, res.Amount().String(), c.Revenue.String(), "conversion %d of %s at %s", c.Seq, c.Publisher, c.At)
		tiers[c.Revenue.String()]++
	}
	t.Log("revenues:", tiers)
	assert.Greater(t, tiers["45"]+tiers["55"], 0, "the second tier is reached")
	assert.Greater(t, tiers["60"]+tiers["70"], 0, "the third tier is reached")
}

// TestPricesCurrency: a conversion without an amount is priced in the
// first currency the rule set declares; with none declared, in the
// fallback. A conversion in a currency the rule set does not declare is
// refused, and nothing is recorded.
func TestPricesCurrency(t *testing.T) {
	ctx := context.Background()
	src := `kind registration {
	publisher: string
}
kind deposit {
	amount: money
}
payout cpa: publisher on conversion registration {
	give 25 EUR | 30 USD
}
`
	for _, c := range []struct {
		decl, want string
	}{{"", "25 EUR"}, {"currencies USD, EUR\n", "30 USD"}} {
		prog, err := runtime.Compile(fstest.MapFS{"p.promo": {Data: []byte(c.decl + src)}})
		require.NoError(t, err)
		s := newStore(t)
		prices := tracking.NewPrices(prog, "EUR")
		tr := newTracker(t, s, tracking.Config{Price: prices.Price, Forget: prices.Forget, Currencies: prog.Currencies})
		se, _, err := tr.Click(ctx, tracking.Click{Offer: "casino", Publisher: "alpha"})
		require.NoError(t, err)
		r, err := tr.Convert(ctx, tracking.Conversion{Session: se.ID, Kind: "registration"})
		require.NoError(t, err)
		assert.Equal(t, c.want, r.Conversion.Payout.String()+" "+r.Conversion.PayoutCurrency, "declared %q", c.decl)
		_, err = tr.Convert(ctx, tracking.Conversion{Session: se.ID, Kind: "deposit", Amount: decimal.RequireFromString("10"), Currency: "GBP"})
		if c.decl == "" {
			require.NoError(t, err, "any currency when none is declared")
			continue
		}
		var ie *tracking.InputError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, "currency", ie.Field)
		assert.Equal(t, tracking.InvalidAmount, ie.Code)
		assert.Equal(t, "currency: GBP is not a currency of the rule set: expected USD, EUR", ie.Message)
		all, err := s.Conversions(ctx, 0, 10)
		require.NoError(t, err)
		assert.Len(t, all, 1, "the GBP deposit is not recorded")
	}
}
