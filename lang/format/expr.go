package format

import (
	"bytes"

	"github.com/promoc/promoc/lang"
)

// expr prints an expression on the current line: binary operators between
// single spaces, parentheses exactly where the source has them (the tree
// keeps them as ParenExpr), literals as written, except that one space
// separates the number of a money or duration literal from its unit.
func (p *printer) expr(e lang.Expr) {
	switch e := e.(type) {
	case *lang.Ident:
		p.str(e.Name)
	case *lang.MoneyLit:
		p.str(e.Amount)
		p.str(" ")
		p.str(e.Currency)
	case *lang.PerCurrencyLit:
		for i, m := range e.Values {
			if i > 0 {
				p.str(" | ")
			}
			p.expr(m)
		}
	case *lang.DurationLit:
		p.duration(e)
	case *lang.NumberLit, *lang.PercentLit, *lang.DateLit, *lang.StringLit, *lang.BoolLit, *lang.NowExpr:
		p.text(e)
	case *lang.ListLit:
		p.str("[")
		p.list(e.Elems)
		p.str("]")
	case *lang.SelectorExpr:
		p.str(e.X.Name)
		p.str(".")
		p.str(e.Sel.Name)
	case *lang.PlayerExpr:
		p.str("player.")
		p.str(e.Prop.Name)
		if e.Default != nil {
			p.str(" default ")
			p.expr(e.Default)
		}
	case *lang.ParenExpr:
		p.str("(")
		p.expr(e.X)
		p.str(")")
	case *lang.UnaryExpr:
		switch {
		case e.Op == lang.OpNot:
			p.str("not ")
		case isNeg(e.X):
			p.str("- ") // not --x
		default:
			p.str("-")
		}
		p.expr(e.X)
	case *lang.BinaryExpr:
		p.expr(e.X)
		p.str(" ")
		p.str(e.Op.String())
		p.str(" ")
		p.expr(e.Y)
	case *lang.CondExpr:
		p.str("if ")
		p.expr(e.Cond)
		p.str(" then ")
		p.expr(e.Then)
		p.str(" else ")
		p.expr(e.Else)
	case *lang.CallExpr:
		p.str(e.Fun.Name)
		p.str("(")
		p.list(e.Args)
		p.str(")")
	case *lang.AggregateExpr:
		p.str(e.Op.String())
		p.str("(")
		p.str(e.Kind.Name)
		if e.Attr != nil {
			p.str(".")
			p.str(e.Attr.Name)
		}
		if e.Where != nil {
			p.str(" where ")
			p.expr(e.Where)
		}
		p.str(")")
	default: // an expression this version does not know
		p.text(e)
	}
}

func isNeg(e lang.Expr) bool {
	u, ok := e.(*lang.UnaryExpr)
	return ok && u.Op == lang.OpNeg
}

func (p *printer) list(es []lang.Expr) {
	for i, x := range es {
		if i > 0 {
			p.str(", ")
		}
		p.expr(x)
	}
}

// duration prints the digits and the unit of a duration as written ("1
// day", "7 days"), with one space between them.
func (p *printer) duration(d *lang.DurationLit) {
	sp := d.Span()
	t := p.src[sp.Start.Offset:sp.End.Offset]
	i := bytes.IndexFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	p.out = append(p.out, t[:i]...)
	p.out = append(p.out, ' ')
	p.out = append(p.out, bytes.TrimLeft(t[i:], " \t")...)
}
