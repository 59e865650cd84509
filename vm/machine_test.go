package vm

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

type runCase struct {
	name string
	src  string
	opts func(a *asm) []opt // nil: an amount reward without settings
	in   *Input             // nil: a EUR player without transactions
	want string             // as show writes it
}

func runCases(t *testing.T, tests []runCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAsm(t)
			var opts []opt
			if tt.opts != nil {
				opts = tt.opts(a)
			}
			r := a.reward(tt.name, tt.src, opts...)
			require.NoError(t, a.p.Validate())
			in := eurPlayer()
			if tt.in != nil {
				in = *tt.in
			}
			d := prepare(t, a.p, in)
			res := run(t, a.p, r, d, Options{})
			assert.Equal(t, tt.want, show(d, res), "Run(%s)", tt.name)
		})
	}
}

func points(a *asm) []opt { return []opt{withResult(ResultPoints)} }

func TestOpcodes(t *testing.T) {
	vip := eurPlayer()
	vip.Player.Props = map[string]any{"logins_count_ever": 7, "country": "MT", "total_deposits": "250.50"}
	usdPlayer := eurPlayer()
	usdPlayer.Player.Currency = usd
	gbpPlayer := eurPlayer()
	gbpPlayer.Player.Currency = gbp
	noNow := eurPlayer()
	noNow.Now = time.Time{}
	runCases(t, []runCase{
		{name: "nop", src: "nop\nload_const 5\ngive", opts: points, want: "calculated 5"},
		{name: "pop", src: "load_const 5\nload_const 7\npop\ngive", opts: points, want: "calculated 5"},
		{name: "dup", src: "load_const 5\ndup\nadd\ngive", opts: points, want: "calculated 10"},
		{name: "not", src: "load_const false\nnot\njump_if_false no\nload_const 1\ngive\nno:\nload_const 2\ngive", opts: points, want: "calculated 1"},
		{name: "neg", src: "load_const -5 EUR\nneg\ngive", want: "calculated 5.00 EUR"},
		{name: "add money", src: "load_const 1.25 EUR\nload_const 2.5 EUR\nadd\ngive", want: "calculated 3.75 EUR"},
		{name: "add money and number", src: "load_const 1.25 EUR\nload_const 2\nadd\ngive", want: "calculated 3.25 EUR"},
		{name: "add currency mismatch", src: "load_const 1 EUR\nload_const 2 USD\nadd\ngive", want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		// Neither amount in the player's currency: no side to name.
		{name: "add currency mismatch, neither the player's", src: "load_const 1 EUR\nload_const 2 USD\nadd\ngive", in: &gbpPlayer, want: "error currency-mismatch: currency mismatch: EUR and USD"},
		{name: "sub", src: "load_const 10 EUR\nload_const 2.5 EUR\nsub\ngive", want: "calculated 7.50 EUR"},
		{name: "sub currency mismatch", src: "load_const 10 USD\nload_const 2.5 EUR\nsub\ngive", want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		{name: "mul percent of money", src: "load_const 0.05\nload_const 123.45 EUR\nmul\ngive", opts: func(a *asm) []opt { return []opt{withRound(num.Down, 4)} }, want: "calculated 6.1725 EUR"},
		{name: "mul exact beyond int64", src: "load_const 9999999999999.99\nload_const 9999999999999.99\nmul\ngive", opts: points, want: "calculated 99999999999999800000000000"},
		{name: "div money by number", src: "load_const 10 EUR\nload_const 4\ndiv\ngive", want: "calculated 2.50 EUR"},
		{name: "div money by money", src: "load_const 10 EUR\nload_const 4 EUR\ndiv\nload_const 100\nmul\ngive", opts: points, want: "calculated 250"},
		{name: "div sixteen digits", src: "load_const 2\nload_const 3\ndiv\ngive", opts: func(a *asm) []opt { return []opt{withResult(ResultPoints), withRound(num.Down, 20)} }, want: "calculated 0.66666666666666670000"},
		{name: "div by zero", src: "load_const 10 EUR\nload_const 0\ndiv\ngive", want: "error division-by-zero: division by zero"},
		{name: "div currency mismatch", src: "load_const 10 EUR\nload_const 2 USD\ndiv\ngive", want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		{name: "time_add and time_diff", src: "now\nload_const dur:90m\ntime_add\nnow\ntime_diff\nload_const dur:90m\ncmp_int eq\njump_if_false no\nload_const 1\ngive\nno:\nskip \"wrong\"", opts: points, want: "calculated 1"},
		{name: "time_sub", src: "now\nload_const dur:24h\ntime_sub\nload_const time:2026-11-23T10:00:00Z\ncmp_int eq\njump_if_false no\nload_const 1\ngive\nno:\nskip \"wrong\"", opts: points, want: "calculated 1"},
		{name: "time overflow", src: "now\nload_const dur:2562047h\ntime_add\nload_const dur:2562047h\ntime_add\npop\nload_const 1\ngive", opts: points, want: "error out-of-range: a time or duration beyond the year 2262 or 292 years"},
		{name: "now missing", src: "now\npop\nload_const 1\ngive", opts: points, in: &noNow, want: "error missing-now: the formula reads now but the input gives no evaluation time"},
		{name: "give points", src: "load_const 12.5\ngive", opts: points, want: "calculated 13"},
		{name: "give template", src: "load_const tmpl:0\ngive", opts: func(a *asm) []opt { return []opt{withResult(ResultTemplate)} }, want: `calculated "10 Free Spins on Golden Quest"`},
		{name: "no_branch", src: "no_branch", want: "skipped no-branch-matched: no branch matched"},
		{name: "skip", src: `skip "deposit of 100 or less"`, want: "skipped skipped: deposit of 100 or less"},
		{name: "locals", src: "load_const 3\nstore_local x\nload_local x\nload_local x\nmul\ngive", opts: points, want: "calculated 9"},
		{name: "load_prop", src: "load_prop logins_count_ever\ngive", opts: points, in: &vip, want: "calculated 7"},
		{name: "load_prop money", src: "load_prop total_deposits\nload_const 0.1\nmul\ngive", in: &vip, want: "calculated 25.05 EUR"},
		{name: "load_prop default", src: "load_prop vip_level\nload_const 1\nadd\ngive", opts: points, want: "calculated 1"},
		{name: "load_prop missing", src: "load_prop logins_count_ever\ngive", opts: points, want: "error missing-property: player property logins_count_ever is missing"},
		{name: "has_prop", src: "has_prop logins_count_ever\njump_if_true yes\nload_const 2\ngive\nyes:\nload_const 1\ngive", opts: points, in: &vip, want: "calculated 1"},
		{name: "has_prop absent", src: "has_prop logins_count_ever\njump_if_true yes\nload_const 2\ngive\nyes:\nload_const 1\ngive", opts: points, want: "calculated 2"},
		{name: "load_per_currency", src: "load_per_currency 200 EUR | 220 USD\ngive", in: &usdPlayer, want: "calculated 220.00 USD"},
		{name: "load_per_currency missing", src: "load_per_currency 200 EUR | 220 USD\ngive", in: func() *Input { in := eurPlayer(); in.Player.Currency = gbp; return &in }(), want: "error missing-currency-value: no value for GBP in 200 EUR | 220 USD"},
		{name: "cmp_num gt", src: "load_const 500.01 EUR\nload_const 500 EUR\ncmp_num gt\njump_if_false no\nload_const 1\ngive\nno:\nload_const 2\ngive", opts: points, want: "calculated 1"},
		{name: "cmp_num gt equal", src: "load_const 500.00 EUR\nload_const 500 EUR\ncmp_num gt\njump_if_false no\nload_const 1\ngive\nno:\nload_const 2\ngive", opts: points, want: "calculated 2"},
		{name: "cmp_num ge equal", src: "load_const 500.00 EUR\nload_const 500 EUR\ncmp_num ge\njump_if_false no\nload_const 1\ngive\nno:\nload_const 2\ngive", opts: points, want: "calculated 1"},
		{name: "cmp_num mismatch", src: "load_const 5 EUR\nload_const 5 USD\ncmp_num eq\npop\nload_const 1\ngive", opts: points, want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		{name: "cmp_int string eq", src: "load_prop country\nload_const \"MT\"\ncmp_int eq\njump_if_false no\nload_const 1\ngive\nno:\nload_const 2\ngive", opts: points, in: &vip, want: "calculated 1"},
		{name: "cmp_int string order", src: "load_prop country\nload_const \"AT\"\ncmp_int gt\njump_if_false no\nload_const 1\ngive\nno:\nload_const 2\ngive", opts: points, in: &vip, want: "calculated 1"},
		{name: "cmp_int time", src: "now\nload_const time:2026-01-01T00:00:00Z\ncmp_int lt\njump_if_false no\nload_const 1\ngive\nno:\nload_const 2\ngive", opts: points, want: "calculated 2"},
		{name: "in strings", src: "load_prop country\nin \"DE\", \"MT\"\njump_if_false no\nload_const 1\ngive\nno:\nload_const 2\ngive", opts: points, in: &vip, want: "calculated 1"},
		{name: "not_in numbers", src: "load_const 3.0\nnot_in 1, 2, 3\njump_if_false no\nload_const 1\ngive\nno:\nload_const 2\ngive", opts: points, want: "calculated 2"},
		{name: "in mismatch", src: "load_const 3 EUR\nin 3 USD\npop\nload_const 1\ngive", opts: points, want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		{name: "jump", src: "jump end\nload_const 1\ngive\nend:\nload_const 2\ngive", opts: points, want: "calculated 2"},
		{name: "and short-circuits", src: "load_const false\njump_if_false_or_pop done\nload_prop logins_count_ever\nload_const 1\ncmp_num gt\ndone:\njump_if_true yes\nload_const 2\ngive\nyes:\nload_const 1\ngive", opts: points, want: "calculated 2"},
		{name: "and evaluates both", src: "load_const true\njump_if_false_or_pop done\nload_const true\ndone:\njump_if_true yes\nload_const 2\ngive\nyes:\nload_const 1\ngive", opts: points, want: "calculated 1"},
		{name: "or short-circuits", src: "load_const true\njump_if_true_or_pop done\nload_prop logins_count_ever\nload_const 1\ncmp_num gt\ndone:\njump_if_true yes\nload_const 2\ngive\nyes:\nload_const 1\ngive", opts: points, want: "calculated 1"},
		{name: "or evaluates both", src: "load_const false\njump_if_true_or_pop done\nload_const false\ndone:\njump_if_true yes\nload_const 2\ngive\nyes:\nload_const 1\ngive", opts: points, want: "calculated 2"},
		{name: "min", src: "load_const 0.5\nload_const 3000 EUR\nmul\nload_const 1000 EUR\ncall_builtin min/2\ngive", want: "calculated 1000.00 EUR"},
		{name: "max of three", src: "load_const 1\nload_const 7\nload_const 3\ncall_builtin max/3\ngive", opts: points, want: "calculated 7"},
		{name: "min mismatch", src: "load_const 1 EUR\nload_const 2 USD\ncall_builtin min/2\ngive", want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		{name: "clamp low", src: "load_const 1\nload_const 5\nload_const 10\ncall_builtin clamp/3\ngive", opts: points, want: "calculated 5"},
		{name: "clamp high", src: "load_const 12\nload_const 5\nload_const 10\ncall_builtin clamp/3\ngive", opts: points, want: "calculated 10"},
		{name: "clamp inside", src: "load_const 7\nload_const 5\nload_const 10\ncall_builtin clamp/3\ngive", opts: points, want: "calculated 7"},
		{name: "abs", src: "load_const -7.5 EUR\ncall_builtin abs/1\ngive", want: "calculated 7.50 EUR"},
		{name: "mark", src: "mark above 500 EUR\nload_const 1\ngive", opts: points, want: "calculated 1"},
		{name: "out of range", src: "load_const 0.0000000001\nstore_local x\nload_const 1\nloop:\nload_local x\nmul\njump loop", opts: points, want: "error out-of-range: a product with more than 1000 digits after the decimal point"},
	})
}

func TestAggregations(t *testing.T) {
	txns := eurPlayer(
		bet("b1", 1, "10.00", "Gold Quest", "slots"),
		bet("b2", 2, "20.50", "Gold Quest", "roulette"),
		bet("b3", 3, "5.25", "Other", "slots"),
		bet("b4", 4, "100", "Gold Quest", "slots"),
		win("w1", 5, "30.00", "Gold Quest", "slots"),
		deposit("d1", 10, "50"),
		deposit("d2", 20, "600"),
		deposit("d3", 30, "200"),
	)
	gq := func(op AggOp, kind int) func(a *asm) []opt {
		return func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: op, Kind: kind, Attr: cAmount, Terms: []Term{
				{Col: cGame, Cond: CondEq, Const: a.konst(`"Gold Quest"`), Local: -1},
				{Col: cCategory, Cond: CondNe, Const: a.konst(`"roulette"`), Local: -1},
			}})}
		}
	}
	plain := func(op AggOp, kind, attr int) func(a *asm) []opt {
		return func(a *asm) []opt {
			return []opt{withResult(ResultPoints), withRound(num.Down, 4), withAggs(Aggregation{Op: op, Kind: kind, Attr: attr})}
		}
	}
	runCases(t, []runCase{
		{name: "sum with terms", src: "aggregate 0\ngive", opts: gq(AggSum, kBet), in: &txns, want: "calculated 110.00 EUR"},
		{name: "net loss", src: "aggregate 0\naggregate 1\nsub\nload_const 0.05\nmul\ngive", opts: func(a *asm) []opt {
			o := gq(AggSum, kBet)(a)
			return append(o, gq(AggSum, kWin)(a)...)
		}, in: &txns, want: "calculated 4.00 EUR"},
		{name: "count", src: "aggregate 0\ngive", opts: plain(AggCount, kDeposit, -1), in: &txns, want: "calculated 3.0000"},
		{name: "sum", src: "aggregate 0\ngive", opts: plain(AggSum, kDeposit, cAmount), in: &txns, want: "calculated 850.0000"},
		{name: "avg", src: "aggregate 0\ngive", opts: plain(AggAvg, kDeposit, cAmount), in: &txns, want: "calculated 283.3333"},
		{name: "min", src: "aggregate 0\ngive", opts: plain(AggMin, kDeposit, cAmount), in: &txns, want: "calculated 50.0000"},
		{name: "max", src: "aggregate 0\ngive", opts: plain(AggMax, kDeposit, cAmount), in: &txns, want: "calculated 600.0000"},
		{name: "first", src: "aggregate 0\ngive", opts: plain(AggFirst, kDeposit, cAmount), in: &txns, want: "calculated 50.0000"},
		{name: "last", src: "aggregate 0\ngive", opts: plain(AggLast, kDeposit, cAmount), in: &txns, want: "calculated 200.0000"},
		{name: "first with terms", src: "aggregate 0\ngive", opts: gq(AggFirst, kBet), in: &txns, want: "calculated 10.00 EUR"},
		{name: "last with terms", src: "aggregate 0\ngive", opts: gq(AggLast, kBet), in: &txns, want: "calculated 100.00 EUR"},
		{name: "max with terms", src: "aggregate 0\ngive", opts: gq(AggMax, kBet), in: &txns, want: "calculated 100.00 EUR"},
		{name: "sum of nothing is zero", src: "aggregate 0\nload_const 5 EUR\nadd\ngive", opts: plain(AggSum, kWithdrawal, cAmount), in: &txns, want: "skipped no-matching-transactions: the formula reads transactions and none matched"},
		{name: "count of nothing", src: "aggregate 0\naggregate 1\nadd\ngive", opts: func(a *asm) []opt {
			return []opt{withResult(ResultPoints), withAggs(Aggregation{Op: AggCount, Kind: kLogin, Attr: -1}, Aggregation{Op: AggCount, Kind: kDeposit, Attr: -1})}
		}, in: &txns, want: "calculated 3"},
		{name: "avg of nothing", src: "aggregate 0\ngive", opts: plain(AggAvg, kWithdrawal, cAmount), in: &txns, want: "skipped no-matching-transactions: no withdrawal transaction matched"},
		{name: "min of nothing", src: "aggregate 0\ngive", opts: plain(AggMin, kWithdrawal, cAmount), in: &txns, want: "skipped no-matching-transactions: no withdrawal transaction matched"},
		{name: "last of nothing", src: "aggregate 0\ngive", opts: plain(AggLast, kWithdrawal, cAmount), in: &txns, want: "skipped no-matching-transactions: no withdrawal transaction matched"},
		{name: "term in list", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cCategory, Cond: CondIn, Const: a.list(`"roulette", "live"`), Local: -1}}})}
		}, in: &txns, want: "calculated 20.50 EUR"},
		{name: "term not in list", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cCategory, Cond: CondNotIn, Const: a.list(`"roulette", "live"`), Local: -1}}})}
		}, in: &txns, want: "calculated 115.25 EUR"},
		{name: "term on amount", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cAmount, Cond: CondGe, Const: a.konst("20.5 EUR"), Local: -1}}})}
		}, in: &txns, want: "calculated 120.50 EUR"},
		{name: "term with more digits than the column", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cAmount, Cond: CondGt, Const: a.konst("10.001 EUR"), Local: -1}}})}
		}, in: &txns, want: "calculated 120.50 EUR"},
		{name: "term equal to more digits", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cAmount, Cond: CondEq, Const: a.konst("10.001 EUR"), Local: -1}}})}
		}, in: &txns, want: "skipped no-matching-transactions: the formula reads transactions and none matched"},
		{name: "term operand from a local", src: "load_const 20 EUR\nstore_local threshold\naggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggCount, Kind: kDeposit, Attr: -1, Terms: []Term{{Col: cAmount, Cond: CondGt, Local: 0}}}), withResult(ResultPoints)}
		}, in: &txns, want: "calculated 3"},
		{name: "term currency mismatch", src: "load_const 20 USD\nstore_local threshold\naggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggCount, Kind: kDeposit, Attr: -1, Terms: []Term{{Col: cAmount, Cond: CondGt, Local: 0}}}), withResult(ResultPoints)}
		}, in: &txns, want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		{name: "term operand from a property", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggCount, Kind: kDeposit, Attr: -1, Terms: []Term{{Col: cAmount, Cond: CondLt, Const: 1, Local: -1, Prop: true}}}), withResult(ResultPoints)}
		}, in: withProps(txns, map[string]any{"total_deposits": "250.50"}), want: "calculated 2"},
		{name: "term missing property traps at a row", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggCount, Kind: kDeposit, Attr: -1, Terms: []Term{{Col: cAmount, Cond: CondLt, Const: 1, Local: -1, Prop: true}}}), withResult(ResultPoints)}
		}, in: &txns, want: "error missing-property: player property total_deposits is missing"},
		{name: "term missing property no row reaches", src: "aggregate 0\nload_const 4\nadd\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggCount, Kind: kDeposit, Attr: -1, Terms: []Term{
				{Col: cAmount, Cond: CondGt, Const: a.konst("1000 EUR"), Local: -1},
				{Col: cAmount, Cond: CondLt, Const: 1, Local: -1, Prop: true},
			}}), withResult(ResultPoints)}
		}, in: &txns, want: "skipped no-matching-transactions: the formula reads transactions and none matched"},
		{name: "filter code", src: "aggregate 0\ngive\nf:\nload_attr bet.game\nload_const \"Other\"\ncmp_int eq\njump_if_true_or_pop e\nload_attr bet.amount\nload_const 50 EUR\ncmp_num gt\ne:\nfilter_end", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount}), withFilter(0, "f")}
		}, in: &txns, want: "calculated 105.25 EUR"},
		{name: "filter code after terms", src: "aggregate 0\ngive\nf:\nload_attr bet.amount\nload_const 50 EUR\ncmp_num lt\nfilter_end", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cGame, Cond: CondEq, Const: a.konst(`"Gold Quest"`), Local: -1}}}), withFilter(0, "f")}
		}, in: &txns, want: "calculated 30.50 EUR"},
		{name: "filter code traps", src: "aggregate 0\ngive\nf:\nload_prop logins_count_ever\nload_const 1\ncmp_num gt\nfilter_end", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount}), withFilter(0, "f")}
		}, in: &txns, want: "error missing-property: player property logins_count_ever is missing"},
	})
}

