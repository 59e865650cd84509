package vm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/vm/num"
)

// The two workloads measured before promoc was written (the tiered deposit
// formula, and 5% of the net loss over many transactions), on the machine,
// each against the hand-written Go it has to beat, with answers checked to
// the cent. bench/README.md compares promoc with expr and CEL on them.

// tieredDeposit assembles examples/dynamic_rewards/tiered_deposit.promo as
// the lowerer would: 50% of the last deposit above 500 (at most 1000), 30%
// above 300, 10 above 100, skipped otherwise.
func tieredDeposit(tb testing.TB) (*Program, *Reward) {
	a := newAsm(tb)
	r := a.reward("tiered_deposit", `
		aggregate 0
		store_local deposit
		load_local deposit
		load_const 500 EUR
		cmp_num gt
		jump_if_false t2
		mark above 500 EUR
		load_const 0.5
		load_local deposit
		mul
		load_const 1000 EUR
		call_builtin min/2
		give
	t2:
		load_local deposit
		load_const 300 EUR
		cmp_num gt
		jump_if_false t3
		mark above 300 EUR
		load_const 0.3
		load_local deposit
		mul
		give
	t3:
		load_local deposit
		load_const 100 EUR
		cmp_num gt
		jump_if_false t4
		mark above 100 EUR
		load_per_currency 10 EUR | 10 USD
		give
	t4:
		mark else
		skip "deposit of 100 or less"`,
		withAggs(Aggregation{Op: AggLast, Kind: kDeposit, Attr: cAmount}))
	if err := a.p.Validate(); err != nil {
		tb.Fatal(err)
	}
	return a.p, r
}

var (
	s100, s300, s500, s1000 = decimal.NewFromInt(100), decimal.NewFromInt(300), decimal.NewFromInt(500), decimal.NewFromInt(1000)
	sHalf, s30pct, s10      = decimal.RequireFromString("0.5"), decimal.RequireFromString("0.3"), decimal.NewFromInt(10)
)

// tieredShopspring is the tiered deposit formula and the outcome pipeline
// written by hand with shopspring/decimal.
func tieredShopspring(deposits []decimal.Decimal) (decimal.Decimal, bool) {
	if len(deposits) == 0 {
		return decimal.Decimal{}, false
	}
	d := deposits[len(deposits)-1]
	var r decimal.Decimal
	switch {
	case d.GreaterThan(s500):
		r = decimal.Min(d.Mul(sHalf), s1000)
	case d.GreaterThan(s300):
		r = d.Mul(s30pct)
	case d.GreaterThan(s100):
		r = s10
	default:
		return decimal.Decimal{}, false
	}
	if !r.IsPositive() {
		return decimal.Decimal{}, false
	}
	r = r.Round(2)
	return r, r.IsPositive()
}

func BenchmarkTieredDeposit(b *testing.B) {
	p, r := tieredDeposit(b)
	for _, last := range []string{"2999.99", "412.35", "150", "80"} {
		amounts := []string{"20", "1000", last}
		var txns []Txn
		var decs []decimal.Decimal
		for i, s := range amounts {
			txns = append(txns, deposit(strconv.Itoa(i), i, s))
			decs = append(decs, decimal.RequireFromString(s))
		}
		d := prepare(b, p, eurPlayer(txns...))
		m := NewMachine()
		ctx := context.Background()
		res, err := m.Run(ctx, p, r, d, Options{})
		if err != nil {
			b.Fatal(err)
		}
		want, ok := tieredShopspring(decs)
		if ok != (res.Outcome == Calculated) || ok && !num.FromDecimal(want).Equal(res.Value.N) {
			b.Fatalf("tiered deposit of %s: vm %s, shopspring %s %v", last, show(d, res), want, ok)
		}
		b.Run("vm/"+last, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, _ = m.Run(ctx, p, r, d, Options{})
			}
		})
		b.Run("shopspring/"+last, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				want, ok = tieredShopspring(decs)
			}
		})
	}
}

// The net loss workload: 5% of (bets - wins) on "Gold Quest", roulette
// excluded, over a million transactions, half bets and half wins.

const netLossRows = 1_000_000

var (
	games      = []string{"Gold Quest", "Book of Dead", "Starburst", "Mega Moolah", "Lightning Roulette"}
	categories = []string{"slots", "roulette", "live", "table"}
)

