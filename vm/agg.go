package vm

import (
	"math"
	"math/big"
	"math/bits"
	"slices"
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
	empty, ok := m.compileTerms(pc, a, t, hi-lo)
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
			if !m.tick(pc) {
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
			if !m.tick(pc) {
				return false
			}
		}
	default:
		for base := lo; base < hi; base += chunkRows {
			end := min(base+chunkRows, hi)
			if plain {
				m.steps += rd.rangeOf(base, end)
				if tr != nil {
					tr.IDs = append(tr.IDs, t.id[base:end]...)
				}
			} else {
				sel, ok := m.selectRows(pc, a, t, base, end, sp)
				if !ok {
					return false
				}
				m.steps += rd.chunk(sel)
				if tr != nil {
					for _, r := range sel {
						tr.IDs = append(tr.IDs, t.id[r])
					}
				}
			}
			if !m.tick(pc) {
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

// selectRows returns the rows of [base, end) of t that pass the compiled
// terms and the aggregation's filter code, in m.sel; end-base <= chunkRows.
// It counts the steps of the work (see [Options.MaxSteps]): filter code
// counts its own.
func (m *Machine) selectRows(pc int, a *Aggregation, t *table, base, end, sp int) ([]int32, bool) {
	sel := m.sel[:end-base]
	first := 0
	if len(m.terms) > 0 && m.terms[0].typed() {
		sel = m.terms[0].scan(sel, base, end)
		m.steps += m.terms[0].passSteps(end - base)
		first = 1
	} else {
		for i := range sel {
			sel[i] = int32(base + i)
		}
	}
	for i := first; i < len(m.terms); i++ {
		if len(sel) == 0 {
			return sel, true
		}
		ct := &m.terms[i]
		if ct.typed() {
			m.steps += ct.passSteps(len(sel))
			sel = ct.refine(sel)
			continue
		}
		n := 0
		for _, r := range sel {
			m.steps += ct.rowSteps(int(r))
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
	if a.Filter >= 0 && len(sel) > 0 {
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

// reducer folds the selected rows of one aggregation.
type reducer struct {
	op   AggOp
	col  *column // nil for count(kind)
	n    int64   // rows folded
	acc  acc128  // sum of an int column, exact
	dsum num.Dec // sum of a decimal column
	best int     // min, max, first, last: the row; -1 none
}

// chunk folds the rows of sel and returns the steps it took.
func (rd *reducer) chunk(sel []int32) int64 {
	if len(sel) == 0 {
		return 0
	}
	rd.n += int64(len(sel))
	c := rd.col
	switch rd.op {
	case AggSum, AggAvg:
		if c.dec != nil {
			steps := int64(0)
			for _, r := range sel {
				steps += 1 + pairSteps(rd.dsum, c.dec[r])
				rd.dsum = rd.dsum.Add(c.dec[r])
			}
			return steps
		}
		ints := c.ints
		var lo, hi int64
		for _, r := range sel {
			x := ints[r]
			lo += int64(uint32(x))
			hi += x >> 32
		}
		rd.acc.addParts(lo, hi)
	case AggMin, AggMax:
		if c.dec != nil {
			steps := int64(0)
			for _, r := range sel {
				steps += 1 + rd.considerSteps(int(r))
				rd.consider(int(r))
			}
			return steps
		}
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
	return passSteps(len(sel))
}

// rangeOf folds every row of [lo, hi), lo < hi, and returns the steps it
// took.
func (rd *reducer) rangeOf(lo, hi int) int64 {
	rd.n += int64(hi - lo)
	c := rd.col
	switch rd.op {
	case AggSum, AggAvg:
		if c.dec != nil {
			steps := int64(0)
			for _, x := range c.dec[lo:hi] {
				steps += 1 + pairSteps(rd.dsum, x)
				rd.dsum = rd.dsum.Add(x)
			}
			return steps
		}
		var sl, sh int64
		for _, x := range c.ints[lo:hi] {
			sl += int64(uint32(x))
			sh += x >> 32
		}
		rd.acc.addParts(sl, sh)
	case AggMin, AggMax:
		steps := passSteps(hi - lo)
		for r := lo; r < hi; r++ {
			if c.dec != nil {
				steps += 1 + rd.considerSteps(r)
			}
			rd.consider(r)
		}
		return steps
	case AggFirst:
		if rd.best < 0 {
			rd.best = lo
		}
	case AggLast:
		rd.best = hi - 1
	}
	return passSteps(hi - lo)
}

// considerSteps returns the extra steps of considering row r of a decimal
// column.
func (rd *reducer) considerSteps(r int) int64 {
	if rd.best < 0 {
		return 0
	}
	return pairSteps(rd.col.dec[r], rd.col.dec[rd.best])
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

// addParts adds lo + hi×2^32: the sums of the low 32 bits (unsigned) and
// of the high 32 bits (signed) of up to chunkRows int64s, which cannot
// overflow an int64 (2^11 × 2^32 and 2^11 × 2^31). Two independent sums
// in registers are cheaper per row than add's carry into memory.
func (a *acc128) addParts(lo, hi int64) {
	var c uint64
	// hi×2^32 as 128 bits: the high word hi>>32, the low word hi<<32.
	a.lo, c = bits.Add64(a.lo, uint64(hi)<<32, 0)
	a.hi += hi>>32 + int64(c)
	a.add(lo)
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
