package runtime_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/vm/window"
)

// This file is a reference evaluator: a direct, tree-walking evaluation of a
// checked reward, written from spec/spec.md and spec/semantics.md alone. It
// shares nothing with the VM but the parser, the checker's side tables and
// window.Resolve (windows are not what the differential test is about):
// arithmetic is shopspring/decimal, and division and rounding are done here
// with math/big. It favours being obviously right over being fast.

// refResult is the reference's answer for one reward and one input.
type refResult struct {
	Outcome string // calculated, skipped, error
	Reason  string // "" when calculated
	Detail  string // the text of a skip statement; other details are not compared
	// Amount is the issued amount or number of points, at exactly Scale
	// decimals; set when calculated (a skipped result issues no amount).
	Amount    decimal.Decimal
	Scale     int32
	HasAmount bool
	Issued    string // the amount as text, as issued: "2.70"; "" means Amount at Scale
	Currency  string // amount rewards
	Template  string // template rewards: the template's name
	Manual    bool
}

func (r refResult) String() string {
	var b strings.Builder
	b.WriteString(r.Outcome)
	if r.Reason != "" {
		fmt.Fprintf(&b, " %s", r.Reason)
	}
	if r.Detail != "" {
		fmt.Fprintf(&b, " %q", r.Detail)
	}
	if r.HasAmount {
		fmt.Fprintf(&b, " amount=%s", r.issued())
		if r.Currency != "" {
			fmt.Fprintf(&b, " %s", r.Currency)
		}
	}
	if r.Template != "" {
		fmt.Fprintf(&b, " template=%s", r.Template)
	}
	if r.Manual {
		b.WriteString(" manual")
	}
	return b.String()
}

// issued returns the amount as text with its issued scale.
func (r refResult) issued() string {
	if r.Issued != "" {
		return r.Issued
	}
	return r.Amount.StringFixed(r.Scale)
}

