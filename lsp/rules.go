package lsp

import (
	"strings"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// This file holds what the language server says about automation rules and
// campaigns: their outline and hover. Definition, references and rename of
// the rewards they give come from the checker's Uses, as for any name.

// ruleSymbol is the outline entry of a rule: its kind as detail, and the
// variants of its split as children.
func ruleSymbol(m *mapper, d *lang.RuleDecl) protocol.DocumentSymbol {
	detail := d.Kind.String()
	ds := protocol.DocumentSymbol{Name: d.Name.Name, Kind: protocol.SymbolKindEvent, Detail: &detail,
		Range: m.spanRange(d.Span()), SelectionRange: m.spanRange(d.Name.Span())}
	for _, c := range d.Clauses {
		switch c := c.(type) {
		case *lang.GiveRewardClause:
			detail := "give " + c.Reward.Name
			ds.Detail = &detail
		case *lang.GiveOfferClause:
			detail := "give offer " + c.Offer.Name
			ds.Detail = &detail
		case *lang.SplitClause:
			for _, a := range c.Arms {
				if a.Control {
					continue
				}
				given := ""
				if a.Reward != nil {
					given = a.Reward.Name
				} else if a.Offer != nil {
					given = "offer " + a.Offer.Name
				}
				vd := "variant " + a.Share.Text + "%: give " + given
				ds.Children = append(ds.Children, protocol.DocumentSymbol{Name: a.Name.Name, Kind: protocol.SymbolKindEnumMember, Detail: &vd,
					Range: m.spanRange(a.Span()), SelectionRange: m.spanRange(a.Name.Span())})
			}
		}
	}
	return ds
}

// ruleSummary describes a rule for hover: what it gives, and that nothing
// runs it yet.
func ruleSummary(snap *snapshot, sym *compiler.Symbol) string {
	var gives []string
	if snap.info != nil && sym.Index < len(snap.info.Rules) && snap.info.Rules[sym.Index].Symbol == sym {
		for _, r := range snap.info.Rules[sym.Index].Gives {
			gives = append(gives, "`"+r.Decl.Name.Name+"`")
		}
		for _, o := range snap.info.Rules[sym.Index].Offers {
			gives = append(gives, "offer `"+o.Decl.Name.Name+"`")
		}
	}
	out := "Run by the campaign engine (promoc run, promoc serve)."
	if len(gives) > 0 {
		out = "Gives " + strings.Join(gives, ", ") + ". " + out
	}
	return out
}

// givenBy lists the rules that give the reward sym, for hover: "automation
// `a`, campaign `b`", or "".
func givenBy(snap *snapshot, sym *compiler.Symbol) string {
	if snap.info == nil {
		return ""
	}
	var out []string
	for _, r := range snap.info.Rules {
		for _, g := range r.Gives {
			if g.Symbol == sym {
				out = append(out, r.Decl.Kind.String()+" `"+r.Decl.Name.Name+"`")
				break
			}
		}
	}
	return strings.Join(out, ", ")
}
