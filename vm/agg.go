package vm

import (
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/vm/num"
)

// chunkRows is how many rows an aggregation selects at a time: small enough
// for the selection to stay in the L1 cache, large enough that the per-chunk
// work (a step, a context check) is noise.
const chunkRows = 2048

// An aggregation runs as one typed loop per chunk of rows: each term narrows
// a selection vector of row numbers with a loop specialized for its column
// and condition (for the common case, an int64 comparison), filter code then
// runs on the survivors, and the reducer folds the selected rows. Nothing is
// boxed and nothing is allocated.

// termKind says how a compiled term tests a row.
type termKind uint8

const (
	termInt   termKind = iota // col.ints[row] cond v
	termIntIn                 // col.ints[row] in list (not: not in)
	termDec                   // the row's decimal cond dv
	termDecIn                 // the row's decimal in dlist (not: not in)
	termStr                   // the row's string cond the string v, ordered by text
	termNone                  // no row matches
	termAll                   // every row matches
	termTrap                  // a row that gets here traps (see cterm.trapping)
)

// cterm is a [Term] compiled against its column for one run.
type cterm struct {
	kind  termKind
	cond  Cond
	not   bool
	col   *column
	v     int64
	dv    num.Dec
	list  []int64
	dlist []num.Dec
	// A term whose operand fails (a currency mismatch, a per-currency table
	// without the player's currency) traps when a row reaches it, as the
	// comparison would for that row, and not before: a where clause whose
	// earlier conditions reject every row, or a window without rows, never
	// compares. A scalar term is then termTrap; a list term keeps the
	// elements before the failing one, and traps for a row that matches
	// none of them.
	trapping       bool
	reason, detail string
}

// aggregate runs aggregation ai of the reward for the instruction at pc,
// with the stack sp deep (filter code runs above it), and leaves its value
// in stack slot sp. It returns false when the run ends: skipped for lack of
// rows, or a trap.
func (m *Machine) aggregate(pc, ai, sp int) bool {
	a := &m.r.Aggs[ai]
	d := m.d
	t := &d.tables[a.Kind]
	lo, hi := m.rows(t, a.Kind)
	if (a.Op == AggLast || a.Op == AggFirst) && len(a.Terms) == 0 && a.Filter < 0 && m.trace == nil {
		// The last or first row of the window, with nothing to select: the
		// case below without its setup.
		m.ranAgg = true
		if lo == hi {
			return m.result(&m.stack[sp], pc, a, t, &reducer{op: a.Op, best: -1})
		}
		m.matched = true
		row := lo
		if a.Op == AggLast {
			row = hi - 1
		}
		d.load(&m.stack[sp], t, a.Attr, row)
		return true
	}
	empty, ok := m.compileTerms(pc, a, t)
	if !ok {
		return false
	}
	if empty {
		hi = lo
	}
	m.ranAgg = true
	var col *column
	if a.Attr >= 0 {
		col = &t.cols[a.Attr]
	}
	var tr *TraceAgg
	if m.trace != nil {
		m.trace.Aggregations = append(m.trace.Aggregations, TraceAgg{Span: a.Span, Op: a.Op, Kind: m.p.Kinds[a.Kind].Name, Text: "none"})
		tr = &m.trace.Aggregations[len(m.trace.Aggregations)-1]
	}
	rd := reducer{op: a.Op, col: col, best: -1}
	plain := len(m.terms) == 0 && a.Filter < 0
	switch {
	case a.Op == AggLast && tr == nil && a.Filter < 0:
		// Rows are in time order: the last match is the one nearest the end.
		// (Not with filter code, which may trap on a row before it, and must
		// then run on every row, as the reward reads them all.)
		for end := hi; end > lo; end -= chunkRows {
			base := max(lo, end-chunkRows)
			if plain {
				rd.best, rd.n = end-1, 1
				break
			}
			sel, ok := m.selectRows(pc, a, t, base, end, sp)
			if !ok {
				return false
			}
			if len(sel) > 0 {
				rd.best, rd.n = int(sel[len(sel)-1]), 1
				break
			}
			if m.steps++; !m.tick(pc) {
				return false
			}
		}
	case a.Op == AggFirst && tr == nil && a.Filter < 0:
		for base := lo; base < hi; base += chunkRows {
			end := min(base+chunkRows, hi)
			if plain {
				rd.best, rd.n = base, 1
				break
			}
			sel, ok := m.selectRows(pc, a, t, base, end, sp)
			if !ok {
				return false
			}
			if len(sel) > 0 {
				rd.best, rd.n = int(sel[0]), 1
				break
			}
			if m.steps++; !m.tick(pc) {
				return false
			}
		}
	default:
		for base := lo; base < hi; base += chunkRows {
			end := min(base+chunkRows, hi)
			if plain {
				rd.rangeOf(base, end)
				if tr != nil {
					tr.IDs = append(tr.IDs, t.id[base:end]...)
				}
			} else {
				sel, ok := m.selectRows(pc, a, t, base, end, sp)
				if !ok {
					return false
				}
				rd.chunk(sel)
				if tr != nil {
					for _, r := range sel {
						tr.IDs = append(tr.IDs, t.id[r])
					}
				}
			}
			if m.steps++; !m.tick(pc) {
				return false
			}
		}
	}
	if rd.n > 0 {
		m.matched = true
	}
	dst := &m.stack[sp]
	ok = m.result(dst, pc, a, t, &rd)
	if tr != nil {
		tr.Matched = int(rd.n)
		if ok {
			tr.Value, tr.Text = *dst, d.Format(*dst)
		}
	}
	return ok
}