// refMinorUnits are the ISO 4217 minor units of the currencies the tests
// use; the reference keeps its own table.
var refMinorUnits = map[string]int32{"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}

// refStop ends an evaluation early: a skip, an error, or the pipeline's end.
type refStop struct{ res refResult }

func refSkip(reason, detail string) {
	panic(refStop{refResult{Outcome: "skipped", Reason: reason, Detail: detail}})
}
func refError(reason string) { panic(refStop{refResult{Outcome: "error", Reason: reason}}) }

// ---- values

type rkind uint8

const (
	rNum   rkind = iota // Number, Count, Percent
	rMoney              // d in currency cur
	rBool
	rStr
	rTime
	rDur
	rTmpl // s is the template's name
)

type rval struct {
	k   rkind
	d   decimal.Decimal
	cur string
	b   bool
	s   string
	t   time.Time
	dur time.Duration
}

// refDiv is the language's division: the quotient rounded to 16 digits
// after the point, half away from zero, then trailing zeros removed.
// y is not zero.
func refDiv(x, y decimal.Decimal) decimal.Decimal {
	// x/y = cx·10^ex / (cy·10^ey); scaled by 10^16 that is cx·10^(ex-ey+16) / cy.
	e := int64(x.Exponent()) - int64(y.Exponent()) + 16
	n := new(big.Int).Abs(x.Coefficient())
	d := new(big.Int).Abs(y.Coefficient())
	ten := big.NewInt(10)
	if e >= 0 {
		n.Mul(n, new(big.Int).Exp(ten, big.NewInt(e), nil))
	} else {
		d.Mul(d, new(big.Int).Exp(ten, big.NewInt(-e), nil))
	}
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if r.Lsh(r, 1).Cmp(d) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if x.Sign()*y.Sign() < 0 {
		q.Neg(q)
	}
	return refTrim(q, 16)
}

// refTrim returns c·10^-scale with trailing zeros after the point removed.
func refTrim(c *big.Int, scale int32) decimal.Decimal {
	c = new(big.Int).Set(c)
	ten := big.NewInt(10)
	m := new(big.Int)
	for scale > 0 && c.Sign() != 0 {
		q, r := new(big.Int).QuoRem(c, ten, m)
		if r.Sign() != 0 {
			break
		}
		c, scale = q, scale-1
	}
	if c.Sign() == 0 {
		scale = 0
	}
	return decimal.NewFromBigInt(c, -scale)
}

// refRound rounds d to places decimals with one of the language's modes
// ("down": toward zero, "up": away from zero, "nearest": half away from
// zero). The result has exactly that many decimals (exponent -places).
func refRound(d decimal.Decimal, places int32, mode lang.RoundMode) decimal.Decimal {
	c := new(big.Int).Abs(d.Coefficient())
	exp := d.Exponent()
	ten := big.NewInt(10)
	if -exp <= places { // append zeros
		c.Mul(c, new(big.Int).Exp(ten, big.NewInt(int64(places+exp)), nil))
	} else {
		p := new(big.Int).Exp(ten, big.NewInt(int64(-exp-places)), nil)
		q, r := new(big.Int).QuoRem(c, p, new(big.Int))
		if r.Sign() != 0 {
			switch mode {
			case lang.RoundUp:
				q.Add(q, big.NewInt(1))
			case lang.RoundNearest:
				if r.Lsh(r, 1).Cmp(p) >= 0 {
					q.Add(q, big.NewInt(1))
				}
			}
		}
		c = q
	}
	if d.Sign() < 0 {
		c.Neg(c)
	}
	return decimal.NewFromBigInt(c, -places)
}

// refDecimal reads a host number exactly (the forms the tests give).
func refDecimal(x any) (decimal.Decimal, bool) {
	switch x := x.(type) {
	case decimal.Decimal:
		return x, true
	case string:
		d, err := decimal.NewFromString(x)
		return d, err == nil
	case json.Number:
		d, err := decimal.NewFromString(string(x))
		return d, err == nil
	case int:
		return decimal.NewFromInt(int64(x)), true
	case int64:
		return decimal.NewFromInt(x), true
	}
	return decimal.Decimal{}, false
}

// ---- the evaluator

type refRow struct {
	id    string
	time  time.Time
	attrs map[string]rval // every attribute, id and time included
}

type refEval struct {
	info    *compiler.Info
	current *compiler.RewardInfo // the reward being evaluated
	in      runtime.Input
	cur     string                         // the player's currency
	rows    map[*compiler.Symbol][]*refRow // per kind: in the window, by time (stable)
	lets    map[*compiler.Symbol]rval      // by the let's symbol
	row     *refRow                        // the row a where clause is testing
	ranAgg  bool                           // an aggregation ran
	matched bool                           // an aggregation matched a transaction
}

// refEvaluate evaluates one reward of a checked rule set for one input.
func refEvaluate(info *compiler.Info, reward string, in runtime.Input) (res refResult) {
	ri := info.Reward(reward)
	if ri == nil {
		panic("no reward " + reward)
	}
	r := &refEval{info: info, current: ri, in: in, cur: in.Player.Currency, lets: map[*compiler.Symbol]rval{}}
	defer func() {
		if x := recover(); x != nil {
			st, ok := x.(refStop)
			if !ok {
				panic(x)
			}
			res = st.res
		}
	}()
	r.prepare(ri)
	r.block(ri.Decl.Body)
	refSkip("no-branch-matched", "")
	return
}

// prepare resolves the window and builds the rows of every kind:
// deduplicated by id (first occurrence wins), inside the window, converted
// to the player's currency, sorted by time with ties in input order.
func (r *refEval) prepare(ri *compiler.RewardInfo) {
	var zone *time.Location
	if r.in.Player.Zone != "" {
		var err error
		if zone, err = time.LoadLocation(r.in.Player.Zone); err != nil {
			refError("invalid-input")
		}
	}
	a := r.in.Anchors
	iv, err := window.Resolve(ri.Window, r.in.Now, zone, window.Anchors{
		FirstTx: a.FirstTransaction, LastTx: a.LastTransaction, Qualified: a.Qualification, Entered: a.Entrance})
	if err != nil {
		refError("invalid-window")
	}
	kinds := map[string]*compiler.Symbol{}
	for _, k := range r.info.Kinds {
		kinds[k.Name] = k
	}
	r.rows = map[*compiler.Symbol][]*refRow{}
	seen := map[string]bool{}
	for _, t := range r.in.Transactions {
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		k := kinds[t.Kind]
		if k == nil {
			refError("invalid-input")
		}
		rate := decimal.NewFromInt(1)
		if t.Currency != "" && t.Currency != r.cur {
			x, ok := r.in.Rates[t.Currency]
			if !ok {
				refError("invalid-input")
			}
			rate = x
		}
		row := &refRow{id: t.ID, time: t.Time, attrs: map[string]rval{}}
		for _, at := range k.Attrs {
			switch at.Name {
			case "id":
				row.attrs["id"] = rval{k: rStr, s: t.ID}
				continue
			case "time":
				row.attrs["time"] = rval{k: rTime, t: t.Time}
				continue
			}
			raw := t.Attrs[at.Name]
			if raw == nil {
				fld, _ := at.Node.(*lang.Field)
				switch {
				case fld != nil && fld.Default != nil:
					row.attrs[at.Name] = r.eval(fld.Default)
				case at.Type.Kind == compiler.String:
					row.attrs[at.Name] = rval{k: rStr}
				case at.Type.Kind == compiler.Bool:
					row.attrs[at.Name] = rval{k: rBool}
				default:
					refError("invalid-input")
				}
				continue
			}
			v := r.hostValue(raw, at.Type)
			if v.k == rMoney {
				v.d = v.d.Mul(rate)
			}
			row.attrs[at.Name] = v
		}
		if iv.Contains(t.Time) {
			r.rows[k] = append(r.rows[k], row)
		}
	}
	for k, rows := range r.rows {
		slices.SortStableFunc(rows, func(a, b *refRow) int { return a.time.Compare(b.time) })
		r.rows[k] = rows
	}
}

// hostValue converts an input value to a value of schema type t.
func (r *refEval) hostValue(raw any, t compiler.Type) rval {
	switch t.Kind {
	case compiler.Number, compiler.Count, compiler.Percent, compiler.Money:
		d, ok := refDecimal(raw)
		if !ok {
			refError("invalid-input")
		}
		if t.Kind == compiler.Money {
			return rval{k: rMoney, d: d, cur: r.cur}
		}
		return rval{k: rNum, d: d}
	case compiler.String:
		s, ok := raw.(string)
		if !ok {
			refError("invalid-input")
		}
		return rval{k: rStr, s: s}
	case compiler.Bool:
		b, ok := raw.(bool)
		if !ok {
			refError("invalid-input")
		}
		return rval{k: rBool, b: b}
	case compiler.Time:
		switch x := raw.(type) {
		case time.Time:
			return rval{k: rTime, t: x}
		case string:
			tm, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				refError("invalid-input")
			}
			return rval{k: rTime, t: tm}
		}
	case compiler.Duration:
		switch x := raw.(type) {
		case time.Duration:
			return rval{k: rDur, dur: x}
		case string:
			d, err := time.ParseDuration(x)
			if err != nil {
				refError("invalid-input")
			}
			return rval{k: rDur, dur: d}
		}
	}
	refError("invalid-input")
	return rval{}
}

