package runtime

import (
	"strings"
	"time"

	"github.com/promoc/promoc/compiler"
)

// Payout is a payout of the rule set (spec/spec.md, section 18): the
// reward of that name prices the conversions of kind Kind, for the
// publisher (what it earns) or as revenue (what the advertiser pays).
type Payout struct {
	Name string
	Side string // publisher or revenue
	Kind string
	// Aggregates: the payout's formula aggregates transactions (the
	// publisher's conversions); one that does not reads the conversion
	// alone.
	Aggregates bool
	// Lookback is how far before the conversion the aggregations read
	// (the longest a calendar window reaches, plus a day for zones), when
	// Bounded; an unbounded window reads every earlier conversion.
	Lookback time.Duration
	Bounded  bool
}

// Payouts lists the payouts of the rule set, in declaration order.
func (p *Program) Payouts() []Payout {
	if p == nil || p.info == nil {
		return nil
	}
	var out []Payout
	for _, po := range p.info.Payouts {
		if po.Kind != nil {
			look, bounded := rewardLookback(po.Reward)
			out = append(out, Payout{Name: po.Reward.Decl.Name.Name, Side: po.Side.String(), Kind: po.Kind.Name,
				Aggregates: po.Reward.ReadsTransactions, Lookback: look, Bounded: bounded})
		}
	}
	return out
}

// Attribution is the attribution window of an offer: the one declared
// for its reference, else the one declared for every offer; ok is false
// when neither is.
func (p *Program) Attribution(offer string) (w time.Duration, ok bool) {
	if p == nil || p.info == nil {
		return 0, false
	}
	for _, a := range p.info.Attributions {
		if a.Offer == offer && offer != "" {
			return a.Window, true
		}
	}
	for _, a := range p.info.Attributions {
		if a.Offer == "" {
			return a.Window, true
		}
	}
	return 0, false
}

// payoutOf is the payout of a reward's name; nil when it is not one.
func (p *Program) payoutOf(reward string) *compiler.PayoutInfo {
	if p.info == nil {
		return nil
	}
	for _, po := range p.info.Payouts {
		if po.Reward.Decl.Name.Name == reward && po.Kind != nil {
			return po
		}
	}
	return nil
}

// conversionInput sets, for a payout, the properties conversion.ATTR of
// the player to the attributes of the conversion it prices: the last
// transaction of its kind at or before in.Now (the latest in the order
// given among those of one time). A property the input sets is left as
// it is; with no such transaction none is set, and reading one is the
// error of a missing property.
func (p *Program) conversionInput(reward string, in Input) Input {
	po := p.payoutOf(reward)
	if po == nil {
		return in
	}
	last := -1
	for i, t := range in.Transactions {
		if t.Kind == po.Kind.Name && !t.Time.After(in.Now) && (last < 0 || !t.Time.Before(in.Transactions[last].Time)) {
			last = i
		}
	}
	if last < 0 {
		return in
	}
	props := make(map[string]any, len(in.Player.Properties)+len(po.Kind.Attrs))
	for k, v := range in.Player.Properties {
		props[k] = v
	}
	t := in.Transactions[last]
	for name, v := range t.Attrs {
		if _, set := props[compiler.ConvPrefix+name]; !set {
			props[compiler.ConvPrefix+name] = v
		}
	}
	in.Player.Properties = props
	return in
}

// ConversionProperties are the player properties conversion.ATTR of the
// conversion a payout prices, from its transaction: for a host that
// prepares a payout's input itself (with a [Builder]), where [Program.Evaluate]
// sets them from the last transaction of the payout's kind.
func ConversionProperties(t Transaction) map[string]any {
	props := make(map[string]any, len(t.Attrs))
	for name, v := range t.Attrs {
		props[compiler.ConvPrefix+name] = v
	}
	return props
}

// ConversionAttr is the attribute of the conversion that the player
// property of that name holds (amount for conversion.amount), as
// [ConversionProperties] names them; ok is false for another property.
func ConversionAttr(property string) (attr string, ok bool) {
	return strings.CutPrefix(property, compiler.ConvPrefix)
}

// Currencies lists the currencies the rule set serves (its currencies
// declaration), in declaration order; empty when it declares none, and
// then it serves any.
func (p *Program) Currencies() []string {
	if p == nil || p.info == nil {
		return nil
	}
	return append([]string(nil), p.info.Currencies...)
}
