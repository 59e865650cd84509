package lang

import (
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/promoc/promoc/lang/limits"
)

// builder turns the participle structs of grammar.go into AST nodes. It
// reports the syntax errors that the grammar leaves to it: names of types,
// aggregation forms, chained comparisons, misplaced not, whole decimals, and
// invalid literals.
type builder struct {
	name  string
	lines []int // offset of the start of each line
	diags Diagnostics
}

// pos converts a token position; Line and Col count bytes, so Col is derived
// from the offset of the line start rather than taken from participle.
//
// The lexer counts lines by newlines only; when its line does not hold the
// offset (after a carriage return alone), the line is found from the
// offset.
func (b *builder) pos(p lexer.Position) Pos {
	line := p.Line
	if line < 1 || line > len(b.lines) || b.lines[line-1] > p.Offset || line < len(b.lines) && b.lines[line] <= p.Offset {
		line = lineOf(b.lines, p.Offset)
	}
	return Pos{Offset: p.Offset, Line: line, Col: p.Offset - b.lines[line-1] + 1}
}

// tokSpan is the span of one token. No token spans lines.
func (b *builder) tokSpan(t lexer.Token) Span {
	start := b.pos(t.Pos)
	end := start
	end.Offset += len(t.Value)
	end.Col += len(t.Value)
	return Span{start, end}
}

// span is the span from the first to the last of toks, which is not empty.
func (b *builder) span(toks []lexer.Token) Span {
	return Span{b.tokSpan(toks[0]).Start, b.tokSpan(toks[len(toks)-1]).End}
}

func (b *builder) loc(toks []lexer.Token) Loc { return LocOf(b.span(toks)) }

func (b *builder) tokLoc(t lexer.Token) Loc { return LocOf(b.tokSpan(t)) }

// between is the location from the start of x to the end of y.
func between(x, y Span) Loc { return Loc{Start: x.Start, End: y.End} }

func (b *builder) errorf(sp Span, code Code, format string, args ...any) {
	b.diags.Errorf(b.name, sp, code, format, args...)
}

func (b *builder) ident(t lexer.Token) *Ident {
	return &Ident{Loc: b.tokLoc(t), Name: t.Value}
}

func (b *builder) stringLit(t lexer.Token) *StringLit {
	return &StringLit{Loc: b.tokLoc(t), Value: unquote(t.Value)}
}

// decls returns the complete declarations of g. After a syntax error the last
// one may be partial: participle sets Tokens only on a match, so a
// declaration without tokens is dropped.
func (b *builder) decls(g *file) []Decl {
	if g == nil {
		return nil
	}
	out := make([]Decl, 0, len(g.Decls))
	for _, d := range g.Decls {
		if d := b.decl(d); d != nil {
			out = append(out, d)
		}
	}
	return out
}

func (b *builder) decl(d *decl) Decl {
	switch {
	case d == nil:
		return nil
	case d.Kind != nil && d.Kind.Tokens != nil:
		k := d.Kind
		return &KindDecl{Loc: b.loc(k.Tokens), Name: b.ident(k.Name), Fields: b.fields(k.Fields)}
	case d.Player != nil && d.Player.Tokens != nil:
		p := d.Player
		return &PlayerDecl{Loc: b.loc(p.Tokens), Keyword: b.tokSpan(p.Tokens[0]), Fields: b.fields(p.Fields)}
	case d.Template != nil && d.Template.Tokens != nil:
		t := d.Template
		return &TemplateDecl{Loc: b.loc(t.Tokens), Name: b.ident(t.Name), Title: b.stringLit(t.Title)}
	case d.Const != nil && d.Const.Tokens != nil:
		c := d.Const
		return &ConstDecl{Loc: b.loc(c.Tokens), Name: b.ident(c.Name), Value: b.expr(c.Value)}
	case d.Reward != nil && d.Reward.Tokens != nil:
		return b.reward(d.Reward)
	case d.Test != nil && d.Test.Tokens != nil:
		return b.test(d.Test) // testbuild.go
	case d.Rule != nil && d.Rule.Tokens != nil:
		return b.rule(d.Rule) // rulebuild.go
	case d.Offer != nil && d.Offer.Tokens != nil:
		return b.offer(d.Offer) // offerbuild.go
	case d.Payout != nil && d.Payout.Tokens != nil:
		return b.payout(d.Payout) // payoutbuild.go
	case d.Attrib != nil && d.Attrib.Tokens != nil:
		return b.attribution(d.Attrib) // payoutbuild.go
	case d.Currency != nil && d.Currency.Tokens != nil:
		cd := &CurrenciesDecl{Loc: b.loc(d.Currency.Tokens)}
		for _, t := range d.Currency.Tokens {
			if t.Type == tokIdent {
				cd.Codes = append(cd.Codes, b.ident(t))
			}
		}
		return cd
	}
	return nil
}

