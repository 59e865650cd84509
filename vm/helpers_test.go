package vm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// This file builds programs by hand while there is no lowerer: a schema like
// the one of examples/dynamic_rewards, and a small assembler that reads
// the disassembler's mnemonics.

// testSchema returns a program with the example schema and no rewards.
func testSchema() *Program {
	play := []AttrInfo{{Name: "amount", Type: KMoney}, {Name: "game", Type: KString}, {Name: "category", Type: KString}}
	return &Program{
		Kinds: []KindInfo{
			{Name: "bet", Attrs: play},
			{Name: "win", Attrs: play},
			{Name: "deposit", Attrs: []AttrInfo{{Name: "amount", Type: KMoney}, {Name: "method", Type: KString}}},
			{Name: "withdrawal", Attrs: []AttrInfo{{Name: "amount", Type: KMoney}}},
			{Name: "login"},
			{Name: "spin", Attrs: []AttrInfo{
				{Name: "n", Type: KNumber}, {Name: "at", Type: KTime}, {Name: "took", Type: KDuration},
				{Name: "bonus", Type: KBool}, {Name: "level", Type: KNumber, HasDefault: true, Default: Number(num.FromInt(1))},
			}},
		},
		Props: []PropInfo{
			{Name: "logins_count_ever", Type: KNumber},
			{Name: "total_deposits", Type: KMoney},
			{Name: "vip_level", Type: KNumber, HasDefault: true, Default: Number(num.FromInt(0))},
			{Name: "country", Type: KString},
			{Name: "registered", Type: KTime},
			{Name: "verified", Type: KBool},
		},
		Templates:     []string{"10 Free Spins on Golden Quest"},
		TemplateNames: []string{"golden_quest_spins"},
	}
}

// Indexes into testSchema.
const (
	kBet, kWin, kDeposit, kWithdrawal, kLogin, kSpin = 0, 1, 2, 3, 4, 5
	cAmount, cGame, cCategory                        = 0, 1, 2
)

func cur(s string) currency.Code {
	c, ok := currency.Parse(s)
	if !ok {
		panic("unknown currency " + s)
	}
	return c
}

var eur, usd, gbp = cur("EUR"), cur("USD"), cur("GBP")

// asm assembles rewards into a program.
type asm struct {
	t testing.TB
	p *Program
}

func newAsm(t testing.TB) *asm { return &asm{t: t, p: testSchema()} }

// intern returns the id of a constant string.
func (a *asm) intern(s string) int32 {
	for i, x := range a.p.Strings {
		if x == s {
			return int32(i)
		}
	}
	a.p.Strings = append(a.p.Strings, s)
	return int32(len(a.p.Strings) - 1)
}

// value parses a literal: "text", true, false, 12.5, 12.5 EUR, time:RFC3339,
// dur:1h, tmpl:0, table:200 EUR | 220 USD.
func (a *asm) value(lit string) Value {
	lit = strings.TrimSpace(lit)
	switch {
	case strings.HasPrefix(lit, `"`):
		s, err := strconv.Unquote(lit)
		require.NoError(a.t, err, lit)
		return StringID(a.intern(s))
	case lit == "true" || lit == "false":
		return Bool(lit == "true")
	case strings.HasPrefix(lit, "time:"):
		tm, err := time.Parse(time.RFC3339, lit[5:])
		require.NoError(a.t, err)
		return Time(tm)
	case strings.HasPrefix(lit, "dur:"):
		d, err := time.ParseDuration(lit[4:])
		require.NoError(a.t, err)
		return Duration(d)
	case strings.HasPrefix(lit, "tmpl:"):
		i, err := strconv.Atoi(lit[5:])
		require.NoError(a.t, err)
		return Template(i)
	case strings.HasPrefix(lit, "table:"):
		return PerCurrency(int(a.table(lit[6:])))
	}
	amount, c, isMoney := strings.Cut(lit, " ")
	n, err := num.Parse(amount)
	require.NoError(a.t, err, lit)
	if isMoney {
		return Money(n, cur(c))
	}
	return Number(n)
}

// konst adds a constant and returns its index.
func (a *asm) konst(lit string) int32 {
	a.p.Consts = append(a.p.Consts, a.value(lit))
	return int32(len(a.p.Consts) - 1)
}

