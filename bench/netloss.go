package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
)

// NetLossSizes are the numbers of transactions of workload 2.
var NetLossSizes = []int{1_000, 100_000, 1_000_000}

// nlRow is one transaction of workload 2 in the hand-written engines' form.
type nlRow struct {
	kind, game, category string
	amount               decimal.Decimal
	cents                int64
	f                    float64 // the nearest float64 to amount
}

// netLossRows returns n transactions, alternately bets and wins, on four
// games, with the generator of runtime/bench_test.go.
func netLossRows(n int) []nlRow {
	r := rand.New(rand.NewPCG(1, 2))
	games := []string{"Gold Quest", "Book of Sun", "Lightning Roulette", "Mega Reels"}
	cats := []string{"slots", "slots", "roulette", "live"}
	rows := make([]nlRow, n)
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
		amount := decimal.New(cents, -2)
		rows[i] = nlRow{kind: kind, game: games[g], category: cat, amount: amount, cents: cents, f: amount.InexactFloat64()}
	}
	return rows
}

// netLossData is one size of workload 2, built once and shared by the
// cases of that size.
type netLossData struct {
	rows []nlRow
	want decimal.Decimal // the exact answer, from shopspring
	// input is the rows as promoc's input, made on first use.
	input func() runtime.Input
}

func newNetLossData(n int) *netLossData {
	rows := netLossRows(n)
	d := &netLossData{rows: rows, want: netLossShopspring(rows)}
	d.input = sync.OnceValue(func() runtime.Input {
		txns := make([]runtime.Transaction, n)
		for i, r := range rows {
			txns[i] = runtime.Transaction{ID: strconv.Itoa(i), Kind: r.kind, Time: Now.Add(-time.Duration(n-i) * time.Millisecond),
				Attrs: map[string]any{"amount": r.amount, "game": r.game, "category": r.category}}
		}
		return runtime.Input{Now: Now, Player: runtime.Player{ID: "p", Currency: "EUR"}, Transactions: txns}
	})
	return d
}

var five = decimal.RequireFromString("0.05")

// netLossShopspring is the reference: exact, rounded half away from zero.
func netLossShopspring(rows []nlRow) decimal.Decimal {
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
	return bets.Sub(wins).Mul(five).Round(2)
}

func netLossFloat(rows []nlRow) float64 {
	var bets, wins float64
	for i := range rows {
		r := &rows[i]
		if r.game != "Gold Quest" || r.category == "roulette" {
			continue
		}
		if r.kind == "bet" {
			bets += r.f
		} else {
			wins += r.f
		}
	}
	return math.Round((bets-wins)*0.05*100) / 100
}

// netLossInt64 is the hand loop on int64 cents over the same rows.
func netLossInt64(rows []nlRow) int64 {
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
	return roundHundredths((bets - wins) * 5)
}

// roundHundredths rounds hundredths of a cent to cents, half away from zero.
func roundHundredths(net int64) int64 {
	if net >= 0 {
		return (net + 50) / 100
	}
	return (net - 50) / 100
}

// nlColumns is workload 2 as a host that owns its data layout would store
// it: one column per attribute, strings interned to small integers.
type nlColumns struct {
	isBet           []bool
	game, category  []int32
	cents           []int64
	goldQuest, roul int32
}

func newColumns(rows []nlRow) *nlColumns {
	ids := map[string]int32{}
	intern := func(s string) int32 {
		id, ok := ids[s]
		if !ok {
			id = int32(len(ids))
			ids[s] = id
		}
		return id
	}
	c := &nlColumns{goldQuest: intern("Gold Quest"), roul: intern("roulette")}
	for _, r := range rows {
		c.isBet = append(c.isBet, r.kind == "bet")
		c.game = append(c.game, intern(r.game))
		c.category = append(c.category, intern(r.category))
		c.cents = append(c.cents, r.cents)
	}
	return c
}

func (c *nlColumns) netLoss() int64 {
	var bets, wins int64
	for i, g := range c.game {
		if g != c.goldQuest || c.category[i] == c.roul {
			continue
		}
		if c.isBet[i] {
			bets += c.cents[i]
		} else {
			wins += c.cents[i]
		}
	}
	return roundHundredths((bets - wins) * 5)
}

// NetLossTx is one transaction in expr's environment.
type NetLossTx struct {
	Kind     string  `expr:"kind"`
	Game     string  `expr:"game"`
	Category string  `expr:"category"`
	Amount   float64 `expr:"amount"`
}

// NetLossEnv is expr's environment for workload 2.
type NetLossEnv struct {
	Txs []NetLossTx `expr:"txs"`
}

const (
	netLossExpr = `round(0.05 * (
	sum(filter(txs, .kind == "bet" && .game == "Gold Quest" && .category != "roulette"), .amount) -
	sum(filter(txs, .kind == "win" && .game == "Gold Quest" && .category != "roulette"), .amount)) * 100) / 100`
	netLossCEL = `math.round(0.05 * (
	sum(txs.filter(t, t.kind == "bet" && t.game == "Gold Quest" && t.category != "roulette").map(t, t.amount)) -
	sum(txs.filter(t, t.kind == "win" && t.game == "Gold Quest" && t.category != "roulette").map(t, t.amount))) * 100.0) / 100.0`
)

