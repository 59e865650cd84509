package format

import (
	"unicode/utf8"

	"github.com/promoc/promoc/lang"
)

// This file prints the declarations of tests (lang/testast.go).

// testNode prints a test declaration or one of its clauses, and reports
// whether n is one.
func (p *printer) testNode(n lang.Node) bool {
	switch n := n.(type) {
	case *lang.TestDecl:
		p.str("test ")
		p.text(n.Name)
		lo, hi, line := p.braces(p.headEnd(n), n)
		p.simpleBlock(lo, hi, line, nodes(n.Clauses))
	case *lang.RewardClause:
		p.str("reward ")
		p.str(n.Reward.Name)
	case *lang.TestRuleClause:
		p.str(n.Kind.String())
		p.str(" ")
		p.str(n.Rule.Name)
	case *lang.TestBudgetClause:
		p.str("budget ")
		p.expr(n.Value)
	case *lang.VouchersClause:
		p.str("vouchers ")
		p.str(n.Offer.Name)
		for _, c := range n.Codes {
			p.str(" ")
			p.text(c)
		}
	case *lang.AdvanceClause:
		p.str("advance to ")
		p.text(n.To)
	case *lang.DecisionClause:
		if n.Approve {
			p.str("approve ")
		} else {
			p.str("reject ")
		}
		p.text(n.N)
		if n.Reason != nil {
			p.str(" ")
			p.text(n.Reason)
		}
	case *lang.UpdateClause:
		p.str("update ")
		p.expr(n.Player)
		p.str(" at ")
		p.text(n.At)
		p.testFields(n, n.Fields)
	case *lang.EventsClause:
		p.table("events", n, n.Columns, n.Rows)
	case *lang.NowClause:
		p.str("now ")
		p.text(n.Time)
		p.zone(n.Zone)
	case *lang.PlayerClause:
		p.str("player")
		if n.ID != nil {
			p.str(" ")
			p.expr(n.ID)
		}
		p.testFields(n, n.Fields)
	case *lang.RatesClause:
		p.str("rates")
		p.testFields(n, n.Rates)
	case *lang.AnchorsClause:
		p.str("anchors")
		p.testFields(n, n.Fields)
	case *lang.RepeatClause:
		p.str("repeat ")
		p.text(n.Count)
		p.str(" ")
		p.str(n.Kind.Name)
		p.str(" every ")
		p.expr(n.Every)
		p.str(" from ")
		p.text(n.From)
		p.testFields(n, n.Fields)
	case *lang.LoadClause:
		p.str("load ")
		p.text(n.Path)
	case *lang.TransactionsClause:
		p.transactions(n)
	case *lang.ExpectOutcome:
		p.str("expect ")
		p.str(n.Outcome.String())
		if n.Value != nil {
			p.str(" ")
			p.expr(n.Value)
		}
		if n.Reason != nil {
			p.str(" ")
			p.str(n.Reason.Name)
		}
		if n.Detail != nil {
			p.str(" ")
			p.text(n.Detail)
		}
	case *lang.ExpectManual:
		p.str("expect manual")
	case *lang.ExpectBranch:
		p.str("expect branch ")
		p.text(n.Label)
	case *lang.ExpectLet:
		p.str("expect let ")
		p.str(n.Name.Name)
		p.str(" == ")
		p.expr(n.Value)
	case *lang.ExpectAggregation:
		p.str("expect aggregation ")
		p.str(n.Kind.Name)
		p.str(" matched ")
		p.text(n.Matched)
		if n.IDs != nil {
			p.str(" ids")
			for _, id := range n.IDs {
				p.str(" ")
				p.text(id)
			}
		}
	case *lang.ExpectWindow:
		p.str("expect window from ")
		p.text(n.From)
		p.str(" to ")
		p.text(n.To)
		p.zone(n.Zone)
	case *lang.ExpectRewards:
		p.str("expect rewards ")
		p.text(n.Count)
	case *lang.ExpectStep:
		p.expectStep(n)
	case *lang.ExpectBudgetLeft:
		p.str("expect budget left ")
		p.expr(n.Value)
	case *lang.ExpectRuleStatus:
		p.str("expect ")
		p.str(n.Kind.String())
		if n.Suspended {
			p.str(" suspended")
		} else {
			p.str(" active")
		}
	case *lang.ExpectGroup:
		p.str("expect group ")
		p.expr(n.Player)
		p.str(" ")
		p.str(n.Group.Name)
	case *fieldLine:
		for i, f := range n.fields {
			if i > 0 {
				p.str("  ")
			}
			p.str(f.Name.Name)
			p.str(" ")
			p.expr(f.Value)
		}
	case *tableHeader:
		p.cells(n.cols)
	case *lang.TableRow:
		p.cells(nodes(n.Values))
	default:
		return false
	}
	return true
}