func TestPipeline(t *testing.T) {
	give := func(lit string) string { return "load_const " + lit + "\ngive" }
	rounding := func(mode num.Mode, decimals int32) func(a *asm) []opt {
		return func(a *asm) []opt { return []opt{withRound(mode, decimals)} }
	}
	jpy := eurPlayer()
	jpy.Player.Currency = cur("JPY")
	runCases(t, []runCase{
		{name: "down 2", src: give("2.735 EUR"), opts: rounding(num.Down, 2), want: "calculated 2.73 EUR"},
		{name: "up 2", src: give("2.735 EUR"), opts: rounding(num.Up, 2), want: "calculated 2.74 EUR"},
		{name: "nearest 2", src: give("2.735 EUR"), opts: rounding(num.Nearest, 2), want: "calculated 2.74 EUR"},
		{name: "down 0", src: give("2.735 EUR"), opts: rounding(num.Down, 0), want: "calculated 2 EUR"},
		{name: "up 0", src: give("2.735 EUR"), opts: rounding(num.Up, 0), want: "calculated 3 EUR"},
		{name: "nearest 0", src: give("2.735 EUR"), opts: rounding(num.Nearest, 0), want: "calculated 3 EUR"},
		{name: "down 3", src: give("2.735 EUR"), opts: rounding(num.Down, 3), want: "calculated 2.735 EUR"},
		{name: "default is minor units", src: give("2.735 EUR"), want: "calculated 2.74 EUR"},
		{name: "default for JPY", src: give("1234.5"), in: &jpy, want: "calculated 1235 JPY"},
		{name: "default for points", src: give("2.5"), opts: points, want: "calculated 3"},
		{name: "zero", src: give("0 EUR"), want: "skipped non-positive-amount: the amount is zero or negative"},
		{name: "negative", src: give("-5 EUR"), want: "skipped non-positive-amount: the amount is zero or negative"},
		{name: "rounded to zero", src: give("0.004 EUR"), want: "skipped rounded-to-zero: the amount rounds to zero"},
		{name: "rounded up from tiny", src: give("0.001 EUR"), opts: rounding(num.Up, 2), want: "calculated 0.01 EUR"},
		{name: "cap", src: give("1000 EUR"), opts: func(a *asm) []opt { return []opt{a.withCap("200 EUR | 220 USD")} }, want: "calculated 200.00 EUR"},
		{name: "under the cap", src: give("150 EUR"), opts: func(a *asm) []opt { return []opt{a.withCap("200 EUR | 220 USD")} }, want: "calculated 150.00 EUR"},
		{name: "cap points", src: give("1000"), opts: func(a *asm) []opt { return []opt{withResult(ResultPoints), a.withCap("200")} }, want: "calculated 200"},
		{name: "cap without the currency", src: give("1000"), in: &jpy, opts: func(a *asm) []opt { return []opt{a.withCap("200 EUR | 220 USD")} }, want: "error missing-currency-value: no cap for JPY in 200 EUR | 220 USD"},
		{name: "minimum met exactly", src: give("5 EUR"), opts: func(a *asm) []opt { return []opt{a.withMinimum("5 EUR")} }, want: "calculated 5.00 EUR"},
		{name: "below minimum", src: give("4.99 EUR"), opts: func(a *asm) []opt { return []opt{a.withMinimum("5 EUR")} }, want: "skipped below-minimum: the amount is below the minimum"},
		{name: "minimum after rounding", src: give("4.995 EUR"), opts: func(a *asm) []opt { return []opt{a.withMinimum("5 EUR")} }, want: "calculated 5.00 EUR"},
		{name: "minimum after rounding down", src: give("4.999 EUR"), opts: func(a *asm) []opt { return []opt{withRound(num.Down, 2), a.withMinimum("5 EUR")} }, want: "skipped below-minimum: the amount is below the minimum"},
		{name: "minimum without the currency", src: give("10"), in: &jpy, opts: func(a *asm) []opt { return []opt{a.withMinimum("5 EUR")} }, want: "error missing-currency-value: no minimum for JPY in 5 EUR"},
		{name: "manual", src: give("10 EUR"), opts: func(a *asm) []opt { return []opt{withManual()} }, want: "calculated 10.00 EUR manual"},
		{name: "amount in another currency", src: give("10 USD"), want: "error currency-mismatch: the amount is in USD but the player's currency is EUR"},
		{name: "template ignores the pipeline", src: give("tmpl:0"), opts: func(a *asm) []opt {
			return []opt{withResult(ResultTemplate), a.withMinimum("5 EUR"), withManual()}
		}, want: `calculated "10 Free Spins on Golden Quest" manual`},
	})
}

