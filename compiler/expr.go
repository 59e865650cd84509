package compiler

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
)

// expr checks an expression and returns its type, recording it in
// Info.Types and, when the value is known at compile time, in Info.Consts.
// A failed expression has type Invalid and operations on Invalid report
// nothing more, so one mistake makes one diagnostic.
func (c *checker) expr(e lang.Expr) Type {
	c.at = e
	if c.hook != nil {
		c.hook(e)
	}
	t, v := c.expr1(e)
	if t.Kind != Invalid {
		c.info.Types[e] = t
		if v != nil {
			c.info.Consts[e] = v
		}
	}
	return t
}

func (c *checker) constValue(e lang.Expr) *Value { return c.info.Consts[e] }

func (c *checker) expr1(e lang.Expr) (Type, *Value) {
	switch e := e.(type) {
	case *lang.NumberLit:
		d, err := num.Parse(e.Text)
		if err != nil {
			c.errorf(e, lang.CodeBadLiteral, "invalid number %s", e.Text)
			return tInvalid, nil
		}
		return tNumber, &Value{Type: tNumber, Num: d}
	case *lang.PercentLit:
		d, err := num.Parse(e.Text)
		if err != nil {
			c.errorf(e, lang.CodeBadLiteral, "invalid percentage %s%%", e.Text)
			return tInvalid, nil
		}
		d = d.Mul(num.New(1, 2)).Normalize() // exactly: 5% is 0.05, whatever its digits
		if err := numLimit(d); err != nil {
			c.errorf(e, lang.CodeExceededLimit, "%s", err)
			return tInvalid, nil
		}
		return tPercent, &Value{Type: tPercent, Num: d}
	case *lang.MoneyLit:
		return c.money(e)
	case *lang.PerCurrencyLit:
		v := &Value{Type: tMoney}
		seen := map[string]bool{}
		ok := true
		for _, m := range e.Values {
			t, mv := c.money(m)
			if t.Kind == Invalid {
				ok = false
				continue
			}
			c.info.Types[m] = t
			c.info.Consts[m] = mv
			if seen[m.Currency] {
				c.errorf(m, lang.CodeDuplicateDecl, "%s appears twice in this per-currency value", m.Currency)
				ok = false
				continue
			}
			seen[m.Currency] = true
			v.PerCur = append(v.PerCur, CurAmount{Cur: m.Currency, Amount: mv.Num})
		}
		if !ok || !c.checkPerCurrency(e) {
			return tInvalid, nil
		}
		return tMoney, v
	case *lang.DurationLit:
		d, ok := c.duration(e)
		if !ok {
			return tInvalid, nil
		}
		return tDuration, &Value{Type: tDuration, Dur: d}
	case *lang.DateLit:
		t := e.Time()
		if err := timeLimit(t); err != nil { // reported by Parse too
			c.errorf(e, lang.CodeExceededLimit, "%s", err)
			return tInvalid, nil
		}
		return tTime, &Value{Type: tTime, Time: t}
	case *lang.StringLit:
		return tString, &Value{Type: tString, Str: e.Value}
	case *lang.BoolLit:
		return tBool, &Value{Type: tBool, Bool: e.Value}
	case *lang.NowExpr:
		if c.constOnly != "" {
			c.errorf(e, lang.CodeInvalidConst, "%s cannot depend on now", c.constOnly)
			return tInvalid, nil
		}
		return tTime, nil
	case *lang.ListLit:
		c.errorf(e, lang.CodeInvalidType, "a list can only follow in, as in category in [\"slots\", \"live\"]")
		for _, x := range e.Elems {
			c.expr(x)
		}
		return tInvalid, nil
	case *lang.ParenExpr:
		t := c.expr(e.X)
		return t, c.constValue(e.X)
	case *lang.Ident:
		return c.ident(e)
	case *lang.SelectorExpr:
		return c.selector(e)
	case *lang.PlayerExpr:
		return c.player(e)
	case *lang.UnaryExpr:
		return c.unary(e)
	case *lang.PercentExpr:
		return c.percent(e)
	case *lang.BinaryExpr:
		return c.binary(e)
	case *lang.CondExpr:
		return c.cond(e)
	case *lang.CallExpr:
		return c.call(e)
	case *lang.AggregateExpr:
		return c.aggregate(e)
	}
	c.errorf(e, lang.CodeInvalidType, "internal error: unexpected expression %T", e)
	return tInvalid, nil
}

