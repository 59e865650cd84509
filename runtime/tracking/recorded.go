package tracking

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// RecordedJSON is a recorded conversion as the API writes it (the answer
// of POST /v1/conversions) and as promoc eval reads the
// conversions of a payout's input ([DecodePayoutInput]), so that an answer
// of the API can be pasted. Amounts are decimal strings, exact; times are
// RFC 3339.
type RecordedJSON struct {
	Seq       int64  `json:"seq"`
	Session   string `json:"session"`
	Offer     string `json:"offer"`
	Publisher string `json:"publisher"`
	Player    string `json:"player,omitempty"`
	Kind      string `json:"kind"`
	// Amount is the JSON text of the amount, a string such as "50.00":
	// kept as written, so that a reader can refuse a JSON number.
	Amount          json.RawMessage `json:"amount,omitempty"`
	Currency        string          `json:"currency,omitempty"`
	Ref             string          `json:"ref"`
	Time            string          `json:"time"`
	Click           string          `json:"click"`
	Sub             []string        `json:"sub"`
	Payout          string          `json:"payout,omitempty"`
	PayoutCurrency  string          `json:"payout_currency,omitempty"`
	Revenue         string          `json:"revenue,omitempty"`
	RevenueCurrency string          `json:"revenue_currency,omitempty"`
}

// RecordedOf is a conversion as the API writes it.
func RecordedOf(c store.Conversion) RecordedJSON {
	j := RecordedJSON{Seq: c.Seq, Session: c.Session, Offer: c.Offer, Publisher: c.Publisher, Player: c.Player, Kind: c.Kind,
		Currency: c.Currency, Ref: c.AdvertiserRef, Time: c.At.Format(time.RFC3339Nano), Click: c.Click.Format(time.RFC3339Nano),
		Sub: c.Sub[:], PayoutCurrency: c.PayoutCurrency, RevenueCurrency: c.RevenueCurrency}
	if c.Currency != "" {
		j.Amount = json.RawMessage(strconv.Quote(exact(c.Amount)))
	}
	if c.PayoutCurrency != "" {
		j.Payout = exact(c.Payout)
	}
	if c.RevenueCurrency != "" {
		j.Revenue = exact(c.Revenue)
	}
	return j
}

// exact writes an amount with every decimal it has.
func exact(a interface {
	Exponent() int32
	StringFixed(int32) string
}) string {
	return a.StringFixed(max(0, -a.Exponent()))
}