func TestResultValues(t *testing.T) {
	a := newAsm(t)
	r := a.reward("bonus", "load_const 1000 EUR\ngive", a.withCap("200 EUR"), withRound(num.Down, 2))
	d := prepare(t, a.p, eurPlayer())
	res := run(t, a.p, r, d, Options{})
	assert.Equal(t, Calculated, res.Outcome)
	assert.Equal(t, "200.00 EUR", res.Value.String())
	assert.Equal(t, "1000 EUR", res.Raw.String())
	assert.Equal(t, r.Spans[1], res.Span)
}

func TestStepBudget(t *testing.T) {
	a := newAsm(t)
	r := a.reward("loop", "load_const 1\nloop:\njump loop")
	d := prepare(t, a.p, eurPlayer())
	res := run(t, a.p, r, d, Options{MaxSteps: 1000})
	assert.Equal(t, "error step-budget-exhausted: more than 1000 steps", show(d, res))
	assert.Equal(t, r.Spans[1], res.Span)
	res = run(t, a.p, r, d, Options{})
	assert.Equal(t, "error step-budget-exhausted: more than 10000000 steps", show(d, res))
}

// TestStepBudgetCmpJump checks that a comparison and the jump on its
// result, which the machine runs together, still count one step each: the
// budget runs out at the same instruction as when they run in turn.
func TestStepBudgetCmpJump(t *testing.T) {
	a := newAsm(t)
	// 9 steps per round: the call ticks at step 7 of a round, the jump back at step 9.
	r := a.reward("loop", `
	loop:
		load_const 1
		load_const 2
		cmp_num lt
		jump_if_false end
		load_const 1
		load_const 2
		call_builtin min/2
		pop
		jump loop
	end:
		load_const 1
		give`)
	d := prepare(t, a.p, eurPlayer())
	res := run(t, a.p, r, d, Options{MaxSteps: 89}) // round 10: the call at step 88, the jump at 90
	assert.Equal(t, "error step-budget-exhausted: more than 89 steps", show(d, res))
	assert.Equal(t, r.Spans[8], res.Span)
	res = run(t, a.p, r, d, Options{MaxSteps: 87})
	assert.Equal(t, r.Spans[6], res.Span)
}

