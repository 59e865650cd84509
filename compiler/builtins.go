package compiler

// Builtin describes a builtin function: its name, arity and documentation.
// The same table drives checking, the language server's hover and
// completion, and a test that keeps it in step with the VM's implementations.
type Builtin struct {
	Name      string
	MinArgs   int
	MaxArgs   int // -1: any number
	Signature string
	Doc       string
}

// Builtins lists the builtin functions, in the order of their VM ids.
var Builtins = []Builtin{
	{Name: "min", MinArgs: 2, MaxArgs: -1, Signature: "min(a, b, ...)",
		Doc: "The smallest of its arguments: numbers, or money of one currency. With one transaction attribute, as in min(bet.amount), it is an aggregation."},
	{Name: "max", MinArgs: 2, MaxArgs: -1, Signature: "max(a, b, ...)",
		Doc: "The largest of its arguments: numbers, or money of one currency. With one transaction attribute, as in max(bet.amount), it is an aggregation."},
	{Name: "clamp", MinArgs: 3, MaxArgs: 3, Signature: "clamp(x, low, high)",
		Doc: "x limited to the range from low to high: low when x is below it, high when x is above it."},
	{Name: "abs", MinArgs: 1, MaxArgs: 1, Signature: "abs(x)",
		Doc: "The absolute value of a number or an amount."},
}

func builtinByName(name string) (int, *Builtin) {
	for i := range Builtins {
		if Builtins[i].Name == name {
			return i, &Builtins[i]
		}
	}
	return -1, nil
}
