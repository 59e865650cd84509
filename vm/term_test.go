package vm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTermLoops checks every typed loop (scan and refine, for comparisons,
// ranges and sets of each representation) against a plain evaluation of
// its condition, row by row, on random columns with extreme values.
func TestTermLoops(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	extremes := []int64{math.MinInt64, math.MinInt64 + 1, -1, 0, 1, math.MaxInt64 - 1, math.MaxInt64}
	randomColumn := func(n int, spread int64) []int64 {
		col := make([]int64, n)
		for i := range col {
			if rng.IntN(8) == 0 {
				col[i] = extremes[rng.IntN(len(extremes))]
			} else {
				col[i] = rng.Int64N(spread) - spread/2
			}
		}
		return col
	}
	type tc struct {
		name string
		ct   cterm
		want func(x int64) bool
	}
	var cases []tc
	for _, v := range []int64{math.MinInt64, -3, 0, 5, math.MaxInt64} {
		for c := CondEq; c <= CondGe; c++ {
			cases = append(cases, tc{fmt.Sprintf("%v %d", c, v), cterm{kind: termInt, cond: c, v: v}, func(x int64) bool { return c.holdsInt(x, v) }})
		}
	}
	for _, r := range [][2]int64{{-3, 3}, {0, 0}, {math.MinInt64, 0}, {0, math.MaxInt64}, {math.MinInt64, math.MaxInt64}, {-100, 40}} {
		lo, hi := r[0], r[1]
		cases = append(cases, tc{fmt.Sprintf("range [%d, %d]", lo, hi), cterm{kind: termRange, v: lo, hi: hi}, func(x int64) bool { return lo <= x && x <= hi }})
	}
	for _, elems := range [][]int64{
		{1, 2, 3},                                                // bitmap
		{-5, 0, 7, 63, 64, 65, 127, 128},                         // bitmap over word boundaries
		{0, maxSetBits - 1},                                      // the widest bitmap
		{0, maxSetBits},                                          // just too wide: a linear list
		{math.MinInt64, 0, math.MaxInt64},                        // extremes: a linear list
		{math.MaxInt64 - 2, math.MaxInt64},                       // a bitmap at the top
		{math.MinInt64, math.MinInt64 + 3},                       // and at the bottom
		{-900, -400, 1, 2, 3, 500, 5000, 9e9},                    // a linear list of 8
		{-9e9, -900, -400, 1, 2, 3, 500, 5000, 9e9, 9e12, 77777}, // binary search
	} {
		for _, not := range []bool{false, true} {
			ct := cterm{kind: termSet, not: not}
			list := slices.Clone(elems)
			slices.Sort(list)
			NewMachine().compileSet(&ct.set, list) // a bitmap of its own

			in := func(x int64) bool { return slices.Contains(elems, x) != not }
			cases = append(cases, tc{fmt.Sprintf("set %v not %v (bitmap %v)", elems, not, ct.set.bits != nil), ct, in})
		}
	}
	// Sets with a table (as over interned strings): values beyond the
	// table, which a string column never holds, are tested by the set.
	for _, elems := range [][]int64{{1, 2, 3}, {0, 5, 11}, {0}} {
		for _, not := range []bool{false, true} {
			ct := cterm{kind: termSet, not: not}
			list := slices.Clone(elems)
			NewMachine().compileSet(&ct.set, list)
			ct.set.tab = make([]uint8, 12)
			for _, x := range elems {
				ct.set.tab[x] = 1
			}
			in := func(x int64) bool { return slices.Contains(elems, x) != not }
			cases = append(cases, tc{fmt.Sprintf("set %v not %v (table)", elems, not), ct, in})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, spread := range []int64{16, 1 << 20} {
				col := randomColumn(3000, spread)
				ct := c.ct
				ct.col = &column{typ: KNumber, ints: col}
				// scan over [base, end)
				base, end := 100, 100+chunkRows
				sel := ct.scan(make([]int32, chunkRows), base, end)
				var want []int32
				for r := base; r < end; r++ {
					if c.want(col[r]) {
						want = append(want, int32(r))
					}
					pass, _ := ct.test(nil, r)
					require.Equal(t, c.want(col[r]), pass, "test(%d)", col[r])
				}
				assert.Equal(t, want, nonNil(sel), "scan")
				// refine a random selection
				var in, wantR []int32
				for r := range col {
					if rng.IntN(3) == 0 {
						in = append(in, int32(r))
						if c.want(col[r]) {
							wantR = append(wantR, int32(r))
						}
					}
				}
				assert.Equal(t, wantR, nonNil(ct.refine(in)), "refine")
			}
		})
	}
}