func (c *checker) money(m *lang.MoneyLit) (Type, *Value) {
	if _, ok := currency.Parse(m.Currency); !ok {
		c.errorf(m, lang.CodeUnknownCurrency, "unknown currency %s%s", m.Currency, hint{currency.Suggest(m.Currency)})
		return tInvalid, nil
	}
	d, err := num.Parse(m.Amount)
	if err != nil {
		c.errorf(m, lang.CodeBadLiteral, "invalid amount %s", m.Amount)
		return tInvalid, nil
	}
	t := Type{Kind: Money, Cur: m.Currency}
	return t, &Value{Type: t, Num: d}
}

func (c *checker) ident(id *lang.Ident) (Type, *Value) {
	if c.agg != nil {
		if a := c.agg.attr(id.Name); a != nil {
			c.info.Uses[id] = a
			return a.Type, nil
		}
	}
	sym := c.scope.lookup(id.Name)
	if sym == nil {
		sym = c.globals[id.Name]
	}
	if sym == nil {
		if _, b := builtinByName(id.Name); b != nil {
			c.errorf(id, lang.CodeInvalidCall, "%s is a builtin function: call it, as in %s", id.Name, b.Signature)
			return tInvalid, nil
		}
		if c.wantTemplate {
			c.errorf(id, lang.CodeUndefinedTemplate, "undefined template %s%s", id.Name, c.didYouMean(id.Name, func() []string {
				var names []string
				for _, t := range c.info.Templates {
					names = append(names, t.Name)
				}
				return names
			}))
			return tInvalid, nil
		}
		c.errorf(id, lang.CodeUndefinedName, "undefined: %s%s", id.Name, c.didYouMean(id.Name, c.visibleNames))
		return tInvalid, nil
	}
	c.info.Uses[id] = sym
	switch sym.Kind {
	case SymKind:
		c.errorf(id, lang.CodeInvalidType, "%s is a transaction kind: aggregate it, as in sum(%s.amount) or count(%s)", id.Name, id.Name, id.Name)
		return tInvalid, nil
	case SymReward:
		c.errorf(id, lang.CodeInvalidType, "%s is a reward and has no value in an expression", id.Name)
		return tInvalid, nil
	case SymConst:
		if c.constState[sym] != 2 {
			c.resolveConst(sym)
		}
		return sym.Type, sym.Value
	case SymLet:
		if c.used != nil {
			c.used[sym] = true
		}
		return sym.Type, sym.Value
	case SymTemplate:
		return tTemplate, sym.Value
	}
	return sym.Type, sym.Value
}

// visibleNames lists the names an expression could mean, for suggestions.
func (c *checker) visibleNames() []string {
	var names []string
	for s := c.scope; s != nil; s = s.parent {
		for n := range s.names {
			names = append(names, n)
		}
	}
	for n, s := range c.globals {
		if s.Kind == SymConst || s.Kind == SymTemplate {
			names = append(names, n)
		}
	}
	if c.agg != nil {
		for _, a := range c.agg.Attrs {
			names = append(names, a.Name)
		}
	}
	return names
}

func (c *checker) kindNames() []string {
	var names []string
	for _, k := range c.info.Kinds {
		names = append(names, k.Name)
	}
	return names
}

func (c *checker) lookupKind(id *lang.Ident) *Symbol {
	sym := c.globals[id.Name]
	if sym == nil || sym.Kind != SymKind {
		if sym != nil {
			c.errorf(id, lang.CodeUndefinedKind, "%s is a %s, not a transaction kind", id.Name, sym.Kind)
			return nil
		}
		c.errorf(id, lang.CodeUndefinedKind, "unknown transaction kind %s%s%s", id.Name, c.didYouMean(id.Name, c.kindNames), offerConfirmedHint(id.Name))
		return nil
	}
	c.info.Uses[id] = sym
	return sym
}

func (c *checker) lookupAttr(kind *Symbol, id *lang.Ident) *Symbol {
	a := kind.attr(id.Name)
	if a == nil {
		var names []string
		for _, x := range kind.Attrs {
			names = append(names, x.Name)
		}
		c.errorf(id, lang.CodeUndefinedAttribute, "%s has no attribute %s%s", kind.Name, id.Name, didYouMean(id.Name, names))
		return nil
	}
	c.info.Uses[id] = a
	return a
}