// ---- statements

// block runs statements in order; it returns when none of them ended the
// formula.
func (r *refEval) block(stmts []lang.Stmt) {
	for _, s := range stmts {
		switch s := s.(type) {
		case *lang.LetStmt:
			sym := r.info.Defs[s.Name]
			if sym == nil {
				panic("let without a symbol: " + s.Name.Name)
			}
			r.lets[sym] = r.eval(s.Value)
		case *lang.GiveStmt:
			r.give(r.eval(s.Value))
		case *lang.SkipStmt:
			refSkip("skipped", s.Reason.Value)
		case *lang.CheckStmt:
			if r.eval(s.Cond).b {
				r.block(s.Body.Stmts)
			}
		case *lang.TierStmt:
			subj := r.eval(s.Subject) // once
			for _, b := range s.Branches {
				if b.Op == lang.TierElse {
					r.block(b.Body.Stmts)
					break
				}
				c := r.compare(subj, r.eval(b.Bound))
				var hit bool
				switch b.Op {
				case lang.TierAbove:
					hit = c > 0
				case lang.TierAtLeast:
					hit = c >= 0
				case lang.TierBelow:
					hit = c < 0
				case lang.TierAtMost:
					hit = c <= 0
				}
				if hit {
					r.block(b.Body.Stmts)
					break
				}
			}
		default:
			panic(fmt.Sprintf("unexpected statement %T", s))
		}
	}
}