// result sets *dst to the aggregation's value from the reducer's state.
func (m *Machine) result(dst *Value, pc int, a *Aggregation, t *table, rd *reducer) bool {
	d := m.d
	switch a.Op {
	case AggCount:
		dst.K, dst.Cur, dst.N, dst.I = KNumber, 0, num.FromInt(rd.n), 0
		return true
	case AggSum, AggAvg:
		if a.Op == AggAvg && rd.n == 0 {
			break
		}
		c := rd.col
		n := rd.sum()
		if a.Op == AggAvg {
			q, err := n.Div(num.FromInt(rd.n)) // n > 0
			if err != nil {
				m.trap(pc, ReasonDivisionByZero, "division by zero")
				return false
			}
			n = q
		}
		if !n.FitsInt64() && !m.sizeOK(pc, n) {
			return false
		}
		dst.K, dst.Cur, dst.N, dst.I = c.typ, 0, n, 0
		if c.typ == KMoney {
			dst.Cur = d.cur
		}
		return true
	default:
		if rd.best >= 0 {
			d.load(dst, t, a.Attr, rd.best)
			return true
		}
	}
	m.skip(pc, ReasonNoMatchingTransactions, m.p.noMatch[a.Kind])
	return false
}

// rows returns the rows of t, the table of kind k, inside the run's window.
func (m *Machine) rows(t *table, k int) (lo, hi int) {
	if m.all {
		return 0, len(t.time)
	}
	var rr *rowRange
	if m.win >= 0 {
		if rr = &m.wrows[m.win*len(m.p.Kinds)+k]; rr.ok {
			return rr.lo, rr.hi
		}
	}
	lo, _ = slices.BinarySearch(t.time, m.lo)
	hi, _ = slices.BinarySearch(t.time, m.hi)
	hi = max(lo, hi)
	if rr != nil {
		*rr = rowRange{ok: true, lo: lo, hi: hi}
	}
	return lo, hi
}

// unixNano returns t in Unix nanoseconds, clamped to the int64 range.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// compileTerms compiles the aggregation's terms into m.terms for this run,
// dropping those that match every row. empty reports that no row can match
// (and that none can reach a trapping term); ok is false after a trap.
func (m *Machine) compileTerms(pc int, a *Aggregation, t *table) (empty, ok bool) {
	p := m.p
	m.terms, m.ibuf, m.dbuf = m.terms[:0], m.ibuf[:0], m.dbuf[:0]
	trapping := false // a term so far may trap
	for _, term := range a.Terms {
		col := &t.cols[term.Col]
		// Compiled in place, at the end of m.terms: a cterm is large.
		m.terms = append(m.terms, cterm{cond: term.Cond, col: col})
		ct := &m.terms[len(m.terms)-1]
		if term.Cond == CondIn || term.Cond == CondNotIn {
			ct.not = term.Cond == CondNotIn
			m.compileList(ct, p.Lists[term.Const])
		} else {
			var v *Value
			if term.Local >= 0 {
				v = &m.locals[term.Local]
			} else {
				v = &p.Consts[term.Const]
			}
			if !compatible(col.typ, v.K) {
				m.trap(pc, ReasonInvalidOperand, "a "+v.K.String()+" compared with a "+col.typ.String()+" column")
				return false, false
			}
			if m.plainOperand(ct, v) {
				compileCmp(ct, v)
			} else if n, ok := m.operand(ct, v); ok {
				compileCmp(ct, &n)
			} else {
				ct.kind = termTrap
			}
		}
		switch {
		case ct.kind == termAll:
			m.terms = m.terms[:len(m.terms)-1]
			continue
		case ct.kind == termNone && !trapping:
			m.terms = m.terms[:len(m.terms)-1]
			return true, true
		}
		trapping = trapping || ct.trapping
	}
	return false, true
}

