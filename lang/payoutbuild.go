package lang

import "github.com/alecthomas/participle/v2/lexer"

// payout builds a payout: a reward whose result is an amount and whose
// Payout says for whom and on which conversion.
func (b *builder) payout(g *payoutDecl) *RewardDecl {
	r := b.reward(&rewardDecl{Tokens: g.Tokens, Name: g.Name, Result: &resultType{Tokens: []lexer.Token{g.Kind}, Kind: "amount"}, Items: g.Items})
	r.Payout = &PayoutClause{Keyword: b.tokSpan(g.Tokens[0]), At: b.tokSpan(g.Side), Kind: b.ident(g.Kind)}
	if g.Side.Value == "revenue" {
		r.Payout.Side = PayoutRevenue
	}
	return r
}

// attribution builds an attribution declaration.
func (b *builder) attribution(g *attributionDecl) *AttributionDecl {
	a := &AttributionDecl{Loc: b.loc(g.Tokens), Within: b.duration(g.Within)}
	if g.Offer.Value != "" {
		a.Offer = b.stringLit(g.Offer)
	}
	return a
}
