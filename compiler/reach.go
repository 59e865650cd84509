package compiler

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/num"
)

// Reachability of checks and tiers. Within a chain of consecutive checks (or
// the branches of one tiers statement) the first match wins, so a branch
// whose condition only holds for values that earlier branches already take
// can never run. Conditions of the form `x > 500 EUR` on the same x are
// half-lines; the union of the earlier half-lines on the same x is one
// upward and one downward half-line, which makes the test exact.

// halfLine is {v : v > bound} (up, open), {v >= bound} (up, closed), and the
// downward forms.
type halfLine struct {
	valid  bool
	up     bool
	closed bool
	bound  num.Dec
}

// chainCond is what the analysis knows of one branch's condition.
type chainCond struct {
	always bool       // holds for every value (else, true)
	never  bool       // holds for no value (false)
	parts  []condPart // what is compared, per currency; none when the condition is not understood
	label  string     // for messages: "above 500 EUR", "deposits > 5"
	why    string     // why it never holds, when never and not a constant false
}

// condPart is the condition on one compared value in one currency: the
// half-line (or the single value, point) its values take. A bound in one
// currency is one part; a per-currency bound (`above 500 EUR | 550 USD`) has
// a part per currency, as each player meets only the one of their currency,
// and one without a currency of its own (a bare zero against money) is a part
// in every currency (anyCur).
type condPart struct {
	base  string // the compared value
	cur   string // the bound's currency: "" for none, anyCur for every one
	half  halfLine
	point bool   // the single value half.bound (`n == 5`), or pkey: never widens the chain
	pkey  string // the single value of a point, as a key (a number normalised, a quoted string)
	count bool   // the compared value is a number of transactions: never below 0
}

// anyCur is the currency of a part that holds in every currency: a bare zero
// compared with money.
const anyCur = "*"

func tierHalf(op lang.TierOp, bound num.Dec) halfLine {
	switch op {
	case lang.TierAbove:
		return halfLine{valid: true, up: true, bound: bound}
	case lang.TierAtLeast:
		return halfLine{valid: true, up: true, closed: true, bound: bound}
	case lang.TierBelow:
		return halfLine{valid: true, bound: bound}
	default:
		return halfLine{valid: true, closed: true, bound: bound}
	}
}

// valueHalf is tierHalf on a value of type t: on a count, which is a whole
// number, the half-line of the same whole numbers (whole), so that `at most
// 2` and `at least 3` cover them all.
func valueHalf(op lang.TierOp, bound num.Dec, t Type) halfLine {
	h := tierHalf(op, bound)
	if t.Kind == Count {
		h = h.whole()
	}
	return h
}

// whole is h on a value that is a whole number (a Count): the same set of
// whole numbers as an upward half-line closed at its least member, or a
// downward one open at the least whole number above its members, so that
// the union of `at most 2` and `at least 3` is every value, as it is for
// counts, and `above 5` covers `at least 5.5`.
func (h halfLine) whole() halfLine {
	if !h.valid {
		return h
	}
	one := num.FromInt(1)
	switch {
	case h.up && h.closed: // at least b: at least ceil(b)
		h.bound = h.bound.Round(0, num.Ceiling)
	case h.up: // above b: at least floor(b) + 1
		h.bound, h.closed = h.bound.Round(0, num.Floor).Add(one), true
	case h.closed: // at most b: below floor(b) + 1
		h.bound, h.closed = h.bound.Round(0, num.Floor).Add(one), false
	default: // below b: below ceil(b)
		h.bound = h.bound.Round(0, num.Ceiling)
	}
	return h
}

// chain is what the analysis knows of the branches of one chain so far: the
// widest upward and downward half-lines on each compared value in each
// currency, and whether some branch always matches. Adding a branch and
// asking whether one is covered take time in its parts, so a chain of n
// branches costs O(n), not the O(n^2) of comparing each branch with all the
// earlier ones; only an else looks at every compared value.
type chain struct {
	always bool // some branch always matches
	keys   map[string]*keyUnion
	curs   map[string][]string // the currencies of each compared value's parts, in order
	bases  []string            // the compared values, in order
	counts map[string]bool     // the compared values that are numbers of transactions
}

// keyUnion is the union of a chain's half-lines on one compared value: the
// widest upward and downward ones, each with the label of the first branch
// that reached it.
type keyUnion struct {
	up, down           halfLine
	upLabel, downLabel string
	points             map[string]string // the single values taken (`n == 5`), by value, with their labels
}

func (ch *chain) reset() { *ch = chain{} }

