package bench

import (
	"context"
	"fmt"
	"math"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
)

// TieredDeposits are the deposits of workload 1, one per player; an
// operation evaluates the formula for the next one. 1200.35 gives exactly
// half a cent (600.175), which rounds to 600.18.
var TieredDeposits = []string{"750.00", "420.50", "150.00", "2400.00", "99.99", "510.10", "305.00", "1200.35"}

// TieredExact is the tiered deposit formula with shopspring/decimal: the
// exact answer, rounded half away from zero to cents, zero when skipped.
func TieredExact(d decimal.Decimal) decimal.Decimal {
	var v decimal.Decimal
	switch {
	case d.GreaterThan(d500):
		v = decimal.Min(d.Mul(half), d1000)
	case d.GreaterThan(d300):
		v = d.Mul(thirty)
	case d.GreaterThan(d100):
		v = d10
	default:
		return decimal.Zero
	}
	return v.Round(2)
}

var (
	d100, d300, d500, d1000 = decimal.NewFromInt(100), decimal.NewFromInt(300), decimal.NewFromInt(500), decimal.NewFromInt(1000)
	d10                     = decimal.NewFromInt(10)
	half, thirty            = decimal.RequireFromString("0.5"), decimal.RequireFromString("0.3")
)

// tieredFloat is the formula on float64, rounded like promoc rounds:
// math.Round is half away from zero.
func tieredFloat(d float64) float64 {
	switch {
	case d > 500:
		return math.Round(math.Min(d*0.5, 1000)*100) / 100
	case d > 300:
		return math.Round(d*0.3*100) / 100
	case d > 100:
		return 10
	}
	return 0
}

// tieredInt64 is the formula on int64 cents: the speed limit.
func tieredInt64(cents int64) int64 {
	switch {
	case cents > 50000:
		return min((cents+1)/2, 100000) // half, rounded half up on cents
	case cents > 30000:
		return (cents*3 + 5) / 10
	case cents > 10000:
		return 1000
	}
	return 0
}

// The formula in expr and CEL: the deposit is given as a float64 variable
// (a promoc rule takes the last deposit from the transactions), and the
// expression rounds to cents itself.
const (
	tieredExpr = `deposit > 500 ? round(min(deposit * 0.5, 1000) * 100) / 100 :
	deposit > 300 ? round(deposit * 0.3 * 100) / 100 :
	deposit > 100 ? 10 : 0`
	tieredCEL = `deposit > 500.0 ? math.round(math.least(deposit * 0.5, 1000.0) * 100.0) / 100.0 :
	deposit > 300.0 ? math.round(deposit * 0.3 * 100.0) / 100.0 :
	deposit > 100.0 ? 10.0 : 0.0`
)

// TieredEnv is expr's environment for workload 1: a struct, expr's fastest.
type TieredEnv struct {
	Deposit float64 `expr:"deposit"`
}

func tieredInputs() (decs []decimal.Decimal, want []decimal.Decimal) {
	for _, s := range TieredDeposits {
		d := decimal.RequireFromString(s)
		decs = append(decs, d)
		want = append(want, TieredExact(d))
	}
	return decs, want
}

// floats returns the nearest float64 to each decimal, as parsing its text
// would.
func floats(ds []decimal.Decimal) []float64 {
	fs := make([]float64, len(ds))
	for i, d := range ds {
		fs[i] = d.InexactFloat64()
	}
	return fs
}

func tieredInput(d decimal.Decimal) runtime.Input {
	return runtime.Input{
		Now:    Now,
		Player: runtime.Player{ID: "p", Currency: "EUR"},
		Transactions: []runtime.Transaction{{ID: "d-1", Kind: "deposit", Time: Now.Add(-time.Minute),
			Attrs: map[string]any{"amount": d}}},
	}
}