// list adds a constant list: `"a", "b"` or `1, 2`.
func (a *asm) list(lits string) int32 {
	var l []Value
	for _, s := range strings.Split(lits, ",") {
		l = append(l, a.value(s))
	}
	a.p.Lists = append(a.p.Lists, l)
	return int32(len(a.p.Lists) - 1)
}

// table adds a per-currency table: "200 EUR | 220 USD", or "100" for points.
func (a *asm) table(lit string) int32 {
	var tab []CurAmount
	for _, s := range strings.Split(lit, "|") {
		v := a.value(s)
		tab = append(tab, CurAmount{Cur: v.Cur, N: v.N})
	}
	a.p.PerCurrency = append(a.p.PerCurrency, tab)
	return int32(len(a.p.PerCurrency) - 1)
}

// opt changes a reward after assembly; labels maps label names to pcs.
type opt func(r *Reward, labels map[string]int)

func withAggs(aggs ...Aggregation) opt {
	return func(r *Reward, _ map[string]int) {
		for _, g := range aggs {
			if g.Filter == 0 {
				g.Filter = -1
			}
			r.Aggs = append(r.Aggs, g)
		}
	}
}

// withFilter sets aggregation i's filter code to start at label.
func withFilter(i int, label string) opt {
	return func(r *Reward, labels map[string]int) { r.Aggs[i].Filter = int32(labels[label]) }
}

func withResult(k ResultKind) opt { return func(r *Reward, _ map[string]int) { r.Result = k } }
func withManual() opt             { return func(r *Reward, _ map[string]int) { r.Manual = true } }
func withWindow(s window.Spec) opt {
	return func(r *Reward, _ map[string]int) { r.Window = s }
}
func withRound(mode num.Mode, decimals int32) opt {
	return func(r *Reward, _ map[string]int) { r.Round = Rounding{Mode: mode, Decimals: decimals} }
}

func (a *asm) withCap(lit string) opt {
	k := a.table(lit)
	return func(r *Reward, _ map[string]int) { r.Cap = k }
}

func (a *asm) withMinimum(lit string) opt {
	k := a.table(lit)
	return func(r *Reward, _ map[string]int) { r.Minimum = k }
}

