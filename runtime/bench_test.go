package runtime_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
)

// The benchmarks of this file compare promoc, compiled from .promo source,
// with hand-written Go doing the same computation, in the same run:
// shopspring/decimal (the straightforward exact answer) and int64 minor
// units (the speed limit). Compare them as ratios, with benchstat on
// -count=10; nothing here asserts a time.

const tieredSource = `
kind deposit { amount: money }

reward tiered_deposit: amount {
	let deposit = last(deposit.amount)
	tiers deposit {
		above 500 EUR: give min(50% of deposit, 1000 EUR)
		above 300 EUR: give 30% of deposit
		above 100 EUR: give 10 EUR
		else: skip "deposit of 100 or less"
	}
}
`

var benchNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func mustCompile(b *testing.B, src string) *runtime.Program {
	b.Helper()
	prog, err := runtime.CompileSources([]runtime.Source{{Name: "bench.promo", Text: []byte(src)}})
	if err != nil {
		b.Fatal(err)
	}
	return prog
}

var tieredDeposits = []string{"750.00", "420.50", "150.00", "2400.00", "99.99", "510.10", "305.00", "1200.35"}

// tieredShopspring is the tiered deposit formula written by hand with
// shopspring/decimal.
func tieredShopspring(d decimal.Decimal) (decimal.Decimal, bool) {
	var v decimal.Decimal
	switch {
	case d.GreaterThan(d500):
		v = decimal.Min(d.Mul(half), d1000)
	case d.GreaterThan(d300):
		v = d.Mul(thirty)
	case d.GreaterThan(d100):
		v = d10
	default:
		return decimal.Decimal{}, false
	}
	return v.Round(2), true
}

var (
	d100, d300, d500, d1000 = decimal.NewFromInt(100), decimal.NewFromInt(300), decimal.NewFromInt(500), decimal.NewFromInt(1000)
	d10                     = decimal.NewFromInt(10)
	half, thirty            = decimal.RequireFromString("0.5"), decimal.RequireFromString("0.3")
)

// tieredInt64 is the same formula on int64 cents: the speed limit.
func tieredInt64(cents int64) (int64, bool) {
	switch {
	case cents > 50000:
		return min((cents+1)/2, 100000), true // half, rounded half up on cents
	case cents > 30000:
		return (cents*3 + 5) / 10, true
	case cents > 10000:
		return 1000, true
	}
	return 0, false
}

func BenchmarkTieredDeposit(b *testing.B) {
	prog := mustCompile(b, tieredSource)
	ctx := context.Background()
	var prepared []*runtime.Prepared
	var decs []decimal.Decimal
	var cents []int64
	for i, s := range tieredDeposits {
		d := decimal.RequireFromString(s)
		decs = append(decs, d)
		cents = append(cents, d.Shift(2).IntPart())
		prepared = append(prepared, prog.Prepare(runtime.Input{
			Now:    benchNow,
			Player: runtime.Player{ID: "p", Currency: "EUR"},
			Transactions: []runtime.Transaction{{ID: fmt.Sprint(i), Kind: "deposit", Time: benchNow.Add(-time.Minute),
				Attrs: map[string]any{"amount": d}}},
		}))
		// The answers must agree before their speed means anything.
		res, err := prog.EvaluatePrepared(ctx, "tiered_deposit", prepared[i])
		if err != nil {
			b.Fatal(err)
		}
		want, ok := tieredShopspring(d)
		if ok != (res.Outcome == runtime.Calculated) || (ok && !want.Equal(res.Amount())) {
			b.Fatalf("deposit %s: promoc %s %s, shopspring %s", s, res.Outcome, res.AmountString(), want)
		}
		if c, _ := tieredInt64(cents[i]); ok && c != want.Shift(2).IntPart() {
			b.Fatalf("deposit %s: int64 %d, shopspring %s", s, c, want)
		}
	}
	b.Run("promoc", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			res, _ := prog.EvaluatePrepared(ctx, "tiered_deposit", prepared[i%len(prepared)])
			if res.Outcome == "" {
				b.Fatal("no outcome")
			}
			i++
		}
	})
	b.Run("shopspring", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tieredShopspring(decs[i%len(decs)])
			i++
		}
	})
	b.Run("int64", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tieredInt64(cents[i%len(cents)])
			i++
		}
	})
	b.Run("promoc-prepare-and-evaluate", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			d := decs[i%len(decs)]
			in := runtime.Input{Now: benchNow, Player: runtime.Player{ID: "p", Currency: "EUR"},
				Transactions: []runtime.Transaction{{ID: "d", Kind: "deposit", Time: benchNow.Add(-time.Minute), Attrs: map[string]any{"amount": d}}}}
			prog.Evaluate(ctx, "tiered_deposit", in)
			i++
		}
	})
}

const netLossSource = `
kind bet { amount: money  game: string  category: string }
kind win { amount: money  game: string  category: string }

reward net_loss: amount {
	let bets = sum(bet.amount where game == "Gold Quest" and category != "roulette")
	let wins = sum(win.amount where game == "Gold Quest" and category != "roulette")
	give 5% of (bets - wins)
}
`