func TestCancel(t *testing.T) {
	a := newAsm(t)
	r := a.reward("loop", "load_const 1\nloop:\njump loop")
	d := prepare(t, a.p, eurPlayer())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := NewMachine().Run(ctx, a.p, r, d, Options{})
	require.NoError(t, err)
	assert.Equal(t, "error cancelled: context canceled", show(d, res))

	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	res, err = NewMachine().Run(ctx, a.p, r, d, Options{MaxSteps: 1 << 62})
	require.NoError(t, err)
	assert.Equal(t, "error cancelled: context deadline exceeded", show(d, res))
}

func TestWindow(t *testing.T) {
	a := newAsm(t)
	spec := window.Spec{Kind: window.TimeBack, N: 1, Unit: window.Hour}
	r := a.reward("w", "aggregate 0\ngive", withResult(ResultPoints), withWindow(spec),
		withAggs(Aggregation{Op: AggCount, Kind: kDeposit, Attr: -1}))
	long := a.reward("long", "aggregate 0\ngive", withResult(ResultPoints),
		withWindow(window.Spec{Kind: window.SinceEntrance}), withAggs(Aggregation{Op: AggCount, Kind: kDeposit, Attr: -1}))
	now := at(120)
	in := eurPlayer(
		deposit("before", 59, "1"),   // 10:59, before the window
		deposit("start", 60, "1"),    // 11:00, the start: included
		deposit("inside", 90, "1"),   // included
		deposit("end", 120, "1"),     // 12:00, the end: excluded
		deposit("after", 121, "1"),   // after now
		deposit("inside2", 119, "1"), // included
	)
	in.Now = now
	d := prepare(t, a.p, in)
	res := run(t, a.p, r, d, Options{Trace: true})
	assert.Equal(t, "calculated 3", show(d, res))
	require.NotNil(t, res.Trace.Window)
	assert.True(t, res.Trace.Window.Start.Equal(at(60)))
	require.Len(t, res.Trace.Aggregations, 1)
	assert.Equal(t, []string{"start", "inside", "inside2"}, res.Trace.Aggregations[0].IDs)

	in.Anchors.Entered = now.Add(-40 * 24 * time.Hour)
	d = prepare(t, a.p, in)
	res = run(t, a.p, long, d, Options{})
	assert.Equal(t, Error, res.Outcome)
	assert.Equal(t, ReasonWindowTooLong, res.Reason)

	in.Anchors.Entered = time.Time{}
	d = prepare(t, a.p, in)
	res = run(t, a.p, long, d, Options{})
	assert.Equal(t, ReasonInvalidWindow, res.Reason)
	assert.Equal(t, "window "+long.Window.String()+": missing anchor: campaign entrance", res.Detail)
}

