package vm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The step budget bounds the time of a run: every kind of work counts steps
// in proportion to its cost. These tests pin the counts; BenchmarkStepCost
// measures what a step costs at worst.

// costCase is a reward that works until the budget stops it.
type costCase struct {
	name  string
	build func(a *asm) (*Reward, Input)
}

// nines returns a number with n digits.
func nines(n int) string { return strings.Repeat("9", n) }

// manyBets returns n bets of one amount, game and category.
func manyBets(n int, amount, game, category string) Input {
	txns := make([]Txn, n)
	for i := range txns {
		txns[i] = bet("b"+strconv.Itoa(i), i%1000, amount, game, category)
	}
	return eurPlayer(txns...)
}

// listOf adds a list of n distinct constants made by elem.
func (a *asm) listOf(n int, elem func(i int) Value) int32 {
	l := make([]Value, n)
	for i := range l {
		l[i] = elem(i)
	}
	a.p.Lists = append(a.p.Lists, l)
	return int32(len(a.p.Lists) - 1)
}

// costCases are the costliest work per step of each kind the machine does.
var costCases = []costCase{
	{"instructions", func(a *asm) (*Reward, Input) {
		return a.reward("r", "load_const 1\nloop:\nload_const 1\nadd\njump loop"), eurPlayer()
	}},
	{"mul 2000 digits", func(a *asm) (*Reward, Input) {
		return a.reward("r", "load_const "+nines(2000)+"\nloop:\ndup\ndup\nmul\npop\njump loop"), eurPlayer()
	}},
	{"div 4000 digits", func(a *asm) (*Reward, Input) {
		return a.reward("r", "loop:\nload_const "+nines(2990)+"\nload_const 0."+strings.Repeat("3", 1000)+"\ndiv\npop\njump loop"), eurPlayer()
	}},
	{"add 4000 digits", func(a *asm) (*Reward, Input) {
		return a.reward("r", "loop:\nload_const "+nines(2990)+"\nload_const 0."+strings.Repeat("3", 1000)+"\nadd\npop\njump loop"), eurPlayer()
	}},
	{"min of 4000 digits", func(a *asm) (*Reward, Input) {
		big := "load_const " + nines(3990) + "\n"
		return a.reward("r", "loop:\n"+strings.Repeat(big, 8)+"call_builtin min/8\npop\njump loop"), eurPlayer()
	}},
	{"filter code cmp 4000 digits", func(a *asm) (*Reward, Input) {
		r := a.reward("r", "loop:\naggregate 0\npop\njump loop\nf:\nload_attr bet.amount\nload_const 0."+strings.Repeat("3", 1000)+" EUR\ncmp_num lt\nfilter_end",
			withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1}), withFilter(0, "f"))
		return r, manyBets(4096, nines(3990), "g", "c")
	}},
	{"filter code in 10000 strings", func(a *asm) (*Reward, Input) {
		l := a.listOf(10000, func(i int) Value { return StringID(a.intern("game " + strconv.Itoa(i))) })
		r := a.reward("r", "loop:\naggregate 0\npop\njump loop\nf:\nload_attr bet.game\nin 0\nfilter_end",
			withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1}), withFilter(0, "f"))
		r.Code[5].Arg = l
		return r, manyBets(4096, "1", "nope", "c")
	}},
	{"sum of 4000-digit column", func(a *asm) (*Reward, Input) {
		r := a.reward("r", "loop:\naggregate 0\npop\njump loop", withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount}))
		return r, manyBets(4096, nines(3990), "g", "c")
	}},
	{"term decimal 4000 digits", func(a *asm) (*Reward, Input) {
		r := a.reward("r", "loop:\naggregate 0\npop\njump loop", withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1,
			Terms: []Term{{Col: cAmount, Cond: CondLt, Const: a.konst("0." + strings.Repeat("3", 1000) + " EUR"), Local: -1}}}))
		return r, manyBets(4096, nines(3990), "g", "c")
	}},
	{"term text order 1 KB", func(a *asm) (*Reward, Input) {
		long := strings.Repeat("x", 1023)
		r := a.reward("r", "loop:\naggregate 0\npop\njump loop", withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1,
			Terms: []Term{{Col: cGame, Cond: CondLt, Const: a.konst(strconv.Quote(long + "y")), Local: -1}}}))
		return r, manyBets(4096, "1", long+"a", "c")
	}},
	{"term in 10000 far-apart numbers", func(a *asm) (*Reward, Input) {
		l := a.listOf(10000, func(i int) Value { return a.value(strconv.Itoa(i*1000+7) + " EUR") })
		r := a.reward("r", "loop:\naggregate 0\npop\njump loop", withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1,
			Terms: []Term{{Col: cAmount, Cond: CondIn, Const: l, Local: -1}}}))
		return r, manyBets(4096, "12", "g", "c")
	}},
	{"typed terms", func(a *asm) (*Reward, Input) {
		r := a.reward("r", "loop:\naggregate 0\npop\njump loop", withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount,
			Terms: []Term{{Col: cGame, Cond: CondEq, Const: a.konst(`"g"`), Local: -1}, {Col: cCategory, Cond: CondNe, Const: a.konst(`"x"`), Local: -1}}}))
		return r, manyBets(4096, "12.5", "g", "c")
	}},
	{"compiling a 10000-element list", func(a *asm) (*Reward, Input) {
		l := a.listOf(10000, func(i int) Value { return a.value(strconv.Itoa(10000-i) + " EUR") })
		r := a.reward("r", "loop:\naggregate 0\npop\njump loop", withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1,
			Terms: []Term{{Col: cAmount, Cond: CondIn, Const: l, Local: -1}}}))
		return r, manyBets(1, "12", "g", "c")
	}},
}

