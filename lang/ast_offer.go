package lang

// This file holds the syntax tree of offer declarations (spec/spec.md,
// section 17): the catalogue entries that automation rules and campaigns
// give with give offer NAME.

// OfferDecl declares an offer:
//
//	offer spa_day {
//		reference "SPA-2026"
//		name "Spa day at the Phoenicia"
//		requires vouchers
//		field partner: string = "Hotel Phoenicia"
//	}
//
// The clauses are kept in source order; the checker reports a clause
// written twice and a missing reference.
type OfferDecl struct {
	Loc
	Keyword Span // offer
	Name    *Ident
	Clauses []*OfferClause
}

// OfferProp says what a clause of an offer sets.
type OfferProp uint8

const (
	OfferReference   OfferProp = iota // reference "SPA-2026": the offer's key in the store
	OfferName                         // name "Spa day"
	OfferDescription                  // description "A day at the spa"
	OfferVouchers                     // requires vouchers
	OfferSync                         // needs synchronization
	OfferImage                        // image "https://..."
	OfferWeb                          // web "https://..."
	OfferField                        // field partner: string = "Hotel Phoenicia"
)

var offerPropWords = [...]string{"reference", "name", "description", "requires vouchers", "needs synchronization", "image", "web", "field"}

// String returns the words that begin the clause: "reference", "requires
// vouchers", "field", ...
func (p OfferProp) String() string { return offerPropWords[p] }

// OfferClause is one clause of an offer. Text is set for reference, name,
// description, image and web; Field for field; the flags have neither.
type OfferClause struct {
	Loc
	Prop  OfferProp
	Text  *StringLit
	Field *OfferFieldDecl
}

// OfferFieldDecl is a typed custom field of an offer: partner: string =
// "Hotel Phoenicia". Its value is a constant expression of its type.
type OfferFieldDecl struct {
	Loc
	Name  *Ident
	Type  *TypeName // as written; the checker reports an unknown type
	Value Expr
}

func (*OfferDecl) declNode() {}

// walkOffer visits the children of the nodes of offers, in source order;
// see [Walk].
func walkOffer(v Visitor, n Node) {
	switch n := n.(type) {
	case *OfferDecl:
		walkIdent(v, n.Name)
		for _, c := range n.Clauses {
			Walk(v, c)
		}
	case *OfferClause:
		if n.Text != nil {
			Walk(v, n.Text)
		}
		if n.Field != nil {
			Walk(v, n.Field)
		}
	case *OfferFieldDecl:
		walkIdent(v, n.Name)
		if n.Type != nil {
			Walk(v, n.Type)
		}
		walkExpr(v, n.Value)
	}
}