// shopRow and intRow are the rows the hand-written loops read.
type shopRow struct {
	Kind, Game, Category string
	Amount               decimal.Decimal
}

type intRow struct {
	Kind, Game, Category string
	Cents                int64
}

type netLossFixture struct {
	txns  []Txn
	shop  []shopRow
	ints  []intRow
	p     *Program
	r     *Reward
	data  *Data
	cents int64 // the expected answer
}

var (
	netLossOnce sync.Once
	netLoss     *netLossFixture
)

// netLossData builds the workload once per test binary: it takes seconds
// and a few hundred megabytes.
func netLossData(tb testing.TB) *netLossFixture {
	netLossOnce.Do(func() {
		f := &netLossFixture{}
		rng := rand.New(rand.NewPCG(1, 2))
		f.txns = make([]Txn, netLossRows)
		f.shop = make([]shopRow, netLossRows)
		f.ints = make([]intRow, netLossRows)
		for i := range netLossRows {
			kind := "bet"
			if i%2 == 1 {
				kind = "win"
			}
			game, category := games[rng.IntN(len(games))], categories[rng.IntN(len(categories))]
			cents := rng.Int64N(100_000) + 1
			amount := num.New(cents, 2)
			f.txns[i] = Txn{ID: "t" + strconv.Itoa(i), Kind: kind, Time: at(i / 1000),
				Attrs: map[string]any{"amount": amount, "game": game, "category": category}}
			f.shop[i] = shopRow{kind, game, category, amount.Decimal()}
			f.ints[i] = intRow{kind, game, category, cents}
		}
		a := newAsm(tb)
		gq, roulette := a.konst(`"Gold Quest"`), a.konst(`"roulette"`)
		terms := []Term{{Col: cGame, Cond: CondEq, Const: gq, Local: -1}, {Col: cCategory, Cond: CondNe, Const: roulette, Local: -1}}
		f.r = a.reward("gold_quest_cashback", `
			aggregate 0
			store_local bets
			aggregate 1
			store_local wins
			load_const 0.05
			load_local bets
			load_local wins
			sub
			mul
			give`, withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: terms}, Aggregation{Op: AggSum, Kind: kWin, Attr: cAmount, Terms: terms}))
		f.p = a.p
		f.data = prepare(tb, f.p, eurPlayer(f.txns...))
		f.cents, _ = netLossInt(f.ints)
		netLoss = f
	})
	return netLoss
}

// netLossShopspring is the workload by hand with shopspring/decimal.
func netLossShopspring(rows []shopRow) (decimal.Decimal, bool) {
	var bets, wins decimal.Decimal
	for i := range rows {
		r := &rows[i]
		if r.Game == "Gold Quest" && r.Category != "roulette" {
			if r.Kind == "bet" {
				bets = bets.Add(r.Amount)
			} else {
				wins = wins.Add(r.Amount)
			}
		}
	}
	v := bets.Sub(wins).Mul(decimal.New(5, -2))
	if !v.IsPositive() {
		return decimal.Decimal{}, false
	}
	v = v.Round(2)
	return v, v.IsPositive()
}

// netLossInt is the workload by hand with int64 minor units (no overflow
// check: the sums stay far below 2^63), rounding half away from zero.
func netLossInt(rows []intRow) (int64, bool) {
	var bets, wins int64
	for i := range rows {
		r := &rows[i]
		if r.Game == "Gold Quest" && r.Category != "roulette" {
			if r.Kind == "bet" {
				bets += r.Cents
			} else {
				wins += r.Cents
			}
		}
	}
	x := (bets - wins) * 5 // hundredths of cents
	q, rem := x/100, x%100
	if rem >= 50 {
		q++
	} else if rem <= -50 {
		q--
	}
	return q, q > 0
}

func BenchmarkNetLoss(b *testing.B) {
	f := netLossData(b)
	m := NewMachine()
	ctx := context.Background()
	res, err := m.Run(ctx, f.p, f.r, f.data, Options{})
	if err != nil {
		b.Fatal(err)
	}
	shop, _ := netLossShopspring(f.shop)
	want, ok := netLossInt(f.ints)
	got, fits := res.Value.N.Int64At(2)
	if res.Outcome != Calculated || !ok || !fits || got != want || !num.FromDecimal(shop).Equal(res.Value.N) {
		b.Fatalf("net loss: vm %s, shopspring %s, int64 %d cents", show(f.data, res), shop, want)
	}
	rowsPerSec := func(b *testing.B) {
		b.ReportMetric(float64(netLossRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("vm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, _ = m.Run(ctx, f.p, f.r, f.data, Options{})
		}
		rowsPerSec(b)
	})
	b.Run("shopspring", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			shop, _ = netLossShopspring(f.shop)
		}
		rowsPerSec(b)
	})
	b.Run("int64", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			want, _ = netLossInt(f.ints)
		}
		rowsPerSec(b)
	})
}

