package format

import "github.com/promoc/promoc/lang"

// This file prints offer declarations (lang/ast_offer.go): one clause a
// line, in the order written, with the author's blank lines; a field as
// name: type = value.

// offerNode prints an offer or one of its clauses, and reports whether n is
// one.
func (p *printer) offerNode(n lang.Node) bool {
	switch n := n.(type) {
	case *lang.OfferDecl:
		p.str("offer ")
		p.str(n.Name.Name)
		lo, hi, line := p.braces(p.headEnd(n), n)
		p.simpleBlock(lo, hi, line, nodes(n.Clauses))
	case *lang.OfferClause:
		p.str(n.Prop.String())
		switch {
		case n.Text != nil:
			p.str(" ")
			p.text(n.Text)
		case n.Field != nil:
			f := n.Field
			p.str(" ")
			p.str(f.Name.Name)
			p.str(": ")
			p.str(f.Type.Name)
			p.str(" = ")
			p.expr(f.Value)
		}
	case *lang.GiveOfferClause:
		p.str("give offer ")
		p.str(n.Offer.Name)
	default:
		return false
	}
	return true
}

// offerHeadEnd is headEnd for the nodes of offers: the "{" of an offer;
// the end of a clause.
func (p *printer) offerHeadEnd(n lang.Node) (end int, ok bool) {
	switch n := n.(type) {
	case *lang.OfferDecl:
		return p.brace(n.Name.End.Offset), true
	case *lang.OfferClause:
		return n.End.Offset, true
	}
	return 0, false
}
