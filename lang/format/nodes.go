package format

import (
	"slices"

	"github.com/promoc/promoc/lang"
)

// node prints a declaration, field, setting, statement or tier branch,
// starting on the current line. A node with a block ends on the line of its
// "}".
func (p *printer) node(n lang.Node) {
	switch n := n.(type) {
	case *lang.KindDecl:
		p.str("kind ")
		p.str(n.Name.Name)
		p.fields(p.headEnd(n), n, n.Fields)
	case *lang.PlayerDecl:
		p.str("player")
		p.fields(p.headEnd(n), n, n.Fields)
	case *lang.Field:
		p.str(n.Name.Name)
		p.str(": ")
		p.str(n.Type.Name)
		if n.Default != nil {
			p.str(" default ")
			p.expr(n.Default)
		}
	case *lang.CurrenciesDecl:
		p.str("currencies ")
		for i, id := range n.Codes {
			if i > 0 {
				p.str(", ")
			}
			p.str(id.Name)
		}
	case *lang.TemplateDecl:
		p.str("template ")
		p.str(n.Name.Name)
		p.str(" ")
		p.text(n.Title)
	case *lang.ConstDecl:
		p.str("const ")
		p.str(n.Name.Name)
		p.str(" = ")
		p.expr(n.Value)
	case *lang.RewardDecl:
		p.reward(n)
	case *lang.WindowSetting:
		p.str("window ")
		p.window(n.Window)
	case *lang.RoundSetting:
		p.str("round ")
		p.str(n.Mode.String())
		p.str(" to ")
		p.text(n.Decimals)
		p.str(" decimals")
	case *lang.CapSetting:
		p.str("cap ")
		p.expr(n.Value)
	case *lang.MinimumSetting:
		p.str("minimum ")
		p.expr(n.Value)
	case *lang.ApprovalSetting:
		if n.Manual {
			p.str("approval manual")
		} else {
			p.str("approval auto")
		}
		if n.Within != nil {
			p.str(" within ")
			p.expr(n.Within)
		}
	case *lang.LetStmt:
		p.str("let ")
		p.str(n.Name.Name)
		p.str(" = ")
		p.expr(n.Value)
	case *lang.GiveStmt:
		p.str("give ")
		p.expr(n.Value)
	case *lang.SkipStmt:
		p.str("skip ")
		p.text(n.Reason)
	case *lang.CheckStmt:
		p.str("check ")
		p.expr(n.Cond)
		lo, hi, line := p.braces(n.Body.Start.Offset, n.Body)
		p.simpleBlock(lo, hi, line, nodes(n.Body.Stmts))
	case *lang.TierStmt:
		p.str("tiers ")
		p.expr(n.Subject)
		lo, hi, line := p.braces(p.headEnd(n), n)
		p.simpleBlock(lo, hi, line, nodes(n.Branches))
	case *lang.TierBranch:
		p.branch(n)
	default:
		if p.testNode(n) {
			return
		}
		if p.ruleNode(n) { // rule.go
			return
		}
		if p.offerNode(n) { // offer.go
			return
		}
		if p.payoutNode(n) { // payout.go
			return
		}
		// A declaration this version does not know: its source as written,
		// comments included.
		sp := n.Span()
		p.out = append(p.out, p.src[sp.Start.Offset:sp.End.Offset]...)
	}
}

func (p *printer) str(s string) { p.out = append(p.out, s...) }

// text prints a node's source text: literals are printed as written.
func (p *printer) text(n lang.Node) {
	sp := n.Span()
	p.out = append(p.out, p.src[sp.Start.Offset:sp.End.Offset]...)
}

// fields prints the block of a kind or player, whose "{" is at offset open.
func (p *printer) fields(open int, n lang.Node, fields []*lang.Field) {
	lo, hi, line := p.braces(open, n)
	p.simpleBlock(lo, hi, line, nodes(fields))
}

// settingOrder is the rank of each setting in the canonical layout.
func settingOrder(n lang.Node) int {
	switch n.(type) {
	case *lang.WindowSetting:
		return 0
	case *lang.RoundSetting:
		return 1
	case *lang.CapSetting:
		return 2
	case *lang.MinimumSetting:
		return 3
	case *lang.ApprovalSetting:
		return 4
	}
	return 5 // a statement
}