// typeList lists the types of a schema field, for messages.
const typeList = "money, number, count, percent, bool, string, time or duration"

func (b *builder) fields(gs []*field) []*Field {
	out := make([]*Field, len(gs))
	for i, g := range gs {
		f := &Field{Loc: b.loc(g.Tokens), Name: b.ident(g.Name)}
		f.Type = &TypeName{Loc: b.tokLoc(g.Type), Name: g.Type.Value}
		if !isTypeName(g.Type.Value) {
			b.errorf(f.Type.Span(), CodeBadSyntax, "unknown type %s; expected one of %s", g.Type.Value, typeList)
		}
		if g.Default != nil {
			f.Default = b.expr(g.Default)
		}
		out[i] = f
	}
	return out
}

func isTypeName(s string) bool {
	switch s {
	case "money", "number", "count", "percent", "bool", "string", "time", "duration":
		return true
	}
	return false
}

func (b *builder) reward(g *rewardDecl) *RewardDecl {
	r := &RewardDecl{Loc: b.loc(g.Tokens), Name: b.ident(g.Name), Result: b.result(g.Result)}
	for _, it := range g.Items {
		loc := b.loc(it.Tokens)
		switch {
		case it.Window != nil:
			r.Settings = append(r.Settings, &WindowSetting{Loc: loc, Window: b.window(it.Window)})
		case it.Cap != nil:
			r.Settings = append(r.Settings, &CapSetting{Loc: loc, Value: b.expr(it.Cap)})
		case it.Round != "":
			r.Settings = append(r.Settings, b.round(loc, it.Round, it.Decimals))
		case it.Minimum != nil:
			r.Settings = append(r.Settings, &MinimumSetting{Loc: loc, Value: b.expr(it.Minimum)})
		case it.Approval != "":
			r.Settings = append(r.Settings, &ApprovalSetting{Loc: loc, Manual: it.Approval == "manual", Within: b.within(it.Within)})
		default:
			r.Body = append(r.Body, b.stmt(&it.stmt))
		}
	}
	return r
}

func (b *builder) result(g *resultType) *ResultType {
	r := &ResultType{Loc: b.loc(g.Tokens)}
	switch {
	case g.Points:
		r.Kind = ResultPoints
		switch g.Target {
		case "leaderboard":
			r.Target = ToLeaderboard
		case "level":
			r.Target = ToLevel
		}
	case g.Kind == "template":
		r.Kind = ResultTemplate
	case g.Kind == "gems":
		r.Kind = ResultGems
	case g.Kind == "diamonds":
		r.Kind = ResultDiamonds
	}
	return r
}

func (b *builder) window(g *window) *Window {
	w := &Window{Loc: b.loc(g.Tokens)}
	switch {
	case g.Last != nil:
		l := g.Last
		switch {
		case l.Full == "day":
			w.Kind = WindowLastFullDay
		case l.Full == "week":
			w.Kind = WindowLastFullWeek
		case l.Full == "month":
			w.Kind = WindowLastFullMonth
		case l.Weekend:
			w.Kind = WindowLastWeekend
		default:
			w.Kind = WindowTimeBack
			w.Length = b.duration(l.Length)
		}
		w.Zone = b.zone(l.Zone)
	case g.From != nil:
		f := g.From
		switch {
		case f.First:
			w.Kind = WindowFirstToFixed
		case f.Qualification:
			w.Kind = WindowQualificationToFixed
		default:
			w.Kind = WindowFixed
			w.From = b.date(f.From)
		}
		w.To = b.date(f.To)
		w.Zone = b.zone(f.Zone)
	case g.Between != nil:
		w.Kind = WindowFirstToLast
		if g.Between.Qualification {
			w.Kind = WindowQualificationToLast
		}
	default:
		w.Kind = WindowSinceEntrance
	}
	return w
}