// give runs the outcome pipeline of spec section 8, steps 4 to 7, and
// always ends the evaluation.
func (r *refEval) give(v rval) {
	ri := r.reward()
	decl := ri.Decl
	// 4. The formula read transactions (an aggregation ran) and none matched.
	if r.ranAgg && !r.matched {
		refSkip("no-matching-transactions", "")
	}
	res := refResult{Outcome: "calculated"}
	if decl.Result.Kind == lang.ResultTemplate {
		res.Template = v.s
		res.Manual = r.manual()
		panic(refStop{res})
	}
	// 5. Amount: in the player's currency; positive; rounded; capped; at
	// least the minimum.
	places := int32(0)
	if decl.Result.Kind == lang.ResultAmount {
		if v.k != rMoney || v.cur != r.cur {
			refError("currency-mismatch")
		}
		places = refMinorUnits[r.cur]
		res.Currency = r.cur
	}
	mode := lang.RoundNearest
	var capExpr, minExpr lang.Expr
	for _, s := range decl.Settings {
		switch s := s.(type) {
		case *lang.RoundSetting:
			mode = s.Mode
			n, err := decimal.NewFromString(s.Decimals.Text)
			if err != nil {
				panic(err)
			}
			places = int32(n.IntPart())
		case *lang.CapSetting:
			capExpr = s.Value
		case *lang.MinimumSetting:
			minExpr = s.Value
		}
	}
	if v.d.Sign() <= 0 {
		refSkip("non-positive-amount", "")
	}
	amt := refRound(v.d, places, mode)
	if amt.Sign() <= 0 {
		refSkip("rounded-to-zero", "")
	}
	if capExpr != nil {
		c := r.limit(capExpr)
		if amt.Cmp(c) > 0 {
			// The issued amount keeps the rounding's decimals and never
			// exceeds the cap.
			amt = refRound(c, places, lang.RoundDown)
			if amt.Sign() <= 0 {
				refSkip("non-positive-amount", "")
			}
		}
	}
	if minExpr != nil {
		if amt.Cmp(r.limit(minExpr)) < 0 {
			refSkip("below-minimum", "")
		}
	}
	res.Amount, res.Scale, res.HasAmount = amt, places, true
	res.Manual = r.manual()
	panic(refStop{res})
}

// limit evaluates a cap or minimum: money in the player's currency for
// amounts, a number otherwise.
func (r *refEval) limit(e lang.Expr) decimal.Decimal {
	v := r.eval(e)
	if r.reward().Decl.Result.Kind == lang.ResultAmount && v.cur != r.cur {
		refError("missing-currency-value") // spec §8 step 5: no entry for the player's currency
	}
	return v.d
}

func (r *refEval) manual() bool {
	for _, s := range r.reward().Decl.Settings {
		if a, ok := s.(*lang.ApprovalSetting); ok {
			return a.Manual
		}
	}
	return false
}

func (r *refEval) reward() *compiler.RewardInfo { return r.current }

// ---- expressions

func (r *refEval) eval(e lang.Expr) rval {
	switch e := e.(type) {
	case *lang.ParenExpr:
		return r.eval(e.X)
	case *lang.NumberLit:
		return rval{k: rNum, d: decimal.RequireFromString(e.Text)}
	case *lang.PercentLit:
		return rval{k: rNum, d: decimal.RequireFromString(e.Text).Shift(-2)} // 5% is exactly 0.05
	case *lang.MoneyLit:
		return rval{k: rMoney, d: decimal.RequireFromString(e.Amount), cur: e.Currency}
	case *lang.PerCurrencyLit:
		for _, m := range e.Values {
			if m.Currency == r.cur {
				return r.eval(m)
			}
		}
		refError("missing-currency-value") // no amount in the player's currency
	case *lang.StringLit:
		return rval{k: rStr, s: e.Value}
	case *lang.BoolLit:
		return rval{k: rBool, b: e.Value}
	case *lang.DurationLit:
		unit := map[lang.DurationUnit]time.Duration{lang.Minutes: time.Minute, lang.Hours: time.Hour, lang.Days: 24 * time.Hour, lang.Weeks: 7 * 24 * time.Hour}[e.Unit]
		return rval{k: rDur, dur: time.Duration(e.N) * unit}
	case *lang.DateLit:
		return rval{k: rTime, t: time.Date(e.Year, time.Month(e.Month), e.Day, e.Hour, e.Min, e.Sec, 0, time.UTC)}
	case *lang.NowExpr:
		return rval{k: rTime, t: r.in.Now}
	case *lang.Ident:
		return r.ident(e)
	case *lang.SelectorExpr:
		return r.attr(e.Sel)
	case *lang.PlayerExpr:
		return r.player(e)
	case *lang.UnaryExpr:
		x := r.eval(e.X)
		if e.Op == lang.OpNot {
			return rval{k: rBool, b: !x.b}
		}
		x.d = x.d.Neg()
		x.dur = -x.dur
		return x
	case *lang.BinaryExpr:
		return r.binary(e)
	case *lang.CondExpr:
		if r.eval(e.Cond).b {
			return r.eval(e.Then)
		}
		return r.eval(e.Else)
	case *lang.CallExpr:
		return r.call(e)
	case *lang.AggregateExpr:
		return r.aggregate(e)
	}
	panic(fmt.Sprintf("unexpected expression %T", e))
}

