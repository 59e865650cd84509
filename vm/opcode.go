package vm

import "strconv"

// Opcode is an instruction of the machine. Each constant's comment is its
// stack picture: the operands it pops (top of the stack on the right), its
// mnemonic with the argument, and what it pushes. The cases of the dispatch
// loop in machine.go follow this order.
//
// Numbers and money (OpNeg, OpAdd, OpSub, OpMul, OpDiv, OpCmpNum, builtins)
// follow one currency rule: a number has currency 0 and mixes with money of
// any currency, the result being money in that currency; two amounts must be
// in the same currency, or the run ends with the error "currency-mismatch".
// Division of money by money of the same currency gives a number.
type Opcode uint8

const (
	OpNop       Opcode = iota //          - nop                       -
	OpPop                     //          x pop                       -
	OpDup                     //          x dup                       x x
	OpNot                     //          b not                       !b
	OpNeg                     //          x neg                       -x
	OpAdd                     //        x y add                       x+y
	OpSub                     //        x y sub                       x-y
	OpMul                     //        x y mul                       x*y
	OpDiv                     //        x y div                       x/y (16 fractional digits, half away from zero; y == 0 traps)
	OpTimeAdd                 //        t d time_add                  t+d (time + duration)
	OpTimeSub                 //        t d time_sub                  t-d (time - duration)
	OpTimeDiff                //        t u time_diff                 t-u (time - time: duration)
	OpNow                     //          - now                       t (the evaluation time)
	OpGive                    //          x give                      halt: calculated with result x, then the outcome pipeline
	OpNoBranch                //          - no_branch                 halt: skipped, "no-branch-matched"
	OpFilterEnd               //          b filter_end                end of filter code: the row matches when b

	// --- opcodes with an argument go below this line ---

	OpLoadConst        //          - load_const<k>             Consts[k]
	OpLoadLocal        //          - load_local<i>             local i
	OpStoreLocal       //          x store_local<i>            - (local i = x)
	OpLoadProp         //          - load_prop<i>              player property i; absent traps "missing-property"
	OpHasProp          //          - has_prop<i>               whether player property i is present
	OpLoadPerCurrency  //          - load_per_currency<k>      the player's currency's amount in PerCurrency[k]; none traps
	OpLoadAttr         //          - load_attr<col>            column col of the current row (filter code only)
	OpCmpNum           //        x y cmp_num<cond>             x cond y on numbers and money (cond Eq..Ge)
	OpCmpInt           //        x y cmp_int<cond>             x cond y on I: bool, string, time, duration, template
	OpIn               //          x in<list>                  whether x is in Lists[list]
	OpNotIn            //          x not_in<list>              whether x is not in Lists[list]
	OpJump             //          - jump<a>                   - (pc = a)
	OpJumpIfFalse      //          b jump_if_false<a>          - (pc = a when !b)
	OpJumpIfTrue       //          b jump_if_true<a>           - (pc = a when b)
	OpJumpIfFalseOrPop //          b jump_if_false_or_pop<a>   - (when !b: pc = a, b stays; for and)
	OpJumpIfTrueOrPop  //          b jump_if_true_or_pop<a>    - (when b: pc = a, b stays; for or)
	OpCallBuiltin      //   a1 ... an call_builtin<id|n<<8>    Builtins[id](a1, ..., an)
	OpAggregate        //          - aggregate<a>              the result of aggregation a of the reward
	OpMark             //          - mark<b>                   - (branch b was taken; recorded when tracing)
	OpSkip             //          - skip<k>                   halt: skipped, "skipped", detail Strings[k]
	numOpcodes

	opArgMin = OpLoadConst
)