func (c *checker) selector(e *lang.SelectorExpr) (Type, *Value) {
	if t, ok := c.conversion(e); ok { // payout.go
		return t, nil
	}
	if c.agg == nil {
		if sym := c.globals[e.X.Name]; sym != nil && sym.Kind == SymKind {
			c.errorf(e, lang.CodeInvalidType, "%s.%s is one transaction's attribute: aggregate it, as in sum(%s.%s)", e.X.Name, e.Sel.Name, e.X.Name, e.Sel.Name)
			return tInvalid, nil
		}
		c.errorf(e.X, lang.CodeUndefinedName, "undefined: %s%s", e.X.Name, c.didYouMean(e.X.Name, func() []string { return append(c.kindNames(), "player") }))
		return tInvalid, nil
	}
	if e.X.Name != c.agg.Name {
		c.errorf(e.X, lang.CodeUndefinedKind, "this filter is over %s transactions, not %s", c.agg.Name, e.X.Name)
		return tInvalid, nil
	}
	c.info.Uses[e.X] = c.agg
	a := c.lookupAttr(c.agg, e.Sel)
	if a == nil {
		return tInvalid, nil
	}
	return a.Type, nil
}

func (c *checker) player(e *lang.PlayerExpr) (Type, *Value) {
	if c.constOnly != "" {
		c.errorf(e, lang.CodeInvalidConst, "%s cannot read player properties", c.constOnly)
		return tInvalid, nil
	}
	p := c.props[e.Prop.Name]
	if p == nil {
		var names []string
		for _, x := range c.info.Props {
			names = append(names, x.Name)
		}
		if e.Default != nil {
			c.expr(e.Default)
		}
		c.errorf(e.Prop, lang.CodeUndefinedProperty, "unknown player property %s%s", e.Prop.Name, didYouMean(e.Prop.Name, names))
		return tInvalid, nil
	}
	c.info.Uses[e.Prop] = p
	if e.Default != nil {
		dt := c.expr(e.Default)
		if dt.Kind != Invalid && p.Type.Kind != Invalid && !assignable(dt, p.Type) && !wholeNumber(dt, c.info.Consts[e.Default], p.Type) {
			c.errorf(e.Default, lang.CodeInvalidType, "default of player.%s must be a %s, not a %s", p.Name, p.Type, dt)
		}
	}
	return p.Type, nil
}

func (c *checker) unary(e *lang.UnaryExpr) (Type, *Value) {
	t := c.expr(e.X)
	if t.Kind == Invalid {
		return tInvalid, nil
	}
	v := c.constValue(e.X)
	if e.Op == lang.OpNot {
		if t.Kind != Bool {
			c.errorf(e, lang.CodeInvalidType, "cannot apply not to a %s", t)
			return tInvalid, nil
		}
		if v != nil {
			return tBool, &Value{Type: tBool, Bool: !v.Bool}
		}
		return tBool, nil
	}
	if !t.IsNumeric() && t.Kind != Money {
		c.errorf(e, lang.CodeInvalidType, "cannot negate a %s", t)
		return tInvalid, nil
	}
	if v != nil {
		switch {
		case len(v.PerCur) > 0:
			nv := &Value{Type: t}
			for _, p := range v.PerCur {
				nv.PerCur = append(nv.PerCur, CurAmount{p.Cur, p.Amount.Neg()})
			}
			return t, nv
		}
		return t, &Value{Type: t, Num: v.Num.Neg()}
	}
	return t, nil
}

// percent checks x%: a Number or Count read as a percentage, exactly x/100.
func (c *checker) percent(e *lang.PercentExpr) (Type, *Value) {
	t := c.expr(e.X)
	switch {
	case t.Kind == Invalid:
		return tInvalid, nil
	case t.Kind == Percent:
		c.errorf(e, lang.CodeInvalidType, "%s is a percentage already: drop the %%", lang.ExprString(e.X))
		return tInvalid, nil
	case t.Kind != Number && t.Kind != Count:
		c.errorf(e, lang.CodeInvalidType, "%% reads a number as a percentage, as in pct%%, not a %s", t)
		return tInvalid, nil
	}
	if v := c.constValue(e.X); v != nil {
		return tPercent, &Value{Type: tPercent, Num: v.Num.Mul(num.New(1, 2)).Normalize()}
	}
	return tPercent, nil
}

