package lsp

import (
	"strings"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// This file holds what the language server says about offers: their
// outline, hover and completion. Definition, references and rename of an
// offer and of the gives that name it come from the checker's Defs and
// Uses, as for any name.

// offerClauseWords begin the clauses of an offer, for completion.
var offerClauseWords = []string{"reference", "name", "description", "requires vouchers", "needs synchronization", "image", "web", "field"}

// offerSymbol is the outline entry of an offer: its reference as detail,
// and its custom fields as children.
func offerSymbol(m *mapper, d *lang.OfferDecl) protocol.DocumentSymbol {
	detail := "offer"
	ds := protocol.DocumentSymbol{Name: d.Name.Name, Kind: protocol.SymbolKindObject, Detail: &detail,
		Range: m.spanRange(d.Span()), SelectionRange: m.spanRange(d.Name.Span())}
	for _, c := range d.Clauses {
		switch {
		case c.Prop == lang.OfferReference && c.Text != nil:
			detail := "offer " + `"` + c.Text.Value + `"`
			ds.Detail = &detail
		case c.Field != nil:
			fd := c.Field.Type.Name
			ds.Children = append(ds.Children, protocol.DocumentSymbol{Name: c.Field.Name.Name, Kind: protocol.SymbolKindField, Detail: &fd,
				Range: m.spanRange(c.Span()), SelectionRange: m.spanRange(c.Field.Name.Span())})
		}
	}
	return ds
}

// offerInfo is the checked offer of sym, or nil.
func offerInfo(snap *snapshot, sym *compiler.Symbol) *compiler.OfferInfo {
	if snap.info == nil || sym.Index >= len(snap.info.Offers) || snap.info.Offers[sym.Index].Symbol != sym {
		return nil
	}
	return snap.info.Offers[sym.Index]
}

// offerSummary describes an offer for hover: what its flags mean and the
// rules that give it.
func offerSummary(snap *snapshot, sym *compiler.Symbol) string {
	var out []string
	if o := offerInfo(snap, sym); o != nil {
		what := "A generic offer: an assignment takes no voucher code"
		if o.RequiresVouchers {
			what = "Every assignment takes one voucher code, imported with `promoc vouchers import " + o.Ref + " FILE`"
		}
		if o.NeedsSync {
			what += "; a point of sale confirms each assignment (`offer_confirmed`)"
		}
		out = append(out, what+".")
	}
	var by []string
	if snap.info != nil {
		for _, r := range snap.info.Rules {
			for _, o := range r.Offers {
				if o.Symbol == sym {
					by = append(by, r.Decl.Kind.String()+" `"+r.Decl.Name.Name+"`")
					break
				}
			}
		}
	}
	if len(by) > 0 {
		out = append(out, "Given by "+strings.Join(by, ", ")+".")
	}
	return strings.Join(out, " ")
}

func (s *Server) offerItems(ns *nameSet) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, o := range ns.offers {
		out = append(out, completionItem(o.Symbol.Name, protocol.CompletionItemKindValue, "offer \""+o.Ref+"\"", o.Symbol.Doc))
	}
	return out
}

// offerBodyItems completes inside the braces of an offer: the clause
// words, vouchers after requires, synchronization after needs, the types
// of a field after its colon, and constants in its value.
func (s *Server) offerBodyItems(c *cursorContext, item []lang.Token, ns *nameSet) []protocol.CompletionItem {
	last := c.last(1)
	n := len(item)
	head := ""
	if n > 0 {
		head = item[0].Text
	}
	switch {
	case head == "" || last.Text == "{" || last.Text == "}":
		return keywordItems(s, offerClauseWords...)
	case head == "requires" && n == 1:
		return keywordItems(s, "vouchers")
	case head == "needs" && n == 1:
		return keywordItems(s, "synchronization")
	case head == "field" && last.Text == ":":
		return typeItems()
	case head == "field" && n >= 5:
		if endsOperand(last) && last.Text != "=" {
			return append(operatorItems(s), keywordItems(s, offerClauseWords...)...)
		}
		return s.exprItems(c, ns, true)
	case head == "requires" || head == "needs" || n == 2 && last.Kind == lang.TokenString:
		return keywordItems(s, offerClauseWords...)
	}
	return nil
}

// startsOfferClause reports whether toks[i] begins a clause of an offer.
func startsOfferClause(toks []lang.Token, i int) bool {
	switch toks[i].Text {
	case "reference", "name", "description", "requires", "needs", "image", "web", "field":
		return toks[i].Kind == lang.TokenContextual && (i == 0 || toks[i-1].Text != "field" && toks[i-1].Text != "requires" && toks[i-1].Text != "needs")
	}
	return false
}