type row struct {
	kind, game, category string
	amount               decimal.Decimal
	cents                int64
}

func netLossRows(n int) []row {
	r := rand.New(rand.NewPCG(1, 2))
	games := []string{"Gold Quest", "Book of Sun", "Lightning Roulette", "Mega Reels"}
	cats := []string{"slots", "slots", "roulette", "live"}
	rows := make([]row, n)
	for i := range rows {
		g := r.IntN(len(games))
		cents := int64(r.IntN(50000) + 1)
		kind := "bet"
		if i%2 == 1 {
			kind = "win"
			cents = cents * int64(r.IntN(3)) / 2
		}
		cat := cats[g]
		if g == 0 && r.IntN(10) == 0 {
			cat = "roulette" // a Gold Quest table game, excluded
		}
		rows[i] = row{kind: kind, game: games[g], category: cat, amount: decimal.New(cents, -2), cents: cents}
	}
	return rows
}

func netLossShopspring(rows []row) decimal.Decimal {
	bets, wins := decimal.Zero, decimal.Zero
	for i := range rows {
		r := &rows[i]
		if r.game != "Gold Quest" || r.category == "roulette" {
			continue
		}
		if r.kind == "bet" {
			bets = bets.Add(r.amount)
		} else {
			wins = wins.Add(r.amount)
		}
	}
	return bets.Sub(wins).Mul(decimal.RequireFromString("0.05")).Round(2)
}

func netLossInt64(rows []row) int64 {
	var bets, wins int64
	for i := range rows {
		r := &rows[i]
		if r.game != "Gold Quest" || r.category == "roulette" {
			continue
		}
		if r.kind == "bet" {
			bets += r.cents
		} else {
			wins += r.cents
		}
	}
	net := (bets - wins) * 5 // hundredths of a cent
	if net >= 0 {
		return (net + 50) / 100
	}
	return (net - 50) / 100
}

// BenchmarkNetLoss is 5% of the net loss on one game, excluding a category,
// over many transactions. It reports transactions per second (tx/s).
func BenchmarkNetLoss(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		rows := netLossRows(n)
		prog := mustCompile(b, netLossSource)
		txns := make([]runtime.Transaction, n)
		for i, r := range rows {
			txns[i] = runtime.Transaction{ID: fmt.Sprint(i), Kind: r.kind, Time: benchNow.Add(-time.Duration(n-i) * time.Millisecond),
				Attrs: map[string]any{"amount": r.amount, "game": r.game, "category": r.category}}
		}
		in := runtime.Input{Now: benchNow, Player: runtime.Player{ID: "p", Currency: "EUR"}, Transactions: txns}
		prepared := prog.Prepare(in)
		ctx := context.Background()
		res, err := prog.EvaluatePrepared(ctx, "net_loss", prepared)
		if err != nil {
			b.Fatal(err)
		}
		want := netLossShopspring(rows)
		if res.Outcome != runtime.Calculated || !res.Amount().Equal(want) || netLossInt64(rows) != want.Shift(2).IntPart() {
			b.Fatalf("n=%d: promoc %s %s (%s), shopspring %s, int64 %d", n, res.Outcome, res.AmountString(), res.Detail, want, netLossInt64(rows))
		}
		rate := func(b *testing.B) {
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tx/s")
		}
		b.Run(fmt.Sprintf("rows=%d/promoc", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				prog.EvaluatePrepared(ctx, "net_loss", prepared)
			}
			rate(b)
		})
		b.Run(fmt.Sprintf("rows=%d/shopspring", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				netLossShopspring(rows)
			}
			rate(b)
		})
		b.Run(fmt.Sprintf("rows=%d/int64", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				netLossInt64(rows)
			}
			rate(b)
		})
		if n == 1_000_000 {
			b.Run(fmt.Sprintf("rows=%d/promoc-prepare", n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					prog.Prepare(in)
				}
				rate(b)
			})
		}
	}
}

// rulesOfLines generates a rule set of about n lines: a schema and many
// rewards in the shapes of the examples.
func rulesOfLines(n int) []byte {
	var sb strings.Builder
	sb.WriteString("kind bet { amount: money  game: string  category: string }\nkind win { amount: money  game: string  category: string }\nkind deposit { amount: money }\nplayer { vip_level: number default 0 }\n")
	lines := 4
	for i := 0; lines < n; i++ {
		fmt.Fprintf(&sb, `
// Reward %[1]d.
reward r%[1]d: amount {
	window last %[2]d days
	cap 200 EUR | 220 USD | 25000 JPY
	round down to 2 decimals

	let bets = sum(bet.amount where game == "Game %[1]d" and category != "roulette")
	let wins = sum(win.amount where game == "Game %[1]d" and category != "roulette")
	let deposit = last(deposit.amount)
	check player.vip_level > 3 {
		give 10%% of (bets - wins)
	}
	tiers deposit {
		above 500 EUR: give min(50%% of deposit, 1000 EUR)
		above 300 EUR: give 30%% of deposit
		above 100 EUR: give 10 EUR
		else: skip "deposit of 100 or less"
	}
}
`, i, i%30+1)
		lines += 19
	}
	return []byte(sb.String())
}