// add records the condition of the next branch.
func (ch *chain) add(p chainCond) {
	if p.always {
		ch.always = true
	}
	for _, pt := range p.parts {
		if pt.base == "" || (!pt.half.valid && !pt.point) {
			continue
		}
		if ch.keys == nil {
			ch.keys, ch.curs = map[string]*keyUnion{}, map[string][]string{}
		}
		k := pt.base + "|" + pt.cur
		u := ch.keys[k]
		if u == nil {
			u = &keyUnion{}
			ch.keys[k] = u
			if ch.curs[pt.base] == nil {
				ch.bases = append(ch.bases, pt.base)
			}
			if pt.count {
				if ch.counts == nil {
					ch.counts = map[string]bool{}
				}
				ch.counts[pt.base] = true
			}
			ch.curs[pt.base] = append(ch.curs[pt.base], pt.cur)
		}
		if !pt.point {
			u.widen(pt.half, p.label)
		} else if u.points[pt.pkey] == "" {
			if u.points == nil {
				u.points = map[string]string{}
			}
			u.points[pt.pkey] = p.label
		}
	}
}

// pointLabel is the label of the branch that took the single value of key
// k of base in cur, or "".
func (ch *chain) pointLabel(base, cur string, k string) string {
	for _, c := range []string{cur, anyCur} {
		if u := ch.keys[base+"|"+c]; u != nil && u.points[k] != "" {
			return u.points[k]
		}
	}
	return ""
}

// widen adds h, of the branch labelled label, to the union.
func (u *keyUnion) widen(h halfLine, label string) {
	if !h.valid {
		return
	}
	if h.up {
		if !u.up.valid || h.bound.Cmp(u.up.bound) < 0 || (h.bound.Cmp(u.up.bound) == 0 && h.closed && !u.up.closed) {
			u.up, u.upLabel = h, label
		}
	} else {
		if !u.down.valid || h.bound.Cmp(u.down.bound) > 0 || (h.bound.Cmp(u.down.bound) == 0 && h.closed && !u.down.closed) {
			u.down, u.downLabel = h, label
		}
	}
}

// union is what the chain's branches take of base in currency cur: its
// parts in cur and those in every currency. The zero value when none.
func (ch *chain) union(base, cur string) keyUnion {
	var u keyUnion
	if p := ch.keys[base+"|"+cur]; p != nil {
		u = *p
	}
	if cur != anyCur {
		if p := ch.keys[base+"|"+anyCur]; p != nil {
			u.widen(p.up, p.upLabel)
			u.widen(p.down, p.downLabel)
		}
	}
	return u
}

// coversAll reports whether the union of up and down is every value.
func coversAll(up, down halfLine) bool {
	if !up.valid || !down.valid {
		return false
	}
	c := up.bound.Cmp(down.bound)
	return c < 0 || (c == 0 && (up.closed || down.closed))
}

// full returns a compared value whose parts cover every value in each
// currency they name, or "". A player in a currency none of them names
// never gets past them either: a bound in another currency is an error for
// them (currency-mismatch, missing-currency-value).
func (ch *chain) full() string {
	for _, base := range ch.bases {
		curs := ch.curs[base]
		all, named := true, false
		for _, cur := range curs {
			if cur == anyCur && len(curs) > 1 {
				continue // taken into each named currency's union
			}
			named = true
			u := ch.union(base, cur)
			if ch.counts[base] {
				u.widen(tierHalf(lang.TierBelow, num.Dec{}), "a count is never negative")
			}
			if !coversAll(u.up, u.down) {
				all = false
				break
			}
		}
		if all && named {
			return base
		}
	}
	return ""
}

// covered reports whether every value matching cc is matched by an earlier
// condition of the chain.
func (ch *chain) covered(cc chainCond) bool {
	if ch.always {
		return true
	}
	if cc.always {
		// An else is covered when some compared value's conditions cover the line.
		return ch.full() != ""
	}
	if len(cc.parts) == 0 {
		return false
	}
	for _, pt := range cc.parts {
		if !ch.partCovered(pt) {
			return false
		}
	}
	return true
}

// partCovered reports whether every value of pt is taken by the chain.
func (ch *chain) partCovered(pt condPart) bool {
	if pt.base == "" || (!pt.half.valid && !pt.point) {
		return false
	}
	if pt.point && ch.pointLabel(pt.base, pt.cur, pt.pkey) != "" {
		return true
	}
	if !pt.half.valid {
		return false
	}
	u := ch.union(pt.base, pt.cur)
	if coversAll(u.up, u.down) {
		return true
	}
	h := pt.half
	if pt.point {
		return holds(u.up, h.bound) || holds(u.down, h.bound)
	}
	if h.up && u.up.valid {
		c := h.bound.Cmp(u.up.bound)
		return c > 0 || (c == 0 && (u.up.closed || !h.closed))
	}
	if !h.up && u.down.valid {
		c := h.bound.Cmp(u.down.bound)
		return c < 0 || (c == 0 && (u.down.closed || !h.closed))
	}
	return false
}

