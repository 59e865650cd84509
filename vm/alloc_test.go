package vm

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/vm/window"
)

// TestRunAllocs checks the promise of doc.go: without tracing, a run
// allocates nothing, whatever its outcome.
func TestRunAllocs(t *testing.T) {
	p, r := tieredDeposit(t)
	check := func(name string, p *Program, r *Reward, d *Data, want string) {
		t.Helper()
		m := NewMachine()
		ctx := context.Background()
		res, err := m.Run(ctx, p, r, d, Options{})
		require.NoError(t, err)
		require.Equal(t, want, show(d, res), name)
		allocs := testing.AllocsPerRun(100, func() { m.Run(ctx, p, r, d, Options{}) })
		assert.Zero(t, allocs, "AllocsPerRun(%s)", name)
	}
	for last, want := range map[string]string{
		"2999.99": "calculated 1000.00 EUR",
		"412.35":  "calculated 123.71 EUR",
		"150":     "calculated 10.00 EUR",
		"80":      "skipped skipped: deposit of 100 or less",
	} {
		d := prepare(t, p, eurPlayer(deposit("d1", 1, "20"), deposit("d2", 2, last)))
		check("tiered deposit "+last, p, r, d, want)
	}

	a := newAsm(t)
	gq, roulette := a.konst(`"Gold Quest"`), a.konst(`"roulette"`)
	terms := []Term{{Col: cGame, Cond: CondEq, Const: gq, Local: -1}, {Col: cCategory, Cond: CondNe, Const: roulette, Local: -1}}
	net := a.reward("net_loss", "aggregate 0\naggregate 1\nsub\nload_const 0.05\nmul\ngive",
		withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: terms}, Aggregation{Op: AggSum, Kind: kWin, Attr: cAmount, Terms: terms}))
	filtered := a.reward("filtered", "aggregate 0\ngive\nf:\nload_attr bet.amount\nload_const 50 EUR\ncmp_num gt\nfilter_end",
		withAggs(Aggregation{Op: AggAvg, Kind: kBet, Attr: cAmount}), withFilter(0, "f"))
	minimum := a.reward("minimum", "load_const 1 EUR\ngive", a.withMinimum("5 EUR"))
	noBranch := a.reward("no_branch", "no_branch")
	noRows := a.reward("no_rows", "aggregate 0\ngive", withAggs(Aggregation{Op: AggLast, Kind: kWithdrawal, Attr: cAmount}))
	windowed := a.reward("windowed", "aggregate 0\ngive", withResult(ResultPoints),
		withWindow(window.Spec{Kind: window.TimeBack, N: 2, Unit: window.Hour}), withAggs(Aggregation{Op: AggCount, Kind: kBet, Attr: -1}))
	var txns []Txn
	for i := range 10_000 {
		game := []string{"Gold Quest", "Other"}[i%2]
		txns = append(txns, bet("b"+strconv.Itoa(i), i, strconv.Itoa(i%500)+".25", game, "slots"),
			win("w"+strconv.Itoa(i), i, "1.10", game, "slots"))
	}
	in := eurPlayer(txns...)
	in.Now = at(10_000)
	d := prepare(t, a.p, in)
	check("net loss", a.p, net, d, "calculated 62037.50 EUR")
	check("filter code", a.p, filtered, d, "calculated 274.75 EUR")
	check("below minimum", a.p, minimum, d, "skipped below-minimum: the amount is below the minimum")
	check("no branch", a.p, noBranch, d, "skipped no-branch-matched: no branch matched")
	check("window", a.p, windowed, d, "calculated 120")
	check("no rows", a.p, noRows, d, "skipped no-matching-transactions: no withdrawal transaction matched")
	// Alternating data makes the machine resolve the window in every run.
	in.Now = at(5_000)
	d2 := prepare(t, a.p, in)
	m, ctx, i := NewMachine(), context.Background(), 0
	allocs := testing.AllocsPerRun(100, func() {
		i++
		m.Run(ctx, a.p, windowed, []*Data{d, d2}[i%2], Options{})
	})
	assert.Zero(t, allocs, "AllocsPerRun(window, resolved every run)")
}

// TestConcurrentRuns shares one program and one data between goroutines,
// each with its own machine (run it with -race).
func TestConcurrentRuns(t *testing.T) {
	p, r := tieredDeposit(t)
	d := prepare(t, p, eurPlayer(deposit("d1", 1, "20"), deposit("d2", 2, "412.35")))
	done := make(chan string)
	for range 4 {
		go func() {
			m := NewMachine()
			var last string
			for range 200 {
				res, err := m.Run(context.Background(), p, r, d, Options{Trace: true})
				if err != nil {
					last = err.Error()
					break
				}
				last = show(d, res)
			}
			done <- last
		}()
	}
	for range 4 {
		assert.Equal(t, "calculated 123.71 EUR", <-done)
	}
}