func (r *refEval) ident(id *lang.Ident) rval {
	sym := r.info.Uses[id]
	if sym == nil {
		panic("unresolved name " + id.Name)
	}
	switch sym.Kind {
	case compiler.SymLet:
		v, ok := r.lets[sym]
		if !ok {
			panic("let read before it ran: " + id.Name)
		}
		return v
	case compiler.SymConst:
		return r.eval(sym.Node.(*lang.ConstDecl).Value)
	case compiler.SymTemplate:
		return rval{k: rTmpl, s: sym.Name}
	case compiler.SymAttr:
		return r.attr(id)
	}
	panic("unexpected symbol " + sym.Kind.String())
}

func (r *refEval) attr(id *lang.Ident) rval {
	if r.row == nil {
		panic("attribute outside a where: " + id.Name)
	}
	v, ok := r.row.attrs[id.Name]
	if !ok {
		panic("no attribute " + id.Name)
	}
	return v
}

// player reads a property: its value, else its schema default, else the
// default at the place of use, else the error missing-property.
func (r *refEval) player(e *lang.PlayerExpr) rval {
	sym := r.info.Uses[e.Prop]
	if raw := r.in.Player.Properties[sym.Name]; raw != nil {
		return r.hostValue(raw, sym.Type)
	}
	if fld, ok := sym.Node.(*lang.Field); ok && fld.Default != nil {
		return r.typed(r.eval(fld.Default), sym.Type)
	}
	if e.Default != nil {
		return r.eval(e.Default)
	}
	refError("missing-property")
	return rval{}
}

// typed gives a schema default the property's type: a number default of a
// money property is in the player's currency.
func (r *refEval) typed(v rval, t compiler.Type) rval {
	if t.Kind == compiler.Money && v.k == rNum {
		v.k, v.cur = rMoney, r.cur
	}
	return v
}

// sameCur checks that two money values (or a money and a number) may meet.
func (r *refEval) sameCur(x, y rval) {
	if x.k == rMoney && y.k == rMoney && x.cur != y.cur {
		refError("currency-mismatch")
	}
}

// compare orders two values of comparable types; money must share its
// currency.
func (r *refEval) compare(x, y rval) int {
	r.sameCur(x, y)
	switch x.k {
	case rNum, rMoney:
		return x.d.Cmp(y.d)
	case rStr:
		return strings.Compare(x.s, y.s)
	case rTime:
		return x.t.Compare(y.t)
	case rDur:
		return cmp.Compare(x.dur, y.dur)
	case rBool:
		if x.b == y.b {
			return 0
		}
		return 1
	case rTmpl:
		if x.s == y.s {
			return 0
		}
		return 1
	}
	panic("uncomparable")
}