// holds reports whether v is on h.
func holds(h halfLine, v num.Dec) bool {
	if !h.valid {
		return false
	}
	c := v.Cmp(h.bound)
	if h.up {
		return c > 0 || (c == 0 && h.closed)
	}
	return c < 0 || (c == 0 && h.closed)
}

// why says why cc, covered, can never be reached.
func (ch *chain) why(cc chainCond) string {
	if cc.never && cc.why != "" {
		return cc.why
	}
	if cc.never {
		return "its condition is always false"
	}
	if ch.always {
		return "an earlier branch always matches"
	}
	var labels []string
	seen := map[string]bool{}
	note := func(l string) {
		if !seen[l] {
			seen[l] = true
			labels = append(labels, "`"+l+"`")
		}
	}
	explain := func(u keyUnion, up, down bool) {
		all := coversAll(u.up, u.down)
		if u.up.valid && (up || all) {
			note(u.upLabel)
		}
		if u.down.valid && (down || all) {
			note(u.downLabel)
		}
	}
	if cc.always {
		base := ch.full()
		for _, cur := range ch.curs[base] {
			explain(ch.union(base, cur), true, true)
		}
	}
	for _, pt := range cc.parts {
		u := ch.union(pt.base, pt.cur)
		if pt.point {
			up := pt.half.valid && holds(u.up, pt.half.bound)
			down := pt.half.valid && holds(u.down, pt.half.bound)
			if !up && !down {
				note(ch.pointLabel(pt.base, pt.cur, pt.pkey))
			}
			explain(u, up, down)
		} else {
			explain(u, pt.half.up, !pt.half.up)
		}
	}
	return strings.Join(labels, " and ") + " before it already matches every value it would"
}

// renderTime writes a time as a date literal of the language, in UTC: the
// date alone at midnight, without seconds when they are zero.
func renderTime(t time.Time) string {
	switch {
	case t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0:
		return t.Format("2006-01-02")
	case t.Second() == 0 && t.Nanosecond() == 0:
		return t.Format("2006-01-02 15:04")
	}
	return t.Format("2006-01-02 15:04:05")
}