// plainOperand reports whether v is the value the column of ct is compared
// with, as it is (see [Machine.operand]).
func (m *Machine) plainOperand(ct *cterm, v *Value) bool {
	return v.K != KPerCurrency && (ct.col.typ != KMoney || v.Cur == 0 || v.Cur == m.d.cur)
}

// operand returns the value a column is compared with: v itself, or for a
// per-currency constant the entry of the player's currency. When there is
// none, or v is money in another currency than a money column's, it
// records the trap in ct and reports false.
func (m *Machine) operand(ct *cterm, v *Value) (Value, bool) {
	d := m.d
	switch {
	case v.K == KPerCurrency:
		n, ok := m.p.perCurrency(int32(v.I), d.cur)
		if !ok {
			ct.trapping, ct.reason, ct.detail = true, ReasonMissingCurrencyValue, "no value for "+curName(d.cur)+" in "+m.p.formatTable(int32(v.I))
			return Value{}, false
		}
		return Value{K: numKind(d.cur), Cur: d.cur, N: n}, true
	case ct.col.typ == KMoney && v.Cur != 0 && v.Cur != d.cur:
		ct.trapping, ct.reason, ct.detail = true, ReasonCurrencyMismatch, "currency mismatch: "+v.Cur.String()+" and "+d.cur.String()
		return Value{}, false
	}
	return *v, true
}

// compileCmp compiles column cond v.
func compileCmp(ct *cterm, v *Value) {
	col := ct.col
	switch {
	case !col.typ.numeric():
		ct.kind, ct.v = termInt, v.I
		if col.typ == KString && ct.cond > CondNe {
			ct.kind = termStr
		}
	case col.dec != nil:
		ct.kind, ct.dv = termDec, v.N
	default:
		if x, ok := v.N.Int64At(col.scale); ok {
			ct.kind, ct.v = termInt, x
			return
		}
		// v has more digits than the column: compare the integer
		// coefficients c with r = v × 10^scale, not an integer, as
		// c > r ⟺ c > ⌊r⌋, c <= r ⟺ c <= ⌊r⌋, c < r ⟺ c < ⌈r⌉, c >= r ⟺ c >= ⌈r⌉.
		var mode num.Mode
		switch ct.cond {
		case CondEq:
			ct.kind = termNone
			return
		case CondNe:
			ct.kind = termAll
			return
		case CondGt, CondLe:
			mode = num.Floor
		default:
			mode = num.Ceiling
		}
		if x, ok := v.N.Round(col.scale, mode).Int64At(col.scale); ok {
			ct.kind, ct.v = termInt, x
			return
		}
		ct.kind, ct.dv = termDec, v.N
	}
}

// compileList compiles column in list. An element that fails (see
// [Machine.operand]) ends the list, which then traps for the rows that
// match none of the elements before it, as comparing them in order would.
func (m *Machine) compileList(ct *cterm, list []Value) {
	col := ct.col
	ct.kind = termIntIn
	if col.dec != nil {
		ct.kind = termDecIn
	}
	ibuf, dbuf := len(m.ibuf), len(m.dbuf)
	for i := range list {
		e, ok := m.operand(ct, &list[i])
		if !ok {
			break
		}
		switch {
		case !col.typ.numeric():
			m.ibuf = append(m.ibuf, e.I)
		case col.dec != nil:
			m.dbuf = append(m.dbuf, e.N)
		default:
			// An element with more digits than the column equals no row.
			if x, ok := e.N.Int64At(col.scale); ok {
				m.ibuf = append(m.ibuf, x)
			}
		}
	}
	ct.list, ct.dlist = m.ibuf[ibuf:], m.dbuf[dbuf:]
	if len(ct.list) == 0 && len(ct.dlist) == 0 && !ct.trapping {
		ct.kind = termNone
		if ct.not {
			ct.kind = termAll
		}
	}
}

