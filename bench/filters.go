package bench

import (
	"context"
	"fmt"
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

// FilterSizes are the numbers of transactions of workload 5.
var FilterSizes = []int{1_000, 100_000, 1_000_000}

// Filters are workload 5's where clauses: the bets of three categories
// without one provider, written with in, with not in, and with a chain of
// ors. Each is a reward of rules/filters.promo.
var Filters = []Filter{
	{Name: "in", Reward: "in_filter",
		Expr: `.category in ["slots", "live", "crash"] && .provider != "Evo"`,
		CEL:  `t.category in ["slots", "live", "crash"] && t.provider != "Evo"`},
	{Name: "not_in", Reward: "not_in_filter", Not: true,
		Expr: `.category not in ["slots", "live", "crash"] && .provider != "Evo"`,
		CEL:  `!(t.category in ["slots", "live", "crash"]) && t.provider != "Evo"`},
	{Name: "or", Reward: "or_filter",
		Expr: `(.category == "slots" || .category == "live" || .category == "crash") && .provider != "Evo"`,
		CEL:  `(t.category == "slots" || t.category == "live" || t.category == "crash") && t.provider != "Evo"`},
}

// Filter is one where clause of workload 5.
type Filter struct {
	Name      string // in, not_in, or
	Reward    string // its reward in rules/filters.promo
	Not       bool   // the categories are excluded rather than included
	Expr, CEL string // the same condition for expr (on a struct) and CEL (on a map t)
}

var (
	filterCategories = []string{"slots", "live", "crash", "table", "roulette", "bingo", "poker"}
	filterProviders  = []string{"Evo", "Pragmatic", "NetEnt", "Play'n GO", "Hacksaw"}
)

// filterRow is one bet of workload 5 in the hand-written engines' form.
type filterRow struct {
	category, provider string
	amount             decimal.Decimal
	cents              int64
	f                  float64
}

// filterRows returns n bets, in time order, from a fixed seed.
func filterRows(n int) []filterRow {
	r := rand.New(rand.NewPCG(5, 6))
	rows := make([]filterRow, n)
	for i := range rows {
		cents := int64(r.IntN(50000) + 1)
		amount := decimal.New(cents, -2)
		rows[i] = filterRow{category: filterCategories[r.IntN(len(filterCategories))], provider: filterProviders[r.IntN(len(filterProviders))],
			amount: amount, cents: cents, f: amount.InexactFloat64()}
	}
	return rows
}

// picked reports whether f selects row: the three categories (or the
// others), not from Evo. The reference answers use it.
func (f Filter) picked(row *filterRow) bool {
	in := row.category == "slots" || row.category == "live" || row.category == "crash"
	return in != f.Not && row.provider != "Evo"
}

// filterColumns is workload 5 as a host that owns its data layout keeps
// it: the bets of one kind, sorted by time, one column per attribute,
// strings interned to small integers.
type filterColumns struct {
	category, provider      []int32
	cents                   []int64
	slots, live, crash, evo int32
}

func newFilterColumns(rows []filterRow) *filterColumns {
	ids := map[string]int32{}
	intern := func(s string) int32 {
		id, ok := ids[s]
		if !ok {
			id = int32(len(ids))
			ids[s] = id
		}
		return id
	}
	c := &filterColumns{slots: intern("slots"), live: intern("live"), crash: intern("crash"), evo: intern("Evo")}
	c.category, c.provider, c.cents = make([]int32, len(rows)), make([]int32, len(rows)), make([]int64, len(rows))
	for i, r := range rows {
		c.category[i], c.provider[i], c.cents[i] = intern(r.category), intern(r.provider), r.cents
	}
	return c
}

// sumIn is the hand loop for in (and, written the same, for the chain of
// ors): the sum in cents.
func (c *filterColumns) sumIn() int64 {
	var s int64
	prov, cents := c.provider[:len(c.category)], c.cents[:len(c.category)]
	for i, x := range c.category {
		if (x == c.slots || x == c.live || x == c.crash) && prov[i] != c.evo {
			s += cents[i]
		}
	}
	return s
}

// sumNotIn is the hand loop for not in.
func (c *filterColumns) sumNotIn() int64 {
	var s int64
	prov, cents := c.provider[:len(c.category)], c.cents[:len(c.category)]
	for i, x := range c.category {
		if x != c.slots && x != c.live && x != c.crash && prov[i] != c.evo {
			s += cents[i]
		}
	}
	return s
}

// compiledFilters is rules/filters.promo and an input prepared for it.
type compiledFilters struct {
	prog     *runtime.Program
	prepared *runtime.Prepared
	err      error
}

// sumInBranchless is sumIn without a branch on the data: each row's test
// is computed as 0 or 1 and masks its amount, which costs the same for
// every row; on random data, where a branch would mispredict, it is the
// faster loop.
func (c *filterColumns) sumInBranchless() int64 {
	var s int64
	prov, cents := c.provider[:len(c.category)], c.cents[:len(c.category)]
	for i, x := range c.category {
		ok := (b2i(x == c.slots) | b2i(x == c.live) | b2i(x == c.crash)) & b2i(prov[i] != c.evo)
		s += cents[i] & -ok
	}
	return s
}

// sumNotInBranchless is sumNotIn without a branch on the data.
func (c *filterColumns) sumNotInBranchless() int64 {
	var s int64
	prov, cents := c.provider[:len(c.category)], c.cents[:len(c.category)]
	for i, x := range c.category {
		ok := b2i(x != c.slots) & b2i(x != c.live) & b2i(x != c.crash) & b2i(prov[i] != c.evo)
		s += cents[i] & -ok
	}
	return s
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// filterData is one size of workload 5, built once and shared by its cases.
type filterData struct {
	rows  []filterRow
	input func() runtime.Input
	// compiled is the rules and the input prepared for them, made on
	// first use.
	compiled func() compiledFilters
	cols     func() *filterColumns
}

func newFilterData(n int) *filterData {
	d := &filterData{rows: filterRows(n)}
	d.input = sync.OnceValue(func() runtime.Input {
		txns := make([]runtime.Transaction, n)
		for i, r := range d.rows {
			txns[i] = runtime.Transaction{ID: strconv.Itoa(i), Kind: "bet", Time: Now.Add(-time.Duration(n-i) * time.Millisecond),
				Attrs: map[string]any{"amount": r.amount, "category": r.category, "provider": r.provider}}
		}
		return runtime.Input{Now: Now, Player: runtime.Player{ID: "p", Currency: "EUR"}, Transactions: txns}
	})
	d.compiled = sync.OnceValue(func() compiledFilters {
		prog, err := compileFile("filters.promo")
		if err != nil {
			return compiledFilters{err: err}
		}
		return compiledFilters{prog: prog, prepared: prog.Prepare(d.input())}
	})
	d.cols = sync.OnceValue(func() *filterColumns { return newFilterColumns(d.rows) })
	return d
}

// exact is the reference answer of f: shopspring, row by row.
func (d *filterData) exact(f Filter) decimal.Decimal {
	s := decimal.Zero
	for i := range d.rows {
		if r := &d.rows[i]; f.picked(r) {
			s = s.Add(r.amount)
		}
	}
	return s
}

// FilterTx is one bet in expr's environment.
type FilterTx struct {
	Category string  `expr:"category"`
	Provider string  `expr:"provider"`
	Amount   float64 `expr:"amount"`
}

// FilterEnv is expr's environment for workload 5.
type FilterEnv struct {
	Txs []FilterTx `expr:"txs"`
}

// FilterCases are workload 5: each filter over each number of
// transactions, in promoc (prepared), expr, CEL, two hand loops over typed
// columns (with a branch per row, and without) and shopspring. The cases of one size share its transactions.
func FilterCases(sizes ...int) []Case {
	var cs []Case
	for _, n := range sizes {
		data := sync.OnceValue(func() *filterData { return newFilterData(n) })
		for _, f := range Filters {
			c := func(engine string, exact bool, note string, setup func(d *filterData, want decimal.Decimal) (*Run, error)) Case {
				return Case{Workload: "W5", Name: fmt.Sprintf("filter=%s/rows=%d/engine=%s", f.Name, n, engine), Engine: engine, Exact: exact, Rows: n, Note: note,
					Setup: func() (*Run, error) {
						d := data()
						return setup(d, d.exact(f))
					}}
			}
			cs = append(cs,
				c(Promoc, true, "on prepared input", func(d *filterData, want decimal.Decimal) (*Run, error) { return filterPromoc(d, f, want) }),
				c(Expr, false, "float64; a slice of structs; reused vm.VM", func(d *filterData, want decimal.Decimal) (*Run, error) { return filterExpr(d, f, want) }),
				c(CEL, false, "float64; a list of maps; sum() added in Go", func(d *filterData, want decimal.Decimal) (*Run, error) { return filterCEL(d, f, want) }),
				c(Int64Columns, true, "cents; columns of one kind, time-sorted, interned strings", func(d *filterData, want decimal.Decimal) (*Run, error) {
					cols := d.cols()
					loop := cols.sumIn
					if f.Not {
						loop = cols.sumNotIn
					}
					r := &Run{}
					r.check(f.Name, decimal.New(loop(), -2), want)
					r.Op = func() { loop() }
					return r, nil
				}),
				c(Int64Branchless, true, "cents; the same columns, the test of each row as 0 or 1 masking its amount", func(d *filterData, want decimal.Decimal) (*Run, error) {
					cols := d.cols()
					loop := cols.sumInBranchless
					if f.Not {
						loop = cols.sumNotInBranchless
					}
					r := &Run{}
					r.check(f.Name, decimal.New(loop(), -2), want)
					r.Op = func() { loop() }
					return r, nil
				}),
				c(Shopspring, true, "the reference", func(d *filterData, want decimal.Decimal) (*Run, error) {
					r := &Run{}
					r.check(f.Name, d.exact(f), want)
					r.Op = func() { d.exact(f) }
					return r, nil
				}),
			)
		}
	}
	return cs
}

func filterPromoc(d *filterData, f Filter, want decimal.Decimal) (*Run, error) {
	cf := d.compiled()
	if cf.err != nil {
		return nil, cf.err
	}
	prog, prepared := cf.prog, cf.prepared
	got, err := promocAnswer(prog, f.Reward, prepared)
	if err != nil {
		return nil, err
	}
	r := &Run{}
	r.check(f.Name, got, want)
	reward, err := prog.Reward(f.Reward)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	r.Op = func() { reward.Evaluate(ctx, prepared) }
	return r, nil
}

func filterExpr(d *filterData, f Filter, want decimal.Decimal) (*Run, error) {
	prog, err := expr.Compile(`round(sum(filter(txs, `+f.Expr+`), .amount) * 100) / 100`, expr.Env(FilterEnv{}), expr.AsFloat64())
	if err != nil {
		return nil, err
	}
	env := &FilterEnv{Txs: make([]FilterTx, len(d.rows))}
	for i, r := range d.rows {
		env.Txs[i] = FilterTx{Category: r.category, Provider: r.provider, Amount: r.f}
	}
	var machine vm.VM
	out, err := machine.Run(prog, env)
	if err != nil {
		return nil, err
	}
	r := &Run{}
	r.checkFloat(f.Name, out.(float64), want)
	r.Op = func() { machine.Run(prog, env) }
	return r, nil
}

func filterCEL(d *filterData, f Filter, want decimal.Decimal) (*Run, error) {
	env, err := celEnv(cel.Variable("txs", cel.ListType(cel.MapType(cel.StringType, cel.DynType))))
	if err != nil {
		return nil, err
	}
	prog, err := celProgram(env, `math.round(sum(txs.filter(t, `+f.CEL+`).map(t, t.amount)) * 100.0) / 100.0`)
	if err != nil {
		return nil, err
	}
	txs := make([]map[string]any, len(d.rows))
	for i, r := range d.rows {
		txs[i] = map[string]any{"category": r.category, "provider": r.provider, "amount": r.f}
	}
	act, err := cel.NewActivation(map[string]any{"txs": txs})
	if err != nil {
		return nil, err
	}
	out, _, err := prog.Eval(act)
	if err != nil {
		return nil, err
	}
	got, err := celFloat(out)
	if err != nil {
		return nil, err
	}
	r := &Run{}
	r.checkFloat(f.Name, got, want)
	r.Op = func() { prog.Eval(act) }
	return r, nil
}