// BenchmarkStepCost runs each cost case until a budget of 1,000,000 steps
// stops it and reports the time per step: the package doc's worst case
// comes from here.
func BenchmarkStepCost(b *testing.B) {
	const budget = 1_000_000
	for _, c := range costCases {
		b.Run(strings.ReplaceAll(c.name, " ", "_"), func(b *testing.B) {
			a := newAsm(b)
			r, in := c.build(a)
			d := prepare(b, a.p, in)
			m := NewMachine()
			var res Result
			for b.Loop() {
				require.NoError(b, m.RunInto(context.Background(), &res, a.p, r, d, Options{MaxSteps: budget}))
			}
			require.Equal(b, ReasonStepBudgetExhausted, res.Reason, show(d, res))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/budget, "ns/step")
		})
	}
}

// TestStepCostCases checks that every cost case ends on the budget, so that
// the benchmark measures what it says.
func TestStepCostCases(t *testing.T) {
	for _, c := range costCases {
		t.Run(c.name, func(t *testing.T) {
			a := newAsm(t)
			r, in := c.build(a)
			d := prepare(t, a.p, in)
			res := run(t, a.p, r, d, Options{MaxSteps: 20_000})
			assert.Equal(t, ReasonStepBudgetExhausted, res.Reason, show(d, res))
		})
	}
}

// TestBudgetCountsRows pins the steps of aggregations: filter code counts
// each instruction on each row, typed loops a step per rowsPerStep rows of
// each pass, a list one step per element. The budget then ends a run the
// moment it would exceed it, not a chunk of rows later.
func TestBudgetCountsRows(t *testing.T) {
	const rows = 5000 // chunks of 2048, 2048 and 904 rows
	in := manyBets(rows, "12.5", "g", "a")
	tests := []struct {
		name  string
		build func(a *asm) *Reward
		want  int64
	}{
		{"filter code", func(a *asm) *Reward {
			return a.reward("r", "aggregate 0\ngive\nf:\nload_attr bet.amount\nload_const 0 EUR\ncmp_num gt\nfilter_end",
				withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount}), withFilter(0, "f"))
		}, 2 + 4*rows + (1 + 2048/16) + (1 + 2048/16) + (1 + 904/16)},
		{"terms", func(a *asm) *Reward {
			return a.reward("r", "aggregate 0\ngive", withResult(ResultPoints), withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1,
				Terms: []Term{{Col: cCategory, Cond: CondIn, Const: a.list(`"a", "b", "c"`), Local: -1}, {Col: cGame, Cond: CondNe, Const: a.konst(`"x"`), Local: -1}}}))
		}, 2 + 3 + 3*((1+2048/16)+(1+2048/16)+(1+904/16))},
		{"no terms", func(a *asm) *Reward {
			return a.reward("r", "aggregate 0\ngive", withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount}))
		}, 2 + (1 + 2048/16) + (1 + 2048/16) + (1 + 904/16)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAsm(t)
			r := tt.build(a)
			d := prepare(t, a.p, in)
			m := NewMachine()
			res, err := m.Run(context.Background(), a.p, r, d, Options{MaxSteps: tt.want})
			require.NoError(t, err)
			assert.Equal(t, Calculated, res.Outcome, show(d, res))
			assert.Equal(t, tt.want, m.steps)
			res, err = m.Run(context.Background(), a.p, r, d, Options{MaxSteps: tt.want - 1})
			require.NoError(t, err)
			assert.Equal(t, ReasonStepBudgetExhausted, res.Reason, show(d, res))
		})
	}
}

