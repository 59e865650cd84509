package vm

import (
	"math"
	"slices"
	"strings"

	"github.com/promoc/promoc/vm/num"
)

// A where clause's simple terms are compiled once per run against the
// columns of the player's data ([Machine.compileTerms]), arranged
// ([Machine.arrange]), then applied chunk by chunk as typed loops that
// narrow a selection vector of row numbers. Integer columns (interned
// strings, bools, times, durations, numbers at a common scale) have
// branch-free loops for a comparison (termInt), a range (termRange: two
// bounds on one column) and membership (termSet: in and not in, as a bitmap
// or a sorted set); decimals and the text order of strings test row by row.

// termKind says how a compiled term tests a row.
type termKind uint8

const (
	termInt   termKind = iota // col.ints[row] cond v
	termRange                 // v <= col.ints[row] <= hi
	termSet                   // col.ints[row] in set (not: not in)
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
	hi    int64 // termRange: the upper bound, inclusive
	dv    num.Dec
	set   intSet
	dlist []num.Dec
	// extra is the steps of one row's test beyond the first, for strings
	// compared by their text.
	extra int64
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

// intSet is a set of int64s for membership tests in a loop: a bitmap over
// [lo, lo+span) when the elements lie close together (the interned ids of a
// list's strings are consecutive, and so are small counts), a sorted list
// otherwise. A set tested against a string column may have a table as
// well, which the loops prefer (see [Machine.tableSet]).
type intSet struct {
	lo   int64
	span uint64   // the bitmap's bits: bits has span+1 of them, the last clear; 0 with a list
	bits []uint64 // nil for a list
	list []int64  // sorted, without repeats
	// tab[x] is 1 when x is in the set, 0 when not, for every x in
	// [0, len(tab)); nil when there is none. Interned string ids lie in
	// [0, number of strings of the program and the data), which a table
	// covers whole: a row's test is then one load, with no range check
	// (an id beyond it, which a string column never holds, is tested by
	// has).
	tab []uint8
}

// maxSetBits bounds a bitmap: 64 words, cleared and filled once per run.
const maxSetBits = 4096

// A set over a string column gets a table (intSet.tab) when the program
// and the data have at most minSetTable strings, or at most as many as the
// aggregation has rows, within maxSetTable: clearing the table then costs
// less than a pass over the rows.
const (
	minSetTable = 1024
	maxSetTable = 1 << 16
)

// linearSet is the size up to which a sorted set is searched linearly.
const linearSet = 8

// bit returns bit k of bits when k < span, else 0, without a branch that
// depends on k: rows in and out of the range alternate unpredictably (the
// ids of strings that only the data has lie beyond it).
func (*intSet) bit(bits []uint64, k, span uint64) uint64 {
	in := uint64(b2i(k < span))
	k *= in
	return bits[k>>6] >> (k & 63) & in
}

func (s *intSet) has(x int64) bool {
	if s.bits != nil {
		return s.bit(s.bits, uint64(x-s.lo), s.span) != 0
	}
	if len(s.list) <= linearSet {
		found := false
		for _, e := range s.list {
			found = found || e == x
		}
		return found
	}
	_, found := slices.BinarySearch(s.list, x)
	return found
}

// compileTerms compiles the aggregation's terms into m.terms for this run,
// dropping those that match every row, then arranges them. empty reports
// that no row can match (and that none can reach a trapping term); ok is
// false after a trap.
// rows is the number of rows in the aggregation's window.
func (m *Machine) compileTerms(pc int, a *Aggregation, t *table, rows int) (empty, ok bool) {
	p := m.p
	m.terms, m.ibuf, m.dbuf, m.bits, m.tab = m.terms[:0], m.ibuf[:0], m.dbuf[:0], m.bits[:0], m.tab[:0]
	m.rowsIn = rows
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
			switch {
			case term.Prop:
				v = &m.d.props[term.Const]
			case term.Local >= 0:
				v = &m.locals[term.Local]
			default:
				v = &p.Consts[term.Const]
			}
			switch {
			case term.Prop && !m.d.hasProp[term.Const]:
				ct.kind, ct.trapping = termTrap, true
				ct.reason, ct.detail = ReasonMissingProperty, "player property "+p.Props[term.Const].Name+" is missing"
			case !compatible(col.typ, v.K):
				m.trap(pc, ReasonInvalidOperand, "a "+v.K.String()+" compared with a "+col.typ.String()+" column")
				return false, false
			case m.plainOperand(ct, v):
				m.compileCmp(ct, v)
			default:
				if n, ok := m.operand(ct, v); ok {
					m.compileCmp(ct, &n)
				} else {
					ct.kind = termTrap
				}
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
	m.arrange()
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
		ct.trapping, ct.reason, ct.detail = true, ReasonCurrencyMismatch, m.mismatch(v.Cur, d.cur)
		return Value{}, false
	}
	return *v, true
}

// compileCmp compiles column cond v.
func (m *Machine) compileCmp(ct *cterm, v *Value) {
	col := ct.col
	switch {
	case !col.typ.numeric():
		ct.kind, ct.v = termInt, v.I
		if col.typ == KString && ct.cond > CondNe {
			ct.kind = termStr
			ct.extra = int64(len(m.d.str(v.I)) / stringStepBytes)
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
// Which element of the list matches does not change the outcome, so the
// elements that come before the failing one form a set.
func (m *Machine) compileList(ct *cterm, list []Value) {
	col := ct.col
	ibuf, dbuf := len(m.ibuf), len(m.dbuf)
	m.steps += int64(len(list)) // converting and sorting the elements
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
	if col.dec != nil {
		ct.kind, ct.dlist = termDecIn, m.dbuf[dbuf:]
		if len(ct.dlist) == 0 && !ct.trapping {
			ct.kind = termNone
			if ct.not {
				ct.kind = termAll
			}
		}
		return
	}
	elems := m.ibuf[ibuf:]
	slices.Sort(elems)
	elems = slices.Compact(elems)
	switch {
	case len(elems) == 0 && !ct.trapping:
		ct.kind = termNone
		if ct.not {
			ct.kind = termAll
		}
	case len(elems) == 1 && !ct.trapping:
		// in [x] is == x, not in [x] is != x.
		ct.kind, ct.cond, ct.v = termInt, CondEq, elems[0]
		if ct.not {
			ct.cond = CondNe
		}
	default:
		ct.kind = termSet
		m.compileSet(&ct.set, elems)
		if !ct.trapping {
			m.tableSet(&ct.set, col)
		}
	}
}

// tableSet gives s, a set tested against column col, a table in m.tab
// when col holds interned strings and the program and the data have few
// enough of them (see minSetTable).
func (m *Machine) tableSet(s *intSet, col *column) {
	if col.typ != KString {
		return
	}
	n := len(m.d.prog.Strings) + len(m.d.strs)
	if n > max(minSetTable, m.rowsIn) || n > maxSetTable {
		return
	}
	for _, x := range s.list {
		if x < 0 || x >= int64(n) {
			return // not an interned string: no table
		}
	}
	start := len(m.tab)
	m.tab = slices.Grow(m.tab, n)[:start+n]
	tab := m.tab[start:]
	clear(tab)
	for _, x := range s.list {
		tab[x] = 1
	}
	// Later terms may grow m.tab into a new array; this slice keeps the old one.
	s.tab = tab
}

// compileSet makes s the set of elems, sorted and without repeats: a bitmap
// in m.bits when they span at most maxSetBits values.
func (m *Machine) compileSet(s *intSet, elems []int64) {
	*s = intSet{list: elems}
	if len(elems) < 2 {
		return
	}
	lo := elems[0]
	span := uint64(elems[len(elems)-1]-lo) + 1 // modulo 2^64: exact, as the elements are sorted
	if span > maxSetBits || span == 0 {
		return
	}
	words := int(span>>6) + 1
	start := len(m.bits)
	m.bits = slices.Grow(m.bits, words)[:start+words]
	bits := m.bits[start:]
	clear(bits)
	for _, x := range elems {
		k := uint64(x - lo)
		bits[k>>6] |= 1 << (k & 63)
	}
	// Later terms may grow m.bits into a new array; this slice keeps the old one.
	s.lo, s.span, s.bits = lo, span, bits
}

// arrange orders the compiled terms cheapest and most selective first, and
// merges a lower and an upper bound on one column into one range.
//
// Terms that cannot trap are pure: every order of them selects the same
// rows. A term that may trap is a barrier: it must see exactly the rows that
// the terms written before it pass, no more (a row that an earlier term
// rejects must not trap) and no fewer (a row that reaches it must trap even
// when a later term would reject it). So terms are reordered and merged
// only within the runs of terms that cannot trap, and the trapping terms
// keep their places between them; the filter code of the rest of the where
// clause always runs last. Then a rule reports the error it would report
// evaluated term by term in source order, and matches the same rows.
func (m *Machine) arrange() {
	ts := m.terms
	out := 0
	for i := 0; i < len(ts); {
		if ts[i].trapping {
			ts[out] = ts[i]
			out, i = out+1, i+1
			continue
		}
		j := i
		for j < len(ts) && !ts[j].trapping {
			j++
		}
		run := ts[i:j]
		run = run[:mergeRanges(run)]
		run = run[:m.mergeNe(run)]
		// Insertion sort, stable: a run has a handful of terms.
		for a := 1; a < len(run); a++ {
			for b := a; b > 0 && run[b].cost() < run[b-1].cost(); b-- {
				run[b], run[b-1] = run[b-1], run[b]
			}
		}
		out += copy(ts[out:], run)
		i = j
	}
	m.terms = ts[:out]
}

// mergeRanges turns each pair of a lower and an upper bound on one column in
// run (terms that cannot trap) into one termRange, and returns the length
// of run after moving the terms that are left to its front.
func mergeRanges(run []cterm) int {
	n := len(run)
	for i := 0; i < n; i++ {
		lo := &run[i]
		if lo.kind != termInt || lo.cond != CondGt && lo.cond != CondGe {
			continue
		}
		for j := 0; j < n; j++ {
			hi := &run[j]
			if hi.kind != termInt || hi.col != lo.col || hi.cond != CondLt && hi.cond != CondLe {
				continue
			}
			a, b := lo.v, hi.v
			none := false
			if lo.cond == CondGt {
				none = a == math.MaxInt64
				a++
			}
			if hi.cond == CondLt {
				none = none || b == math.MinInt64
				b--
			}
			if none || a > b {
				lo.kind = termNone
			} else {
				lo.kind, lo.v, lo.hi = termRange, a, b
			}
			copy(run[j:], run[j+1:n])
			n--
			if j < i {
				i--
			}
			break
		}
	}
	return n
}

// mergeNe turns the != terms on one column in run (terms that cannot
// trap), `provider != "Evo" and provider != "NetEnt"`, into one not in
// set, and returns the length of run after moving the terms that are left
// to its front.
func (m *Machine) mergeNe(run []cterm) int {
	n := len(run)
	for i := 0; i < n; i++ {
		first := &run[i]
		if first.kind != termInt || first.cond != CondNe {
			continue
		}
		start := len(m.ibuf)
		m.ibuf = append(m.ibuf, first.v)
		for j := i + 1; j < n; {
			if o := &run[j]; o.kind == termInt && o.cond == CondNe && o.col == first.col {
				m.ibuf = append(m.ibuf, o.v)
				copy(run[j:], run[j+1:n])
				n--
				continue
			}
			j++
		}
		elems := m.ibuf[start:]
		if len(elems) == 1 {
			m.ibuf = m.ibuf[:start]
			continue
		}
		slices.Sort(elems)
		elems = slices.Compact(elems)
		first.kind, first.not = termSet, true
		m.compileSet(&first.set, elems)
		m.tableSet(&first.set, first.col)
	}
	return n
}

// cost ranks a term for [Machine.arrange]: lower runs first. Equality and
// membership in a small set come first, being cheap and usually
// selective; inequalities last among the integer loops, as they pass most
// rows; then the terms tested row by row.
func (ct *cterm) cost() int {
	switch ct.kind {
	case termNone:
		return 0
	case termInt:
		switch ct.cond {
		case CondEq:
			return 1
		case CondNe:
			return 5
		}
		return 3
	case termRange:
		return 2
	case termSet:
		c := 2
		if ct.set.bits == nil {
			c = 4
		}
		if ct.not {
			c += 3
		}
		return c
	case termDec, termDecIn:
		return 8
	}
	return 9
}

// typed reports whether the term runs as a typed loop over an int column.
func (ct *cterm) typed() bool {
	return !ct.trapping && (ct.kind == termInt || ct.kind == termRange || ct.kind == termSet)
}

// passSteps returns the steps of a pass of a typed term over n rows.
func (ct *cterm) passSteps(n int) int64 {
	if ct.kind == termSet && ct.set.bits == nil && len(ct.set.list) > linearSet {
		return searchSteps(n)
	}
	return passSteps(n)
}

// scan fills sel with the rows of [base, end) that pass a typed term.
func (ct *cterm) scan(sel []int32, base, end int) []int32 {
	switch ct.kind {
	case termRange:
		return scanRange(sel, ct.col.ints, base, end, ct.v, ct.hi)
	case termSet:
		return scanSet(sel, ct.col.ints, base, end, &ct.set, ct.not)
	}
	return scanInt(sel, ct.col.ints, base, end, ct.cond, ct.v)
}

// refine keeps the rows of sel that pass a typed term.
func (ct *cterm) refine(sel []int32) []int32 {
	switch ct.kind {
	case termRange:
		return refineRange(sel, ct.col.ints, ct.v, ct.hi)
	case termSet:
		return refineSet(sel, ct.col.ints, &ct.set, ct.not)
	}
	return refineInt(sel, ct.col.ints, ct.cond, ct.v)
}

// test tests one row against a term (the kinds tested row by row): whether
// it passes, or whether comparing it traps.
func (ct *cterm) test(d *Data, r int) (pass, trap bool) {
	switch ct.kind {
	case termInt:
		return ct.cond.holdsInt(ct.col.ints[r], ct.v), false
	case termRange:
		return uint64(ct.col.ints[r]-ct.v) <= uint64(ct.hi-ct.v), false
	case termSet:
		found := ct.set.has(ct.col.ints[r])
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

// rowSteps returns the steps of testing row r against a term tested row by
// row (see [Options.MaxSteps]).
func (ct *cterm) rowSteps(r int) int64 {
	switch ct.kind {
	case termDec:
		return 1 + pairSteps(ct.col.decAt(r), ct.dv)
	case termDecIn:
		x := ct.col.decAt(r)
		steps := int64(1)
		for _, e := range ct.dlist {
			steps += 1 + pairSteps(x, e)
		}
		return steps
	}
	return 1 + ct.extra
}

// decAt returns the decimal of row r of a number column.
func (c *column) decAt(r int) num.Dec {
	if c.dec != nil {
		return c.dec[r]
	}
	return num.New(c.ints[r], c.scale)
}

// The loops below write every row and advance only past matches, so they
// have no unpredictable branches.

// scanInt fills sel with the rows of [base, end) whose col value holds cond
// against v.
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

// scanRange fills sel with the rows of [base, end) whose col value lies in
// [lo, hi], lo <= hi: x - lo, wrapped to uint64, is at most hi - lo exactly
// for those.
func scanRange(sel []int32, col []int64, base, end int, lo, hi int64) []int32 {
	col = col[base:end]
	sel = sel[:len(col)]
	w := uint64(hi - lo)
	n := 0
	for i, x := range col {
		sel[n] = int32(base + i)
		n += int(b2i(uint64(x-lo) <= w))
	}
	return sel[:n]
}

// refineRange keeps the rows of sel whose col value lies in [lo, hi].
func refineRange(sel []int32, col []int64, lo, hi int64) []int32 {
	w := uint64(hi - lo)
	n := 0
	for _, r := range sel {
		sel[n] = r
		n += int(b2i(uint64(col[r]-lo) <= w))
	}
	return sel[:n]
}

// scanSet fills sel with the rows of [base, end) whose col value is in s
// (not: is not).
func scanSet(sel []int32, col []int64, base, end int, s *intSet, not bool) []int32 {
	col = col[base:end]
	sel = sel[:len(col)]
	n := 0
	if tab := s.tab; tab != nil {
		flip := uint8(b2i(not))
		for i, x := range col {
			sel[n] = int32(base + i)
			if uint64(x) < uint64(len(tab)) {
				n += int(tab[x] ^ flip)
			} else {
				n += int(b2i(s.has(x) != not))
			}
		}
		return sel[:n]
	}
	if bits := s.bits; len(bits) == 1 {
		// A list of up to 64 neighbouring values, such as a few strings:
		// the bitmap is one word, kept in a register.
		lo, span, flip, word := s.lo, s.span, uint64(b2i(not)), bits[0]
		for i, x := range col {
			k := uint64(x - lo)
			sel[n] = int32(base + i)
			n += int(word>>(k&63)&uint64(b2i(k < span)) ^ flip)
		}
		return sel[:n]
	} else if bits != nil {
		lo, span, flip := s.lo, s.span, uint64(b2i(not))
		for i, x := range col {
			sel[n] = int32(base + i)
			n += int(s.bit(bits, uint64(x-lo), span) ^ flip)
		}
		return sel[:n]
	}
	for i, x := range col {
		sel[n] = int32(base + i)
		n += int(b2i(s.has(x) != not))
	}
	return sel[:n]
}

// refineSet keeps the rows of sel whose col value is in s (not: is not).
func refineSet(sel []int32, col []int64, s *intSet, not bool) []int32 {
	n := 0
	if tab := s.tab; tab != nil {
		flip := uint8(b2i(not))
		for _, r := range sel {
			x := col[r]
			sel[n] = r
			if uint64(x) < uint64(len(tab)) {
				n += int(tab[x] ^ flip)
			} else {
				n += int(b2i(s.has(x) != not))
			}
		}
		return sel[:n]
	}
	if bits := s.bits; len(bits) == 1 {
		lo, span, flip, word := s.lo, s.span, uint64(b2i(not)), bits[0]
		for _, r := range sel {
			k := uint64(col[r] - lo)
			sel[n] = r
			n += int(word>>(k&63)&uint64(b2i(k < span)) ^ flip)
		}
		return sel[:n]
	} else if bits != nil {
		lo, span, flip := s.lo, s.span, uint64(b2i(not))
		for _, r := range sel {
			sel[n] = r
			n += int(s.bit(bits, uint64(col[r]-lo), span) ^ flip)
		}
		return sel[:n]
	}
	for _, r := range sel {
		sel[n] = r
		n += int(b2i(s.has(col[r]) != not))
	}
	return sel[:n]
}
