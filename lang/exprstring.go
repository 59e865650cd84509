package lang

import (
	"strconv"
	"strings"
)

// ExprString renders an expression on one line as it would be written in
// source, for traces, labels and messages.
func ExprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case nil:
		b.WriteString("<nil>")
	case *Ident:
		b.WriteString(e.Name)
	case *NumberLit:
		b.WriteString(e.Text)
	case *PercentLit:
		b.WriteString(e.Text + "%")
	case *MoneyLit:
		b.WriteString(e.Amount + " " + e.Currency)
	case *PerCurrencyLit:
		for i, m := range e.Values {
			if i > 0 {
				b.WriteString(" | ")
			}
			writeExpr(b, m)
		}
	case *DurationLit:
		b.WriteString(strconv.FormatInt(e.N, 10) + " " + e.Unit.String())
	case *DateLit:
		b.WriteString(e.Text)
	case *StringLit:
		b.WriteString(strconv.Quote(e.Value))
	case *BoolLit:
		b.WriteString(strconv.FormatBool(e.Value))
	case *ListLit:
		b.WriteByte('[')
		for i, x := range e.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, x)
		}
		b.WriteByte(']')
	case *NowExpr:
		b.WriteString("now")
	case *SelectorExpr:
		b.WriteString(e.X.Name + "." + e.Sel.Name)
	case *PlayerExpr:
		b.WriteString("player." + e.Prop.Name)
		if e.Default != nil {
			b.WriteString(" default ")
			writeExpr(b, e.Default)
		}
	case *ParenExpr:
		b.WriteByte('(')
		writeExpr(b, e.X)
		b.WriteByte(')')
	case *UnaryExpr:
		if e.Op == OpNot {
			b.WriteString("not ")
		} else {
			b.WriteByte('-')
		}
		writeExpr(b, e.X)
	case *BinaryExpr:
		writeExpr(b, e.X)
		b.WriteString(" " + e.Op.String() + " ")
		writeExpr(b, e.Y)
	case *CondExpr:
		b.WriteString("if ")
		writeExpr(b, e.Cond)
		b.WriteString(" then ")
		writeExpr(b, e.Then)
		b.WriteString(" else ")
		writeExpr(b, e.Else)
	case *CallExpr:
		b.WriteString(e.Fun.Name + "(")
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, a)
		}
		b.WriteByte(')')
	case *AggregateExpr:
		b.WriteString(e.Op.String() + "(" + e.Kind.Name)
		if e.Attr != nil {
			b.WriteString("." + e.Attr.Name)
		}
		if e.Where != nil {
			b.WriteString(" where ")
			writeExpr(b, e.Where)
		}
		b.WriteByte(')')
	default:
		b.WriteString("?")
	}
}