func (b *builder) zone(g *zone) *Zone {
	if g == nil {
		return nil
	}
	z := &Zone{Loc: b.loc(g.Tokens), Player: g.Player}
	if !g.Player {
		z.Name = b.stringLit(g.Name)
	}
	return z
}

func (b *builder) round(loc Loc, mode string, decimals lexer.Token) *RoundSetting {
	r := &RoundSetting{Loc: loc}
	switch mode {
	case "down":
		r.Mode = RoundDown
	case "up":
		r.Mode = RoundUp
	}
	r.Decimals = b.wholeNumber(decimals, "round needs a whole number of decimals")
	return r
}

// wholeNumber builds a number that must be whole, reporting msg otherwise.
func (b *builder) wholeNumber(t lexer.Token, msg string) *NumberLit {
	n := &NumberLit{Loc: b.tokLoc(t), Text: t.Value}
	if strings.Contains(t.Value, ".") {
		b.errorf(n.Span(), CodeBadSyntax, "%s, found %s", msg, t.Value)
	}
	return n
}

func (b *builder) stmts(gs []*stmt) []Stmt {
	out := make([]Stmt, len(gs))
	for i, g := range gs {
		out[i] = b.stmt(g)
	}
	return out
}

func (b *builder) stmt(g *stmt) Stmt {
	loc := b.loc(g.Tokens)
	switch {
	case g.Let.Value != "":
		return &LetStmt{Loc: loc, Name: b.ident(g.Let), Value: b.expr(g.Value)}
	case g.Give != nil:
		return &GiveStmt{Loc: loc, Value: b.expr(g.Give)}
	case g.Check != nil:
		return &CheckStmt{Loc: loc, Cond: b.expr(g.Check), Body: b.block(g.Body)}
	case g.Tiers != nil:
		return b.tiers(loc, g.Tiers, g.Branches)
	default:
		return &SkipStmt{Loc: loc, Reason: b.stringLit(g.Skip)}
	}
}

func (b *builder) block(g *block) *Block {
	return &Block{Loc: b.loc(g.Tokens), Stmts: b.stmts(g.Stmts)}
}

func (b *builder) tiers(loc Loc, subject expr, branches []*tierBranch) *TierStmt {
	t := &TierStmt{Loc: loc, Subject: b.expr(subject)}
	t.Branches = make([]*TierBranch, len(branches))
	for i, gb := range branches {
		br := &TierBranch{Loc: b.loc(gb.Tokens)}
		switch {
		case gb.Else:
			br.Op = TierElse
		case gb.Op == "below":
			br.Op = TierBelow
		case gb.AtOp == "least":
			br.Op = TierAtLeast
		case gb.AtOp == "most":
			br.Op = TierAtMost
		}
		if gb.Bound != nil {
			br.Bound = b.expr(gb.Bound)
		}
		if gb.Short != nil {
			s := b.stmt(gb.Short)
			br.Body = &Block{Loc: LocOf(s.Span()), Stmts: []Stmt{s}}
		} else {
			br.Body = b.block(gb.Body)
		}
		t.Branches[i] = br
	}
	return t
}

// ---- expressions

// Binding powers of the binary operators; not binds at precNot, and unary
// minus binds tighter than any binary operator.
const (
	precOr = 1 + iota
	precAnd
	precNot
	precCmp
	precAdd
	precMul
	precNeg
)

// binaryOp returns the operator captured as s and its binding power.
func binaryOp(s string) (BinaryOp, int) {
	switch s {
	case "or":
		return OpOr, precOr
	case "and":
		return OpAnd, precAnd
	case "==":
		return OpEq, precCmp
	case "!=":
		return OpNe, precCmp
	case "<":
		return OpLt, precCmp
	case "<=":
		return OpLe, precCmp
	case ">":
		return OpGt, precCmp
	case ">=":
		return OpGe, precCmp
	case "in":
		return OpIn, precCmp
	case "notin": // participle concatenates the two tokens
		return OpNotIn, precCmp
	case "+":
		return OpAdd, precAdd
	case "-":
		return OpSub, precAdd
	case "*":
		return OpMul, precMul
	case "/":
		return OpDiv, precMul
	}
	return OpOf, precMul
}