// reward assembles src, one instruction per line ("label:" lines define
// labels, "#" starts a comment), adds the reward to the program and returns
// it. MaxStack is computed the way a lowerer would: the largest running
// total of StackEffect along the code.
func (a *asm) reward(name, src string, opts ...opt) *Reward {
	a.t.Helper()
	r := &Reward{Name: name, File: name + ".promo", Cap: -1, Minimum: -1,
		Window: window.Spec{Kind: window.All}, Round: Rounding{Default: true}}
	labels := map[string]int{}
	type fix struct {
		pc    int
		label string
	}
	var fixes []fix
	line := 0
	for _, l := range strings.Split(src, "\n") {
		line++
		if i := strings.Index(l, "#"); i >= 0 && !strings.Contains(l, `"`) {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if strings.HasSuffix(l, ":") && !strings.Contains(l, " ") {
			labels[strings.TrimSuffix(l, ":")] = len(r.Code)
			continue
		}
		mn, arg, _ := strings.Cut(l, " ")
		arg = strings.TrimSpace(arg)
		op := Opcode(255)
		for o := range numOpcodes {
			if opNames[o] == mn {
				op = o
			}
		}
		require.NotEqual(a.t, Opcode(255), op, "unknown mnemonic %q", mn)
		in := Instr{Op: op}
		switch op {
		case OpLoadConst:
			in.Arg = a.konst(arg)
		case OpLoadLocal, OpStoreLocal:
			in.Arg = -1
			for i, loc := range r.Locals {
				if loc.Name == arg {
					in.Arg = int32(i)
				}
			}
			if in.Arg < 0 {
				r.Locals = append(r.Locals, LocalInfo{Name: arg, Span: synthSpan(line)})
				in.Arg = int32(len(r.Locals) - 1)
			}
		case OpLoadProp, OpHasProp:
			in.Arg = -1
			for i, pr := range a.p.Props {
				if pr.Name == arg {
					in.Arg = int32(i)
				}
			}
			require.GreaterOrEqual(a.t, in.Arg, int32(0), "unknown property %s", arg)
		case OpLoadPerCurrency:
			in.Arg = a.table(arg)
		case OpLoadAttr:
			kind, attr, _ := strings.Cut(arg, ".")
			in.Arg = -1
			for _, k := range a.p.Kinds {
				if k.Name == kind {
					for i, at := range k.Attrs {
						if at.Name == attr {
							in.Arg = int32(i)
						}
					}
				}
			}
			require.GreaterOrEqual(a.t, in.Arg, int32(0), "unknown attribute %s", arg)
		case OpCmpNum, OpCmpInt:
			in.Arg = -1
			for c := range CondIn {
				if condNames[c] == arg {
					in.Arg = int32(c)
				}
			}
			require.GreaterOrEqual(a.t, in.Arg, int32(0), "unknown condition %s", arg)
		case OpIn, OpNotIn:
			in.Arg = a.list(arg)
		case OpJump, OpJumpIfFalse, OpJumpIfTrue, OpJumpIfFalseOrPop, OpJumpIfTrueOrPop:
			fixes = append(fixes, fix{len(r.Code), arg})
		case OpCallBuiltin:
			fn, n, _ := strings.Cut(arg, "/")
			id := BuiltinID(255)
			for i, b := range Builtins {
				if b.Name == fn {
					id = BuiltinID(i)
				}
			}
			nargs, err := strconv.Atoi(n)
			require.NoError(a.t, err)
			in.Arg = CallArg(id, nargs)
		case OpAggregate:
			n, err := strconv.Atoi(arg)
			require.NoError(a.t, err)
			in.Arg = int32(n)
		case OpMark:
			r.Branches = append(r.Branches, BranchInfo{Label: arg, Span: synthSpan(line)})
			in.Arg = int32(len(r.Branches) - 1)
		case OpSkip:
			s, err := strconv.Unquote(arg)
			require.NoError(a.t, err)
			in.Arg = a.intern(s)
		default:
			if arg != "" {
				n, err := strconv.Atoi(arg)
				require.NoError(a.t, err)
				in.Arg = int32(n)
			}
		}
		r.Code = append(r.Code, in)
		r.Spans = append(r.Spans, synthSpan(line))
	}
	for _, f := range fixes {
		pc, ok := labels[f.label]
		require.True(a.t, ok, "undefined label %s", f.label)
		r.Code[f.pc].Arg = int32(pc)
	}
	depth := 0
	for _, in := range r.Code {
		depth += in.StackEffect()
		r.MaxStack = max(r.MaxStack, depth)
	}
	for _, o := range opts {
		o(r, labels)
	}
	a.p.Rewards = append(a.p.Rewards, r)
	return r
}

// synthSpan is the span of a whole line of assembly.
func synthSpan(line int) lang.Span {
	return lang.Span{Start: lang.Pos{Line: line, Col: 1}, End: lang.Pos{Line: line, Col: 2}}
}

// Transactions.

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func bet(id string, min int, amount, game, category string) Txn {
	return Txn{ID: id, Kind: "bet", Time: at(min), Attrs: map[string]any{"amount": amount, "game": game, "category": category}}
}

func win(id string, min int, amount, game, category string) Txn {
	return Txn{ID: id, Kind: "win", Time: at(min), Attrs: map[string]any{"amount": amount, "game": game, "category": category}}
}

func deposit(id string, min int, amount string) Txn {
	return Txn{ID: id, Kind: "deposit", Time: at(min), Attrs: map[string]any{"amount": amount, "method": "card"}}
}

func eurPlayer(txns ...Txn) Input {
	return Input{Player: Player{ID: "p1", Currency: eur, Zone: time.UTC}, Txns: txns, Now: at(60 * 24)}
}

func prepare(t testing.TB, p *Program, in Input) *Data {
	t.Helper()
	d, err := Prepare(p, in)
	require.NoError(t, err)
	return d
}

func run(t testing.TB, p *Program, r *Reward, d *Data, o Options) Result {
	t.Helper()
	res, err := NewMachine().Run(context.Background(), p, r, d, o)
	require.NoError(t, err)
	return res
}

// show writes a result compactly for comparisons: "calculated 12.50 EUR",
// "skipped no-branch-matched", "error currency-mismatch: ...".
func show(d *Data, res Result) string {
	switch res.Outcome {
	case Calculated:
		s := "calculated " + d.Format(res.Value)
		if res.Manual {
			s += " manual"
		}
		return s
	case Skipped:
		return fmt.Sprintf("skipped %s: %s", res.Reason, res.Detail)
	}
	return fmt.Sprintf("error %s: %s", res.Reason, res.Detail)
}
