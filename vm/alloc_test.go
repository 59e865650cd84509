package vm

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	var txns []Txn
	for i := range 10_000 {
		game := []string{"Gold Quest", "Other"}[i%2]
		txns = append(txns, bet("b"+strconv.Itoa(i), i, strconv.Itoa(i%500)+".25", game, "slots"),
			win("w"+strconv.Itoa(i), i, "1.10", game, "slots"))
	}
	d := prepare(t, a.p, eurPlayer(txns...))
	check("net loss", a.p, net, d, "calculated 62037.50 EUR")
	check("filter code", a.p, filtered, d, "calculated 274.75 EUR")
	check("below minimum", a.p, minimum, d, "skipped below-minimum: the amount is below the minimum")
	check("no branch", a.p, noBranch, d, "skipped no-branch-matched: no branch matched")
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
