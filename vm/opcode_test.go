package vm

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpcodeTables checks that every opcode has a unique name, a stack
// effect and operand count that agree with its stack picture in opcode.go,
// and an argument exactly when it is at or above opArgMin.
func TestOpcodeTables(t *testing.T) {
	require.Len(t, opNames, int(numOpcodes))
	require.Len(t, opStack, int(numOpcodes))
	require.Len(t, opPops, int(numOpcodes))
	src, err := os.ReadFile("opcode.go")
	require.NoError(t, err)
	// The constants of the opcode block, in order, each with its picture.
	line := regexp.MustCompile(`(?m)^\t(Op\w+)\s.*?//\s+(.*)$`)
	lines := line.FindAllStringSubmatch(string(src), -1)
	require.Len(t, lines, int(numOpcodes))
	seen := map[string]bool{}
	for op := range numOpcodes {
		name := opNames[op]
		require.NotEmpty(t, name, "opcode %d has no name", op)
		require.False(t, seen[name], "name %s used twice", name)
		seen[name] = true
		fields := strings.Fields(lines[op][2])
		i := slices.IndexFunc(fields, func(f string) bool { return f == name || strings.HasPrefix(f, name+"<") })
		require.GreaterOrEqual(t, i, 0, "%s (%s): no mnemonic in its stack picture", lines[op][1], name)
		assert.Equal(t, op.HasArg(), strings.Contains(fields[i], "<"), "%s: argument in the picture", name)
		if op == OpCallBuiltin {
			continue // variable: 1-n
		}
		pops := i
		if fields[0] == "-" {
			pops = 0
		}
		assert.Equal(t, pops, int(opPops[op]), "%s: operands", name)
		pushes := int(opStack[op]) + pops
		result := fields[i+1:]
		switch {
		case result[0] == "-" || result[0] == "halt:" || result[0] == "end":
			assert.Equal(t, 0, pushes, "%s: results", name)
		case len(result) == 2 && result[0] == "x" && result[1] == "x":
			assert.Equal(t, 2, pushes, "%s: results", name)
		default:
			assert.Equal(t, 1, pushes, "%s: results", name)
		}
	}
	assert.Equal(t, "Opcode(200)", Opcode(200).String())
	assert.Equal(t, "call_builtin min/2", Instr{Op: OpCallBuiltin, Arg: CallArg(BuiltinMin, 2)}.String())
	assert.Equal(t, -1, Instr{Op: OpCallBuiltin, Arg: CallArg(BuiltinMin, 2)}.StackEffect())
	assert.Equal(t, "cmp_num ge", Instr{Op: OpCmpNum, Arg: int32(CondGe)}.String())
}

// everyOpcode returns a program with one reward that uses every opcode.
func everyOpcode(t *testing.T) (*Program, *Reward) {
	a := newAsm(t)
	r := a.reward("every", `
		nop
		load_const 1
		pop
		aggregate 0
		store_local bets
		load_local bets
		dup
		add
		load_const 2
		sub
		load_const 3
		mul
		load_const 4
		div
		neg
		pop
		load_const true
		not
		jump_if_false_or_pop and
		load_const true
	and:
		jump_if_true_or_pop or
		load_const false
	or:
		jump_if_true yes
		load_const false
		jump_if_false no
	yes:
		mark above 500 EUR
	no:
		now
		load_const dur:1h
		time_add
		load_const dur:1h
		time_sub
		now
		time_diff
		load_const dur:0s
		cmp_int eq
		pop
		load_prop vip_level
		has_prop country
		pop
		load_per_currency 200 EUR | 220 USD
		cmp_num gt
		pop
		load_const "x"
		in "x", "y"
		not_in true
		pop
		load_const 1
		load_const 2
		call_builtin max/2
		load_const 10
		cmp_num lt
		jump_if_true over
		jump end
	over:
		no_branch
	end:
		skip "nothing"
	f:
		load_attr bet.game
		load_const "Gold Quest"
		cmp_int eq
		filter_end
		load_const 1 EUR
		give
	`, withAggs(Aggregation{Op: AggSum, Kind: kBet, Attr: cAmount, Terms: []Term{{Col: cCategory, Cond: CondNe, Const: a.konst(`"roulette"`), Local: -1}}}), withFilter(0, "f"))
	require.NoError(t, a.p.Validate())
	return a.p, r
}

func TestDisassembleEveryOpcode(t *testing.T) {
	p, r := everyOpcode(t)
	var b1, b2 bytes.Buffer
	require.NoError(t, p.Disassemble(&b1, r.Name))
	require.NoError(t, p.Disassemble(&b2, ""))
	assert.Equal(t, b1.String(), b2.String(), "Disassemble is deterministic")
	used := map[Opcode]bool{}
	for _, in := range r.Code {
		used[in.Op] = true
	}
	for op := range numOpcodes {
		assert.True(t, used[op], "the program does not use %v", op)
		assert.Regexp(t, `(?m)^\t +\d+  `+regexp.QuoteMeta(op.String())+`( |$)`, b1.String(), "Disassemble prints %v", op)
	}
	assert.Contains(t, b1.String(), `sum(bet.amount where category ne "roulette" and filter@`)
	assert.Contains(t, b1.String(), `load_attr 1                  ; bet.game`)
	assert.ErrorContains(t, p.Disassemble(&b1, "nope"), `no reward "nope"`)
}

func TestDisassemble(t *testing.T) {
	a := newAsm(t)
	a.reward("tiered_deposit", `
		aggregate 0
		store_local deposit
		load_local deposit
		load_const 500 EUR
		cmp_num gt
		jump_if_false t2
		mark above 500 EUR
		load_const 0.5
		load_local deposit
		mul
		load_const 1000 EUR
		call_builtin min/2
		give
	t2:
		mark else
		skip "deposit of 500 or less"`,
		withAggs(Aggregation{Op: AggLast, Kind: kDeposit, Attr: cAmount}), a.withMinimum("5 EUR | 6 USD"), withManual())
	var b bytes.Buffer
	require.NoError(t, a.p.Disassemble(&b, ""))
	want := `reward tiered_deposit: amount
	file:     tiered_deposit.promo
	window:   all time
	round:    nearest to default decimals
	cap:      none
	minimum:  5 EUR | 6 USD
	approval: manual
	stack:    2
locals
	0 deposit  3:1-3:2
branches
	0 "above 500 EUR"  8:1-8:2
	1 "else"  16:1-16:2
aggregations
	0 last(deposit.amount)  -
code
	   0  aggregate 0                  ; last(deposit.amount)           2:1-2:2
	   1  store_local 0                ; deposit                        3:1-3:2
	   2  load_local 0                 ; deposit                        4:1-4:2
	   3  load_const 0                 ; 500 EUR                        5:1-5:2
	   4  cmp_num gt                                                    6:1-6:2
	   5  jump_if_false 13                                              7:1-7:2
	   6  mark 0                       ; "above 500 EUR"                8:1-8:2
	   7  load_const 1                 ; 0.5                            9:1-9:2
	   8  load_local 0                 ; deposit                        10:1-10:2
	   9  mul                                                           11:1-11:2
	  10  load_const 2                 ; 1000 EUR                       12:1-12:2
	  11  call_builtin min/2                                            13:1-13:2
	  12  give                                                          14:1-14:2
	  13  mark 1                       ; "else"                         16:1-16:2
	  14  skip 0                       ; "deposit of 500 or less"       17:1-17:2
`
	assert.Equal(t, want, b.String())
}
