package bench

import (
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/ext"
)

// celEnv is a CEL environment with what the workloads need besides the
// standard library: math.round, math.least and the like (ext.Math),
// cel.bind for lets (ext.Bindings), and sum(list), which CEL lacks and a
// host adds in Go, as here.
func celEnv(vars ...cel.EnvOption) (*cel.Env, error) {
	opts := append([]cel.EnvOption{ext.Math(), ext.Bindings(), celSum}, vars...)
	return cel.NewEnv(opts...)
}

var celSum = cel.Function("sum",
	cel.Overload("sum_list_dyn", []*cel.Type{cel.ListType(cel.DynType)}, cel.DoubleType,
		cel.UnaryBinding(func(v ref.Val) ref.Val {
			l, ok := v.(traits.Lister)
			if !ok {
				return types.NewErr("sum: not a list")
			}
			var s float64
			for it := l.Iterator(); it.HasNext() == types.True; {
				switch x := it.Next().(type) {
				case types.Double:
					s += float64(x)
				case types.Int:
					s += float64(x)
				default:
					return types.NewErr("sum: not a number: %v", x)
				}
			}
			return types.Double(s)
		})))

// celProgram compiles an expression with the evaluation options that make
// CEL fastest (constant folding).
func celProgram(env *cel.Env, src string) (cel.Program, error) {
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		return nil, fmt.Errorf("cel: %w", iss.Err())
	}
	return env.Program(ast, cel.EvalOptions(cel.OptOptimize))
}

// celFloat converts a CEL result to float64.
func celFloat(v ref.Val) (float64, error) {
	switch x := v.Value().(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	}
	return 0, fmt.Errorf("cel: got %T (%v), want a number", v.Value(), v)
}
