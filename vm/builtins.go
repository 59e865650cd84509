package vm

import (
	"strconv"

	"github.com/promoc/promoc/vm/currency"
)

// BuiltinID identifies a builtin function: its index in [Builtins], the
// low byte of OpCallBuiltin's argument.
type BuiltinID uint8

// The builtins, in the order of [Builtins] and of compiler.Builtins.
const (
	BuiltinMin   BuiltinID = iota // min(a, b, ...)
	BuiltinMax                    // max(a, b, ...)
	BuiltinClamp                  // clamp(x, low, high)
	BuiltinAbs                    // abs(x)
)

// Builtin describes the arity of a builtin function. The compiler's table
// (compiler.Builtins) declares the same functions in the same order with
// their signatures and documentation; a test keeps the two in step.
type Builtin struct {
	Name    string
	MinArgs int
	MaxArgs int // -1: any number
}

// Builtins lists the builtin functions by [BuiltinID]. It is not modified.
var Builtins = []Builtin{
	BuiltinMin:   {Name: "min", MinArgs: 2, MaxArgs: -1},
	BuiltinMax:   {Name: "max", MinArgs: 2, MaxArgs: -1},
	BuiltinClamp: {Name: "clamp", MinArgs: 3, MaxArgs: 3},
	BuiltinAbs:   {Name: "abs", MinArgs: 1, MaxArgs: 1},
}

// String returns the builtin's name, for example "min".
func (id BuiltinID) String() string {
	if int(id) < len(Builtins) {
		return Builtins[id].Name
	}
	return "builtin#" + strconv.Itoa(int(id))
}

// accepts reports whether the builtin takes n arguments.
func (id BuiltinID) accepts(n int) bool {
	if int(id) >= len(Builtins) {
		return false
	}
	b := Builtins[id]
	return n >= b.MinArgs && (b.MaxArgs < 0 || n <= b.MaxArgs)
}

// callBuiltin computes builtin id on args, which the validator has checked
// to be an accepted number of them, and leaves the result in args[0]. The
// operands are numbers or money; the currency rule is the one of OpAdd (see
// [Opcode]). It returns false after recording a trap.
func (m *Machine) callBuiltin(pc int, id BuiltinID, args []Value) bool {
	var cur currency.Code
	for i := range args {
		c, ok := m.joinCur(pc, cur, args[i].Cur)
		if !ok {
			return false
		}
		cur = c
	}
	r := &args[0]
	switch id {
	case BuiltinMin, BuiltinMax:
		for i := 1; i < len(args); i++ {
			c := args[i].N.Cmp(r.N)
			if c < 0 && id == BuiltinMin || c > 0 && id == BuiltinMax {
				r = &args[i]
			}
		}
	case BuiltinClamp:
		x, lo, hi := &args[0], &args[1], &args[2]
		switch {
		case x.N.Cmp(lo.N) < 0:
			r = lo
		case x.N.Cmp(hi.N) > 0:
			r = hi
		}
	}
	n := r.N
	if id == BuiltinAbs {
		n = n.Abs()
	}
	args[0].K, args[0].Cur, args[0].N, args[0].I = numKind(cur), cur, n, 0
	return true
}