// arith returns the result type of x op y for + - * / of, or an error message.
func arith(op lang.BinaryOp, x, y Type) (Type, string) {
	bad := "cannot " + map[lang.BinaryOp]string{lang.OpAdd: "add", lang.OpSub: "subtract", lang.OpMul: "multiply", lang.OpDiv: "divide", lang.OpOf: "take"}[op]
	pair := bad + " " + x.String() + " and " + y.String()
	if op == lang.OpSub {
		pair = bad + " " + y.String() + " from " + x.String()
	}
	if op == lang.OpDiv {
		pair = bad + " " + x.String() + " by " + y.String()
	}
	switch op {
	case lang.OpAdd, lang.OpSub:
		switch {
		case x.Kind == Money && y.Kind == Money:
			if x.Cur != "" && y.Cur != "" && x.Cur != y.Cur {
				return tInvalid, bad + " " + x.Cur + " and " + y.Cur
			}
			return moneyOf(x, y), ""
		case x.Kind == Money && y.IsNumeric(), y.Kind == Money && x.IsNumeric():
			return tInvalid, pair + " (write the amount with its currency, as in 10 EUR)"
		case x.Kind == Count && y.Kind == Count:
			return tCount, ""
		case x.Kind == Percent && y.Kind == Percent:
			return tPercent, ""
		case (x.Kind == Number || x.Kind == Count) && (y.Kind == Number || y.Kind == Count):
			return tNumber, ""
		case x.Kind == Time && y.Kind == Duration:
			return tTime, ""
		case op == lang.OpAdd && x.Kind == Duration && y.Kind == Time:
			return tTime, ""
		case op == lang.OpSub && x.Kind == Time && y.Kind == Time:
			return tDuration, ""
		}
	case lang.OpMul:
		switch {
		case x.Kind == Money && y.IsNumeric():
			return x, ""
		case y.Kind == Money && x.IsNumeric():
			return y, ""
		case x.Kind == Count && y.Kind == Count:
			return tCount, ""
		case x.Kind == Percent && y.Kind == Percent:
			return tPercent, ""
		case x.IsNumeric() && y.IsNumeric():
			return tNumber, ""
		}
	case lang.OpOf:
		if x.Kind != Percent {
			return tInvalid, "of takes a percentage of a value, as in 5% of bets; the left side is a " + x.String()
		}
		switch {
		case y.Kind == Money:
			return y, ""
		case y.Kind == Percent:
			return tPercent, ""
		case y.IsNumeric():
			return tNumber, ""
		}
	case lang.OpDiv:
		switch {
		case x.Kind == Money && y.Kind == Money:
			if x.Cur != "" && y.Cur != "" && x.Cur != y.Cur {
				return tInvalid, bad + " " + x.Cur + " by " + y.Cur
			}
			return tNumber, ""
		case x.Kind == Money && y.IsNumeric():
			return x, ""
		case x.IsNumeric() && y.IsNumeric():
			return tNumber, ""
		}
	}
	return tInvalid, pair
}

func moneyOf(x, y Type) Type {
	if x.Cur != "" {
		return x
	}
	return y
}

func (c *checker) binary(e *lang.BinaryExpr) (Type, *Value) {
	switch e.Op {
	case lang.OpAnd, lang.OpOr:
		x, y := c.expr(e.X), c.expr(e.Y)
		ok := true
		for _, p := range []struct {
			t Type
			n lang.Expr
		}{{x, e.X}, {y, e.Y}} {
			if p.t.Kind != Invalid && p.t.Kind != Bool {
				c.errorf(p.n, lang.CodeInvalidType, "%s needs conditions on both sides, not a %s", e.Op, p.t)
				ok = false
			}
		}
		if !ok || x.Kind == Invalid || y.Kind == Invalid {
			return tInvalid, nil
		}
		xv, yv := c.constValue(e.X), c.constValue(e.Y)
		if xv != nil && yv != nil {
			if e.Op == lang.OpAnd {
				return tBool, &Value{Type: tBool, Bool: xv.Bool && yv.Bool}
			}
			return tBool, &Value{Type: tBool, Bool: xv.Bool || yv.Bool}
		}
		return tBool, nil
	case lang.OpIn, lang.OpNotIn:
		return c.in(e)
	case lang.OpEq, lang.OpNe, lang.OpLt, lang.OpLe, lang.OpGt, lang.OpGe:
		x, y := c.expr(e.X), c.expr(e.Y)
		if x.Kind == Invalid || y.Kind == Invalid {
			return tInvalid, nil
		}
		if !c.zeroAgainstMoney(e.X, e.Y, x, y) && (!c.compareOp(e, e.Op, x, y, e.X, e.Y) || !c.meetPlayer(e.X, e.Y, x, y, true)) {
			return tInvalid, nil
		}
		c.zeroWithCurrency(e.X, e.Y, x, y)
		xv, yv := c.constValue(e.X), c.constValue(e.Y)
		if xv != nil && yv != nil && len(xv.PerCur) == 0 && len(yv.PerCur) == 0 {
			r := cmpValues(xv, yv)
			var b bool
			switch e.Op {
			case lang.OpEq:
				b = r == 0
			case lang.OpNe:
				b = r != 0
			case lang.OpLt:
				b = r < 0
			case lang.OpLe:
				b = r <= 0
			case lang.OpGt:
				b = r > 0
			case lang.OpGe:
				b = r >= 0
			}
			return tBool, &Value{Type: tBool, Bool: b}
		}
		return tBool, nil
	}
	x, y := c.expr(e.X), c.expr(e.Y)
	if x.Kind == Invalid || y.Kind == Invalid {
		return tInvalid, nil
	}
	t, msg := arith(e.Op, x, y)
	if msg != "" {
		code := lang.CodeInvalidType
		if x.Kind == Money && y.Kind == Money {
			code = lang.CodeInvalidCurrency
		}
		c.errorf(e, code, "%s", msg)
		return tInvalid, nil
	}
	if !c.meetPlayer(e.X, e.Y, x, y, false) {
		return tInvalid, nil
	}
	xv, yv := c.constValue(e.X), c.constValue(e.Y)
	if xv == nil || yv == nil {
		return t, nil
	}
	v, err := foldArith(e.Op, t, xv, yv)
	if err != nil {
		code := lang.CodeDivisionByZero
		if _, ok := err.(*limitErr); ok {
			code = lang.CodeExceededLimit
		}
		c.errorf(e, code, "%s", err)
		return tInvalid, nil
	}
	return t, v
}