// reward prints a reward: its settings first, in the order window, round,
// cap, minimum, approval, each with its comments, then a blank line, then
// the statements in source order.
func (p *printer) reward(r *lang.RewardDecl) {
	if r.Payout != nil {
		p.str("payout ")
		p.str(r.Name.Name)
		p.str(": ")
		p.str(r.Payout.Side.String())
		p.str(" on conversion ")
		p.str(r.Payout.Kind.Name)
	} else {
		p.str("reward ")
		p.str(r.Name.Name)
		p.str(": ")
		p.str(r.Result.Kind.String())
	}
	if r.Payout == nil && r.Result.Kind == lang.ResultPoints && r.Result.End.Offset-r.Result.Start.Offset > len("points") {
		p.str(" to ")
		p.str(r.Result.Target.String())
	}
	kids := make([]lang.Node, 0, len(r.Settings)+len(r.Body))
	for _, s := range r.Settings {
		kids = append(kids, s)
	}
	for _, s := range r.Body {
		kids = append(kids, s)
	}
	slices.SortFunc(kids, func(a, b lang.Node) int { return a.Span().Start.Offset - b.Span().Start.Offset })
	lo, hi, line := p.braces(p.headEnd(r), r)
	b := p.collect(lo, hi, line, kids)
	slices.SortStableFunc(b.items, func(a, b item) int { return settingOrder(a.node) - settingOrder(b.node) })
	if n := len(r.Settings); n > 0 && n < len(b.items) {
		b.items[n].gaps[0] = true // between the settings and the formula
	}
	p.block(&b, func() { p.items(b.items) })
}

// window prints a window as written, with one space between its words.
func (p *printer) window(w *lang.Window) {
	switch w.Kind {
	case lang.WindowFixed:
		p.str("from ")
		p.text(w.From)
		p.str(" to ")
		p.text(w.To)
	case lang.WindowTimeBack:
		p.str("last ")
		p.expr(w.Length)
	case lang.WindowLastFullDay:
		p.str("last full day")
	case lang.WindowLastFullWeek:
		p.str("last full week")
	case lang.WindowLastWeekend:
		p.str("last weekend")
	case lang.WindowLastFullMonth:
		p.str("last full month")
	case lang.WindowFirstToLast:
		p.str("between first transaction and last transaction")
	case lang.WindowQualificationToLast:
		p.str("between qualification and last transaction")
	case lang.WindowFirstToFixed:
		p.str("from first transaction to ")
		p.text(w.To)
	case lang.WindowQualificationToFixed:
		p.str("from qualification to ")
		p.text(w.To)
	case lang.WindowSinceEntrance:
		p.str("since entrance")
	}
	p.zone(w.Zone)
}

// short reports whether a tier branch is printed on one line, as
// `above 500 EUR: give 5% of bets`: when its body is one let, give or skip,
// and, if the author wrote it in braces, there is no comment inside them.
func (p *printer) short(br *lang.TierBranch) bool {
	if len(br.Body.Stmts) != 1 {
		return false
	}
	switch br.Body.Stmts[0].(type) {
	case *lang.LetStmt, *lang.GiveStmt, *lang.SkipStmt:
	default:
		return false
	}
	sp := br.Body.Span()
	return p.src[sp.Start.Offset] != '{' || !p.commentsIn(sp.Start.Offset, sp.End.Offset)
}

func (p *printer) branch(br *lang.TierBranch) {
	p.str(br.Op.String())
	if br.Bound != nil {
		p.str(" ")
		p.expr(br.Bound)
	}
	if p.short(br) {
		p.str(": ")
		p.node(br.Body.Stmts[0])
		return
	}
	sp := br.Body.Span()
	lo, hi, line := sp.Start.Offset, sp.End.Offset, 0
	if p.src[lo] == '{' {
		lo, hi, line = p.braces(lo, br.Body)
	} // else the short form of a check or tiers, printed in braces
	p.simpleBlock(lo, hi, line, nodes(br.Body.Stmts))
}