func (r *refEval) binary(e *lang.BinaryExpr) rval {
	switch e.Op {
	case lang.OpAnd:
		if !r.eval(e.X).b {
			return rval{k: rBool}
		}
		return rval{k: rBool, b: r.eval(e.Y).b}
	case lang.OpOr:
		if r.eval(e.X).b {
			return rval{k: rBool, b: true}
		}
		return rval{k: rBool, b: r.eval(e.Y).b}
	case lang.OpIn, lang.OpNotIn:
		x := r.eval(e.X)
		found := false
		for _, el := range e.Y.(*lang.ListLit).Elems {
			if r.compare(x, r.eval(el)) == 0 {
				found = true
				break
			}
		}
		return rval{k: rBool, b: found == (e.Op == lang.OpIn)}
	case lang.OpEq, lang.OpNe, lang.OpLt, lang.OpLe, lang.OpGt, lang.OpGe:
		c := r.compare(r.eval(e.X), r.eval(e.Y))
		b := map[lang.BinaryOp]bool{lang.OpEq: c == 0, lang.OpNe: c != 0, lang.OpLt: c < 0, lang.OpLe: c <= 0, lang.OpGt: c > 0, lang.OpGe: c >= 0}[e.Op]
		return rval{k: rBool, b: b}
	}
	x, y := r.eval(e.X), r.eval(e.Y)
	// Times and durations.
	switch {
	case x.k == rTime && y.k == rTime:
		return rval{k: rDur, dur: x.t.Sub(y.t)}
	case x.k == rTime && e.Op == lang.OpAdd:
		return rval{k: rTime, t: x.t.Add(y.dur)}
	case x.k == rTime:
		return rval{k: rTime, t: x.t.Add(-y.dur)}
	case y.k == rTime:
		return rval{k: rTime, t: y.t.Add(x.dur)}
	case x.k == rDur && e.Op == lang.OpAdd:
		return rval{k: rDur, dur: x.dur + y.dur}
	case x.k == rDur:
		return rval{k: rDur, dur: x.dur - y.dur}
	}
	r.sameCur(x, y)
	// The result is money when exactly one side is money, except for money
	// / money, a number; money + money keeps the currency.
	out := rval{k: rNum}
	switch {
	case x.k == rMoney && y.k == rMoney && e.Op != lang.OpDiv:
		out = rval{k: rMoney, cur: x.cur}
	case x.k == rMoney && y.k != rMoney:
		out = rval{k: rMoney, cur: x.cur}
	case y.k == rMoney && x.k != rMoney && e.Op != lang.OpDiv:
		out = rval{k: rMoney, cur: y.cur}
	}
	switch e.Op {
	case lang.OpAdd:
		out.d = x.d.Add(y.d)
	case lang.OpSub:
		out.d = x.d.Sub(y.d)
	case lang.OpMul, lang.OpOf:
		out.d = x.d.Mul(y.d)
	case lang.OpDiv:
		if y.d.IsZero() {
			refError("division-by-zero")
		}
		out.d = refDiv(x.d, y.d)
	default:
		panic("unexpected operator " + e.Op.String())
	}
	return out
}

func (r *refEval) call(e *lang.CallExpr) rval {
	var args []rval
	for _, a := range e.Args {
		args = append(args, r.eval(a))
	}
	for _, a := range args[1:] {
		r.sameCur(args[0], a)
	}
	var out rval
	switch e.Fun.Name {
	case "min", "max":
		out = args[0]
		for _, a := range args[1:] {
			c := a.d.Cmp(out.d)
			if e.Fun.Name == "min" && c < 0 || e.Fun.Name == "max" && c > 0 {
				out = a
			}
		}
	case "clamp":
		x, lo, hi := args[0], args[1], args[2]
		switch {
		case x.d.Cmp(lo.d) < 0:
			out = lo
		case x.d.Cmp(hi.d) > 0:
			out = hi
		default:
			out = x
		}
	case "abs":
		out = args[0]
		out.d = out.d.Abs()
	default:
		panic("unknown builtin " + e.Fun.Name)
	}
	// A money argument makes the result money (numbers and money never mix).
	for _, a := range args {
		if a.k == rMoney {
			out.k, out.cur = rMoney, a.cur
		}
	}
	return out
}

// aggregate scans the kind's rows in the window, testing the where clause
// on each, in time order.
func (r *refEval) aggregate(e *lang.AggregateExpr) rval {
	kind := r.info.Aggregates[e]
	var sel []*refRow
	for _, row := range r.rows[kind] {
		if e.Where != nil {
			saved := r.row
			r.row = row
			ok := r.eval(e.Where).b
			r.row = saved
			if !ok {
				continue
			}
		}
		sel = append(sel, row)
	}
	return r.aggregateRows(e, kind, sel)
}

