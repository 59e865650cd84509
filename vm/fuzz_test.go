package vm

import (
	"context"
	"testing"

	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// FuzzRun checks that the machine never panics and never returns a Go
// error on a program that passes validation, whatever the code does with
// its values (the generator ignores types on purpose), and that validation
// itself never panics on garbage. The input is capped at 512 bytes and runs
// get a tiny step budget.
//
// The first byte picks the decoder: even bytes generate stack-valid code
// (expressions, lets, checks, and/or, conditionals, loops, aggregations with
// terms and filter code), odd bytes decode raw instructions, which mostly
// fail validation. Its bit 2 leaves the program without constants.
func FuzzRun(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte{1, 16, 0, 16, 1, 5, 0, 13, 0})
	f.Add([]byte("\x00let x = sum(bet.amount) where game == \"Gold Quest\"; give 5% of x"))
	f.Add([]byte{2, 200, 17, 33, 250, 9, 77, 3, 3, 3, 120, 45, 66, 19, 0, 255, 254, 12})
	f.Add([]byte{4, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7})
	f.Add([]byte{6, 0, 0, 1, 2, 6, 1, 1, 0, 3, 0, 0, 2, 0, 0})
	// Aggregations with several terms: in and not in over each list, bounds
	// on one column to merge, a trapping list between them.
	f.Add([]byte{0, 1, 0, 0, 2, 1, 0, 4, 1, 6, 3, 2, 7, 5, 0, 5, 0, 9, 2, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 4, 0, 4, 10, 0, 3, 11, 0, 0, 0, 9, 1, 9})
	f.Add([]byte{0, 4, 0, 0, 2, 3, 0, 3, 0, 7, 6, 1, 6, 3, 2, 2, 6, 13, 0, 5, 0, 0, 3, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 512 {
			return
		}
		a := newAsm(t)
		if data[0]&4 == 0 { // else no constants at all: programs must not need them
			pool(a)
		}
		var r *Reward
		if data[0]%2 == 0 {
			r = generate(a, data[1:])
		} else {
			r = decodeRaw(a, data[1:])
		}
		if a.p.Validate() != nil {
			return
		}
		// Each input is also written into one reused Data (Builder.DataInto)
		// and run on one machine: the results are those of a new Data.
		var reused *Data
		m := NewMachine()
		for _, in := range fuzzInputs() {
			d, err := Prepare(a.p, in)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			b, err := build(context.Background(), a.p, in, false)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if reused, err = b.DataInto(context.Background(), reused); err != nil {
				t.Fatalf("DataInto: %v", err)
			}
			for _, trace := range []bool{false, true} {
				res, err := NewMachine().Run(context.Background(), a.p, r, d, Options{MaxSteps: 300, Trace: trace})
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				again, err := m.Run(context.Background(), a.p, r, reused, Options{MaxSteps: 300, Trace: trace})
				if err != nil {
					t.Fatalf("Run on the reused data: %v", err)
				}
				if show(d, res) != show(reused, again) {
					t.Fatalf("Run: %s on a new Data, %s on a reused one", show(d, res), show(reused, again))
				}
				if res.Outcome > Error || res.Outcome != Calculated && res.Reason == "" {
					t.Fatalf("Run: outcome %v reason %q", res.Outcome, res.Reason)
				}
				if res.Outcome == Calculated && r.Result == ResultAmount && res.Value.Cur != d.cur {
					t.Fatalf("Run: amount %v for a %v player", res.Value, d.cur)
				}
			}
		}
		var sink discard
		if err := a.p.Disassemble(&sink, ""); err != nil {
			t.Fatal(err)
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// pool fills the program's constant pool, tables and lists.
func pool(a *asm) {
	for _, lit := range []string{
		"0", "1", "-2.5", "0.05", "100000000000000000000.000001", "3",
		"10 EUR", "500 EUR", "-1 EUR", "2.5 USD", "0.001 EUR",
		"true", "false", `"Gold Quest"`, `"roulette"`, `""`,
		"time:2026-11-23T10:00:00Z", "time:2262-01-01T00:00:00Z", "dur:1h", "dur:2562047h", "tmpl:0", "table:200 EUR | 220 USD",
	} {
		a.konst(lit)
	}
	a.table("200 EUR | 220 USD")
	a.table("5")
	a.table("1 GBP")
	a.list(`"Gold Quest", "Book"`)
	a.list("1, 2.50, 3")
	a.list("10 EUR, 20 EUR")
	// Lists for each representation of a term's set: a bitmap of interned
	// strings, a sorted set searched linearly and by halves, one element, a
	// list that fails (another currency, a per-currency element).
	a.list(`"slots", "live", "crash", "roulette", "Gold Quest", ""`)
	a.list("10 EUR, 1000000 EUR, -1 EUR, 0.001 EUR, 99 EUR, 20.50 EUR, 5 EUR, 7 EUR, 8 EUR, 100 EUR")
	a.list(`"Book"`)
	a.list("10.00 EUR, 2.5 USD, table:200 EUR | 220 USD")
	a.list("true")
	a.intern("skipped for fuzzing")
}

// fuzzInputs are a few players: with and without transactions, properties
// and the currency the tables know.
func fuzzInputs() []Input {
	full := eurPlayer(
		bet("b1", 1, "10.00", "Gold Quest", "slots"),
		bet("b2", 2, "20.50", "Book", "roulette"),
		bet("b1", 3, "99", "Gold Quest", "slots"),
		win("w1", 4, "5", "Gold Quest", "slots"),
		deposit("d1", 5, "100"),
		deposit("d2", 5, "92233720368547758.07"),
		Txn{ID: "s1", Kind: "spin", Time: at(6), Attrs: map[string]any{"n": "1.5", "at": t0, "took": "1h", "bonus": true}},
	)
	full.Player.Props = map[string]any{"logins_count_ever": 3, "country": "MT", "total_deposits": "1000"}
	empty := eurPlayer()
	empty.Player.Currency = gbp
	return []Input{full, empty}
}

// byteReader hands out the fuzz input a byte at a time, then zeros.
type byteReader struct {
	data []byte
	pos  int
}

func (b *byteReader) next() int {
	if b.pos >= len(b.data) {
		b.pos++
		return 0
	}
	b.pos++
	return int(b.data[b.pos-1])
}

func (b *byteReader) done() bool { return b.pos >= len(b.data) }

// generator emits stack-valid code from fuzz bytes.
type generator struct {
	a      *asm
	in     byteReader
	r      *Reward
	filter bool // emitting filter code: no aggregate, store, mark, give, skip; forward jumps only
	kind   int  // the kind of the filter code
}

func (g *generator) emit(op Opcode, arg int32) int {
	g.r.Code = append(g.r.Code, Instr{Op: op, Arg: arg})
	g.r.Spans = append(g.r.Spans, synthSpan(len(g.r.Code)))
	return len(g.r.Code) - 1
}

func (g *generator) patch(at int) { g.r.Code[at].Arg = int32(len(g.r.Code)) }

// pick returns a number below n, or 0 when n is 0 (the index is then out of
// range and validation refuses the program, unless nothing uses it).
func (g *generator) pick(n int) int32 { return int32(g.in.next() % max(n, 1)) }

// generate builds a reward from the bytes.
func generate(a *asm, data []byte) *Reward {
	g := &generator{a: a, in: byteReader{data: data}}
	g.r = &Reward{Name: "fuzz", Cap: -1, Minimum: -1, Round: Rounding{Default: true}}
	g.r.Window.Kind = window.All
	g.r.Result = ResultKind(g.in.next() % 5)
	switch g.in.next() % 4 {
	case 1:
		g.r.Cap = g.pick(3)
	case 2:
		g.r.Minimum = g.pick(3)
	case 3:
		g.r.Round = Rounding{Mode: num.Mode(g.in.next() % 6), Decimals: g.pick(4)}
	}
	for range 1 + g.in.next()%3 {
		g.r.Locals = append(g.r.Locals, LocalInfo{Name: "x"})
	}
	g.r.Branches = []BranchInfo{{Label: "b0"}, {Label: "b1"}}
	for range g.in.next() % 3 {
		g.agg()
	}
	for i := 0; i < 8 && !g.in.done(); i++ {
		g.stmt(2)
	}
	g.end()
	// Filter code goes after the formula, as the lowerer places it.
	for i := range g.r.Aggs {
		if g.r.Aggs[i].Filter == -2 {
			g.r.Aggs[i].Filter = int32(len(g.r.Code))
			g.filter, g.kind = true, g.r.Aggs[i].Kind
			g.expr(2)
			g.emit(OpFilterEnd, 0)
			g.filter = false
		}
	}
	depth := 0
	for _, in := range g.r.Code {
		depth += in.StackEffect()
		g.r.MaxStack = max(g.r.MaxStack, depth)
	}
	a.p.Rewards = append(a.p.Rewards, g.r)
	return g.r
}

// agg adds an aggregation descriptor, valid for the schema.
func (g *generator) agg() {
	kinds := g.a.p.Kinds
	a := Aggregation{Op: AggOp(g.in.next() % 7), Kind: int(g.pick(len(kinds))), Attr: -1, Filter: -1}
	attrs := kinds[a.Kind].Attrs
	if len(attrs) == 0 {
		a.Op = AggCount
	}
	if a.Op != AggCount {
		// Numbers and money suit every aggregation.
		for i := range attrs {
			if attrs[i].Type.numeric() {
				a.Attr = i
			}
		}
		if a.Attr < 0 {
			a.Op = AggCount
		}
	}
	for range g.in.next() % 5 { // up to 4 terms: ranges to merge, terms to reorder
		if len(attrs) == 0 {
			break
		}
		col := int(g.pick(len(attrs)))
		t := Term{Col: col, Cond: Cond(g.in.next() % int(numConds)), Local: -1}
		if t.Cond == CondIn || t.Cond == CondNotIn {
			t.Const = g.pick(len(g.a.p.Lists))
		} else if g.in.next()%4 == 0 || len(g.a.p.Consts) == 0 {
			t.Local = g.pick(len(g.r.Locals))
		} else if g.in.next()%4 == 0 {
			t.Const, t.Prop = g.pick(len(g.a.p.Props)), true
		} else {
			t.Const = g.pick(len(g.a.p.Consts))
		}
		a.Terms = append(a.Terms, t) // validation drops the ill-typed ones
	}
	if g.in.next()%3 == 0 {
		a.Filter = -2 // generated after the formula
	}
	g.r.Aggs = append(g.r.Aggs, a)
}

// expr emits code that pushes one value.
func (g *generator) expr(depth int) {
	choice := g.in.next() % 16
	if depth <= 0 {
		choice %= 6
	}
	switch choice {
	case 0, 1:
		g.loadConst()
	case 2:
		g.emit(OpLoadLocal, g.pick(len(g.r.Locals)))
	case 3:
		op := OpLoadProp
		if g.in.next()%2 == 0 {
			op = OpHasProp
		}
		g.emit(op, g.pick(len(g.a.p.Props)))
	case 4:
		switch {
		case g.filter && len(g.a.p.Kinds[g.kind].Attrs) > 0:
			g.emit(OpLoadAttr, g.pick(len(g.a.p.Kinds[g.kind].Attrs)))
		case !g.filter && len(g.r.Aggs) > 0 && g.in.next()%2 == 0:
			g.emit(OpAggregate, g.pick(len(g.r.Aggs)))
		default:
			g.emit(OpNow, 0)
		}
	case 5:
		if len(g.a.p.PerCurrency) == 0 {
			g.emit(OpNow, 0)
			break
		}
		g.emit(OpLoadPerCurrency, g.pick(len(g.a.p.PerCurrency)))
	case 6, 7:
		g.expr(depth - 1)
		unary := []Opcode{OpNeg, OpNot, OpIn, OpNotIn}
		if len(g.a.p.Lists) == 0 {
			unary = unary[:2]
		}
		g.emit(unary[g.in.next()%len(unary)], 0)
		if op := g.r.Code[len(g.r.Code)-1].Op; op == OpIn || op == OpNotIn {
			g.r.Code[len(g.r.Code)-1].Arg = g.pick(len(g.a.p.Lists))
		}
	case 8, 9, 10:
		g.expr(depth - 1)
		g.expr(depth - 1)
		ops := []Opcode{OpAdd, OpSub, OpMul, OpDiv, OpTimeAdd, OpTimeSub, OpTimeDiff, OpCmpNum, OpCmpInt}
		op := ops[g.in.next()%len(ops)]
		var arg int32
		if op == OpCmpNum || op == OpCmpInt {
			arg = g.pick(int(CondGe) + 1)
		}
		g.emit(op, arg)
	case 11:
		id := BuiltinID(g.in.next() % len(Builtins))
		n := Builtins[id].MinArgs + int(g.pick(2))
		if Builtins[id].MaxArgs >= 0 {
			n = Builtins[id].MaxArgs
		}
		for range n {
			g.expr(depth - 1)
		}
		g.emit(OpCallBuiltin, CallArg(id, n))
	case 12:
		g.expr(depth - 1)
		jf := g.emit(OpJumpIfFalse, 0)
		g.expr(depth - 1)
		end := g.emit(OpJump, 0)
		g.patch(jf)
		g.expr(depth - 1)
		g.patch(end)
	case 13:
		g.expr(depth - 1)
		op := OpJumpIfFalseOrPop
		if g.in.next()%2 == 0 {
			op = OpJumpIfTrueOrPop
		}
		j := g.emit(op, 0)
		g.expr(depth - 1)
		g.patch(j)
	default:
		g.loadConst()
		g.emit(OpDup, 0)
		g.emit(OpPop, 0)
		g.emit(OpNop, 0)
	}
}

// loadConst pushes a constant, or a local when there are no constants.
func (g *generator) loadConst() {
	if len(g.a.p.Consts) == 0 {
		g.emit(OpLoadLocal, g.pick(len(g.r.Locals)))
		return
	}
	g.emit(OpLoadConst, g.pick(len(g.a.p.Consts)))
}

// stmt emits code with no net effect on the stack, or an ending.
func (g *generator) stmt(depth int) {
	switch g.in.next() % 6 {
	case 0, 1:
		g.expr(2)
		g.emit(OpStoreLocal, g.pick(len(g.r.Locals)))
	case 2:
		g.expr(2)
		jf := g.emit(OpJumpIfFalse, 0)
		g.emit(OpMark, g.pick(2))
		if depth > 0 {
			g.stmt(depth - 1)
		}
		g.end()
		g.patch(jf)
	case 3:
		// A loop: runs until the step budget ends it, unless its body ends the run.
		top := len(g.r.Code)
		g.expr(1)
		jt := g.emit(OpJumpIfTrue, 0)
		g.emit(OpJump, int32(top))
		g.patch(jt)
	case 4:
		g.expr(1)
		g.emit(OpPop, 0)
	default:
		g.emit(OpNop, 0)
	}
}

// end emits an instruction that ends the run.
func (g *generator) end() {
	switch g.in.next() % 4 {
	case 0:
		if len(g.a.p.Strings) == 0 {
			g.emit(OpNoBranch, 0)
			break
		}
		g.emit(OpSkip, int32(len(g.a.p.Strings)-1))
	case 1:
		g.emit(OpNoBranch, 0)
	default:
		g.expr(2)
		g.emit(OpGive, 0)
	}
}

// decodeRaw reads instructions straight from the bytes: opcode, argument.
func decodeRaw(a *asm, data []byte) *Reward {
	b := byteReader{data: data}
	r := &Reward{Name: "raw", Cap: int32(b.next()%4) - 1, Minimum: -1, MaxStack: b.next() % 8,
		Locals: []LocalInfo{{Name: "x"}}, Branches: []BranchInfo{{Label: "b"}}}
	r.Window.Kind = window.All
	r.Result = ResultKind(b.next() % 6)
	if b.next()%2 == 0 {
		r.Aggs = append(r.Aggs, Aggregation{Op: AggOp(b.next() % 8), Kind: b.next() % 7, Attr: b.next()%5 - 1, Filter: int32(b.next()%40) - 1})
	}
	for !b.done() {
		op := Opcode(b.next() % (int(numOpcodes) + 1))
		arg := int32(int8(b.next()))
		if op == OpCallBuiltin {
			arg = CallArg(BuiltinID(arg&3), int(arg>>2&3))
		}
		if !op.HasArg() && b.next()%8 != 0 {
			arg = 0
		}
		r.Code = append(r.Code, Instr{Op: op, Arg: arg})
		r.Spans = append(r.Spans, synthSpan(len(r.Code)))
	}
	a.p.Rewards = append(a.p.Rewards, r)
	return r
}