// sameOrder writes the currencies of a mismatch in one order: terms name
// the constant's first, instructions their left operand's.
func sameOrder(s string) string {
	const mismatch = "currency mismatch: "
	i := strings.Index(s, mismatch)
	if i < 0 {
		return s
	}
	x, y, _ := strings.Cut(s[i+len(mismatch):], " and ")
	if x > y {
		x, y = y, x
	}
	return s[:i] + mismatch + x + " and " + y
}

func nonNil(s []int32) []int32 {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestArrange checks the order and the merging of terms: within a run of
// terms that cannot trap, cheapest first and bounds merged; a trapping term
// keeps its place.
func TestArrange(t *testing.T) {
	colA, colB := &column{typ: KNumber}, &column{typ: KNumber}
	name := func(ct cterm) string {
		col := "a"
		if ct.col == colB {
			col = "b"
		}
		switch ct.kind {
		case termInt:
			return fmt.Sprintf("%s %v %d", col, ct.cond, ct.v)
		case termRange:
			return fmt.Sprintf("%s in [%d, %d]", col, ct.v, ct.hi)
		case termSet:
			return fmt.Sprintf("%s set not=%v", col, ct.not)
		case termNone:
			return "none"
		case termTrap:
			return "trap"
		}
		return fmt.Sprint(ct.kind)
	}
	intT := func(col *column, c Cond, v int64) cterm { return cterm{kind: termInt, cond: c, v: v, col: col} }
	tests := []struct {
		name  string
		terms []cterm
		want  string
	}{
		{"equality first", []cterm{intT(colA, CondNe, 1), intT(colB, CondEq, 2)}, "b eq 2; a ne 1"},
		{"a range", []cterm{intT(colA, CondGe, 10), intT(colB, CondEq, 2), intT(colA, CondLt, 100)}, "b eq 2; a in [10, 99]"},
		{"an upper bound first", []cterm{intT(colA, CondLe, 100), intT(colA, CondGt, 10)}, "a in [11, 100]"},
		{"an empty range", []cterm{intT(colA, CondGt, 10), intT(colA, CondLt, 11)}, "none"},
		{"bounds at the extremes", []cterm{intT(colA, CondGt, math.MaxInt64), intT(colA, CondLe, 5)}, "none"},
		{"bounds on two columns", []cterm{intT(colA, CondGt, 1), intT(colB, CondLt, 5)}, "a gt 1; b lt 5"},
		{"two lower bounds, one upper", []cterm{intT(colA, CondGt, 1), intT(colA, CondGt, 3), intT(colA, CondLt, 5)}, "a in [2, 4]; a gt 3"},
		{"not in after in", []cterm{{kind: termSet, not: true, col: colA, set: intSet{bits: []uint64{1}}}, {kind: termSet, col: colB, set: intSet{bits: []uint64{1}}}}, "b set not=false; a set not=true"},
		{"a trap is a barrier", []cterm{intT(colA, CondNe, 1), {kind: termTrap, trapping: true}, intT(colB, CondNe, 3), intT(colB, CondEq, 2)}, "a ne 1; trap; b eq 2; b ne 3"},
		{"no merge across a trap", []cterm{intT(colA, CondGt, 1), {kind: termTrap, trapping: true}, intT(colA, CondLt, 5)}, "a gt 1; trap; a lt 5"},
		{"!= on one column", []cterm{intT(colA, CondNe, 1), intT(colB, CondNe, 1), intT(colA, CondNe, 7), intT(colA, CondNe, 1)}, "a set not=true; b ne 1"},
		{"no != merge across a trap", []cterm{intT(colA, CondNe, 1), {kind: termTrap, trapping: true}, intT(colA, CondNe, 2)}, "a ne 1; trap; a ne 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMachine()
			m.terms = slices.Clone(tt.terms)
			m.arrange()
			var got []string
			for _, ct := range m.terms {
				got = append(got, name(ct))
			}
			assert.Equal(t, tt.want, strings.Join(got, "; "))
		})
	}
}