var opNames = [...]string{
	OpNop:              "nop",
	OpPop:              "pop",
	OpDup:              "dup",
	OpNot:              "not",
	OpNeg:              "neg",
	OpAdd:              "add",
	OpSub:              "sub",
	OpMul:              "mul",
	OpDiv:              "div",
	OpTimeAdd:          "time_add",
	OpTimeSub:          "time_sub",
	OpTimeDiff:         "time_diff",
	OpNow:              "now",
	OpGive:             "give",
	OpNoBranch:         "no_branch",
	OpFilterEnd:        "filter_end",
	OpLoadConst:        "load_const",
	OpLoadLocal:        "load_local",
	OpStoreLocal:       "store_local",
	OpLoadProp:         "load_prop",
	OpHasProp:          "has_prop",
	OpLoadPerCurrency:  "load_per_currency",
	OpLoadAttr:         "load_attr",
	OpCmpNum:           "cmp_num",
	OpCmpInt:           "cmp_int",
	OpIn:               "in",
	OpNotIn:            "not_in",
	OpJump:             "jump",
	OpJumpIfFalse:      "jump_if_false",
	OpJumpIfTrue:       "jump_if_true",
	OpJumpIfFalseOrPop: "jump_if_false_or_pop",
	OpJumpIfTrueOrPop:  "jump_if_true_or_pop",
	OpCallBuiltin:      "call_builtin",
	OpAggregate:        "aggregate",
	OpMark:             "mark",
	OpSkip:             "skip",
}

// opStack is each opcode's net stack effect on the path that falls through to
// the next instruction. OpCallBuiltin's depends on its argument: see
// [Instr.StackEffect]. Halting opcodes count what they pop.
var opStack = [...]int8{
	OpNop:              0,
	OpPop:              -1,
	OpDup:              +1,
	OpNot:              0,
	OpNeg:              0,
	OpAdd:              -1,
	OpSub:              -1,
	OpMul:              -1,
	OpDiv:              -1,
	OpTimeAdd:          -1,
	OpTimeSub:          -1,
	OpTimeDiff:         -1,
	OpNow:              +1,
	OpGive:             -1,
	OpNoBranch:         0,
	OpFilterEnd:        -1,
	OpLoadConst:        +1,
	OpLoadLocal:        +1,
	OpStoreLocal:       -1,
	OpLoadProp:         +1,
	OpHasProp:          +1,
	OpLoadPerCurrency:  +1,
	OpLoadAttr:         +1,
	OpCmpNum:           -1,
	OpCmpInt:           -1,
	OpIn:               0,
	OpNotIn:            0,
	OpJump:             0,
	OpJumpIfFalse:      -1,
	OpJumpIfTrue:       -1,
	OpJumpIfFalseOrPop: -1,
	OpJumpIfTrueOrPop:  -1,
	OpCallBuiltin:      0, // 1 - n
	OpAggregate:        +1,
	OpMark:             0,
	OpSkip:             0,
}

// opPops is the number of operands each opcode reads from the stack (the
// validator checks that they are there). OpCallBuiltin's is n.
var opPops = [...]int8{
	OpNop:              0,
	OpPop:              1,
	OpDup:              1,
	OpNot:              1,
	OpNeg:              1,
	OpAdd:              2,
	OpSub:              2,
	OpMul:              2,
	OpDiv:              2,
	OpTimeAdd:          2,
	OpTimeSub:          2,
	OpTimeDiff:         2,
	OpNow:              0,
	OpGive:             1,
	OpNoBranch:         0,
	OpFilterEnd:        1,
	OpLoadConst:        0,
	OpLoadLocal:        0,
	OpStoreLocal:       1,
	OpLoadProp:         0,
	OpHasProp:          0,
	OpLoadPerCurrency:  0,
	OpLoadAttr:         0,
	OpCmpNum:           2,
	OpCmpInt:           2,
	OpIn:               1,
	OpNotIn:            1,
	OpJump:             0,
	OpJumpIfFalse:      1,
	OpJumpIfTrue:       1,
	OpJumpIfFalseOrPop: 1,
	OpJumpIfTrueOrPop:  1,
	OpCallBuiltin:      0, // n
	OpAggregate:        0,
	OpMark:             0,
	OpSkip:             0,
}

// String returns the opcode's mnemonic, for example "jump_if_false".
func (op Opcode) String() string {
	if op < numOpcodes {
		return opNames[op]
	}
	return "Opcode(" + strconv.Itoa(int(op)) + ")"
}