var errDivZero = errors.New("division by zero")

func foldArith(op lang.BinaryOp, t Type, x, y *Value) (*Value, error) {
	if len(x.PerCur) > 0 || len(y.PerCur) > 0 {
		return foldPerCur(op, t, x, y)
	}
	switch t.Kind {
	case Time, Duration:
		// In int64 nanoseconds, as the VM: beyond them is an error, never a
		// wrapped or saturated value.
		a, b := nanos(x), nanos(y)
		z, ok := addNanos(a, b)
		if op == lang.OpSub {
			z, ok = subNanos(a, b)
		}
		if !ok {
			return nil, errDurationRange
		}
		if t.Kind == Duration {
			return &Value{Type: t, Dur: time.Duration(z)}, nil
		}
		v := &Value{Type: t, Time: time.Unix(0, z).UTC()}
		return v, timeLimit(v.Time)
	}
	var d num.Dec
	switch op {
	case lang.OpAdd:
		d = x.Num.Add(y.Num)
	case lang.OpSub:
		d = x.Num.Sub(y.Num)
	case lang.OpMul, lang.OpOf:
		d = x.Num.Mul(y.Num)
	case lang.OpDiv:
		if y.Num.IsZero() {
			return nil, errDivZero
		}
		var err error
		if d, err = x.Num.Div(y.Num); err != nil {
			return nil, err
		}
	}
	return &Value{Type: t, Num: d}, numLimit(d)
}

// nanos returns a Time or Duration value as int64 nanoseconds.
func nanos(v *Value) int64 {
	if v.Type.Kind == Time {
		return v.Time.UnixNano() // exact: v.Time is within the limits
	}
	return int64(v.Dur)
}

// foldPerCur folds arithmetic where one side is a per-currency value: the
// operation applies to each currency's amount.
func foldPerCur(op lang.BinaryOp, t Type, x, y *Value) (*Value, error) {
	if len(x.PerCur) > 0 && len(y.PerCur) > 0 {
		// Both per currency: keep the currencies both define.
		out := &Value{Type: t}
		for _, a := range x.PerCur {
			for _, b := range y.PerCur {
				if a.Cur == b.Cur {
					v, err := foldArith(op, Type{Kind: t.Kind}, &Value{Type: Type{Kind: Money, Cur: a.Cur}, Num: a.Amount}, &Value{Type: Type{Kind: Money, Cur: b.Cur}, Num: b.Amount})
					if err != nil {
						return nil, err
					}
					out.PerCur = append(out.PerCur, CurAmount{a.Cur, v.Num})
				}
			}
		}
		if t.Kind != Money || len(out.PerCur) == 0 {
			// No currency in common: every player's run fails, with
			// missing-currency-value, which is the run time's to say.
			return nil, nil
		}
		return out, nil
	}
	if t.Kind != Money {
		return nil, nil // e.g. per-currency / per-currency: left to run time
	}
	out := &Value{Type: t}
	per, other, perLeft := x, y, true
	if len(y.PerCur) > 0 {
		per, other, perLeft = y, x, false
	}
	if other.Type.Kind == Money && other.Type.Cur != "" {
		// 10 EUR + (1 EUR | 2 USD): right for an EUR player, a currency
		// mismatch for a USD one. Left to run time, which says so.
		return nil, nil
	}
	for _, p := range per.PerCur {
		pv := &Value{Type: Type{Kind: Money, Cur: p.Cur}, Num: p.Amount}
		a, b := pv, other
		if !perLeft {
			a, b = other, pv
		}
		v, err := foldArith(op, Type{Kind: Money, Cur: p.Cur}, a, b)
		if err != nil {
			return nil, err
		}
		out.PerCur = append(out.PerCur, CurAmount{p.Cur, v.Num})
	}
	if len(out.PerCur) == 0 {
		return nil, nil
	}
	return out, nil
}