// TestBudgetManyFilters is issue 10's repro in small: many lets, each a sum
// whose where clause is filter code with ten conditions. The budget used to
// count one step per 2048 rows, so this took 30 steps and as long as it
// liked; each row's conditions now count.
func TestBudgetManyFilters(t *testing.T) {
	a := newAsm(t)
	var src strings.Builder
	var aggs []Aggregation
	for i := range 10 {
		fmt.Fprintf(&src, "aggregate %d\nstore_local l%d\n", i, i)
		aggs = append(aggs, Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount})
	}
	src.WriteString("load_local l0\ngive\n")
	var opts []opt
	opts = append(opts, withAggs(aggs...))
	for i := range 10 {
		fmt.Fprintf(&src, "f%d:\n", i)
		for j := range 10 {
			fmt.Fprintf(&src, "load_attr bet.amount\nload_const %d EUR\ncmp_num gt\n", j)
			if j < 9 {
				src.WriteString(fmt.Sprintf("jump_if_false_or_pop e%d\n", i))
			}
		}
		fmt.Fprintf(&src, "e%d:\nfilter_end\n", i)
		opts = append(opts, withFilter(i, fmt.Sprintf("f%d", i)))
	}
	r := a.reward("many", src.String(), opts...)
	d := prepare(t, a.p, manyBets(3000, "12.5", "g", "c"))
	m := NewMachine()
	res, err := m.Run(context.Background(), a.p, r, d, Options{MaxSteps: 100_000})
	require.NoError(t, err)
	assert.Equal(t, "error step-budget-exhausted: more than 100000 steps", show(d, res))
	assert.Equal(t, int64(100_001), m.steps, "the run stops at the step that exceeds the budget")
	// 10 sums of 3000 rows, with 40 instructions per row (no condition
	// fails), and the sums' passes over chunks of 2048 and 952 rows; 22
	// instructions of formula: within the default budget.
	res, err = m.Run(context.Background(), a.p, r, d, Options{})
	require.NoError(t, err)
	assert.Equal(t, "calculated 37500.00 EUR", show(d, res))
	assert.Equal(t, int64(10*3000*40+10*((1+2048/16)+(1+952/16))+22), m.steps)
}

// chanCtx is a context whose Done channel the test closes: a deadline that
// passes at a moment the test chooses.
type chanCtx struct {
	context.Context
	ch chan struct{}
}

func (c chanCtx) Done() <-chan struct{} { return c.ch }

func (c chanCtx) Err() error {
	select {
	case <-c.ch:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// TestDeadlineInLongRuns checks that a deadline that passes during a run
// ends it within tickSteps steps: in straight code without jumps or calls,
// and inside the row loop of filter code, which used to check only between
// chunks of 2048 rows.
func TestDeadlineInLongRuns(t *testing.T) {
	a := newAsm(t)
	straight := a.reward("straight", strings.Repeat("load_const 1\npop\n", 3000)+"load_const 1\ngive", withResult(ResultPoints))
	rows := a.reward("rows", "aggregate 0\ngive\nf:\nload_attr bet.amount\nload_const 0 EUR\ncmp_num gt\nfilter_end",
		withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount}), withFilter(0, "f"))
	d := prepare(t, a.p, manyBets(10_000, "12.5", "g", "c"))

	// The deadline passes right after the run starts.
	begin := func(m *Machine, r *Reward) {
		ctx := chanCtx{context.Background(), make(chan struct{})}
		require.NoError(t, a.p.Validate())
		m.start(ctx, a.p, r, d, Options{MaxSteps: 1 << 40})
		require.True(t, m.tick(-1))
		require.True(t, m.window())
		close(ctx.ch)
	}
	m := NewMachine()
	begin(m, straight)
	m.exec(0, 0, nil, 0)
	assert.Equal(t, ReasonCancelled, m.reason)
	assert.Equal(t, int64(tickSteps), m.steps)

	// Into the aggregation directly, past the check of its instruction.
	begin(m, rows)
	assert.False(t, m.aggregate(0, 0, 0))
	assert.Equal(t, ReasonCancelled, m.reason)
	assert.Equal(t, int64(tickSteps), m.steps, "cancelled in the row loop, after %d of 8192 steps of the first chunk", m.steps)
	assert.GreaterOrEqual(t, m.endPC, int(rows.Aggs[0].Filter), "the trap is in the filter code")

	// An expired context through Run: no step at all.
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := m.Run(expired, a.p, rows, d, Options{})
	require.NoError(t, err)
	assert.Equal(t, "error cancelled: context canceled", show(d, res))
	assert.Zero(t, m.steps)
}
