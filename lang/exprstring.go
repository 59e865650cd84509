package lang

import (
	"bytes"
	"strconv"
)

// ExprString renders an expression on one line as it would be written in
// source, for traces, labels and messages.
func ExprString(e Expr) string { return string(AppendExpr(nil, e, nil)) }

// AppendExpr appends e to dst on one line: binary operators between single
// spaces, parentheses exactly where the tree has ParenExpr nodes, one space
// between the number of a money or duration literal and its unit, and "- -x"
// rather than "--x". With src, the text of the file e was parsed from, the
// other literals (numbers, strings, dates) are copied as written, and so is
// an expression this version does not know; without it they are rendered
// from the tree. The formatter prints expressions with it.
func AppendExpr(dst []byte, e Expr, src []byte) []byte {
	w := exprWriter{out: dst, src: src}
	w.expr(e)
	return w.out
}

type exprWriter struct {
	out []byte
	src []byte // nil: render literals from the tree
}

func (w *exprWriter) str(s string) { w.out = append(w.out, s...) }

// text copies n's source text, reporting false when there is no source.
func (w *exprWriter) text(n Node) bool {
	sp := n.Span()
	if w.src == nil || sp.End.Offset > len(w.src) || sp.Start.Offset > sp.End.Offset {
		return false
	}
	w.out = append(w.out, w.src[sp.Start.Offset:sp.End.Offset]...)
	return true
}

func (w *exprWriter) expr(e Expr) {
	switch e := e.(type) {
	case nil:
		w.str("<nil>")
	case *Ident:
		w.str(e.Name)
	case *NumberLit:
		if !w.text(e) {
			w.str(e.Text)
		}
	case *PercentLit:
		if !w.text(e) {
			w.str(e.Text + "%")
		}
	case *MoneyLit:
		w.str(e.Amount + " " + e.Currency)
	case *PerCurrencyLit:
		for i, m := range e.Values {
			if i > 0 {
				w.str(" | ")
			}
			w.expr(m)
		}
	case *DurationLit:
		w.duration(e)
	case *DateLit:
		if !w.text(e) {
			w.str(e.Text)
		}
	case *StringLit:
		if !w.text(e) {
			w.str(strconv.Quote(e.Value))
		}
	case *BoolLit:
		w.str(strconv.FormatBool(e.Value))
	case *ListLit:
		w.str("[")
		w.list(e.Elems)
		w.str("]")
	case *NowExpr:
		w.str("now")
	case *SelectorExpr:
		w.str(e.X.Name + "." + e.Sel.Name)
	case *PlayerExpr:
		w.str("player." + e.Prop.Name)
		if e.Default != nil {
			w.str(" default ")
			w.expr(e.Default)
		}
	case *ParenExpr:
		w.str("(")
		w.expr(e.X)
		w.str(")")
	case *UnaryExpr:
		switch {
		case e.Op == OpNot:
			w.str("not ")
		case isNeg(e.X):
			w.str("- ") // not --x
		default:
			w.str("-")
		}
		w.expr(e.X)
	case *PercentExpr:
		w.expr(e.X)
		if n := len(w.out); n > 0 && w.out[n-1] >= '0' && w.out[n-1] <= '9' {
			w.str(" ") // 5 % is not the literal 5%
		}
		w.str("%")
	case *BinaryExpr:
		w.expr(e.X)
		w.str(" " + e.Op.String() + " ")
		w.expr(e.Y)
	case *CondExpr:
		w.str("if ")
		w.expr(e.Cond)
		w.str(" then ")
		w.expr(e.Then)
		w.str(" else ")
		w.expr(e.Else)
	case *CallExpr:
		w.str(e.Fun.Name + "(")
		w.list(e.Args)
		w.str(")")
	case *AggregateExpr:
		w.str(e.Op.String() + "(" + e.Kind.Name)
		if e.Attr != nil {
			w.str("." + e.Attr.Name)
		}
		if e.Where != nil {
			w.str(" where ")
			w.expr(e.Where)
		}
		w.str(")")
	default: // an expression this version does not know
		if !w.text(e) {
			w.str("?")
		}
	}
}

func isNeg(e Expr) bool {
	u, ok := e.(*UnaryExpr)
	return ok && u.Op == OpNeg
}

func (w *exprWriter) list(es []Expr) {
	for i, x := range es {
		if i > 0 {
			w.str(", ")
		}
		w.expr(x)
	}
}

// duration writes the digits and the unit of a duration with one space
// between them: the unit as written when there is source ("1 day", "7
// days"), else its plural name.
func (w *exprWriter) duration(d *DurationLit) {
	sp := d.Span()
	if w.src != nil && sp.End.Offset <= len(w.src) && sp.Start.Offset < sp.End.Offset {
		t := w.src[sp.Start.Offset:sp.End.Offset]
		if i := bytes.IndexFunc(t, func(r rune) bool { return r < '0' || r > '9' }); i > 0 {
			w.out = append(w.out, t[:i]...)
			w.out = append(w.out, ' ')
			w.out = append(w.out, bytes.TrimLeft(t[i:], " \t")...)
			return
		}
	}
	unit := d.Unit.String()
	if d.Singular {
		unit = unit[:len(unit)-1] // 1 hour, as written
	}
	w.str(strconv.FormatInt(d.N, 10) + " " + unit)
}
