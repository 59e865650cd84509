package format

import "github.com/promoc/promoc/lang"

// expr prints an expression on the current line, as lang.AppendExpr writes
// it with the source at hand: literals as written, parentheses where the
// source has them, single spaces around binary operators.
func (p *printer) expr(e lang.Expr) {
	p.out = lang.AppendExpr(p.out, e, p.src)
}
