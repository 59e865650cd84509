package tracking

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// PayoutInput is what promoc eval prices with a payout: a conversion as
// the API writes a recorded one (POST /v1/conversions), and the
// publisher's conversions recorded before it, in the same shape
// ([RecordedJSON]).
type PayoutInput struct {
	Conversion store.Conversion
	// Earlier are the publisher's conversions recorded before Conversion,
	// in order: what a tiered payout counts.
	Earlier []store.Conversion
}

// DecodePayoutInput reads a payout's input document, one JSON object:
//
//	{"conversion": {...}, "earlier": [{...}, ...]}
//
// Each conversion has its kind, its publisher and its time (RFC 3339), and
// may have an amount (a decimal string, never a JSON number) with its
// currency, the offer, the session, the player, the advertiser's
// reference and up to 5 sub ids. Unknown fields are refused. An error is
// an [*InputError] whose Field is the path of the field at fault, such as
// "earlier[2].amount".
func DecodePayoutInput(r io.Reader) (PayoutInput, error) {
	data, err := runtime.ReadDocument(r)
	if err != nil {
		return PayoutInput{}, &InputError{Code: "invalid-json", Message: err.Error()}
	}
	var doc struct {
		Conversion *RecordedJSON  `json:"conversion"`
		Earlier    []RecordedJSON `json:"earlier"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return PayoutInput{}, &InputError{Code: "invalid-json", Message: strings.TrimPrefix(err.Error(), "json: ")}
	}
	if dec.More() {
		return PayoutInput{}, &InputError{Code: "invalid-json", Message: "data after the JSON object"}
	}
	if doc.Conversion == nil {
		return PayoutInput{}, bad("conversion", InvalidConversion, "missing: the conversion to price")
	}
	var in PayoutInput
	for i, j := range doc.Earlier {
		c, err := recorded(fmt.Sprintf("earlier[%d]", i), j)
		if err != nil {
			return PayoutInput{}, err
		}
		c.Seq = int64(i + 1)
		in.Earlier = append(in.Earlier, c)
	}
	c, err := recorded("conversion", *doc.Conversion)
	if err != nil {
		return PayoutInput{}, err
	}
	c.Seq = int64(len(in.Earlier) + 1)
	in.Conversion = c
	return in, nil
}

// recorded checks one conversion of a payout's input; path names it in
// errors.
func recorded(path string, j RecordedJSON) (store.Conversion, error) {
	wrap := func(err error) error {
		if ie, ok := err.(*InputError); ok {
			f := path + "." + ie.Field
			return &InputError{Field: f, Code: ie.Code, Message: f + strings.TrimPrefix(ie.Message, ie.Field)}
		}
		return err
	}
	c := store.Conversion{Session: j.Session, Offer: j.Offer, Publisher: j.Publisher, Player: j.Player, Kind: j.Kind, Currency: j.Currency, AdvertiserRef: j.Ref}
	for _, f := range []struct{ name, v string }{{"session", j.Session}, {"player", j.Player}, {"ref", j.Ref}} {
		if err := checkRef(f.name, f.v, false); err != nil {
			return c, wrap(err)
		}
	}
	if err := checkOffer("offer", j.Offer, false); err != nil {
		return c, wrap(err)
	}
	if err := checkRef("publisher", j.Publisher, true); err != nil {
		return c, wrap(err)
	}
	if j.Kind == "" || len(j.Kind) > RefBytes || !kindRE.MatchString(j.Kind) {
		return c, wrap(bad("kind", InvalidParameter, "%q: expected a lowercase name of letters, digits and _ such as first_deposit", clip(j.Kind)))
	}
	if len(j.Sub) > len(c.Sub) {
		return c, wrap(bad("sub", InvalidParameter, "%d sub ids: expected at most %d", len(j.Sub), len(c.Sub)))
	}
	for i, v := range j.Sub {
		if len(v) > SubIDBytes || !subOK(v) {
			return c, wrap(bad(fmt.Sprintf("sub[%d]", i), InvalidParameter, "%q: expected at most %d letters, digits or %s", clip(v), SubIDBytes, SubIDChars))
		}
		c.Sub[i] = v
	}
	amount := ""
	if len(j.Amount) > 0 && string(j.Amount) != "null" {
		if j.Amount[0] != '"' {
			return c, wrap(bad("amount", InvalidAmount, "%s is a JSON %s: expected a decimal string such as \"50.00\" (an amount is never a float)",
				clip(string(j.Amount)), jsonKind(j.Amount)))
		}
		if err := json.Unmarshal(j.Amount, &amount); err != nil {
			return c, wrap(bad("amount", InvalidAmount, "%v", err))
		}
	}
	d, err := checkAmount(amount, j.Currency)
	if err != nil {
		return c, wrap(err)
	}
	c.Amount = d
	if j.Time == "" {
		return c, wrap(bad("time", InvalidParameter, "missing: when the conversion happened, such as 2026-12-06T10:00:00Z"))
	}
	t, ierr := parseTime("time", j.Time)
	if ierr != nil {
		return c, wrap(ierr)
	}
	c.At = t
	return c, nil
}