// testHeadEnd is [printer.headEnd] for the nodes of tests; ok is false for
// other nodes.
func (p *printer) testHeadEnd(n lang.Node) (end int, ok bool) {
	switch n := n.(type) {
	case *lang.TestDecl:
		return p.brace(n.Name.End.Offset), true
	case *lang.PlayerClause, *lang.RatesClause, *lang.AnchorsClause, *lang.RepeatClause, *lang.TransactionsClause, *lang.EventsClause, *lang.UpdateClause:
		sp := n.Span()
		switch {
		case p.verbatim(n): // comments included
			return sp.Start.Offset, true
		case p.inline(n): // no comments inside
			return sp.End.Offset, true
		}
		return p.brace(sp.Start.Offset), true
	case lang.TestClause, *fieldLine, *tableHeader, *lang.TableRow:
		return n.Span().End.Offset, true
	}
	return 0, false
}

func (p *printer) zone(z *lang.Zone) {
	if z == nil {
		return
	}
	if z.Player {
		p.str(" in player zone")
	} else {
		p.str(" in ")
		p.text(z.Name)
	}
}

// A fieldLine is the fields of a clause that the author wrote on one line.
type fieldLine struct {
	fields []*lang.TestField // len > 0
}

func (l *fieldLine) Span() lang.Span {
	return lang.Span{Start: l.fields[0].Start, End: l.fields[len(l.fields)-1].End}
}

// inline reports whether a clause with a block of fields is printed on one
// line, as player { currency EUR  vip_level 3 }: when the author wrote it
// on one line, and it has fields.
func (p *printer) inline(n lang.Node) bool {
	sp := n.Span()
	switch n := n.(type) {
	case *lang.PlayerClause:
		return len(n.Fields) > 0 && sp.Start.Line == sp.End.Line
	case *lang.RatesClause:
		return len(n.Rates) > 0 && sp.Start.Line == sp.End.Line
	case *lang.AnchorsClause:
		return len(n.Fields) > 0 && sp.Start.Line == sp.End.Line
	case *lang.RepeatClause:
		return len(n.Fields) > 0 && sp.Start.Line == sp.End.Line
	case *lang.UpdateClause:
		return len(n.Fields) > 0 && sp.Start.Line == sp.End.Line
	}
	return false
}

// testFields prints the block of fields of clause n: inline, with two
// spaces between fields, when the author wrote the clause on one line;
// otherwise one line for each line of fields the author wrote, which keeps
// tables of rates or properties as they were laid out.
func (p *printer) testFields(n lang.Node, fields []*lang.TestField) {
	if p.inline(n) {
		p.str(" { ")
		p.testNode(&fieldLine{fields: fields})
		p.str(" }")
		return
	}
	var kids []lang.Node
	for i, f := range fields {
		if i > 0 && f.Start.Line == fields[i-1].End.Line {
			l := kids[len(kids)-1].(*fieldLine)
			l.fields = append(l.fields, f)
			continue
		}
		kids = append(kids, &fieldLine{fields: []*lang.TestField{f}})
	}
	lo, hi, line := p.braces(p.headEnd(n), n)
	p.simpleBlock(lo, hi, line, kids)
}

// A tableHeader is the column names of a transactions table.
type tableHeader struct {
	cols []lang.Node // *lang.Ident, len > 0
}