func cmpValues(x, y *Value) int {
	switch x.Type.Kind {
	case Bool:
		if x.Bool == y.Bool {
			return 0
		}
		return 1
	case String:
		return strings.Compare(x.Str, y.Str)
	case Time:
		return x.Time.Compare(y.Time)
	case Duration:
		switch {
		case x.Dur < y.Dur:
			return -1
		case x.Dur > y.Dur:
			return 1
		}
		return 0
	case Template:
		if x.Template == y.Template {
			return 0
		}
		return 1
	}
	return x.Num.Cmp(y.Num)
}

// compareOp checks that x and y, the types of xe and ye, can be compared
// with op.
func (c *checker) compareOp(n lang.Node, op lang.BinaryOp, x, y Type, xe, ye lang.Expr) bool {
	eqOnly := op == lang.OpEq || op == lang.OpNe
	switch {
	case x.Kind == Money && y.Kind == Money:
		if x.Cur != "" && y.Cur != "" && x.Cur != y.Cur {
			c.errorf(n, lang.CodeInvalidCurrency, "cannot compare %s with %s", x.Cur, y.Cur)
			return false
		}
		return true
	case x.Kind == Money && y.IsNumeric(), y.Kind == Money && x.IsNumeric():
		m, other, side := x, y, xe
		if y.Kind == Money {
			m, other, side = y, x, ye
		}
		if v := c.info.Consts[side]; v != nil && v.Type.Kind == Money {
			// count(bet) > 0 EUR: the fixed amount is the mistake.
			in, n0 := "", v.Num
			if m.Cur != "" {
				in = " in " + m.Cur
			}
			if len(v.PerCur) > 0 {
				n0 = v.PerCur[0].Amount
			}
			c.errorf(n, lang.CodeInvalidType, "cannot compare a %s with Money%s: a %s is a plain number, so write the bound without a currency, as in %s", other, in, other, n0.String())
			return false
		}
		c.errorf(n, lang.CodeInvalidType, "cannot compare Money with a %s (write the amount with its currency, as in 500 EUR)", other)
		return false
	case x.IsNumeric() && y.IsNumeric():
		return true
	case x.Kind == y.Kind && (x.Kind == Time || x.Kind == Duration):
		return true
	case x.Kind == y.Kind && (x.Kind == String || x.Kind == Bool || x.Kind == Template):
		if !eqOnly {
			c.errorf(n, lang.CodeInvalidType, "a %s can only be compared with == or !=", x)
			return false
		}
		return true
	}
	c.errorf(n, lang.CodeInvalidType, "cannot compare a %s with a %s", x, y)
	return false
}

func (c *checker) in(e *lang.BinaryExpr) (Type, *Value) {
	x := c.expr(e.X)
	list, ok := e.Y.(*lang.ListLit)
	if !ok {
		c.expr(e.Y)
		c.errorf(e.Y, lang.CodeInvalidType, "in needs a list, as in [\"slots\", \"live\"]")
		return tInvalid, nil
	}
	if len(list.Elems) > limits.ListElements {
		c.errorf(list.Elems[limits.ListElements], lang.CodeExceededLimit, "too many elements in a list: more than %d (limits.ListElements)", limits.ListElements)
		return tInvalid, nil
	}
	if len(list.Elems) == 0 {
		// Nothing is in an empty list: a filter with it would match no
		// transaction, or every one, without a word.
		c.errorf(list, lang.CodeInvalidType, "the list is empty, so %s %s [] is always %t: list the values, as in [\"slots\", \"live\"]", lang.ExprString(e.X), e.Op, e.Op == lang.OpNotIn)
		return tInvalid, nil
	}
	okAll := x.Kind != Invalid
	var vals []Value
	for _, el := range list.Elems {
		t := c.expr(el)
		if t.Kind == Invalid {
			okAll = false
			continue
		}
		v := c.constValue(el)
		if v == nil {
			c.errorf(el, lang.CodeInvalidConst, "list elements must be constants")
			okAll = false
			continue
		}
		if x.Kind != Invalid && (!c.compareOp(el, lang.OpEq, x, t, e.X, el) || !c.meetPlayer(e.X, el, x, t, false)) {
			okAll = false
			continue
		}
		vals = append(vals, *v)
	}
	if !okAll {
		return tInvalid, nil
	}
	lt := Type{Kind: List, Elem: x.Kind}
	c.info.Types[list] = lt
	c.info.Consts[list] = &Value{Type: lt, List: vals}
	perCur := false
	for i := range vals {
		perCur = perCur || len(vals[i].PerCur) > 0
	}
	// A per-currency element is known only for a given player: no folding.
	if xv := c.constValue(e.X); xv != nil && len(xv.PerCur) == 0 && !perCur {
		found := false
		for i := range vals {
			if len(vals[i].PerCur) == 0 && cmpValues(xv, &vals[i]) == 0 {
				found = true
			}
		}
		return tBool, &Value{Type: tBool, Bool: found == (e.Op == lang.OpIn)}
	}
	return tBool, nil
}

