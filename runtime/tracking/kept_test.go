package tracking_test

import (
	"fmt"
	"slices"
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

// fakeReader is a database of conversions as one attempt of a
// transaction sees them.
type fakeReader struct {
	attempt uint64
	rows    []store.Conversion
	since   []int64 // the after of each PublisherSince
}

func (f *fakeReader) PublisherConversions(publisher string, from, to time.Time) ([]store.Conversion, error) {
	return nil, fmt.Errorf("not read by a bounded payout")
}

func (f *fakeReader) PublisherSince(publisher string, after int64, from time.Time) ([]store.Conversion, error) {
	f.since = append(f.since, after)
	var out []store.Conversion
	for _, c := range f.rows {
		if c.Publisher == publisher && c.Seq > after && !c.At.Before(from) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeReader) Attempt() uint64 { return f.attempt }

func (f *fakeReader) Recorded(seq int64) (bool, error) {
	return slices.ContainsFunc(f.rows, func(c store.Conversion) bool { return c.Seq == seq }), nil
}

// TestPricesRolledBack: the conversions an attempt added to what is kept
// are dropped when the next attempt finds that attempt's last missing (it
// was rolled back, as after a deadlock on PostgreSQL): the count is the
// committed conversions', not the rolled-back one's too.
func TestPricesRolledBack(t *testing.T) {
	prog, err := runtime.Compile(fstest.MapFS{"p.promo": {Data: []byte(`kind deposit {
	amount: money
	publisher: string
}

payout per_deposit: publisher on conversion deposit {
	window last 30 days
	give 1 EUR * count(deposit)
}
`)}})
	require.NoError(t, err)
	p := tracking.NewPrices(prog, "EUR")
	f := &fakeReader{}
	conv := func(seq int64) store.Conversion {
		return store.Conversion{Seq: seq, Publisher: "alpha", Kind: "deposit", Amount: decimal.RequireFromString("10"), Currency: "EUR", At: t0.Add(time.Duration(seq) * time.Minute)}
	}
	price := func(attempt uint64, seq int64) string {
		t.Helper()
		f.attempt = attempt
		c := conv(seq)
		f.rows = append(f.rows, c) // recorded, then priced
		require.NoError(t, p.Price(&c, f))
		return c.Payout.String()
	}
	assert.Equal(t, "1", price(1, 1))
	assert.Equal(t, "2", price(2, 2))
	f.rows = f.rows[:1] // attempt 2 rolled back
	f.since = nil
	assert.Equal(t, "2", price(3, 3), "seq 1 and 3: seq 2 was rolled back")
	assert.Equal(t, []int64{0}, f.since, "read again from the start")
	f.since = nil
	assert.Equal(t, "3", price(4, 4), "committed attempts keep what they added")
	assert.Equal(t, []int64{3}, f.since, "read since the last")
	assert.Equal(t, "4", price(4, 5), "one attempt, two conversions")
}