// HasArg reports whether the opcode uses its instruction's argument.
func (op Opcode) HasArg() bool { return op >= opArgMin }

// Instr is one fixed-width instruction. Arg is meaningful for opcodes at or
// above opArgMin and zero for the others.
type Instr struct {
	Op  Opcode
	Arg int32
}

// CallArg returns the argument of OpCallBuiltin for builtin id with n
// arguments: id | n<<8.
func CallArg(id BuiltinID, n int) int32 { return int32(id) | int32(n)<<8 }

// callID splits the argument of OpCallBuiltin into builtin id and count.
func callID(arg int32) (id BuiltinID, n int) { return BuiltinID(arg & 0xff), int(arg >> 8) }

// StackEffect returns the net change of the stack depth when in falls through
// to the next instruction: +1 for load_const, -1 for add, 1-n for
// call_builtin with n arguments. A lowerer that adds up the effects along the
// code, keeping the largest running total, gets a safe [Reward.MaxStack]. On
// their jumping path, jump_if_false_or_pop and jump_if_true_or_pop keep their
// operand, so the stack at their target is as deep as before them.
func (in Instr) StackEffect() int {
	if in.Op >= numOpcodes {
		return 0
	}
	if in.Op == OpCallBuiltin {
		_, n := callID(in.Arg)
		return 1 - n
	}
	return int(opStack[in.Op])
}

// pops returns the number of operands in reads.
func (in Instr) pops() int {
	if in.Op == OpCallBuiltin {
		_, n := callID(in.Arg)
		return n
	}
	return int(opPops[in.Op])
}

// String returns the instruction as the disassembler prints it, without
// comments: "load_const 3", "add", "call_builtin min/2", "cmp_num gt".
func (in Instr) String() string {
	if !in.Op.HasArg() {
		return in.Op.String()
	}
	switch in.Op {
	case OpCmpNum, OpCmpInt:
		return in.Op.String() + " " + Cond(in.Arg).String()
	case OpCallBuiltin:
		id, n := callID(in.Arg)
		return in.Op.String() + " " + id.String() + "/" + strconv.Itoa(n)
	}
	return in.Op.String() + " " + strconv.Itoa(int(in.Arg))
}

// Cond is a comparison: the argument of OpCmpNum and OpCmpInt (Eq..Ge) and
// the operator of an aggregation filter [Term] (all of them).
type Cond uint8

const (
	CondEq    Cond = iota // ==
	CondNe                // !=
	CondLt                // <
	CondLe                // <=
	CondGt                // >
	CondGe                // >=
	CondIn                // in a list (terms only)
	CondNotIn             // not in a list (terms only)
	numConds
)

var condNames = [...]string{
	CondEq:    "eq",
	CondNe:    "ne",
	CondLt:    "lt",
	CondLe:    "le",
	CondGt:    "gt",
	CondGe:    "ge",
	CondIn:    "in",
	CondNotIn: "not_in",
}

// String returns the condition's mnemonic: "eq", "lt", "not_in", ...
func (c Cond) String() string {
	if c < numConds {
		return condNames[c]
	}
	return "Cond(" + strconv.Itoa(int(c)) + ")"
}

// holds reports whether the condition holds for a comparison result
// c = -1, 0, +1 (see [num.Dec.Cmp]). Only for Eq..Ge.
func (c Cond) holds(cmp int) bool {
	switch c {
	case CondEq:
		return cmp == 0
	case CondNe:
		return cmp != 0
	case CondLt:
		return cmp < 0
	case CondLe:
		return cmp <= 0
	case CondGt:
		return cmp > 0
	case CondGe:
		return cmp >= 0
	}
	return false
}

// holdsInt reports whether x c y for Eq..Ge.
func (c Cond) holdsInt(x, y int64) bool {
	switch c {
	case CondEq:
		return x == y
	case CondNe:
		return x != y
	case CondLt:
		return x < y
	case CondLe:
		return x <= y
	case CondGt:
		return x > y
	case CondGe:
		return x >= y
	}
	return false
}
