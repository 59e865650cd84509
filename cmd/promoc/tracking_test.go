package main

import (
	"context"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime/store"
)

// The script commands of tracking: clicks and conversions written to a
// database as promoc serve records them.
func init() {
	storeCmds["click"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 5 || len(args) > 6 {
			ts.Fatalf("usage: click DB SESSION OFFER PUBLISHER TIME [IP-HASH]")
		}
		at, err := time.Parse(time.RFC3339Nano, args[4])
		ts.Check(err)
		s := store.Session{ID: args[1], Offer: args[2], Publisher: args[3], At: at}
		if len(args) == 6 {
			s.IPHash = []byte(args[5])
		}
		st := openTestStore(ts, args[0])
		defer st.Close()
		ts.Check(st.(store.Tracking).Clicks(context.Background(), []store.Session{s}))
	}
	storeCmds["convert"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 8 {
			ts.Fatalf("usage: convert DB SESSION KIND AMOUNT CURRENCY TIME PAYOUT REVENUE (amounts in the currency; - for none)")
		}
		at, err := time.Parse(time.RFC3339Nano, args[5])
		ts.Check(err)
		c := store.ConversionRequest{Session: args[1], Kind: args[2], At: at, Window: 30 * 24 * time.Hour}
		if args[3] != "-" {
			c.Amount, c.Currency = decimal.RequireFromString(args[3]), args[4]
		}
		price := func(cv *store.Conversion, _ store.ConversionReader) error {
			if args[6] != "-" {
				cv.Payout, cv.PayoutCurrency = decimal.RequireFromString(args[6]), args[4]
			}
			if args[7] != "-" {
				cv.Revenue, cv.RevenueCurrency = decimal.RequireFromString(args[7]), args[4]
			}
			return nil
		}
		st := openTestStore(ts, args[0])
		defer st.Close()
		r, err := st.(store.Tracking).Convert(context.Background(), []store.ConversionRequest{c}, price)
		ts.Check(err)
		if r[0].Rejected != "" {
			ts.Fatalf("conversion rejected: %s", r[0].Rejected)
		}
	}
}