// aggregateRows reduces the rows an aggregation selected.
func (r *refEval) aggregateRows(e *lang.AggregateExpr, kind *compiler.Symbol, sel []*refRow) rval {
	r.ranAgg = true
	if len(sel) > 0 {
		r.matched = true
	}
	if e.Op == lang.AggCount {
		return rval{k: rNum, d: decimal.NewFromInt(int64(len(sel)))}
	}
	at := e.Attr.Name
	var attrType compiler.Type
	for _, a := range kind.Attrs {
		if a.Name == at {
			attrType = a.Type
		}
	}
	none := func() rval {
		refSkip("no-matching-transactions", "")
		return rval{}
	}
	switch e.Op {
	case lang.AggSum, lang.AggAvg:
		sum := rval{k: rNum}
		if attrType.Kind == compiler.Money {
			sum = rval{k: rMoney, cur: r.cur}
		}
		for _, row := range sel {
			sum.d = sum.d.Add(row.attrs[at].d)
		}
		if e.Op == lang.AggSum {
			return sum
		}
		if len(sel) == 0 {
			return none()
		}
		sum.d = refDiv(sum.d, decimal.NewFromInt(int64(len(sel))))
		return sum
	case lang.AggMin, lang.AggMax:
		if len(sel) == 0 {
			return none()
		}
		best := sel[0].attrs[at]
		for _, row := range sel[1:] {
			c := r.compare(row.attrs[at], best)
			if e.Op == lang.AggMin && c < 0 || e.Op == lang.AggMax && c > 0 {
				best = row.attrs[at]
			}
		}
		return best
	case lang.AggFirst:
		if len(sel) == 0 {
			return none()
		}
		return sel[0].attrs[at]
	case lang.AggLast:
		if len(sel) == 0 {
			return none()
		}
		return sel[len(sel)-1].attrs[at]
	}
	panic("unexpected aggregation " + e.Op.String())
}

// TestRefArithmetic checks the reference's own division and rounding
// against the spec's examples, and its division against shopspring's
// DivRound, which rounds half away from zero too (to a precision; the
// trailing zeros are the reference's to remove).
func TestRefArithmetic(t *testing.T) {
	divs := []struct{ x, y, want string }{
		{"1", "3", "0.3333333333333333"},
		{"2", "3", "0.6666666666666667"},
		{"-1", "3", "-0.3333333333333333"},
		{"-2", "3", "-0.6666666666666667"},
		{"10", "4", "2.5"},
		{"6", "3", "2"},
		{"0.0000000000000001", "2", "0.0000000000000001"},
		{"-0.0000000000000001", "2", "-0.0000000000000001"},
		{"0.0000000000000001", "-3", "0"},
		{"92233720368547758.07", "0.03", "3074457345618258602.3333333333333333"},
		{"1", "0.0000000000000000003", "3333333333333333333.3333333333333333"},
		{"184467440737095516.15", "2", "92233720368547758.075"},
	}
	for _, tt := range divs {
		x, y := decimal.RequireFromString(tt.x), decimal.RequireFromString(tt.y)
		got := refDiv(x, y)
		if got.String() != tt.want {
			t.Errorf("refDiv(%s, %s) = %s, want %s", tt.x, tt.y, got, tt.want)
		}
		if sh := x.DivRound(y, 16); !sh.Equal(got) {
			t.Errorf("DivRound(%s, %s, 16) = %s, refDiv %s", tt.x, tt.y, sh, got)
		}
	}
	rounds := []struct {
		x      string
		places int32
		mode   lang.RoundMode
		want   string
	}{
		{"2.735", 2, lang.RoundDown, "2.73"},
		{"2.735", 2, lang.RoundUp, "2.74"},
		{"2.735", 2, lang.RoundNearest, "2.74"},
		{"2.735", 0, lang.RoundDown, "2"},
		{"2.735", 0, lang.RoundUp, "3"},
		{"2.735", 0, lang.RoundNearest, "3"},
		{"-2.735", 2, lang.RoundDown, "-2.73"},
		{"-2.735", 2, lang.RoundUp, "-2.74"},
		{"-2.735", 2, lang.RoundNearest, "-2.74"},
		{"2.745", 2, lang.RoundNearest, "2.75"},
		{"2.725", 2, lang.RoundNearest, "2.73"},
		{"0.5", 0, lang.RoundNearest, "1"},
		{"0.4999", 0, lang.RoundNearest, "0"},
		{"2.7", 3, lang.RoundDown, "2.700"},
		{"12.5", 2, lang.RoundNearest, "12.50"},
		{"1234.5678", 3, lang.RoundNearest, "1234.568"},
		{"92233720368547758.075", 2, lang.RoundNearest, "92233720368547758.08"},
	}
	for _, tt := range rounds {
		got := refRound(decimal.RequireFromString(tt.x), tt.places, tt.mode)
		if s := got.StringFixed(tt.places); s != tt.want || got.Exponent() != -tt.places {
			t.Errorf("refRound(%s, %d, %s) = %s (exponent %d), want %s", tt.x, tt.places, tt.mode, s, got.Exponent(), tt.want)
		}
	}
}