func (c *checker) cond(e *lang.CondExpr) (Type, *Value) {
	ct := c.expr(e.Cond)
	tt, et := c.expr(e.Then), c.expr(e.Else)
	if ct.Kind != Invalid && ct.Kind != Bool {
		c.errorf(e.Cond, lang.CodeInvalidType, "if needs a condition (a Bool), not a %s", ct)
		return tInvalid, nil
	}
	if ct.Kind == Invalid || tt.Kind == Invalid || et.Kind == Invalid {
		return tInvalid, nil
	}
	t, ok := unify(tt, et)
	if !ok {
		c.errorf(e, lang.CodeInvalidType, "the branches of if differ: %s and %s", tt, et)
		return tInvalid, nil
	}
	if !c.meetPlayer(e.Then, e.Else, tt, et, false) {
		return tInvalid, nil
	}
	if cv := c.constValue(e.Cond); cv != nil {
		// A known condition picks its branch, with that branch's own type (a
		// Money of a known currency stays one).
		if cv.Bool {
			return tt, c.constValue(e.Then)
		}
		return et, c.constValue(e.Else)
	}
	return t, nil
}

// unify returns the type of a value that is either a or b.
func unify(a, b Type) (Type, bool) {
	if a.Kind == b.Kind {
		if a.Kind == Money {
			if a.Cur != b.Cur {
				if a.Cur != "" && b.Cur != "" {
					return tInvalid, false
				}
				return tMoney, true
			}
		}
		return a, true
	}
	if (a.Kind == Number || a.Kind == Count) && (b.Kind == Number || b.Kind == Count) {
		return tNumber, true
	}
	return tInvalid, false
}

func (c *checker) call(e *lang.CallExpr) (Type, *Value) {
	_, b := builtinByName(e.Fun.Name)
	var ts []Type
	for _, a := range e.Args {
		ts = append(ts, c.expr(a))
	}
	if b == nil {
		var names []string
		for _, x := range Builtins {
			names = append(names, x.Name)
		}
		c.errorf(e.Fun, lang.CodeUndefinedName, "unknown function %s%s", e.Fun.Name, didYouMean(e.Fun.Name, append(names, "sum", "count", "avg", "first", "last")))
		return tInvalid, nil
	}
	if len(e.Args) < b.MinArgs || (b.MaxArgs >= 0 && len(e.Args) > b.MaxArgs) {
		c.errorf(e, lang.CodeInvalidCall, "%s takes %s, got %d", b.Signature, argCount(b), len(e.Args))
		return tInvalid, nil
	}
	for _, t := range ts {
		if t.Kind == Invalid {
			return tInvalid, nil
		}
	}
	res := ts[0]
	allZero := isZero(c.constValue(e.Args[0])) // every argument so far is a bare zero
	for i, t := range ts {
		if !t.IsNumeric() && t.Kind != Money {
			c.errorf(e.Args[i], lang.CodeInvalidType, "%s needs numbers or amounts, not a %s", b.Name, t)
			return tInvalid, nil
		}
		if i == 0 {
			continue
		}
		// A bare zero beside money: max(net_loss, 0).
		zero := isZero(c.constValue(e.Args[i]))
		switch {
		case res.Kind == Money && zero:
			continue
		case t.Kind == Money && allZero:
			res, allZero = t, false
			continue
		}
		allZero = allZero && zero
		if !c.meetPlayer(e.Args[0], e.Args[i], res, t, true) {
			return tInvalid, nil
		}
		u, ok := unify(res, t)
		if !ok || (res.Kind == Percent) != (t.Kind == Percent) && u.Kind != res.Kind {
			if res.Kind == Money || t.Kind == Money {
				c.errorf(e.Args[i], lang.CodeInvalidType, "%s cannot mix %s and %s", b.Name, res, t)
				return tInvalid, nil
			}
			u = tNumber
		}
		res = u
	}
	if b.Name == "clamp" {
		lo, hi := c.constValue(e.Args[1]), c.constValue(e.Args[2])
		if lo != nil && hi != nil && len(lo.PerCur) == 0 && len(hi.PerCur) == 0 && lo.Num.Cmp(hi.Num) > 0 {
			c.errorf(e, lang.CodeInvalidCall, "clamp's low %s is above its high %s", render(lo), render(hi))
			return tInvalid, nil
		}
	}
	// Fold calls on constants.
	var vals []*Value
	for _, a := range e.Args {
		v := c.constValue(a)
		if v == nil || len(v.PerCur) > 0 {
			return res, nil
		}
		vals = append(vals, v)
	}
	return res, &Value{Type: res, Num: foldBuiltin(b.Name, vals)}
}