// TestWindowCache runs rewards on one machine, which keeps the windows it
// resolved on a Data: rewards sharing a window, another Data with another
// now, a window that fails and then resolves, and the trace on a cached window.
func TestWindowCache(t *testing.T) {
	a := newAsm(t)
	hour := window.Spec{Kind: window.TimeBack, N: 1, Unit: window.Hour}
	count := func(name string, w window.Spec, k int) *Reward {
		return a.reward(name, "aggregate 0\ngive", withResult(ResultPoints), withWindow(w),
			withAggs(Aggregation{Op: AggCount, Kind: k, Attr: -1}))
	}
	deposits := count("deposits", hour, kDeposit)
	deposits2 := count("deposits2", hour, kDeposit)
	bets := count("bets", hour, kBet)
	entered := count("entered", window.Spec{Kind: window.SinceEntrance}, kDeposit)
	require.NoError(t, a.p.Validate())
	assert.Equal(t, deposits.win, deposits2.win)
	assert.Equal(t, deposits.win, bets.win)
	assert.NotEqual(t, deposits.win, entered.win)

	in := eurPlayer(deposit("a", 59, "1"), deposit("b", 60, "1"), deposit("c", 90, "1"), deposit("d", 119, "1"), bet("x", 100, "5", "g", "c"))
	in.Now = at(120)
	d1 := prepare(t, a.p, in)
	in.Now = at(91)
	d2 := prepare(t, a.p, in)
	in.Now = at(120)
	in.Anchors.Entered = at(89)
	d3 := prepare(t, a.p, in)

	m := NewMachine()
	runOn := func(r *Reward, d *Data, o Options) Result {
		res, err := m.Run(context.Background(), a.p, r, d, o)
		require.NoError(t, err)
		return res
	}
	for range 2 {
		assert.Equal(t, "calculated 3", show(d1, runOn(deposits, d1, Options{})))
		assert.Equal(t, "calculated 1", show(d1, runOn(bets, d1, Options{})))
		res := runOn(deposits2, d1, Options{Trace: true})
		assert.Equal(t, "calculated 3", show(d1, res))
		require.NotNil(t, res.Trace.Window)
		assert.True(t, res.Trace.Window.Start.Equal(at(60)))
		assert.True(t, res.Trace.Window.End.Equal(at(120)))
		assert.Equal(t, ReasonInvalidWindow, runOn(entered, d1, Options{}).Reason)

		assert.Equal(t, "calculated 3", show(d2, runOn(deposits, d2, Options{})))
		assert.Equal(t, "skipped no-matching-transactions", show(d2, runOn(bets, d2, Options{}))[:32])
		res = runOn(deposits2, d2, Options{Trace: true})
		assert.Equal(t, "calculated 3", show(d2, res))
		assert.True(t, res.Trace.Window.Start.Equal(at(31)))

		assert.Equal(t, "calculated 2", show(d3, runOn(entered, d3, Options{})))
		assert.Equal(t, "calculated 3", show(d3, runOn(deposits, d3, Options{})))
		assert.Equal(t, ReasonInvalidWindow, runOn(entered, d1, Options{}).Reason)
	}
}

