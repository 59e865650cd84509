package tracking_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

// TestRecordedRoundTrip: a conversion the API writes (RecordedJSON) is read
// back by promoc eval's payout input as the same conversion, numbered in
// the order given; the payout and revenue it was priced with are ignored.
func TestRecordedRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 123456789, time.UTC)
	c := store.Conversion{Seq: 41, Session: "s1", Offer: "casino", Publisher: "alpha", Player: "p1", Kind: "first_deposit",
		Amount: decimal.RequireFromString("33.350"), Currency: "EUR", AdvertiserRef: "tx1", At: at, Click: at.Add(-time.Hour),
		Sub: [5]string{"vip", "", "", "", "x"}, Payout: decimal.RequireFromString("10.00"), PayoutCurrency: "EUR"}
	bare := store.Conversion{Seq: 42, Session: "s2", Offer: "casino", Publisher: "alpha", Kind: "registration", At: at.Add(time.Minute)}
	earlier, err := json.Marshal(tracking.RecordedOf(c))
	require.NoError(t, err)
	conv, err := json.Marshal(tracking.RecordedOf(bare))
	require.NoError(t, err)
	assert.Contains(t, string(earlier), `"amount":"33.350","currency":"EUR"`, "every decimal, as a string")
	assert.Contains(t, string(earlier), `"time":"2026-12-06T10:00:00.123456789Z"`)
	assert.Contains(t, string(earlier), `"payout":"10.00","payout_currency":"EUR"`)
	assert.NotContains(t, string(conv), `"amount"`, "no amount: none written")
	assert.NotContains(t, string(conv), `"player"`)

	doc := `{"conversion": ` + string(conv) + `, "earlier": [` + string(earlier) + `]}`
	in, err := tracking.DecodePayoutInput(strings.NewReader(doc))
	require.NoError(t, err)
	want := c
	want.Seq, want.Payout, want.PayoutCurrency = 1, decimal.Decimal{}, ""
	want.Click = time.Time{} // the click is the API's, not read back
	require.Len(t, in.Earlier, 1)
	assert.Equal(t, want.Amount.String(), in.Earlier[0].Amount.String())
	in.Earlier[0].Amount = want.Amount
	assert.Equal(t, want, in.Earlier[0])
	bare.Seq = 2
	assert.Equal(t, bare, in.Conversion)

	// The same type refuses an amount written as a JSON number.
	_, err = tracking.DecodePayoutInput(bytes.NewReader(bytes.Replace([]byte(doc), []byte(`"33.350"`), []byte(`33.35`), 1)))
	var ie *tracking.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "earlier[0].amount", ie.Field)
}
