package tracking_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

// listReader is a fakeReader that also lists a publisher's conversions
// by time, as a payout without a bounded window (or a failed input) reads
// them, and records the start of each list.
type listReader struct {
	fakeReader
	froms []time.Time
}

func (l *listReader) PublisherConversions(publisher string, from, to time.Time) ([]store.Conversion, error) {
	l.froms = append(l.froms, from)
	var out []store.Conversion
	for _, c := range l.rows {
		if c.Publisher == publisher && !c.At.Before(from) && c.At.Before(to) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b store.Conversion) int { return a.At.Compare(b.At) })
	return out, nil
}

// pricesOf compiles src and returns its prices, a reader, and a function
// that records a deposit of a publisher (amount in currency) at minute
// min after t0 and prices it.
func pricesOf(t *testing.T, src string) (*tracking.Prices, *listReader, func(pub string, min int, amount, currency string) (store.Conversion, error)) {
	t.Helper()
	prog, err := runtime.Compile(fstest.MapFS{"p.promo": {Data: []byte(src)}})
	require.NoError(t, err)
	p := tracking.NewPrices(prog, "EUR")
	r := &listReader{}
	price := func(pub string, min int, amount, currency string) (store.Conversion, error) {
		c := store.Conversion{Seq: int64(len(r.rows) + 1), Publisher: pub, Kind: "deposit", Currency: currency, At: t0.Add(time.Duration(min) * time.Minute)}
		if amount != "" {
			c.Amount = decimal.RequireFromString(amount)
		}
		r.rows = append(r.rows, c) // recorded, then priced
		err := p.Price(&c, r)
		return c, err
	}
	return p, r, price
}

const depositKind = `kind deposit {
	amount: money
	publisher: string
}
`

// TestPricesUnbounded: a payout that aggregates without a bounded window
// reads every conversion of the publisher before the conversion, from the
// start of time, each time (nothing is kept).
func TestPricesUnbounded(t *testing.T) {
	_, r, price := pricesOf(t, depositKind+`
payout lifetime: publisher on conversion deposit {
	give 1 EUR * count(deposit)
}
`)
	for i, min := range []int{0, 60 * 24 * 400, 60 * 24 * 800} { // more than two years apart
		c, err := price("alpha", min, "10", "EUR")
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(i+1), c.Payout.String(), "every earlier conversion counts")
	}
	_, err := price("beta", 5, "10", "EUR")
	require.NoError(t, err)
	assert.Equal(t, []time.Time{limits.MinTime, limits.MinTime, limits.MinTime, limits.MinTime}, r.froms)
	assert.Empty(t, r.since, "nothing kept")
}

// TestPricesMaxKept: past maxKept publishers, what is kept is dropped and
// each publisher read again from the start of its window when it next
// converts; the prices stay right.
func TestPricesMaxKept(t *testing.T) {
	_, r, price := pricesOf(t, depositKind+`
payout tiered: publisher on conversion deposit {
	window last 30 days
	give 1 EUR * count(deposit)
}
`)
	for i := range tracking.MaxKept {
		_, err := price(fmt.Sprint("pub-", i), 1, "10", "EUR")
		require.NoError(t, err)
	}
	r.since = nil
	c, err := price("pub-0", 2, "10", "EUR")
	require.NoError(t, err)
	assert.Equal(t, "2", c.Payout.String())
	assert.Equal(t, []int64{1}, r.since, "kept: read since its last")

	r.since = nil
	_, err = price("one-too-many", 2, "10", "EUR")
	require.NoError(t, err)
	c, err = price("pub-0", 3, "10", "EUR")
	require.NoError(t, err)
	assert.Equal(t, "3", c.Payout.String())
	assert.Equal(t, []int64{0, 0}, r.since, "dropped: pub-0 read again from the start")
}