// renderDuration writes a duration in the largest unit of the language that
// holds it whole (90 minutes, 1 day, 2 weeks), as its author would, not as Go
// prints a time.Duration (24h0m0s); what no unit holds whole (a difference of
// two times) is written in seconds.
func renderDuration(d time.Duration) string {
	if d == 0 {
		return "0 minutes"
	}
	units := []struct {
		d    time.Duration
		name string
	}{{7 * 24 * time.Hour, "week"}, {24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	for _, u := range units {
		if d%u.d == 0 {
			n := int64(d / u.d)
			if n == 1 || n == -1 {
				return fmt.Sprintf("%d %s", n, u.name)
			}
			return fmt.Sprintf("%d %ss", n, u.name)
		}
	}
	return d.String()
}

// condition describes a check's condition for the analysis.
func (c *checker) condition(e lang.Expr) chainCond {
	if v := c.info.Consts[e]; v != nil && v.Type.Kind == Bool {
		return chainCond{always: v.Bool, never: !v.Bool}
	}
	for {
		p, ok := e.(*lang.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	b, ok := e.(*lang.BinaryExpr)
	if !ok {
		return chainCond{}
	}
	x, y, op := b.X, b.Y, b.Op
	if c.info.Consts[x] != nil && c.info.Consts[y] == nil {
		x, y = y, x
		switch op {
		case lang.OpLt:
			op = lang.OpGt
		case lang.OpLe:
			op = lang.OpGe
		case lang.OpGt:
			op = lang.OpLt
		case lang.OpGe:
			op = lang.OpLe
		}
	}
	if l, ok := y.(*lang.ListLit); ok && op == lang.OpIn {
		// x in [a, b]: the values a and b, each a point; unreachable when
		// earlier branches took them all.
		key := c.exprKey(x)
		if key == "" {
			return chainCond{}
		}
		cc := chainCond{label: fmt.Sprintf("%s in %s", shortExpr(x), lang.ExprString(y))}
		for _, el := range l.Elems {
			v := c.info.Consts[el]
			if v == nil {
				return chainCond{}
			}
			p, ok := pointPart(key, c.info.Types[x], v)
			if !ok {
				return chainCond{}
			}
			cc.parts = append(cc.parts, p)
		}
		return cc
	}
	v := c.info.Consts[y]
	if v == nil {
		return chainCond{}
	}
	key := c.exprKey(x)
	if key == "" {
		return chainCond{}
	}
	label := fmt.Sprintf("%s %s %s", shortExpr(x), op, lang.ExprString(y))
	if op == lang.OpEq {
		if v.Type.Kind == Money && len(v.PerCur) > 0 {
			return boundCond(key, c.info.Types[x], v, lang.TierAtLeast, true, label)
		}
		if p, ok := pointPart(key, c.info.Types[x], v); ok {
			return c.countCond(x, chainCond{parts: []condPart{p}, label: label})
		}
		return chainCond{}
	}
	var tier lang.TierOp
	switch op {
	case lang.OpGt:
		tier = lang.TierAbove
	case lang.OpGe:
		tier = lang.TierAtLeast
	case lang.OpLt:
		tier = lang.TierBelow
	case lang.OpLe:
		tier = lang.TierAtMost
	default:
		return chainCond{}
	}
	return c.countCond(x, boundCond(key, c.info.Types[x], v, tier, false, label))
}

// pointPart is the condition that the value base, of type t, equals the
// constant v: one value, of a number, an amount in one currency, a time, a
// duration (on the number line, so that earlier ranges may take it), a
// string, a bool or a template. false for a per-currency amount.
func pointPart(base string, t Type, v *Value) (condPart, bool) {
	if bound, ok := orderKey(v); ok {
		cur := v.Type.Cur
		if t.Kind == Money && v.Type.Kind != Money {
			cur = anyCur
		}
		return condPart{base: base, cur: cur, half: tierHalf(lang.TierAtLeast, bound), point: true, pkey: bound.Normalize().String()}, true
	}
	switch v.Type.Kind {
	case String:
		return condPart{base: base, point: true, pkey: strconv.Quote(v.Str)}, true
	case Bool:
		return condPart{base: base, point: true, pkey: strconv.FormatBool(v.Bool)}, true
	case Template:
		return condPart{base: base, point: true, pkey: "template " + strconv.Itoa(v.Template)}, true
	}
	return condPart{}, false
}

// boundCond is the condition that the value base, of type t, is on the
// tier op of the constant v (or equal to it, point): a part per currency of
// a per-currency v, a part in every currency for a bare zero against money.
func boundCond(base string, t Type, v *Value, op lang.TierOp, point bool, label string) chainCond {
	if v.Type.Kind == Money && len(v.PerCur) > 0 {
		cc := chainCond{label: label}
		for _, p := range v.PerCur {
			h := valueHalf(op, p.Amount, t)
			if point {
				h = tierHalf(op, p.Amount)
			}
			cc.parts = append(cc.parts, condPart{base: base, cur: p.Cur, half: h, point: point, pkey: p.Amount.Normalize().String()})
		}
		return cc
	}
	bound, ok := orderKey(v)
	if !ok {
		return chainCond{}
	}
	cur := v.Type.Cur
	if t.Kind == Money && v.Type.Kind != Money {
		cur = anyCur // a bare zero: zero in every currency
	}
	return chainCond{parts: []condPart{{base: base, cur: cur, half: valueHalf(op, bound, t)}}, label: label}
}

// countCond marks cc, a condition on e, as one on a number of transactions
// when e is one (count(...), or a let of it), which is never below 0: a
// condition that only holds below 0 never holds.
func (c *checker) countCond(e lang.Expr, cc chainCond) chainCond {
	if len(cc.parts) == 0 || !c.isCount(e, 0) {
		return cc
	}
	never := true
	for i := range cc.parts {
		pt := &cc.parts[i]
		pt.count = true
		h := pt.half
		below := h.valid && !h.up && (h.bound.Sign() < 0 || (h.bound.Sign() == 0 && !h.closed))
		if pt.point {
			below = h.valid && h.bound.Sign() < 0
		}
		never = never && below
	}
	if never {
		cc.never, cc.why = true, "a count is never negative"
	}
	return cc
}

// isCount reports whether e is a number of transactions: count(KIND ...),
// or a let bound to one.
func (c *checker) isCount(e lang.Expr, depth int) bool {
	switch e := unparen(e).(type) {
	case *lang.AggregateExpr:
		return e.Op == lang.AggCount
	case *lang.Ident:
		s := c.info.Uses[e]
		if s == nil || s.Kind != SymLet || depth > 8 {
			return false
		}
		if l, ok := s.Node.(*lang.LetStmt); ok {
			return c.isCount(l.Value, depth+1)
		}
	}
	return false
}

// orderKey returns a constant's position on the number line, for constants
// that have one.
func orderKey(v *Value) (num.Dec, bool) {
	switch v.Type.Kind {
	case Number, Count, Percent:
		return v.Num, true
	case Money:
		if len(v.PerCur) > 0 {
			return num.Dec{}, false
		}
		return v.Num, true
	case Time:
		return num.FromInt(v.Time.UnixNano()), true
	case Duration:
		return num.FromInt(int64(v.Dur)), true
	}
	return num.Dec{}, false
}

// exprKey is a structural key for an expression: two expressions with the
// same key compute the same value in the same evaluation. "" when unknown.
// It is written into one builder, so that its cost is linear in the size
// of the expression, however deep.
func (c *checker) exprKey(e lang.Expr) string {
	var b strings.Builder
	if !c.writeKey(&b, e) {
		return ""
	}
	return b.String()
}

// writeKey writes the key of e to b, or returns false when e has none.
func (c *checker) writeKey(b *strings.Builder, e lang.Expr) bool {
	switch e := e.(type) {
	case *lang.Ident:
		s := c.info.Uses[e]
		if s == nil {
			return false
		}
		if s.Decl == nil { // an attribute every kind has (id, time)
			fmt.Fprintf(b, "%s:%s.%s", s.Kind, s.Parent.Name, s.Name)
		} else {
			fmt.Fprintf(b, "%s:%s@%s:%d", s.Kind, s.Name, s.File, s.Decl.Start.Offset)
		}
		return true
	case *lang.ParenExpr:
		return c.writeKey(b, e.X)
	case *lang.PlayerExpr:
		b.WriteString("player." + e.Prop.Name)
		if e.Default != nil {
			b.WriteString(" default ")
			return c.writeKey(b, e.Default)
		}
		return true
	case *lang.NumberLit:
		b.WriteString(e.Text)
		return true
	case *lang.PercentLit:
		b.WriteString(e.Text + "%")
		return true
	case *lang.MoneyLit:
		b.WriteString(e.Amount + " " + e.Currency)
		return true
	case *lang.StringLit:
		fmt.Fprintf(b, "%q", e.Value)
		return true
	case *lang.BinaryExpr:
		b.WriteString("(")
		if !c.writeKey(b, e.X) {
			return false
		}
		b.WriteString(" " + e.Op.String() + " ")
		if !c.writeKey(b, e.Y) {
			return false
		}
		b.WriteString(")")
		return true
	case *lang.AggregateExpr:
		b.WriteString(e.Op.String() + "(" + e.Kind.Name)
		if e.Attr != nil {
			b.WriteString("." + e.Attr.Name)
		}
		if e.Where != nil {
			b.WriteString(" where ")
			if !c.writeKey(b, e.Where) {
				return false
			}
		}
		b.WriteString(")")
		return true
	case *lang.SelectorExpr:
		b.WriteString(e.X.Name + "." + e.Sel.Name)
		return true
	case *lang.CallExpr:
		b.WriteString(e.Fun.Name + "(")
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			if !c.writeKey(b, a) {
				return false
			}
		}
		b.WriteString(")")
		return true
	}
	return false
}

func shortExpr(e lang.Expr) string {
	switch e := e.(type) {
	case *lang.Ident:
		return e.Name
	case *lang.PlayerExpr:
		return "player." + e.Prop.Name
	case *lang.AggregateExpr:
		if e.Attr != nil {
			return e.Op.String() + "(" + e.Kind.Name + "." + e.Attr.Name + ")"
		}
		return e.Op.String() + "(" + e.Kind.Name + ")"
	}
	return "value"
}

// render formats a constant as it would be written in source.
func render(v *Value) string {
	switch v.Type.Kind {
	case Money:
		if len(v.PerCur) > 0 {
			parts := make([]string, len(v.PerCur))
			for i, p := range v.PerCur {
				parts[i] = p.Amount.String() + " " + p.Cur
			}
			return strings.Join(parts, " | ")
		}
		return v.Num.String() + " " + v.Type.Cur
	case Percent:
		return v.Num.Mul(num.FromInt(100)).Normalize().String() + "%"
	case Number, Count:
		return v.Num.String()
	case Bool:
		return fmt.Sprint(v.Bool)
	case String:
		return fmt.Sprintf("%q", v.Str)
	case Time:
		return renderTime(v.Time.UTC())
	case Duration:
		return renderDuration(v.Dur)
	case Template:
		return fmt.Sprintf("template %q", v.Str)
	}
	return "?"
}