// TestTermPaths runs each where clause twice, as terms (the specialized
// loops) and as filter code (the instructions, evaluated row by row in
// source order), and checks that the results agree: values, skips and
// traps alike.
func TestTermPaths(t *testing.T) {
	type term struct {
		col  int
		cond Cond
		lit  string // a constant, or for in and not_in a list; "table:" for a per-currency constant
	}
	rows := []Txn{
		bet("b1", 1, "10", "Gold Quest", "slots"),
		bet("b2", 2, "20.50", "Book", "roulette"),
		bet("b3", 3, "99.999", "Gold Quest", "live"),
		bet("b4", 4, "0.5", "Starburst", "slots"),
		bet("b5", 5, "1000000", "Crash X", "crash"),
		bet("b6", 6, "-3", "", ""),
	}
	gbpPlayer := eurPlayer(rows...)
	gbpPlayer.Player.Currency = gbp
	inputs := map[string]Input{"eur": eurPlayer(rows...), "gbp": gbpPlayer, "none": eurPlayer()}
	tests := []struct {
		name  string
		terms []term
	}{
		{"in strings", []term{{cCategory, CondIn, `"slots", "live", "crash"`}}},
		{"not in strings", []term{{cCategory, CondNotIn, `"slots", "live", "crash"`}}},
		{"in and !=", []term{{cCategory, CondIn, `"slots", "live", "crash"`}, {cGame, CondNe, `"Book"`}}},
		{"in and ==", []term{{cCategory, CondIn, `"slots", "live", "crash"`}, {cGame, CondEq, `"Gold Quest"`}}},
		{"not in and != (fused)", []term{{cCategory, CondNotIn, `"slots", "live"`}, {cGame, CondNe, `"Crash X"`}}},
		{"== and !=", []term{{cGame, CondEq, `"Gold Quest"`}, {cCategory, CondNe, `"live"`}}},
		{"!= and !=", []term{{cGame, CondNe, `"Gold Quest"`}, {cCategory, CondNe, `"live"`}, {cAmount, CondGt, "1 EUR"}}},
		{"not in and ==", []term{{cGame, CondEq, `"Gold Quest"`}, {cCategory, CondNotIn, `"live", "x", "y"`}}},
		{"in one string", []term{{cGame, CondIn, `"Book"`}}},
		{"not in one string", []term{{cGame, CondNotIn, `"Book"`}}},
		{"in strings no row has", []term{{cGame, CondIn, `"Nope", "Neither"`}}},
		{"in repeated strings", []term{{cGame, CondIn, `"Book", "Book", "Starburst"`}}},
		{"in close amounts", []term{{cAmount, CondIn, "10 EUR, 20.5 EUR, 0.5 EUR"}}},
		{"in far amounts", []term{{cAmount, CondIn, "10 EUR, 1000000 EUR, -3 EUR, 0.5 EUR, 7 EUR, 8 EUR, 9 EUR, 11 EUR, 12 EUR, 13 EUR"}}},
		{"not in far amounts", []term{{cAmount, CondNotIn, "10 EUR, 1000000 EUR, -3 EUR"}}},
		{"in amounts with more digits", []term{{cAmount, CondIn, "10.0001 EUR, 20.5 EUR"}}},
		{"in numbers", []term{{cAmount, CondIn, "10, 99.999"}}},
		{"in amounts a bitmap covers", []term{{cAmount, CondIn, "0.5 EUR, 1 EUR, 2 EUR, 20.5 EUR"}}},
		{"in with a per-currency element", []term{{cAmount, CondIn, "table:10 EUR | 12 USD, 0.5 EUR"}}},
		{"in with another currency after a match", []term{{cAmount, CondIn, "10 EUR, 1 USD"}}},
		{"not in with another currency", []term{{cAmount, CondNotIn, "10 EUR, 1 USD"}}},
		{"range", []term{{cAmount, CondGe, "10 EUR"}, {cAmount, CondLt, "100 EUR"}}},
		{"range, open", []term{{cAmount, CondGt, "10 EUR"}, {cAmount, CondLe, "99.999 EUR"}}},
		{"range between digits", []term{{cAmount, CondGt, "9.9999 EUR"}, {cAmount, CondLt, "99.9995 EUR"}}},
		{"range, empty", []term{{cAmount, CondGt, "50 EUR"}, {cAmount, CondLt, "20 EUR"}}},
		{"range and in", []term{{cAmount, CondLt, "100 EUR"}, {cGame, CondIn, `"Gold Quest", "Book"`}, {cAmount, CondGe, "0 EUR"}}},
		{"range per-currency", []term{{cAmount, CondGe, "table:1 EUR | 1 USD"}, {cAmount, CondLt, "100 EUR"}}},
		{"mismatch between bounds", []term{{cAmount, CondGe, "10 EUR"}, {cAmount, CondLt, "100 USD"}, {cGame, CondEq, `"Book"`}}},
		{"text order and in", []term{{cGame, CondLt, `"C"`}, {cCategory, CondIn, `"slots", "roulette"`}}},
		{"!= chain", []term{{cGame, CondNe, `"Book"`}, {cCategory, CondEq, `"slots"`}, {cGame, CondNe, `"Crash X"`}, {cGame, CondNe, `"Book"`}}},
		{"!= chain on amounts", []term{{cAmount, CondNe, "10 EUR"}, {cAmount, CondNe, "99.999 EUR"}, {cAmount, CondNe, "10.0001 EUR"}}},
	}
	// lower turns the terms into filter code: each condition, and-ed in
	// order, with the instructions the lowerer emits.
	lower := func(a *asm, ts []term) string {
		var b strings.Builder
		cols := []string{"bet.amount", "bet.game", "bet.category"}
		for i, tm := range ts {
			fmt.Fprintf(&b, "load_attr %s\n", cols[tm.col])
			switch {
			case tm.cond == CondIn || tm.cond == CondNotIn:
				fmt.Fprintf(&b, "%s %s\n", map[Cond]string{CondIn: "in", CondNotIn: "not_in"}[tm.cond], tm.lit)
			case strings.HasPrefix(tm.lit, "table:"):
				fmt.Fprintf(&b, "load_per_currency %s\ncmp_num %v\n", strings.TrimPrefix(tm.lit, "table:"), tm.cond)
			default:
				op := "cmp_int"
				if tm.col == cAmount {
					op = "cmp_num"
				}
				fmt.Fprintf(&b, "load_const %s\n%s %v\n", tm.lit, op, tm.cond)
			}
			if i < len(ts)-1 {
				b.WriteString("jump_if_false_or_pop end\n")
			}
		}
		b.WriteString("end:\nfilter_end\n")
		return b.String()
	}
	for _, tt := range tests {
		for _, op := range []AggOp{AggCount, AggSum, AggMin, AggFirst, AggLast} {
			t.Run(tt.name+"/"+op.String(), func(t *testing.T) {
				a := newAsm(t)
				var terms []Term
				for _, tm := range tt.terms {
					k := Term{Col: tm.col, Cond: tm.cond, Local: -1}
					if tm.cond == CondIn || tm.cond == CondNotIn {
						k.Const = a.list(tm.lit)
					} else {
						k.Const = a.konst(tm.lit)
					}
					terms = append(terms, k)
				}
				attr := cAmount
				if op == AggCount {
					attr = -1
				}
				result := withResult(ResultAmount)
				if op == AggCount {
					result = withResult(ResultPoints)
				}
				viaTerms := a.reward("terms", "aggregate 0\ngive", result,
					withAggs(Aggregation{Op: op, Kind: kBet, Attr: attr, Terms: terms}))
				viaCode := a.reward("code", "aggregate 0\ngive\nf:\n"+lower(a, tt.terms), result,
					withAggs(Aggregation{Op: op, Kind: kBet, Attr: attr}), withFilter(0, "f"))
				for name, in := range inputs {
					d := prepare(t, a.p, in)
					want := sameOrder(show(d, run(t, a.p, viaCode, d, Options{})))
					got := sameOrder(show(d, run(t, a.p, viaTerms, d, Options{})))
					assert.Equal(t, want, got, "input %s", name)
				}
			})
		}
	}
}