func TestTrace(t *testing.T) {
	a := newAsm(t)
	r := a.reward("t", `
		aggregate 0
		store_local deposit
		load_local deposit
		load_const 500 EUR
		cmp_num gt
		jump_if_false small
		mark above 500 EUR
		load_local deposit
		load_const 0.5
		mul
		give
	small:
		mark else
		skip "small"`, withAggs(Aggregation{Op: AggLast, Kind: kDeposit, Attr: cAmount}))
	d := prepare(t, a.p, eurPlayer(deposit("d1", 1, "100"), deposit("d2", 2, "700")))
	res := run(t, a.p, r, d, Options{Trace: true})
	assert.Equal(t, "calculated 350.00 EUR", show(d, res))
	tr := res.Trace
	require.NotNil(t, tr)
	assert.Nil(t, tr.Window)
	require.Len(t, tr.Branches, 1)
	assert.Equal(t, "above 500 EUR", tr.Branches[0].Label)
	require.Len(t, tr.Lets, 1)
	assert.Equal(t, "deposit", tr.Lets[0].Name)
	assert.Equal(t, "700 EUR", tr.Lets[0].Text)
	require.Len(t, tr.Aggregations, 1)
	assert.Equal(t, 2, tr.Aggregations[0].Matched)
	assert.Equal(t, []string{"d1", "d2"}, tr.Aggregations[0].IDs)
	assert.Nil(t, run(t, a.p, r, d, Options{}).Trace)
}