// selectRows returns the rows of [base, end) of t that pass the compiled
// terms and the aggregation's filter code, in m.sel; end-base <= chunkRows.
func (m *Machine) selectRows(pc int, a *Aggregation, t *table, base, end, sp int) ([]int32, bool) {
	sel := m.sel[:end-base]
	if len(m.terms) > 0 && m.terms[0].kind == termInt {
		ct := &m.terms[0]
		sel = scanInt(sel, ct.col.ints, base, end, ct.cond, ct.v)
	} else {
		for i := range sel {
			sel[i] = int32(base + i)
		}
	}
	for i := range m.terms {
		ct := &m.terms[i]
		switch {
		case i == 0 && ct.kind == termInt:
		case ct.kind == termInt:
			sel = refineInt(sel, ct.col.ints, ct.cond, ct.v)
		default:
			n := 0
			for _, r := range sel {
				pass, trap := ct.test(m.d, int(r))
				if trap {
					m.trap(pc, ct.reason, ct.detail)
					return nil, false
				}
				sel[n] = r
				n += int(b2i(pass))
			}
			sel = sel[:n]
		}
		if len(sel) == 0 {
			return sel, true
		}
	}
	if a.Filter >= 0 {
		n := 0
		for _, r := range sel {
			match, ok := m.exec(int(a.Filter), sp, t, int(r))
			if !ok {
				return nil, false
			}
			sel[n] = r
			n += int(b2i(match))
		}
		sel = sel[:n]
	}
	return sel, true
}

// test tests one row against a term (the slower kinds): whether it
// passes, or whether comparing it traps.
func (ct *cterm) test(d *Data, r int) (pass, trap bool) {
	switch ct.kind {
	case termInt:
		return ct.cond.holdsInt(ct.col.ints[r], ct.v), false
	case termIntIn:
		found := slices.Contains(ct.list, ct.col.ints[r])
		return found != ct.not, !found && ct.trapping
	case termDec:
		return ct.cond.holds(ct.col.decAt(r).Cmp(ct.dv)), false
	case termDecIn:
		x := ct.col.decAt(r)
		found := false
		for _, e := range ct.dlist {
			if x.Cmp(e) == 0 {
				found = true
				break
			}
		}
		return found != ct.not, !found && ct.trapping
	case termStr:
		return ct.cond.holds(strings.Compare(d.str(ct.col.ints[r]), d.str(ct.v))), false
	case termAll:
		return true, false
	case termTrap:
		return false, true
	}
	return false, false
}

// decAt returns the decimal of row r of a number column.
func (c *column) decAt(r int) num.Dec {
	if c.dec != nil {
		return c.dec[r]
	}
	return num.New(c.ints[r], c.scale)
}

// scanInt fills sel with the rows of [base, end) whose col value holds cond
// against v. The loops write every row and advance only past matches, so
// they have no unpredictable branches.
func scanInt(sel []int32, col []int64, base, end int, cond Cond, v int64) []int32 {
	col = col[base:end]
	sel = sel[:len(col)]
	n := 0
	switch cond {
	case CondEq:
		for i, x := range col {
			sel[n] = int32(base + i)
			n += int(b2i(x == v))
		}
	case CondNe:
		for i, x := range col {
			sel[n] = int32(base + i)
			n += int(b2i(x != v))
		}
	case CondLt:
		for i, x := range col {
			sel[n] = int32(base + i)
			n += int(b2i(x < v))
		}
	case CondLe:
		for i, x := range col {
			sel[n] = int32(base + i)
			n += int(b2i(x <= v))
		}
	case CondGt:
		for i, x := range col {
			sel[n] = int32(base + i)
			n += int(b2i(x > v))
		}
	case CondGe:
		for i, x := range col {
			sel[n] = int32(base + i)
			n += int(b2i(x >= v))
		}
	}
	return sel[:n]
}