func BenchmarkPrepare(b *testing.B) {
	f := netLossData(b)
	in := eurPlayer(f.txns...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Prepare(f.p, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(netLossRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPrepareOne prepares one transaction, as a service does per event,
// with its amount a shopspring decimal as hosts give it.
func BenchmarkPrepareOne(b *testing.B) {
	f := netLossData(b)
	in := eurPlayer(Txn{ID: "t1", Kind: "bet", Time: at(1),
		Attrs: map[string]any{"amount": decimal.RequireFromString("12.50"), "game": "Gold Quest", "category": "slots"}})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Prepare(f.p, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterTerms times a sum over a where clause of simple terms (in,
// not in, a range) against a hand loop over the very columns the machine
// reads: what is left is the machine's own overhead.
func BenchmarkFilterTerms(b *testing.B) {
	cats := []string{"slots", "live", "crash", "table", "roulette", "bingo", "poker"}
	for _, n := range []int{1000, 100_000} {
		a := newAsm(b)
		list := a.list(`"slots", "live", "crash"`)
		roulette := a.konst(`"roulette"`)
		lo, hi := a.konst("10 EUR"), a.konst("400 EUR")
		sum := func(name string, terms ...Term) *Reward {
			return a.reward(name, "aggregate 0\ngive", withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: terms}))
		}
		rewards := []*Reward{
			sum("in", Term{Col: cCategory, Cond: CondIn, Const: list, Local: -1}, Term{Col: cGame, Cond: CondNe, Const: roulette, Local: -1}),
			sum("not_in", Term{Col: cCategory, Cond: CondNotIn, Const: list, Local: -1}, Term{Col: cGame, Cond: CondNe, Const: roulette, Local: -1}),
			sum("range", Term{Col: cAmount, Cond: CondGe, Const: lo, Local: -1}, Term{Col: cAmount, Cond: CondLt, Const: hi, Local: -1}),
		}
		r := rand.New(rand.NewPCG(1, 2))
		txns := make([]Txn, n)
		for i := range txns {
			txns[i] = bet("b"+strconv.Itoa(i), i, strconv.Itoa(r.IntN(50000))+".25", []string{"roulette", "Book"}[r.IntN(2)], cats[r.IntN(len(cats))])
		}
		d := prepare(b, a.p, eurPlayer(txns...))
		t := &d.tables[kBet]
		cat, game, amount := t.cols[cCategory].ints, t.cols[cGame].ints, t.cols[cAmount].ints
		ids := func(s ...string) (out []int64) {
			for _, x := range s {
				out = append(out, int64(a.p.strIndex[x]))
			}
			return out
		}
		set, rl := ids("slots", "live", "crash"), ids("roulette")[0]
		loops := map[string]func() int64{
			"in": func() (s int64) {
				for i, c := range cat {
					if (c == set[0] || c == set[1] || c == set[2]) && game[i] != rl {
						s += amount[i]
					}
				}
				return s
			},
			"not_in": func() (s int64) {
				for i, c := range cat {
					if c != set[0] && c != set[1] && c != set[2] && game[i] != rl {
						s += amount[i]
					}
				}
				return s
			},
			"range": func() (s int64) {
				for _, x := range amount {
					if x >= 1000 && x < 40000 {
						s += x
					}
				}
				return s
			},
		}
		m := NewMachine()
		for _, rw := range rewards {
			var res Result
			require.NoError(b, m.RunInto(context.Background(), &res, a.p, rw, d, Options{}))
			want := loops[rw.Name]()
			require.Equal(b, num.New(want, 2).String(), res.Value.N.String(), rw.Name)
			b.Run(fmt.Sprintf("%s/rows=%d/vm", rw.Name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					m.RunInto(context.Background(), &res, a.p, rw, d, Options{})
				}
			})
			b.Run(fmt.Sprintf("%s/rows=%d/loop", rw.Name, n), func(b *testing.B) {
				for b.Loop() {
					loops[rw.Name]()
				}
			})
		}
	}
}
