package format

import "github.com/promoc/promoc/lang"

// payoutNode prints an attribution declaration on one line; ok is false
// for any other node. A payout is a reward, printed by reward.
func (p *printer) payoutNode(n lang.Node) bool {
	a, ok := n.(*lang.AttributionDecl)
	if !ok {
		return false
	}
	p.str("attribution last click within ")
	p.text(a.Within)
	if a.Offer != nil {
		p.str(" for offer ")
		p.text(a.Offer)
	}
	return true
}