// TestPricesOutcomes: a skipped payout pays nothing (its side has no
// amount and no currency) while the other is priced; a payout whose
// outcome is an error refuses the conversion, and the error names that
// payout, not the first of the kind.
func TestPricesOutcomes(t *testing.T) {
	_, _, price := pricesOf(t, depositKind+`
payout flat: publisher on conversion deposit {
	check conversion.amount >= 100 EUR {
		give 5 EUR
	}
	skip "small deposit"
}

payout ratio: revenue on conversion deposit {
	window last 30 days
	give 10 EUR / (count(deposit) - 1)
}
`)
	_, err := price("alpha", 0, "150", "EUR")
	var pe *tracking.PriceError
	require.ErrorAs(t, err, &pe, "one deposit: a division by zero")
	assert.Equal(t, "ratio", pe.Payout)
	assert.Equal(t, "division-by-zero", pe.Reason)

	c, err := price("alpha", 1, "50", "EUR")
	require.NoError(t, err)
	assert.True(t, c.Payout.IsZero(), "skipped: pays nothing")
	assert.Empty(t, c.PayoutCurrency)
	assert.Equal(t, "10", c.Revenue.String(), "10 / (2 - 1): the refused one is recorded here")
	assert.Equal(t, "EUR", c.RevenueCurrency)
}

// TestPricesInputErrorNamesItsPayout: an earlier conversion the input
// refuses (its currency unknown) fails the payout that aggregates over it,
// and the error names that payout; the payout that reads the conversion
// alone does not read it. A conversion refused on its own names the first
// payout, which reads it.
func TestPricesInputErrorNamesItsPayout(t *testing.T) {
	_, r, price := pricesOf(t, depositKind+`
payout flat: publisher on conversion deposit {
	give 5 EUR
}

payout tiered: revenue on conversion deposit {
	window last 30 days
	give 1 EUR * count(deposit)
}
`)
	r.rows = append(r.rows, store.Conversion{Seq: 1, Publisher: "alpha", Kind: "deposit", Amount: decimal.RequireFromString("10"), Currency: "XYZ", At: t0})
	_, err := price("alpha", 1, "10", "EUR")
	var pe *tracking.PriceError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "tiered", pe.Payout)
	assert.Equal(t, "invalid-input", pe.Reason)
	assert.Contains(t, pe.Detail, "XYZ")
	assert.True(t, strings.HasPrefix(pe.Detail, "the conversion of sequence 1, recorded earlier: "), "named as the API knows it, not as a transaction of the evaluation: %s", pe.Detail)

	_, err = price("beta", 1, "", "") // no amount: its kind declares one
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "flat", pe.Payout)
	assert.Equal(t, "invalid-input", pe.Reason)
	assert.Equal(t, "amount: missing", pe.Detail, "the request's own field")
}