// TieredCases are workload 1: the tiered deposit formula for one player.
func TieredCases() []Case {
	c := func(engine string, exact bool, note string, setup func() (*Run, error)) Case {
		return Case{Workload: "W1", Name: "engine=" + engine, Engine: engine, Exact: exact, Note: note, Setup: setup}
	}
	return []Case{
		c(Promoc, true, "", tieredPromoc(false)),
		c(PromocPrepare, true, "prepares the input (one deposit) in every operation", tieredPromoc(true)),
		c(Expr, false, "float64; the deposit given as a variable; reused vm.VM", tieredExprCase),
		c(CEL, false, "float64; the deposit given as a variable", tieredCELCase),
		c(Float64, false, "", func() (*Run, error) {
			decs, want := tieredInputs()
			fs := floats(decs)
			r := &Run{}
			for i, f := range fs {
				r.checkFloat("deposit "+TieredDeposits[i], tieredFloat(f), want[i])
			}
			i := 0
			r.Op = func() { tieredFloat(fs[i%len(fs)]); i++ }
			return r, nil
		}),
		c(Int64, true, "cents", func() (*Run, error) {
			decs, want := tieredInputs()
			cents := make([]int64, len(decs))
			r := &Run{}
			for i, d := range decs {
				cents[i] = d.Shift(2).IntPart()
				r.check("deposit "+TieredDeposits[i], decimal.New(tieredInt64(cents[i]), -2), want[i])
			}
			i := 0
			r.Op = func() { tieredInt64(cents[i%len(cents)]); i++ }
			return r, nil
		}),
		c(Shopspring, true, "the reference", func() (*Run, error) {
			decs, want := tieredInputs()
			r := &Run{}
			for i, d := range decs {
				r.check("deposit "+TieredDeposits[i], TieredExact(d), want[i])
			}
			i := 0
			r.Op = func() { TieredExact(decs[i%len(decs)]); i++ }
			return r, nil
		}),
	}
}

func tieredPromoc(prepareEachTime bool) func() (*Run, error) {
	return func() (*Run, error) {
		prog, err := compileFile("tiered.promo")
		if err != nil {
			return nil, err
		}
		decs, want := tieredInputs()
		ins := make([]runtime.Input, len(decs))
		prepared := make([]*runtime.Prepared, len(decs))
		r := &Run{}
		for i, d := range decs {
			ins[i] = tieredInput(d)
			prepared[i] = prog.Prepare(ins[i])
			got, err := promocAnswer(prog, "tiered_deposit", prepared[i])
			if err != nil {
				return nil, err
			}
			r.check("deposit "+TieredDeposits[i], got, want[i])
		}
		ctx := context.Background()
		reward, err := prog.Reward("tiered_deposit") // looked up once, as a service would
		if err != nil {
			return nil, err
		}
		i := 0
		if prepareEachTime {
			r.Op = func() {
				reward.Evaluate(ctx, prog.Prepare(ins[i%len(ins)]))
				i++
			}
		} else {
			r.Op = func() {
				reward.Evaluate(ctx, prepared[i%len(prepared)])
				i++
			}
		}
		return r, nil
	}
}

func tieredExprCase() (*Run, error) {
	prog, err := expr.Compile(tieredExpr, expr.Env(TieredEnv{}), expr.AsFloat64())
	if err != nil {
		return nil, err
	}
	decs, want := tieredInputs()
	envs := make([]*TieredEnv, len(decs))
	for i, f := range floats(decs) {
		envs[i] = &TieredEnv{Deposit: f}
	}
	var machine vm.VM
	r := &Run{}
	for i, env := range envs {
		out, err := machine.Run(prog, env)
		if err != nil {
			return nil, err
		}
		r.checkFloat("deposit "+TieredDeposits[i], out.(float64), want[i])
	}
	i := 0
	r.Op = func() { machine.Run(prog, envs[i%len(envs)]); i++ }
	return r, nil
}

func tieredCELCase() (*Run, error) {
	env, err := celEnv(cel.Variable("deposit", cel.DoubleType))
	if err != nil {
		return nil, err
	}
	prog, err := celProgram(env, tieredCEL)
	if err != nil {
		return nil, err
	}
	decs, want := tieredInputs()
	acts := make([]cel.Activation, len(decs))
	for i, f := range floats(decs) {
		if acts[i], err = cel.NewActivation(map[string]any{"deposit": f}); err != nil {
			return nil, err
		}
	}
	r := &Run{}
	for i, act := range acts {
		out, _, err := prog.Eval(act)
		if err != nil {
			return nil, err
		}
		f, ok := out.Value().(float64)
		if !ok {
			return nil, fmt.Errorf("cel: got %T, want float64", out.Value())
		}
		r.checkFloat("deposit "+TieredDeposits[i], f, want[i])
	}
	i := 0
	r.Op = func() { prog.Eval(acts[i%len(acts)]); i++ }
	return r, nil
}