// refineInt keeps the rows of sel whose col value holds cond against v.
func refineInt(sel []int32, col []int64, cond Cond, v int64) []int32 {
	n := 0
	switch cond {
	case CondEq:
		for _, r := range sel {
			sel[n] = r
			n += int(b2i(col[r] == v))
		}
	case CondNe:
		for _, r := range sel {
			sel[n] = r
			n += int(b2i(col[r] != v))
		}
	case CondLt:
		for _, r := range sel {
			sel[n] = r
			n += int(b2i(col[r] < v))
		}
	case CondLe:
		for _, r := range sel {
			sel[n] = r
			n += int(b2i(col[r] <= v))
		}
	case CondGt:
		for _, r := range sel {
			sel[n] = r
			n += int(b2i(col[r] > v))
		}
	case CondGe:
		for _, r := range sel {
			sel[n] = r
			n += int(b2i(col[r] >= v))
		}
	}
	return sel[:n]
}

// reducer folds the selected rows of one aggregation.
type reducer struct {
	op   AggOp
	col  *column // nil for count(kind)
	n    int64   // rows folded
	acc  acc128  // sum of an int column, exact
	dsum num.Dec // sum of a decimal column
	best int     // min, max, first, last: the row; -1 none
}

// chunk folds the rows of sel.
func (rd *reducer) chunk(sel []int32) {
	if len(sel) == 0 {
		return
	}
	rd.n += int64(len(sel))
	c := rd.col
	switch rd.op {
	case AggSum, AggAvg:
		if c.dec != nil {
			for _, r := range sel {
				rd.dsum = rd.dsum.Add(c.dec[r])
			}
			return
		}
		ints := c.ints
		for _, r := range sel {
			rd.acc.add(ints[r])
		}
	case AggMin, AggMax:
		for _, r := range sel {
			rd.consider(int(r))
		}
	case AggFirst:
		if rd.best < 0 {
			rd.best = int(sel[0])
		}
	case AggLast:
		rd.best = int(sel[len(sel)-1])
	}
}

// rangeOf folds every row of [lo, hi), lo < hi.
func (rd *reducer) rangeOf(lo, hi int) {
	rd.n += int64(hi - lo)
	c := rd.col
	switch rd.op {
	case AggSum, AggAvg:
		if c.dec != nil {
			for _, x := range c.dec[lo:hi] {
				rd.dsum = rd.dsum.Add(x)
			}
			return
		}
		for _, x := range c.ints[lo:hi] {
			rd.acc.add(x)
		}
	case AggMin, AggMax:
		for r := lo; r < hi; r++ {
			rd.consider(r)
		}
	case AggFirst:
		if rd.best < 0 {
			rd.best = lo
		}
	case AggLast:
		rd.best = hi - 1
	}
}

// consider makes row r the best when it is smaller (min) or larger (max)
// than the best so far; ties keep the earlier row.
func (rd *reducer) consider(r int) {
	if rd.best < 0 {
		rd.best = r
		return
	}
	c := rd.col
	var cmp int
	if c.dec != nil {
		cmp = c.dec[r].Cmp(c.dec[rd.best])
	} else {
		x, y := c.ints[r], c.ints[rd.best]
		cmp = int(b2i(x > y) - b2i(x < y))
	}
	if cmp < 0 && rd.op == AggMin || cmp > 0 && rd.op == AggMax {
		rd.best = r
	}
}

// sum returns the folded sum, at the column's scale.
func (rd *reducer) sum() num.Dec {
	if rd.col.dec != nil {
		return rd.dsum
	}
	return rd.acc.dec(rd.col.scale)
}

// acc128 is a signed 128-bit accumulator: adding int64s to it never
// overflows (for fewer than 2^64 of them), so sums of int columns need no
// overflow branch and no fallback pass.
type acc128 struct {
	lo uint64
	hi int64
}

func (a *acc128) add(x int64) {
	var c uint64
	a.lo, c = bits.Add64(a.lo, uint64(x), 0)
	a.hi += x>>63 + int64(c)
}

// dec returns the sum as a decimal with the given scale.
func (a acc128) dec(scale int32) num.Dec {
	if a.hi == int64(a.lo)>>63 { // fits an int64
		return num.New(int64(a.lo), scale)
	}
	b := new(big.Int).SetInt64(a.hi)
	b.Lsh(b, 64)
	b.Add(b, new(big.Int).SetUint64(a.lo))
	return num.FromDecimal(decimal.NewFromBigInt(b, -scale))
}