func TestMisuse(t *testing.T) {
	a := newAsm(t)
	r := a.reward("r", "load_const 1\ngive")
	d := prepare(t, a.p, eurPlayer())
	b := newAsm(t)
	other := b.reward("r", "load_const 1\ngive")
	dOther := prepare(t, b.p, eurPlayer())
	m := NewMachine()
	_, err := m.Run(context.Background(), a.p, other, d, Options{})
	assert.ErrorContains(t, err, "not a reward of the program")
	_, err = m.Run(context.Background(), a.p, r, dOther, Options{})
	assert.ErrorContains(t, err, "another program")
	_, err = m.Run(context.Background(), nil, r, d, Options{})
	assert.Error(t, err)
	var nilM *Machine
	_, err = nilM.Run(context.Background(), a.p, r, d, Options{})
	assert.Error(t, err)
	_, err = m.Run(context.Background(), a.p, r, d, Options{})
	assert.NoError(t, err)
	assert.Error(t, m.RunInto(context.Background(), nil, a.p, r, d, Options{}))
	res := Result{Outcome: Error, Reason: "stale"}
	assert.Error(t, m.RunInto(context.Background(), &res, nil, r, d, Options{}))
	assert.Equal(t, Result{}, res)
	assert.NoError(t, m.RunInto(context.Background(), &res, a.p, r, d, Options{}))
	assert.Equal(t, "calculated 1.00 EUR", show(d, res))
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opts func(a *asm) []opt
		want string
	}{
		{name: "underflow", src: "add\ngive", want: "stack underflow"},
		{name: "falls off the end", src: "load_const 1", want: "falls off its end"},
		{name: "depth mismatch", src: "load_const true\njump_if_false l\nload_const 1\nl:\nload_const 2\ngive", want: "stack depth"},
		{name: "attr outside filter", src: "load_attr bet.game\ngive", want: "only allowed in filter code"},
		{name: "aggregate in filter", src: "aggregate 0\ngive\nf:\naggregate 0\nfilter_end", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1}), withFilter(0, "f")}
		}, want: "not allowed in filter code"},
		{name: "backward jump in filter", src: "aggregate 0\ngive\nf:\nload_const true\njump f\nfilter_end", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1}), withFilter(0, "f")}
		}, want: "backward jump in filter code"},
		{name: "filter into formula", src: "f:\nload_const true\nfilter_end", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1}), withFilter(0, "f")}
		}, want: "only allowed in filter code"},
		{name: "builtin arity", src: "load_const 1\ncall_builtin clamp/1\ngive", want: "does not take 1 arguments"},
		{name: "sum of strings", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cGame})}
		}, want: "sum of a string column"},
		{name: "term operand type", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cGame, Cond: CondEq, Const: a.konst("5"), Local: -1}}})}
		}, want: "number operand for a string column"},
		{name: "term property type", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cGame, Cond: CondEq, Const: 0, Local: -1, Prop: true}}})}
		}, want: "number property for a string column"},
		{name: "term property out of range", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cGame, Cond: CondEq, Const: 99, Local: -1, Prop: true}}})}
		}, want: "property 99 out of range"},
		{name: "term property with a local", src: "aggregate 0\ngive", opts: func(a *asm) []opt {
			return []opt{withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cGame, Cond: CondEq, Const: 3, Local: 0, Prop: true}}})}
		}, want: "a property operand goes with a local of -1"},
		{name: "window", src: "load_const 1\ngive", opts: func(a *asm) []opt {
			return []opt{withWindow(window.Spec{Kind: window.TimeBack, N: 40, Unit: window.Day})}
		}, want: "window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAsm(t)
			var opts []opt
			if tt.opts != nil {
				opts = tt.opts(a)
			}
			a.reward(tt.name, tt.src, opts...)
			err := a.p.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want, "Validate(%s)", tt.name)
			_, perr := Prepare(a.p, eurPlayer())
			assert.True(t, errors.Is(perr, err) || perr.Error() == err.Error())
		})
	}
}

// TestStackNeed checks that the stack is sized for filter code running on
// top of a deep stack, whatever MaxStack says.
func TestStackNeed(t *testing.T) {
	a := newAsm(t)
	r := a.reward("deep", `
		load_const 1
		load_const 2
		load_const 3
		aggregate 0
		add
		add
		add
		give
	f:
		load_attr bet.amount
		load_attr bet.amount
		load_const 1 EUR
		add
		cmp_num lt
		filter_end`, withResult(ResultPoints), withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1}), withFilter(0, "f"),
		func(r *Reward, _ map[string]int) { r.MaxStack = 0 })
	require.NoError(t, a.p.Validate())
	assert.Equal(t, 6, r.need)
	d := prepare(t, a.p, eurPlayer(bet("b1", 1, "10", "g", "c"), bet("b2", 2, "5", "g", "c")))
	assert.Equal(t, "calculated 8", show(d, run(t, a.p, r, d, Options{})))
}

// TestSharedReward checks that a reward listed in two programs is refused.
func TestSharedReward(t *testing.T) {
	a := newAsm(t)
	r := a.reward("r", "load_const 1\ngive")
	require.NoError(t, a.p.Validate())
	b := newAsm(t)
	b.p.Rewards = append(b.p.Rewards, r)
	assert.ErrorContains(t, b.p.Validate(), "belongs to another program")
}

