package lsp

import (
	"strconv"
	"strings"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// This file holds what the language server says about attribution
// declarations (spec section 18): their outline, hover and completion.
//
//	attribution last click within 30 days
//	attribution last click within 7 days for offer "SPA-2026"

// attributionSection is the spec's section of payouts and attribution.
const attributionSection = "Payouts and attribution"

// attributionSymbol is the outline entry of an attribution declaration:
// named by the offer it is for ("every offer" when none), with its window
// as detail.
func attributionSymbol(f *sourceFile, d *lang.AttributionDecl) protocol.DocumentSymbol {
	name := "attribution: every offer"
	if d.Offer != nil {
		name = "attribution: offer " + strconv.Quote(d.Offer.Value)
	}
	detail := "last click"
	if d.Within != nil {
		detail += " within " + strings.TrimSpace(f.text[d.Within.Span().Start.Offset:min(len(f.text), d.Within.Span().End.Offset)])
	}
	r := f.m.spanRange(d.Span())
	return protocol.DocumentSymbol{Name: name, Kind: protocol.SymbolKindEvent, Detail: &detail, Range: r, SelectionRange: r}
}

// attributionIn is the attribution declaration that holds the end of
// path, or nil.
func attributionIn(path []lang.Node) *lang.AttributionDecl {
	for j := len(path) - 1; j >= 0; j-- {
		if a, ok := path[j].(*lang.AttributionDecl); ok {
			return a
		}
	}
	return nil
}

// attributionDoc describes an attribution declaration for hover: the
// window it gives and to which offers, the offer its reference names in
// the rule set, the offers with windows of their own, and the spec's
// paragraph.
func (s *Server) attributionDoc(snap *snapshot, text string, d *lang.AttributionDecl) string {
	src := strings.TrimSpace(text[d.Span().Start.Offset:min(len(text), d.Span().End.Offset)])
	within := "the declared time"
	if d.Within != nil {
		within = strings.TrimSpace(text[d.Within.Span().Start.Offset:min(len(text), d.Within.Span().End.Offset)])
	}
	var out []string
	out = append(out, "```promo\n"+src+"\n```")
	rule := "goes to the player's last click on the offer within " + within +
		": a click at t takes the conversions of [t, t + " + within + "); one exactly " + within + " after the click is not attributed."
	var info *compiler.Info
	if snap != nil {
		info = snap.info
	}
	if d.Offer != nil {
		ref := d.Offer.Value
		out = append(out, "A conversion of the offer with reference `"+strconv.Quote(ref)+"` "+rule)
		if o := offerOfRef(info, ref); o != nil {
			out = append(out, "That is the offer `"+o.Symbol.Name+"` of this rule set.")
		} else {
			out = append(out, "No offer of this rule set has this reference: the window applies to the offer of that reference in the database, the one its tracking links name.")
		}
	} else {
		out = append(out, "A conversion of every offer without an attribution of its own "+rule)
		var own []string
		if info != nil {
			for _, a := range info.Attributions {
				if a.Offer != "" {
					own = append(own, "`"+strconv.Quote(a.Offer)+"` ("+a.Window.String()+")")
				}
			}
		}
		if len(own) > 0 {
			out = append(out, "Offers with a window of their own: "+strings.Join(own, ", ")+".")
		}
	}
	out = append(out, s.spec.paragraph(attributionSection, "An **attribution**"))
	return join(out...)
}

// offerOfRef is the offer of the rule set with reference ref, or nil.
func offerOfRef(info *compiler.Info, ref string) *compiler.OfferInfo {
	if info == nil {
		return nil
	}
	for _, o := range info.Offers {
		if o.Ref == ref {
			return o
		}
	}
	return nil
}

// attributionItems completes an attribution declaration, item being its
// tokens before the word: last click within, a duration, for offer, and
// the references of the offers of the rule set.
func (s *Server) attributionItems(c *cursorContext, item []lang.Token, ns *nameSet) []protocol.CompletionItem {
	words := make([]string, len(item))
	for i, t := range item {
		words[i] = t.Text
	}
	// A complete declaration, and the cursor on a line of its own: the
	// next declaration (or the offer of the one before).
	n := len(words)
	if (n == 5 || n == 8) && item[n-1].Span.End.Line < c.line {
		decls := s.topItems(c, nil, ns)
		if n == 5 {
			decls = append(decls, keywordItems(s, "for offer")...)
		}
		return decls
	}
	switch {
	case n == 1:
		return keywordItems(s, "last click within")
	case n == 2 && words[1] == "last":
		return keywordItems(s, "click within")
	case n == 3 && words[2] == "click":
		return keywordItems(s, "within")
	case n == 5 && item[4].Kind == lang.TokenDuration:
		return keywordItems(s, "for offer")
	case n == 6 && words[5] == "for":
		return keywordItems(s, "offer")
	case n == 7 && words[6] == "offer":
		var out []protocol.CompletionItem
		for _, o := range ns.offers {
			if o.Ref != "" {
				out = append(out, completionItem(strconv.Quote(o.Ref), protocol.CompletionItemKindValue, "offer "+o.Symbol.Name, o.Symbol.Doc))
			}
		}
		return out
	}
	return nil
}

// startsAttribution reports whether toks[i] begins an attribution
// declaration: the word attribution in the first column (it is a name
// elsewhere).
func startsAttribution(toks []lang.Token, i int) bool {
	return toks[i].Text == "attribution" && toks[i].Span.Start.Col == 1
}