// climber groups the flat operand and operator list of an expr by
// precedence climbing: ops[k] joins operands[k] and operands[k+1].
type climber struct {
	b        *builder
	operands []*term
	ops      []*opTerm
	k        int  // index of the next operand
	prefix   int  // prefixes of operands[k] already applied
	chained  bool // reported a chained comparison
}

// expr builds an expression of the grammar structs, an *exprList.
func (b *builder) expr(g expr) Expr { return b.exprList(g.(*exprList)) }

func (b *builder) exprList(g *exprList) Expr {
	c := climber{b: b, operands: make([]*term, 1+len(g.Rest)), ops: g.Rest}
	c.operands[0] = g.First
	for i, r := range g.Rest {
		c.operands[i+1] = r.Operand
	}
	return c.binary(precOr)
}

// binary parses operands joined by operators that bind at least as tightly
// as min. Binary operators are left-associative, except comparisons, which
// do not associate: a < b < c is an error.
func (c *climber) binary(min int) Expr {
	x := c.unary(min)
	// The operator after operand k-1 is ops[k-1].
	for c.k < len(c.operands) {
		g := c.ops[c.k-1]
		op, prec := binaryOp(g.Op)
		if prec < min {
			break
		}
		if prec == precCmp && isComparison(x) && !c.chained {
			c.chained = true
			c.b.errorf(c.b.opSpan(g), CodeBadSyntax, "comparisons cannot be chained; join them with and, as in a < b and b < c")
		}
		y := c.binary(prec + 1)
		x = &BinaryExpr{Loc: between(x.Span(), y.Span()), Op: op, X: x, Y: y}
	}
	return x
}

// unary parses operand k with its remaining prefix operators, in a place
// where operators binding at least as tightly as min are expected.
func (c *climber) unary(min int) Expr {
	t := c.operands[c.k]
	if c.prefix == len(t.Prefix) {
		c.k++
		c.prefix = 0
		x := c.b.primary(t.Primary)
		if t.Percent {
			x = &PercentExpr{Loc: between(x.Span(), c.b.tokSpan(t.Tokens[len(t.Tokens)-1])), X: x}
		}
		return x
	}
	tok := t.Tokens[c.prefix]
	c.prefix++
	if tok.Value == "-" {
		x := c.unary(precNeg)
		c.b.negPerCurrency(tok, x)
		return &UnaryExpr{Loc: between(c.b.tokSpan(tok), x.Span()), Op: OpNeg, X: x}
	}
	if min > precNot {
		after := "-"
		if c.prefix == 1 {
			after = c.ops[c.k-1].Op
			if after == "notin" {
				after = "not in"
			}
		}
		c.b.errorf(c.b.tokSpan(tok), CodeBadSyntax, "not cannot come after %q; put it in parentheses, as in %s (not x)", after, after)
	}
	x := c.binary(precNot)
	return &UnaryExpr{Loc: between(c.b.tokSpan(tok), x.Span()), Op: OpNot, X: x}
}

// negPerCurrency reports a minus written right before a per-currency value:
// -10 EUR | 1000 JPY reads as a negative EUR amount beside a positive JPY one,
// but the minus applies to the whole value, -1000 JPY for a player in JPY.
func (b *builder) negPerCurrency(minus lexer.Token, x Expr) {
	if pc, ok := x.(*PerCurrencyLit); ok {
		b.errorf(between(b.tokSpan(minus), pc.Span()).Span(), CodeBadSyntax,
			"a minus before a per-currency value negates each of its amounts, not only the first: write -(%s) to negate them all", ExprString(pc))
	}
}

func isComparison(x Expr) bool {
	be, ok := x.(*BinaryExpr)
	return ok && be.Op >= OpEq && be.Op <= OpNotIn
}

// opSpan is the span of an operator, "not in" included.
func (b *builder) opSpan(g *opTerm) Span {
	if g.Op == "notin" {
		return b.span(g.Tokens[:2])
	}
	return b.tokSpan(g.Tokens[0])
}

func (b *builder) unaryExpr(g *unary) Expr {
	x := b.primary(g.Primary)
	if len(g.Neg) > 0 {
		b.negPerCurrency(g.Tokens[0], x)
	}
	for i := len(g.Neg) - 1; i >= 0; i-- {
		x = &UnaryExpr{Loc: between(b.tokSpan(g.Tokens[i]), x.Span()), Op: OpNeg, X: x}
	}
	return x
}