func foldBuiltin(name string, vals []*Value) num.Dec {
	switch name {
	case "abs":
		return vals[0].Num.Abs()
	case "clamp":
		// As the VM: below low gives low, else above high gives high (so
		// low wins when low > high).
		x, lo, hi := vals[0].Num, vals[1].Num, vals[2].Num
		switch {
		case x.Cmp(lo) < 0:
			return lo
		case x.Cmp(hi) > 0:
			return hi
		}
		return x
	}
	best := vals[0].Num
	for _, v := range vals[1:] {
		if c := v.Num.Cmp(best); (name == "min" && c < 0) || (name == "max" && c > 0) {
			best = v.Num
		}
	}
	return best
}

// argCount says how many arguments a builtin takes: "1 argument", "3
// arguments", "at least 2 arguments".
func argCount(b *Builtin) string {
	switch {
	case b.MaxArgs < 0:
		return "at least " + strconv.Itoa(b.MinArgs) + " arguments"
	case b.MinArgs == 1:
		return "1 argument"
	}
	return strconv.Itoa(b.MinArgs) + " arguments"
}

func (c *checker) aggregate(e *lang.AggregateExpr) (Type, *Value) {
	if c.constOnly != "" {
		c.errorf(e, lang.CodeInvalidConst, "%s cannot read transactions", c.constOnly)
		return tInvalid, nil
	}
	if c.agg != nil {
		c.errorf(e, lang.CodeInvalidType, "an aggregation cannot be nested inside a where filter")
		return tInvalid, nil
	}
	if c.reward != nil {
		c.reward.ReadsTransactions = true
	}
	k := c.lookupKind(e.Kind)
	if k == nil {
		return tInvalid, nil
	}
	c.info.Aggregates[e] = k
	var at Type
	if e.Attr != nil {
		a := c.lookupAttr(k, e.Attr)
		if a == nil {
			return tInvalid, nil
		}
		at = a.Type
	}
	if e.Where != nil {
		c.agg = k
		wt := c.expr(e.Where)
		c.agg = nil
		if wt.Kind != Invalid && wt.Kind != Bool {
			c.errorf(e.Where, lang.CodeInvalidType, "where needs a condition (a Bool), not a %s", wt)
			return tInvalid, nil
		}
	}
	if at.Kind == Money {
		at = tMoney // transactions are in the player's currency
	}
	switch e.Op {
	case lang.AggCount:
		if e.Attr != nil {
			c.errorf(e.Attr, lang.CodeInvalidCall, "count counts transactions: write count(%s)", e.Kind.Name)
			return tInvalid, nil
		}
		return tCount, nil
	case lang.AggSum, lang.AggAvg:
		if e.Attr == nil {
			c.errorf(e, lang.CodeInvalidCall, "%s needs an attribute, as in %s(%s.amount)", e.Op, e.Op, e.Kind.Name)
			return tInvalid, nil
		}
		if !at.IsNumeric() && at.Kind != Money {
			c.errorf(e.Attr, lang.CodeInvalidType, "cannot %s %s.%s, a %s", e.Op, e.Kind.Name, e.Attr.Name, at)
			return tInvalid, nil
		}
		if e.Op == lang.AggAvg && at.Kind == Count {
			return tNumber, nil
		}
		return at, nil
	case lang.AggMin, lang.AggMax:
		if e.Attr == nil {
			c.errorf(e, lang.CodeInvalidCall, "%s needs an attribute, as in %s(%s.amount)", e.Op, e.Op, e.Kind.Name)
			return tInvalid, nil
		}
		if !at.IsOrdered() {
			c.errorf(e.Attr, lang.CodeInvalidType, "cannot take the %s of %s.%s, a %s", e.Op, e.Kind.Name, e.Attr.Name, at)
			return tInvalid, nil
		}
		return at, nil
	default: // first, last
		if e.Attr == nil {
			c.errorf(e, lang.CodeInvalidCall, "%s needs an attribute, as in %s(%s.amount)", e.Op, e.Op, e.Kind.Name)
			return tInvalid, nil
		}
		return at, nil
	}
}