func (h *tableHeader) Span() lang.Span {
	return lang.Span{Start: h.cols[0].Span().Start, End: h.cols[len(h.cols)-1].Span().End}
}

// expectStep prints expect outcome N [player ID] STATUS ....
func (p *printer) expectStep(n *lang.ExpectStep) {
	p.str("expect outcome ")
	p.text(n.N)
	if n.Player != nil {
		p.str(" player ")
		p.expr(n.Player)
	}
	p.str(" ")
	p.str(n.Status.String())
	if n.Value != nil {
		p.str(" ")
		p.expr(n.Value)
	}
	if n.Reason != nil {
		p.str(" ")
		p.str(n.Reason.Name)
	}
	if n.Detail != nil {
		p.str(" ")
		p.text(n.Detail)
	}
}

// transactions prints a table of transactions.
func (p *printer) transactions(t *lang.TransactionsClause) {
	p.table("transactions "+t.Kind.Name, t, t.Columns, t.Rows)
}

// table prints a table (of transactions or of events) after its head: the
// header, then one row a line, the columns aligned, two spaces at least
// between them. A table that cannot be laid out so (see
// [printer.verbatim]) is printed as written.
func (p *printer) table(head string, t lang.Node, columns []*lang.Ident, rows []*lang.TableRow) {
	if p.verbatim(t) {
		p.text(t)
		return
	}
	p.str(head)
	var kids []lang.Node
	if len(columns) > 0 {
		kids = append(kids, &tableHeader{cols: nodes(columns)})
	}
	saved := p.widths
	p.widths = make([]int, len(columns))
	for i, c := range columns {
		p.widths[i] = utf8.RuneCountInString(c.Name)
	}
	for _, r := range rows {
		kids = append(kids, r)
		for i, v := range r.Values {
			if i < len(p.widths) {
				p.widths[i] = max(p.widths[i], utf8.RuneCountInString(p.exprString(v)))
			}
		}
	}
	lo, hi, line := p.braces(p.headEnd(t), t)
	p.simpleBlock(lo, hi, line, kids)
	p.widths = saved
}

// cells prints one line of a table, padding each cell but the last to the
// width of its column and two spaces.
func (p *printer) cells(cells []lang.Node) {
	for i, c := range cells {
		start := len(p.out)
		if id, ok := c.(*lang.Ident); ok {
			p.str(id.Name)
		} else {
			p.expr(c.(lang.Expr))
		}
		if i < len(cells)-1 {
			w := p.widths[i] - utf8.RuneCount(p.out[start:])
			for range w + 2 {
				p.out = append(p.out, ' ')
			}
		}
	}
}

// verbatim reports whether a transactions table is printed as written:
// when a number is followed, in a row, by a currency code or a time unit
// that the author wrote on the next line. On one line they would read as
// one money or duration value, and the table would change.
func (p *printer) verbatim(n lang.Node) bool {
	var rows []*lang.TableRow
	switch t := n.(type) {
	case *lang.TransactionsClause:
		rows = t.Rows
	case *lang.EventsClause:
		rows = t.Rows
	default:
		return false
	}
	for _, r := range rows {
		for i := 1; i < len(r.Values); i++ {
			if joins(p.exprString(r.Values[i-1]), r.Values[i]) {
				return true
			}
		}
	}
	return false
}

// joins reports whether a value printed as prev followed by x, a space
// between, would lex as one token.
func joins(prev string, x lang.Expr) bool {
	id, ok := x.(*lang.Ident)
	if !ok || prev == "" || prev[len(prev)-1] < '0' || prev[len(prev)-1] > '9' {
		return false
	}
	switch id.Name {
	case "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks":
		return true
	}
	n := id.Name
	return len(n) == 3 && isUpper(n[0]) && isUpper(n[1]) && isUpper(n[2])
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// exprString returns e as printed.
func (p *printer) exprString(e lang.Expr) string {
	start := len(p.out)
	p.expr(e)
	s := string(p.out[start:])
	p.out = p.out[:start]
	return s
}