func (b *builder) primary(g *primary) Expr {
	loc := b.loc(g.Tokens)
	switch {
	case g.Money != nil:
		if len(g.Money) == 1 {
			return b.money(g.Tokens[0])
		}
		pc := &PerCurrencyLit{Loc: loc, Values: make([]*MoneyLit, len(g.Money))}
		for i := range g.Money {
			pc.Values[i] = b.money(g.Tokens[2*i])
		}
		return pc
	case g.Lit.Value != "":
		return b.literal(g.Lit)
	case g.Name != nil:
		return b.nameExpr(g.Name)
	case g.List != nil:
		l := &ListLit{Loc: loc, Elems: make([]Expr, len(g.List.Elems))}
		for i, e := range g.List.Elems {
			l.Elems[i] = b.exprList(e)
		}
		return l
	case g.Paren != nil:
		return &ParenExpr{Loc: loc, X: b.exprList(g.Paren)}
	case g.Cond != nil:
		return &CondExpr{Loc: loc, Cond: b.exprList(g.Cond.Cond), Then: b.exprList(g.Cond.Then), Else: b.exprList(g.Cond.Else)}
	default:
		p := &PlayerExpr{Loc: loc, Prop: b.ident(g.Player.Prop)}
		if g.Player.Default != nil {
			p.Default = b.unaryExpr(g.Player.Default)
		}
		return p
	}
}

func (b *builder) literal(t lexer.Token) Expr {
	loc := b.tokLoc(t)
	switch t.Type {
	case tokNumber:
		return &NumberLit{Loc: loc, Text: t.Value}
	case tokPercent:
		return &PercentLit{Loc: loc, Text: strings.TrimSuffix(t.Value, "%")}
	case tokDuration:
		return b.duration(t)
	case tokDateTime:
		return b.date(t)
	case tokString:
		return b.stringLit(t)
	}
	switch t.Value {
	case "true", "false":
		return &BoolLit{Loc: loc, Value: t.Value == "true"}
	default:
		return &NowExpr{Loc: loc}
	}
}

// money splits "2.735 EUR": the currency is the last three letters.
func (b *builder) money(t lexer.Token) *MoneyLit {
	v := t.Value
	amount := strings.TrimRight(v[:len(v)-3], " \t")
	return &MoneyLit{Loc: b.tokLoc(t), Amount: amount, Currency: v[len(v)-3:]}
}

// duration splits "7 days" into its count and unit.
// within builds the timeout of an approval setting or clause; nil when
// none is written.
func (b *builder) within(w *within) *DurationLit {
	if w == nil {
		return nil
	}
	d := b.duration(w.Length)
	if w.Minus {
		d.N = -d.N
		d.Loc = b.loc(w.Tokens[1:])
	}
	return d
}

