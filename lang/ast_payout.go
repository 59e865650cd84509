package lang

// This file holds the syntax tree of payouts and attribution (spec/spec.md,
// section 18): what a publisher earns and an advertiser pays per
// conversion, and the window in which a conversion goes to a click.

// PayoutSide says who a payout is for.
type PayoutSide uint8

const (
	PayoutPublisher PayoutSide = iota // what the publisher earns
	PayoutRevenue                     // what the advertiser pays
)

func (s PayoutSide) String() string {
	if s == PayoutRevenue {
		return "revenue"
	}
	return "publisher"
}

// PayoutClause is the head of a payout, which is a reward declared with
// payout instead of reward:
//
//	payout first_deposit_share: publisher on conversion first_deposit {
//		cap 150 EUR | 165 USD
//		give 30% of conversion.amount
//	}
//
// The reward's Result is an amount, spanning the conversion's kind, so that
// every tool that reads rewards reads payouts; Payout is set on them only.
type PayoutClause struct {
	Keyword Span // payout
	Side    PayoutSide
	At      Span   // publisher or revenue
	Kind    *Ident // the conversion's kind, a declared transaction kind
}

// AttributionDecl declares the attribution window, for every offer or for
// the offer of a reference:
//
//	attribution last click within 30 days
//	attribution last click within 7 days for offer "SPA-2026"
type AttributionDecl struct {
	Loc
	Within *DurationLit
	Offer  *StringLit // nil: every offer
}

func (*AttributionDecl) declNode() {}
