package bench

import (
	"context"
	"fmt"
	"sync"

	"cel.dev/cel-go/cel"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
)

// RuleSetEvents is the number of players of workload 3; an operation
// evaluates the whole rule set for the next one.
const (
	RuleSetEvents = 16
	eventTxns     = 120 // transactions of the last five weeks per player
)

// ruleSet is workload 3's rules and players, with the exact answers.
type ruleSet struct {
	specs  []RewardSpec
	promo  []runtime.Source
	events []Event
	want   [][]decimal.Decimal // [event][reward]
}

var theRuleSet = sync.OnceValue(func() *ruleSet {
	rs := &ruleSet{specs: RuleSpecs(RuleSetSize), events: Events(RuleSetEvents, eventTxns)}
	rs.promo = []runtime.Source{{Name: "rules200.promo", Text: RuleSetPromo(rs.specs)}}
	rs.want = make([][]decimal.Decimal, len(rs.events))
	for e := range rs.events {
		for i := range rs.specs {
			rs.want[e] = append(rs.want[e], rs.specs[i].Exact(&rs.events[e]))
		}
	}
	return rs
})

func (rs *ruleSet) what(e, i int) string {
	return fmt.Sprintf("%s for %s", rs.specs[i].Name, rs.events[e].Player)
}

// RuleSetCases are workload 3: the 200 rewards evaluated for one event.
func RuleSetCases() []Case {
	c := func(engine string, exact bool, note string, setup func(rs *ruleSet) (*Run, error)) Case {
		return Case{Workload: "W3", Name: "engine=" + engine, Engine: engine, Exact: exact, Note: note,
			Setup: func() (*Run, error) { return setup(theRuleSet()) }}
	}
	return []Case{
		c(Promoc, true, "on prepared input", func(rs *ruleSet) (*Run, error) { return ruleSetPromoc(rs, false) }),
		c(PromocPrepare, true, "prepares the input (about 120 transactions) in every operation", func(rs *ruleSet) (*Run, error) { return ruleSetPromoc(rs, true) }),
		c(Expr, false, "float64; structs split by kind; windows as time filters; reused vm.VM", ruleSetExpr),
		c(CEL, false, "float64; maps split by kind; windows as time filters; sum() added in Go", ruleSetCEL),
		c(Float64, false, "one Go function per shape", func(rs *ruleSet) (*Run, error) {
			fs := make([]specFloats, len(rs.specs))
			for i := range rs.specs {
				fs[i] = rs.specs[i].floats()
			}
			r := &Run{}
			for e := range rs.events {
				for i := range rs.specs {
					r.checkFloat(rs.what(e, i), rs.specs[i].Float(&rs.events[e], &fs[i]), rs.want[e][i])
				}
			}
			e := 0
			r.Op = func() {
				ev := &rs.events[e%len(rs.events)]
				for i := range rs.specs {
					rs.specs[i].Float(ev, &fs[i])
				}
				e++
			}
			return r, nil
		}),
		c(Shopspring, true, "the reference; one Go function per shape", func(rs *ruleSet) (*Run, error) {
			r := &Run{}
			for e := range rs.events {
				for i := range rs.specs {
					r.check(rs.what(e, i), rs.specs[i].Exact(&rs.events[e]), rs.want[e][i])
				}
			}
			e := 0
			r.Op = func() {
				ev := &rs.events[e%len(rs.events)]
				for i := range rs.specs {
					rs.specs[i].Exact(ev)
				}
				e++
			}
			return r, nil
		}),
	}
}

func ruleSetPromoc(rs *ruleSet, prepareEachTime bool) (*Run, error) {
	prog, err := runtime.CompileSources(rs.promo)
	if err != nil {
		return nil, err
	}
	ins := make([]runtime.Input, len(rs.events))
	prepared := make([]*runtime.Prepared, len(rs.events))
	r := &Run{}
	for e := range rs.events {
		ins[e] = rs.events[e].Input()
		prepared[e] = prog.Prepare(ins[e])
		for i := range rs.specs {
			got, err := promocAnswer(prog, rs.specs[i].Name, prepared[e])
			if err != nil {
				return nil, err
			}
			r.check(rs.what(e, i), got, rs.want[e][i])
		}
	}
	names := make([]string, len(rs.specs))
	for i := range rs.specs {
		names[i] = rs.specs[i].Name
	}
	rewards := make([]*runtime.Reward, len(names))
	for i, name := range names {
		var err error
		if rewards[i], err = prog.Reward(name); err != nil {
			return nil, err
		}
	}
	ctx := context.Background()
	e := 0
	r.Op = func() {
		in := prepared[e%len(prepared)]
		if prepareEachTime {
			in = prog.Prepare(ins[e%len(ins)])
		}
		for _, reward := range rewards {
			reward.Evaluate(ctx, in)
		}
		e++
	}
	return r, nil
}

// compileExpr compiles every reward with expr.
func compileExpr(specs []RewardSpec) ([]*vm.Program, error) {
	progs := make([]*vm.Program, len(specs))
	for i := range specs {
		p, err := expr.Compile(specs[i].Expr(), expr.Env(RuleEnv{}))
		if err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", specs[i].Name, err, specs[i].Expr())
		}
		progs[i] = p
	}
	return progs, nil
}

func exprFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	}
	return 0, fmt.Errorf("expr: got %T (%v), want a number", v, v)
}

func ruleSetExpr(rs *ruleSet) (*Run, error) {
	progs, err := compileExpr(rs.specs)
	if err != nil {
		return nil, err
	}
	envs := make([]*RuleEnv, len(rs.events))
	var machine vm.VM
	r := &Run{}
	for e := range rs.events {
		if envs[e], err = rs.events[e].ExprEnv(); err != nil {
			return nil, err
		}
		for i, p := range progs {
			out, err := machine.Run(p, envs[e])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rs.what(e, i), err)
			}
			f, err := exprFloat(out)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rs.what(e, i), err)
			}
			r.checkFloat(rs.what(e, i), f, rs.want[e][i])
		}
	}
	e := 0
	r.Op = func() {
		env := envs[e%len(envs)]
		for _, p := range progs {
			machine.Run(p, env)
		}
		e++
	}
	return r, nil
}

// ruleCELEnv declares workload 3's variables.
func ruleCELEnv() (*cel.Env, error) {
	txs := cel.ListType(cel.MapType(cel.StringType, cel.DynType))
	opts := []cel.EnvOption{
		cel.Variable("now", cel.TimestampType),
		cel.Variable("bets", txs), cel.Variable("wins", txs),
		cel.Variable("deposits", txs), cel.Variable("withdrawals", txs),
		cel.Variable("vip_level", cel.IntType), cel.Variable("country", cel.StringType),
	}
	for _, name := range celWindowVars() {
		opts = append(opts, cel.Variable(name, cel.TimestampType))
	}
	return celEnv(opts...)
}

// compileCEL compiles every reward with CEL.
func compileCEL(env *cel.Env, specs []RewardSpec) ([]cel.Program, error) {
	progs := make([]cel.Program, len(specs))
	for i := range specs {
		p, err := celProgram(env, specs[i].CEL())
		if err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", specs[i].Name, err, specs[i].CEL())
		}
		progs[i] = p
	}
	return progs, nil
}

func ruleSetCEL(rs *ruleSet) (*Run, error) {
	env, err := ruleCELEnv()
	if err != nil {
		return nil, err
	}
	progs, err := compileCEL(env, rs.specs)
	if err != nil {
		return nil, err
	}
	acts := make([]cel.Activation, len(rs.events))
	r := &Run{}
	for e := range rs.events {
		vars, err := rs.events[e].CELVars()
		if err != nil {
			return nil, err
		}
		if acts[e], err = cel.NewActivation(vars); err != nil {
			return nil, err
		}
		for i, p := range progs {
			out, _, err := p.Eval(acts[e])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rs.what(e, i), err)
			}
			f, err := celFloat(out)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rs.what(e, i), err)
			}
			r.checkFloat(rs.what(e, i), f, rs.want[e][i])
		}
	}
	e := 0
	r.Op = func() {
		act := acts[e%len(acts)]
		for _, p := range progs {
			p.Eval(act)
		}
		e++
	}
	return r, nil
}

// CompileCases are workload 4: compiling the 200 rewards of workload 3.
// Each engine's programs are the ones workload 3 checks, so its answers are
// workload 3's; the check here is that they compile.
func CompileCases() []Case {
	// setup returns the compilation to time, after a first run that must
	// succeed.
	c := func(engine, note string, setup func(rs *ruleSet) (func() error, error)) Case {
		return Case{Workload: "W4", Name: "engine=" + engine, Engine: engine, Exact: engine == Promoc, Note: note,
			Setup: func() (*Run, error) {
				compile, err := setup(theRuleSet())
				if err != nil {
					return nil, err
				}
				if err := compile(); err != nil {
					return nil, err
				}
				return &Run{Op: func() { compile() }, Checked: 1}, nil
			}}
	}
	return []Case{
		c(Promoc, "parse, check and lower one file: a schema and 200 rewards", func(rs *ruleSet) (func() error, error) {
			return func() error {
				_, err := runtime.CompileSources(rs.promo)
				return err
			}, nil
		}),
		{Workload: "W4", Name: "rewards=2000/engine=" + Promoc, Engine: Promoc, Exact: true,
			Note: "2,000 rewards, the same shapes: the time per reward should not grow",
			Setup: func() (*Run, error) {
				src := []runtime.Source{{Name: "rules2000.promo", Text: RuleSetPromo(RuleSpecs(10 * RuleSetSize))}}
				if _, err := runtime.CompileSources(src); err != nil {
					return nil, err
				}
				return &Run{Op: func() { runtime.CompileSources(src) }, Checked: 1}, nil
			}},
		c(Expr, "200 expr.Compile", func(rs *ruleSet) (func() error, error) {
			return func() error {
				_, err := compileExpr(rs.specs)
				return err
			}, nil
		}),
		c(CEL, "200 Compile and Program in one environment, made once", func(rs *ruleSet) (func() error, error) {
			env, err := ruleCELEnv()
			if err != nil {
				return nil, err
			}
			return func() error {
				_, err := compileCEL(env, rs.specs)
				return err
			}, nil
		}),
	}
}
