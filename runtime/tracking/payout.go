package tracking

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// Windows is the attribution window of each offer as the rule set
// declares it (attribution last click within ...), DefaultWindow where it
// declares none.
func Windows(prog *runtime.Program) func(offer string) time.Duration {
	return func(offer string) time.Duration {
		if w, ok := prog.Attribution(offer); ok {
			return w
		}
		return DefaultWindow
	}
}

// PriceError is a payout that could not price a conversion: its outcome
// was an error. The conversion is not recorded.
type PriceError struct {
	Payout, Reason, Detail string
}

func (e *PriceError) Error() string {
	return fmt.Sprintf("payout %s: %s: %s", e.Payout, e.Reason, e.Detail)
}

// Pricer prices conversions with the payouts of a rule set: for the
// conversion's kind, the publisher payout sets its payout and the revenue
// payout its revenue, each evaluated as a reward (spec/spec.md, section
// 18) for the publisher as the player, at the conversion's time, over the
// publisher's conversions within the rule set's longest window (all of
// them when a window is not bounded) and the conversion itself, as
// transactions of the kinds the rule set declares, with the attributes it
// declares of amount, offer, publisher, session and sub1 to sub5. The
// player's currency is the conversion's, or currency for a conversion
// without an amount; a skipped payout is zero.
func Pricer(prog *runtime.Program, currency string) store.Pricer {
	payouts := prog.Payouts()
	look, bounded := prog.Lookback()
	return func(c *store.Conversion, r store.ConversionReader) error {
		var mine []runtime.Payout
		for _, p := range payouts {
			if p.Kind == c.Kind {
				mine = append(mine, p)
			}
		}
		if len(mine) == 0 {
			return nil
		}
		var earlier []store.Conversion
		if slices.ContainsFunc(mine, func(p runtime.Payout) bool { return p.Aggregates }) {
			from := limits.MinTime
			if bounded {
				from = c.At.Add(-look)
			}
			var err error
			if earlier, err = r.PublisherConversions(c.Publisher, from, c.At.Add(time.Nanosecond)); err != nil {
				return err
			}
		}
		in := runtime.Input{Now: c.At.Add(time.Nanosecond), Player: runtime.Player{ID: c.Publisher, Currency: c.Currency}}
		if in.Player.Currency == "" {
			in.Player.Currency = currency
		}
		for _, e := range append(earlier, *c) {
			if t, ok := transaction(prog, e); ok {
				in.Transactions = append(in.Transactions, t)
			}
		}
		for _, p := range mine {
			res, err := prog.Evaluate(context.Background(), p.Name, in)
			if err != nil {
				return err
			}
			switch res.Outcome {
			case runtime.Error_:
				return &PriceError{Payout: p.Name, Reason: res.Reason, Detail: res.Detail}
			case runtime.Skipped:
				continue
			}
			if p.Side == "revenue" {
				c.Revenue, c.RevenueCurrency = res.Amount(), in.Player.Currency
			} else {
				c.Payout, c.PayoutCurrency = res.Amount(), in.Player.Currency
			}
		}
		return nil
	}
}

// transaction is a conversion as a transaction of its kind, with the
// attributes the kind declares; ok is false for a kind the rule set does
// not declare.
func transaction(prog *runtime.Program, c store.Conversion) (runtime.Transaction, bool) {
	k, err := prog.Kind(c.Kind)
	if err != nil {
		return runtime.Transaction{}, false
	}
	id := "current"
	if c.Seq > 0 {
		id = strconv.FormatInt(c.Seq, 10)
	}
	t := runtime.Transaction{ID: id, Kind: c.Kind, Time: c.At, Currency: c.Currency, Attrs: map[string]any{}}
	vals := map[string]any{"offer": c.Offer, "publisher": c.Publisher, "session": c.Session}
	for i, s := range c.Sub {
		vals["sub"+strconv.Itoa(i+1)] = s
	}
	if c.Currency != "" {
		vals["amount"] = c.Amount
	}
	for name, v := range vals {
		if _, err := k.Attr(name); err == nil {
			t.Attrs[name] = v
		}
	}
	return t, true
}