// TestPricesPerCurrency: a publisher's conversions in two currencies are
// two ledgers. A payout prices a conversion over the publisher's
// conversions in its currency (and those without an amount): money of
// two currencies is never added, and neither refuses the other's
// conversions, kept (a bounded window) or read (no bound) alike.
func TestPricesPerCurrency(t *testing.T) {
	for _, window := range []string{"window last 30 days", ""} {
		t.Run(cmpOr(window, "unbounded"), func(t *testing.T) {
			_, r, price := pricesOf(t, depositKind+`
payout share: publisher on conversion deposit {
	`+window+`
	give 10% of sum(deposit.amount)
}

payout tiered: revenue on conversion deposit {
	`+window+`
	give (1 EUR | 2 USD) * count(deposit)
}
`)
			for _, c := range []struct {
				amount, currency, payout, revenue string
			}{
				{"100", "EUR", "10", "1"},
				{"50", "USD", "5", "2"},  // EUR's 100 is not added
				{"20", "EUR", "12", "2"}, // 120 EUR, 2 EUR deposits
				{"30", "USD", "8", "4"},  // 80 USD, 2 USD deposits
				{"10", "USD", "9", "6"},  // 90 USD, 3 USD deposits
			} {
				got, err := price("alpha", len(r.rows), c.amount, c.currency)
				require.NoError(t, err, "%+v", c)
				assert.Equal(t, []string{c.payout, c.currency, c.revenue, c.currency}, []string{got.Payout.String(), got.PayoutCurrency, got.Revenue.String(), got.RevenueCurrency}, "%+v", c)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestPricesInputErrorFields: every field of a conversion a payout can
// refuse is named as the API knows it, from the error's path, whether the
// payout reads the conversion alone or the publisher's conversions (the
// conversion among them, recorded before it pricing): the conversion's own
// amount, currency and attributes (those of its click included) by their
// names, an earlier conversion's by its sequence number.
func TestPricesInputErrorFields(t *testing.T) {
	for _, tc := range []struct {
		name, schema string
		earlier      *store.Conversion // recorded before, sequence 1
		amount, cur  string
		sub1         string
		want         string
	}{
		{name: "amount missing", schema: "kind deposit {\n\tamount: money\n}\n",
			want: "amount: missing"},
		{name: "currency unknown", schema: "kind deposit {\n\tamount: money\n}\n", amount: "10", cur: "XYZ",
			want: `currency: unknown currency "XYZ"`},
		{name: "currency not served", schema: "currencies EUR, USD\n\nkind deposit {\n\tamount: money\n}\n", amount: "10", cur: "GBP",
			want: "currency: GBP is not served: the rule set serves EUR, USD"},
		{name: "sub id not a number", schema: "kind deposit {\n\tamount: money\n\tsub1: number\n}\n", amount: "10", cur: "EUR", sub1: "abc",
			want: `sub1: invalid number "abc": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`},
		{name: "publisher not a boolean", schema: "kind deposit {\n\tamount: money\n\tpublisher: bool\n}\n", amount: "10", cur: "EUR",
			want: "publisher: want a boolean, got a string"},
		{name: "earlier currency unknown", schema: "kind deposit {\n\tamount: money\n}\n", amount: "10", cur: "EUR",
			earlier: &store.Conversion{Amount: decimal.RequireFromString("10"), Currency: "XYZ"},
			want:    `the conversion of sequence 1, recorded earlier: currency: unknown currency "XYZ"`},
		{name: "earlier amount missing", schema: "kind deposit {\n\tamount: money\n}\n", amount: "10", cur: "EUR",
			earlier: &store.Conversion{},
			want:    "the conversion of sequence 1, recorded earlier: amount: missing"},
		{name: "earlier sub id not a number", schema: "kind deposit {\n\tamount: money\n\tsub1: number\n}\n", amount: "10", cur: "EUR", sub1: "1",
			earlier: &store.Conversion{Amount: decimal.RequireFromString("10"), Currency: "EUR", Sub: [5]string{"abc"}},
			want:    `the conversion of sequence 1, recorded earlier: sub1: invalid number "abc": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`},
	} {
		for _, window := range []string{"window last 30 days", ""} {
			t.Run(tc.name+"/"+cmpOr(window, "unbounded"), func(t *testing.T) {
				prog, err := runtime.Compile(fstest.MapFS{"p.promo": {Data: []byte(tc.schema + `
payout share: publisher on conversion deposit {
	` + window + `
	give 1 EUR | 1 USD * count(deposit)
}
`)}})
				require.NoError(t, err)
				p := tracking.NewPrices(prog, "EUR")
				r := &listReader{}
				if tc.earlier != nil {
					e := *tc.earlier
					e.Seq, e.Publisher, e.Kind, e.At = 1, "alpha", "deposit", t0
					r.rows = append(r.rows, e)
				}
				c := store.Conversion{Seq: int64(len(r.rows) + 1), Publisher: "alpha", Kind: "deposit", Currency: tc.cur, Sub: [5]string{tc.sub1}, At: t0.Add(time.Minute)}
				if tc.amount != "" {
					c.Amount = decimal.RequireFromString(tc.amount)
				}
				r.rows = append(r.rows, c)
				err = p.Price(&c, r)
				var pe *tracking.PriceError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, "invalid-input", pe.Reason)
				assert.Equal(t, tc.want, pe.Detail)
			})
		}
	}
}