// BenchmarkCheck10kLines is `promoc check` on 10,000 lines of rules: parse
// and check (BenchmarkCompile10kLines adds lowering).
func BenchmarkCheck10kLines(b *testing.B) {
	src := []runtime.Source{{Name: "big.promo", Text: rulesOfLines(10_000)}}
	if a := runtime.Analyze(src); len(a.Diagnostics) > 0 {
		b.Fatal(a.Diagnostics)
	}
	b.ReportAllocs()
	for b.Loop() {
		runtime.Analyze(src)
	}
}

func BenchmarkCompile10kLines(b *testing.B) {
	src := []runtime.Source{{Name: "big.promo", Text: rulesOfLines(10_000)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := runtime.CompileSources(src); err != nil {
			b.Fatal(err)
		}
	}
}

// netLossDoc writes rows as the input document, amounts as JSON numbers
// with their cents.
func netLossDoc(rows []row) []byte {
	var sb strings.Builder
	sb.WriteString(`{"now": "` + benchNow.Format(time.RFC3339Nano) + `", "player": {"id": "p", "currency": "EUR"}, "transactions": [`)
	n := len(rows)
	for i, r := range rows {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, `{"id": "%d", "kind": %q, "time": %q, "amount": %s, "game": %q, "category": %q}`,
			i, r.kind, benchNow.Add(-time.Duration(n-i)*time.Millisecond).Format(time.RFC3339Nano), r.amount.StringFixed(2), r.game, r.category)
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}

// BenchmarkInputPath prepares the net-loss input of n transactions every
// way a host can: from Go values with attribute maps (Prepare), with the
// typed Builder, from the JSON document through DecodeInput and Prepare,
// and from the JSON document straight into a Builder's columns. Each
// evaluates the reward once, so that every path is checked for the same
// answer. It reports nanoseconds per transaction (ns/tx).
func BenchmarkInputPath(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) { benchInputPath(b, n) })
	}
}

func benchInputPath(b *testing.B, n int) {
	{
		rows := netLossRows(n)
		prog := mustCompile(b, netLossSource)
		ctx := context.Background()
		want := netLossShopspring(rows)
		txns := make([]runtime.Transaction, n)
		ids := make([]string, n)
		times := make([]time.Time, n)
		for i, r := range rows {
			ids[i], times[i] = fmt.Sprint(i), benchNow.Add(-time.Duration(n-i)*time.Millisecond)
			txns[i] = runtime.Transaction{ID: ids[i], Kind: r.kind, Time: times[i],
				Attrs: map[string]any{"amount": r.amount, "game": r.game, "category": r.category}}
		}
		in := runtime.Input{Now: benchNow, Player: runtime.Player{ID: "p", Currency: "EUR"}, Transactions: txns}
		doc := netLossDoc(rows)
		check := func(b *testing.B, p *runtime.Prepared) {
			res, err := prog.EvaluatePrepared(ctx, "net_loss", p)
			if err != nil || res.Outcome != runtime.Calculated || !res.Amount().Equal(want) {
				b.Fatalf("n=%d: %v %s %s (%s), want %s", n, err, res.Outcome, res.AmountString(), res.Detail, want)
			}
		}
		perTx := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/tx")
		}
		kinds := map[string]runtime.Kind{}
		attrs := map[string][3]runtime.Attr{}
		for _, k := range []string{"bet", "win"} {
			kind, err := prog.Kind(k)
			if err != nil {
				b.Fatal(err)
			}
			kinds[k] = kind
			var as [3]runtime.Attr
			for i, a := range []string{"amount", "game", "category"} {
				if as[i], err = kind.Attr(a); err != nil {
					b.Fatal(err)
				}
			}
			attrs[k] = as
		}
		builder := prog.NewBuilder()
		b.Run("prepare-maps", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				check(b, prog.Prepare(in))
			}
			perTx(b)
		})
		b.Run("builder", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				builder.Reset()
				builder.SetNow(benchNow)
				builder.SetPlayer(runtime.Player{ID: "p", Currency: "EUR"})
				for i := range rows {
					r := &rows[i]
					as := attrs[r.kind]
					builder.Begin(kinds[r.kind], ids[i], times[i], "")
					builder.SetScaled(as[0], r.cents, 2)
					builder.SetString(as[1], r.game)
					builder.SetString(as[2], r.category)
					if err := builder.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				check(b, builder.Prepared())
			}
			perTx(b)
		})
		b.Run("json-decodeinput-prepare", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				in, err := runtime.DecodeInput(bytes.NewReader(doc))
				if err != nil {
					b.Fatal(err)
				}
				check(b, prog.Prepare(in))
			}
			perTx(b)
		})
		b.Run("json-builder", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := builder.DecodeBytes(ctx, doc); err != nil {
					b.Fatal(err)
				}
				check(b, builder.Prepared())
			}
			perTx(b)
		})
	}
}
