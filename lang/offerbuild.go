package lang

// offer builds an offer declaration. Everything but the grammar is left to
// the checker: a clause written twice, a missing reference, the URLs, and
// the types and values of the custom fields.
func (b *builder) offer(g *offerDecl) *OfferDecl {
	o := &OfferDecl{Loc: b.loc(g.Tokens), Keyword: b.tokSpan(g.Tokens[0]), Name: b.ident(g.Name)}
	for _, c := range g.Clauses {
		if c.Tokens == nil {
			continue // left partial by a syntax error
		}
		cl := &OfferClause{Loc: b.loc(c.Tokens)}
		switch {
		case c.Reference.Value != "":
			cl.Prop, cl.Text = OfferReference, b.stringLit(c.Reference)
		case c.Title.Value != "":
			cl.Prop, cl.Text = OfferName, b.stringLit(c.Title)
		case c.Description.Value != "":
			cl.Prop, cl.Text = OfferDescription, b.stringLit(c.Description)
		case c.Vouchers:
			cl.Prop = OfferVouchers
		case c.Sync:
			cl.Prop = OfferSync
		case c.Image.Value != "":
			cl.Prop, cl.Text = OfferImage, b.stringLit(c.Image)
		case c.Web.Value != "":
			cl.Prop, cl.Text = OfferWeb, b.stringLit(c.Web)
		case c.Field != nil && c.Field.Tokens != nil:
			f := c.Field
			cl.Prop = OfferField
			cl.Field = &OfferFieldDecl{Loc: b.loc(f.Tokens), Name: b.ident(f.Name),
				Type: &TypeName{Loc: b.tokLoc(f.Type), Name: f.Type.Value}, Value: b.expr(f.Value)}
		default:
			continue
		}
		o.Clauses = append(o.Clauses, cl)
	}
	return o
}