// NetLossCases are workload 2 over each number of transactions. The cases
// of one size share its transactions, built on first use and kept as long
// as one of the cases is.
func NetLossCases(sizes ...int) []Case {
	var cs []Case
	for _, n := range sizes {
		data := sync.OnceValue(func() *netLossData { return newNetLossData(n) })
		c := func(engine string, exact bool, note string, setup func(d *netLossData) (*Run, error)) Case {
			return Case{Workload: "W2", Name: fmt.Sprintf("rows=%d/engine=%s", n, engine), Engine: engine, Exact: exact, Rows: n, Note: note,
				Setup: func() (*Run, error) { return setup(data()) }}
		}
		cs = append(cs,
			c(Promoc, true, "on prepared input", func(d *netLossData) (*Run, error) { return netLossPromoc(d, false) }),
			c(PromocPrepare, true, "prepares the input in every operation", func(d *netLossData) (*Run, error) { return netLossPromoc(d, true) }),
			c(Expr, false, "float64; a slice of structs; reused vm.VM", netLossExprCase),
			c(CEL, false, "float64; a list of maps; sum() added in Go", netLossCELCase),
			c(Float64, false, "", func(d *netLossData) (*Run, error) {
				r := &Run{}
				r.checkFloat("net loss", netLossFloat(d.rows), d.want)
				r.Op = func() { netLossFloat(d.rows) }
				return r, nil
			}),
			c(Int64, true, "cents; rows of strings", func(d *netLossData) (*Run, error) {
				r := &Run{}
				r.check("net loss", decimal.New(netLossInt64(d.rows), -2), d.want)
				r.Op = func() { netLossInt64(d.rows) }
				return r, nil
			}),
			c(Int64Columns, true, "cents; columns, interned strings", func(d *netLossData) (*Run, error) {
				cols := newColumns(d.rows)
				r := &Run{}
				r.check("net loss", decimal.New(cols.netLoss(), -2), d.want)
				r.Op = func() { cols.netLoss() }
				return r, nil
			}),
			c(Shopspring, true, "the reference", func(d *netLossData) (*Run, error) {
				r := &Run{}
				r.check("net loss", netLossShopspring(d.rows), d.want)
				r.Op = func() { netLossShopspring(d.rows) }
				return r, nil
			}),
		)
	}
	return cs
}

func netLossPromoc(d *netLossData, prepareEachTime bool) (*Run, error) {
	prog, err := compileFile("net_loss.promo")
	if err != nil {
		return nil, err
	}
	in := d.input()
	prepared := prog.Prepare(in)
	got, err := promocAnswer(prog, "net_loss", prepared)
	if err != nil {
		return nil, err
	}
	r := &Run{}
	r.check("net loss", got, d.want)
	ctx := context.Background()
	reward, err := prog.Reward("net_loss")
	if err != nil {
		return nil, err
	}
	if prepareEachTime {
		r.Op = func() { reward.Evaluate(ctx, prog.Prepare(in)) }
	} else {
		r.Op = func() { reward.Evaluate(ctx, prepared) }
	}
	return r, nil
}

func netLossExprCase(d *netLossData) (*Run, error) {
	prog, err := expr.Compile(netLossExpr, expr.Env(NetLossEnv{}), expr.AsFloat64())
	if err != nil {
		return nil, err
	}
	env := &NetLossEnv{Txs: make([]NetLossTx, len(d.rows))}
	for i, r := range d.rows {
		env.Txs[i] = NetLossTx{Kind: r.kind, Game: r.game, Category: r.category, Amount: r.f}
	}
	var machine vm.VM
	out, err := machine.Run(prog, env)
	if err != nil {
		return nil, err
	}
	r := &Run{}
	r.checkFloat("net loss", out.(float64), d.want)
	r.Op = func() { machine.Run(prog, env) }
	return r, nil
}

func netLossCELCase(d *netLossData) (*Run, error) {
	env, err := celEnv(cel.Variable("txs", cel.ListType(cel.MapType(cel.StringType, cel.DynType))))
	if err != nil {
		return nil, err
	}
	prog, err := celProgram(env, netLossCEL)
	if err != nil {
		return nil, err
	}
	txs := make([]map[string]any, len(d.rows))
	for i, r := range d.rows {
		txs[i] = map[string]any{"kind": r.kind, "game": r.game, "category": r.category, "amount": r.f}
	}
	act, err := cel.NewActivation(map[string]any{"txs": txs})
	if err != nil {
		return nil, err
	}
	out, _, err := prog.Eval(act)
	if err != nil {
		return nil, err
	}
	f, err := celFloat(out)
	if err != nil {
		return nil, err
	}
	r := &Run{}
	r.checkFloat("net loss", f, d.want)
	r.Op = func() { prog.Eval(act) }
	return r, nil
}