// TestTermOrder checks that a term whose operand fails traps only when a row
// reaches it, as comparing that row would: conditions before it that reject
// every row, and windows without rows, never compare.
func TestTermOrder(t *testing.T) {
	txns := eurPlayer(bet("b1", 1, "20", "Gold Quest", "slots"), bet("b2", 2, "5", "Book", "slots"))
	noBets := eurPlayer()
	gbpPlayer := eurPlayer()
	gbpPlayer.Player.Currency = gbp
	count := func(terms func(a *asm) []Term) func(a *asm) []opt {
		return func(a *asm) []opt {
			return []opt{withResult(ResultPoints), withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1, Terms: terms(a)})}
		}
	}
	usdTerm := func(a *asm) Term { return Term{Col: cAmount, Cond: CondGt, Const: a.konst("10 USD"), Local: -1} }
	runCases(t, []runCase{
		{name: "rejected before the mismatch", src: "aggregate 0\ngive", in: &txns, opts: count(func(a *asm) []Term {
			return []Term{{Col: cGame, Cond: CondEq, Const: a.konst(`"Starburst"`), Local: -1}, usdTerm(a)}
		}), want: "skipped no-matching-transactions: the formula reads transactions and none matched"},
		{name: "no rows", src: "aggregate 0\ngive", in: &noBets, opts: count(func(a *asm) []Term { return []Term{usdTerm(a)} }),
			want: "skipped no-matching-transactions: the formula reads transactions and none matched"},
		{name: "a row reaches the mismatch", src: "aggregate 0\ngive", in: &txns, opts: count(func(a *asm) []Term {
			return []Term{{Col: cGame, Cond: CondEq, Const: a.konst(`"Book"`), Local: -1}, usdTerm(a)}
		}), want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		{name: "mismatch before a term that matches nothing", src: "aggregate 0\ngive", in: &txns, opts: count(func(a *asm) []Term {
			return []Term{usdTerm(a), {Col: cAmount, Cond: CondEq, Const: a.konst("1.001 EUR"), Local: -1}}
		}), want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		{name: "per-currency operand", src: "aggregate 0\ngive", in: &txns, opts: count(func(a *asm) []Term {
			return []Term{{Col: cAmount, Cond: CondGt, Const: a.konst("table:10 EUR | 12 USD"), Local: -1}}
		}), want: "calculated 1"},
		{name: "per-currency operand without the currency", src: "aggregate 0\ngive", in: &gbpPlayer, opts: count(func(a *asm) []Term {
			return []Term{{Col: cAmount, Cond: CondGt, Const: a.konst("table:10 EUR | 12 USD"), Local: -1}}
		}), want: "skipped no-matching-transactions: the formula reads transactions and none matched"},
		{name: "per-currency in a list", src: "aggregate 0\ngive", in: &txns, opts: count(func(a *asm) []Term {
			return []Term{{Col: cAmount, Cond: CondIn, Const: a.list("table:20 EUR | 22 USD, 7 EUR"), Local: -1}}
		}), want: "calculated 1"},
		{name: "list fails after a match", src: "aggregate 0\ngive", in: &txns, opts: count(func(a *asm) []Term {
			return []Term{{Col: cAmount, Cond: CondIn, Const: a.list("20 EUR, 1 USD"), Local: -1}}
		}), want: "error currency-mismatch: currency mismatch: an amount in USD meets money in the player's currency, EUR: write the amount in each currency, as in 10 USD | 10 EUR (declaring the currencies served lets promoc check find every such amount)"},
		{name: "list element after a match is not compared", src: "aggregate 0\ngive", in: &txns, opts: count(func(a *asm) []Term {
			return []Term{{Col: cGame, Cond: CondEq, Const: a.konst(`"Gold Quest"`), Local: -1}, {Col: cAmount, Cond: CondIn, Const: a.list("20 EUR, 1 USD"), Local: -1}}
		}), want: "calculated 1"},
		{name: "in with a per-currency element", src: "load_const 20 EUR\nin table:20 EUR | 22 USD\njump_if_false no\nload_const 1\ngive\nno:\nskip \"not in\"", opts: points, want: "calculated 1"},
		{name: "in with a per-currency element without the currency", src: "load_const 20 GBP\nin table:20 EUR | 22 USD\npop\nload_const 1\ngive", opts: points, in: &gbpPlayer,
			want: "error missing-currency-value: no value for GBP in 20 EUR | 22 USD"},
		{name: "last with filter code reads every row", src: "aggregate 0\ngive\nf:\nload_const 100 EUR\nload_attr deposit.amount\ndiv\nload_const 1\ncmp_num gt\nfilter_end",
			in: func() *Input { in := eurPlayer(deposit("d1", 1, "0"), deposit("d2", 2, "50")); return &in }(),
			opts: func(a *asm) []opt {
				return []opt{withAggs(Aggregation{Op: AggLast, Kind: kDeposit, Attr: cAmount}), withFilter(0, "f")}
			}, want: "error division-by-zero: division by zero"},
	})
}

// TestTermLocalWithoutConstants: a term reading a local in a program with no
// constants at all.
func TestTermLocalWithoutConstants(t *testing.T) {
	a := newAsm(t)
	r := a.reward("r", "aggregate 0\nstore_local m\naggregate 1\ngive", withAggs(
		Aggregation{Op: AggMax, Kind: kBet, Attr: cAmount},
		Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cAmount, Cond: CondLt, Local: 0}}}))
	require.Empty(t, a.p.Consts)
	d := prepare(t, a.p, eurPlayer(bet("b1", 1, "10", "g", "c"), bet("b2", 2, "20", "g", "c")))
	assert.Equal(t, "calculated 10.00 EUR", show(d, run(t, a.p, r, d, Options{})))
}

// withProps returns a copy of in whose player has the properties props.
func withProps(in Input, props map[string]any) *Input {
	in.Player.Props = props
	return &in
}
