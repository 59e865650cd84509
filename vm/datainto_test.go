package vm

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// prepareInto is Prepare writing into d with Builder.DataInto.
func prepareInto(t testing.TB, p *Program, in Input, d *Data) *Data {
	t.Helper()
	b, err := build(context.Background(), p, in, false)
	require.NoError(t, err)
	got, err := b.DataInto(context.Background(), d)
	require.NoError(t, err)
	return got
}

// TestDataIntoAsData fills one Data again and again, from one builder and
// from others, with inputs of other sizes, currencies and properties, and
// checks that each time it holds what a new Data holds, and that a reward
// evaluates on it as on the new one.
func TestDataIntoAsData(t *testing.T) {
	p, rs := sumProgram(t)
	rng := rand.New(rand.NewPCG(7, 9))
	var d *Data
	m := NewMachine()
	for round := range 60 {
		n := rng.IntN(50)
		if round%7 == 0 {
			n = 0
		}
		in := eurPlayer(randomTxns(rng, n, round%3 == 0)...)
		in.Rates = map[currency.Code]num.Dec{usd: num.MustParse("0.9")}
		in.Now = at(rng.IntN(30))
		want := prepare(t, p, in)
		before := d
		d = prepareInto(t, p, in, d)
		if before != nil {
			require.Same(t, before, d, "round %d: the Data is reused", round)
		}
		sameData(t, want, d)
		assert.Equal(t, want.props, d.props, "round %d", round)
		assert.Equal(t, want.hasProp, d.hasProp, "round %d", round)
		assert.Equal(t, want.now, d.now)
		for _, r := range rs {
			res, err := m.Run(context.Background(), p, r, d, Options{})
			require.NoError(t, err)
			assert.Equal(t, show(want, run(t, p, r, want, Options{})), show(d, res), "round %d reward %s", round, r.Name)
		}
	}
}

// TestDataIntoWindows runs a windowed reward on a machine, then on the same
// Data written again with another now and other rows: the machine must not
// use the window it resolved on what the Data held before.
func TestDataIntoWindows(t *testing.T) {
	a := newAsm(t)
	r := a.reward("w", "aggregate 0\ngive", withResult(ResultPoints),
		withWindow(window.Spec{Kind: window.TimeBack, N: 1, Unit: window.Hour}),
		withAggs(Aggregation{Op: AggCount, Kind: kDeposit, Attr: -1}))
	in := eurPlayer(deposit("a", 10, "1"), deposit("b", 20, "1"), deposit("c", 200, "1"))
	m := NewMachine()
	var d *Data
	for _, now := range []int{30, 230, 30, 100} {
		in.Now = at(now)
		want := prepare(t, a.p, in)
		d = prepareInto(t, a.p, in, d)
		res, err := m.Run(context.Background(), a.p, r, d, Options{Trace: true})
		require.NoError(t, err)
		wres := run(t, a.p, r, want, Options{Trace: true})
		assert.Equal(t, show(want, wres), show(d, res), "now %d", now)
		require.NotNil(t, res.Trace.Window)
		assert.True(t, res.Trace.Window.End.Equal(at(now)), "now %d: window ends at %v", now, res.Trace.Window.End)
		assert.Equal(t, wres.Trace.Aggregations[0].IDs, res.Trace.Aggregations[0].IDs, "now %d", now)
	}
}

// TestDataIntoOtherProgram gives DataInto a Data of another program: it
// makes a new one rather than writing into it. An error leaves d as it was.
func TestDataIntoOtherProgram(t *testing.T) {
	p, _ := sumProgram(t)
	q := newAsm(t).p
	require.NoError(t, q.Validate())
	in := eurPlayer(deposit("d1", 5, "100"))
	other := prepare(t, q, Input{Player: Player{ID: "x", Currency: eur}, Now: at(1)})
	d := prepareInto(t, p, in, other)
	assert.NotSame(t, other, d)
	assert.Equal(t, 1, d.Rows("deposit"))

	// A player without a currency, for a program with money: an error
	// found only when the data is asked for.
	b, err := NewBuilder(p, false)
	require.NoError(t, err)
	require.NoError(t, b.SetPlayer("nobody", 0, nil))
	gen := d.gen
	got, err := b.DataInto(context.Background(), d)
	var ie *InputError
	assert.ErrorAs(t, err, &ie)
	assert.Nil(t, got)
	assert.Equal(t, gen, d.gen)
	assert.Equal(t, 1, d.Rows("deposit"))
}

// TestDataIntoAllocs checks that writing a Data again allocates nothing
// when the builder's columns need not grow.
func TestDataIntoAllocs(t *testing.T) {
	p, _ := sumProgram(t)
	in := eurPlayer(bet("b1", 1, "10.00", "Gold Quest", "slots"), deposit("d1", 5, "100"))
	b, err := build(context.Background(), p, in, true)
	require.NoError(t, err)
	d, err := b.DataInto(context.Background(), nil)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		d, err = b.DataInto(context.Background(), d)
	})
	require.NoError(t, err)
	assert.Zero(t, allocs)
}