func (b *builder) duration(t lexer.Token) *DurationLit {
	v := t.Value
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	d := &DurationLit{Loc: b.tokLoc(t)}
	unit := strings.TrimLeft(v[i:], " \t")
	d.Singular = !strings.HasSuffix(unit, "s")
	switch unit {
	case "hour", "hours":
		d.Unit = Hours
	case "day", "days":
		d.Unit = Days
	case "week", "weeks":
		d.Unit = Weeks
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil {
		b.errorf(d.Span(), CodeBadLiteral, "duration %s is too long", v)
	}
	d.N = n
	return d
}

// date checks a DateTime token, "2026-11-01" or "2026-11-01 10:00[:30]",
// whose digits the lexer has already checked.
func (b *builder) date(t lexer.Token) *DateLit {
	v := t.Value
	num := func(i, j int) int { n, _ := strconv.Atoi(v[i:j]); return n }
	d := &DateLit{Loc: b.tokLoc(t), Text: v, Year: num(0, 4), Month: num(5, 7), Day: num(8, 10)}
	if len(v) > 10 {
		d.Hour, d.Min = num(11, 13), num(14, 16)
		if len(v) > 16 {
			d.Sec = num(17, 19)
		}
	}
	switch {
	case d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > daysIn(d.Year, d.Month):
		b.errorf(d.Span(), CodeBadLiteral, "invalid date %s", v[:10])
	case d.Hour > 23 || d.Min > 59 || d.Sec > 59:
		b.errorf(d.Span(), CodeBadLiteral, "invalid time %s", v[11:])
	case !d.InRange():
		b.errorf(d.Span(), CodeExceededLimit, "date %s outside the range from %s to before %s (limits.MinTime and limits.MaxTime)",
			v[:10], limits.MinTime.Format("2006-01-02"), limits.MaxTime.Format("2006-01-02"))
	}
	return d
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// aggOp returns the aggregation named s, if there is one.
func aggOp(s string) (AggOp, bool) {
	switch s {
	case "sum":
		return AggSum, true
	case "count":
		return AggCount, true
	case "avg":
		return AggAvg, true
	case "min":
		return AggMin, true
	case "max":
		return AggMax, true
	case "first":
		return AggFirst, true
	case "last":
		return AggLast, true
	}
	return 0, false
}

// nameExpr builds a name, a selector or a call.
func (b *builder) nameExpr(g *nameExpr) Expr {
	id := b.ident(g.Name)
	switch {
	case g.Sel.Value != "":
		return &SelectorExpr{Loc: b.loc(g.Tokens), X: id, Sel: b.ident(g.Sel)}
	case g.Call == nil:
		return id
	}
	return b.call(id, b.loc(g.Tokens), g.Call.Args)
}

// call builds a call of id. A call of sum, count, avg, first or last is an
// aggregation; so is a call of min or max with one argument that is
// kind.attr or has a where filter. Everything else is a CallExpr, whose
// arguments cannot have a where filter.
func (b *builder) call(id *Ident, loc Loc, args []*arg) Expr {
	call := &CallExpr{Loc: loc, Fun: id, Args: make([]Expr, len(args))}
	for i, a := range args {
		call.Args[i] = b.exprList(a.Value)
	}
	op, isAgg := aggOp(id.Name)
	if isAgg && (op == AggMin || op == AggMax) {
		isAgg = len(args) == 1 && (args[0].Where != nil || isSelector(call.Args[0]))
	}
	if isAgg {
		return b.aggregate(op, call, args)
	}
	for _, a := range args {
		if a.Where != nil {
			where := a.Tokens[len(a.Value.Tokens)]
			b.errorf(b.tokSpan(where), CodeBadSyntax, "where can only filter an aggregation such as sum(bet.amount where ...)")
		}
	}
	return call
}

// aggregate turns call into an aggregation by op, or reports why its
// arguments do not fit and returns call.
func (b *builder) aggregate(op AggOp, call *CallExpr, args []*arg) Expr {
	if len(args) != 1 {
		b.errorf(call.Span(), CodeBadSyntax, "%s takes one argument, as in %s(bet.amount)", op, op)
		return call
	}
	agg := &AggregateExpr{Loc: call.Loc, Op: op}
	if args[0].Where != nil {
		agg.Where = b.exprList(args[0].Where)
	}
	switch x := call.Args[0].(type) {
	case *SelectorExpr:
		agg.Kind, agg.Attr = x.X, x.Sel
		return agg
	case *Ident:
		if op == AggCount {
			agg.Kind = x
			return agg
		}
		b.errorf(call.Span(), CodeBadSyntax, "%s needs an attribute, as in %s(%s.amount)", op, op, x.Name)
	default:
		b.errorf(x.Span(), CodeBadSyntax, "%s needs a kind and an attribute, as in %s(bet.amount)", op, op)
	}
	return call
}

func isSelector(x Expr) bool {
	_, ok := x.(*SelectorExpr)
	return ok
}

// lineStarts returns the offset of the start of each line of src. A line
// ends at a newline, a carriage return and newline, or a carriage return
// alone, as in files from old Macs.
func lineStarts(src []byte) []int {
	lines := make([]int, 1, len(src)/32+1)
	for i, c := range src {
		if c == '\n' || c == '\r' && (i+1 == len(src) || src[i+1] != '\n') {
			lines = append(lines, i+1)
		}
	}
	return lines
}

// lineOf returns the 1-based line holding offset.
func lineOf(lines []int, offset int) int {
	lo, hi := 0, len(lines)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if lines[mid] <= offset {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}
