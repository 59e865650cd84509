package vm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// Outcome is how a run ended.
type Outcome uint8

const (
	Calculated Outcome = iota // the reward has a value; Result.Manual says whether it waits for approval
	Skipped                   // no reward, for the reason in Result.Reason
	Error                     // the reward could not be evaluated, for the reason in Result.Reason
)

var outcomeNames = [...]string{"calculated", "skipped", "error"}

// String returns "calculated", "skipped" or "error".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", o)
}

// Reasons of [Skipped] and [Error] outcomes: stable, machine-readable codes,
// never renamed. [Result.Detail] says the same for people.
const (
	// ReasonSkipped: an explicit skip statement; Detail is its text.
	ReasonSkipped = "skipped"
	// ReasonNoBranchMatched: no check or tier branch matched and the formula
	// has no fallback.
	ReasonNoBranchMatched = "no-branch-matched"
	// ReasonNoMatchingTransactions: an avg, min, max, first or last had no
	// transaction to read, or the formula aggregated transactions and none
	// matched at all.
	ReasonNoMatchingTransactions = "no-matching-transactions"
	// ReasonNonPositiveAmount: the result was zero or negative before
	// rounding, or after the cap.
	ReasonNonPositiveAmount = "non-positive-amount"
	// ReasonRoundedToZero: the result rounded to zero (or below).
	ReasonRoundedToZero = "rounded-to-zero"
	// ReasonBelowMinimum: the result is below the reward's minimum.
	ReasonBelowMinimum = "below-minimum"

	// ReasonCurrencyMismatch: amounts in two currencies met.
	ReasonCurrencyMismatch = "currency-mismatch"
	// ReasonDivisionByZero: a division by zero.
	ReasonDivisionByZero = "division-by-zero"
	// ReasonMissingProperty: a player property without a value or default.
	ReasonMissingProperty = "missing-property"
	// ReasonMissingCurrencyValue: a per-currency value, cap or minimum has no
	// entry for the player's currency.
	ReasonMissingCurrencyValue = "missing-currency-value"
	// ReasonMissingNow: the formula reads now and the input has no time.
	ReasonMissingNow = "missing-now"
	// ReasonInvalidWindow: the window could not be resolved (a missing anchor
	// or player zone, a start after the end).
	ReasonInvalidWindow = "invalid-window"
	// ReasonWindowTooLong: the resolved window is longer than 31 days.
	ReasonWindowTooLong = "window-too-long"
	// ReasonOutOfRange: a number or time grew beyond what the machine
	// represents (thousands of digits, or a time beyond the year 2262).
	ReasonOutOfRange = "out-of-range"
	// ReasonInvalidOperand: a filter operand does not suit its column; a
	// compiler bug.
	ReasonInvalidOperand = "invalid-operand"
	// ReasonStepBudgetExhausted: the run took more steps than
	// [Options.MaxSteps].
	ReasonStepBudgetExhausted = "step-budget-exhausted"
	// ReasonCancelled: the context was cancelled or its deadline passed.
	ReasonCancelled = "cancelled"
)

// DefaultMaxSteps is the step budget when [Options.MaxSteps] is 0.
const DefaultMaxSteps = 10_000_000

// Options control one run.
type Options struct {
	// Trace records the branches taken, the lets, the aggregations and the
	// window in [Result.Trace]. Tracing allocates; without it a run does not.
	Trace bool
	// MaxSteps bounds the work of a run, and so its time: one step per
	// instruction (filter code: per instruction and row), per pass of a
	// typed loop over 16 rows, per row of a decimal or text comparison, and
	// more for numbers beyond int64 as they grow (see the package doc for
	// the cost model and the worst cost of a step). 0 means
	// [DefaultMaxSteps].
	MaxSteps int64
}

// Result is the outcome of one run of a reward for one player.
type Result struct {
	Outcome Outcome
	Reason  string // one of the Reason constants; "" when Calculated
	Detail  string // for people: the skip statement's text, what was missing
	// Value is the result: money in the player's currency (KMoney) for
	// amounts, a number for points, gems and diamonds, a KTemplate. It is set
	// when Calculated, and when skipped by the pipeline (the amount that was
	// too small).
	Value Value
	// Raw is the value the formula gave, before rounding, cap and minimum.
	Raw    Value
	Manual bool      // Calculated and approval is manual: hold the reward for an operator
	Span   lang.Span // the give, skip or trapping instruction; zero for window errors
	Trace  *Trace    // nil unless Options.Trace
}

// Machine evaluates rewards. It holds the scratch space of a run (stack,
// locals, row selections), reused from run to run so that runs do not
// allocate. A Machine is not safe for concurrent use: give each goroutine
// its own.
type Machine struct {
	stack  []Value
	locals []Value
	sel    []int32   // rows selected in the current chunk; len chunkRows
	terms  []cterm   // the compiled terms of the current aggregation
	ibuf   []int64   // the int lists of the current aggregation's terms
	dbuf   []num.Dec // the decimal lists of the current aggregation's terms
	bits   []uint64  // the bitmaps of the current aggregation's sets
	tab    []uint8   // the tables of the current aggregation's sets (intSet.tab)
	rowsIn int       // the rows in the current aggregation's window

	// The current run.
	ctx      context.Context
	done     <-chan struct{}
	p        *Program
	r        *Reward
	d        *Data
	steps    int64
	maxSteps int64
	checkAt  int64 // the step count at which exec next checks the budget and the context
	trace    *Trace
	all      bool  // no window
	lo, hi   int64 // the window, Unix nanoseconds, [lo, hi)
	win      int   // the window's id (Reward.win), -1 for none
	ranAgg   bool  // an aggregation ran
	matched  bool  // an aggregation matched a row

	// The windows resolved on data wd, by window id, and the rows of each
	// table inside them, by window id × len(p.Kinds) + kind. A Data is
	// immutable, so what is resolved on it holds for every run on it,
	// until Builder.DataInto writes it again and changes its gen (wgen is
	// the gen the windows were resolved on); the cache is the machine's
	// own, so it needs no lock.
	wd    *Data
	wgen  uint64
	wins  []winEntry
	wrows []rowRange

	// The outcome, set when the run ends. Kept in fields rather than in a
	// Result so that ending a run writes a few words, not a whole Result.
	outcome        Outcome
	reason, detail string
	value, raw     Value // when valued
	valued         bool  // give set value and raw
	manual         bool
	endPC          int // the instruction that ended the run, -1 for none
}

// winEntry is a window resolved on the data of Machine.wd.
type winEntry struct {
	ok     bool // resolved; errors are not kept, they resolve again
	all    bool
	lo, hi int64
	iv     window.Interval // for the trace
}

// rowRange is the rows of a table inside a window, [lo, hi).
type rowRange struct {
	ok     bool // computed
	lo, hi int
}

// NewMachine returns a machine with empty scratch space.
func NewMachine() *Machine {
	return &Machine{sel: make([]int32, chunkRows)}
}

// Run evaluates reward r of program p on data d, prepared for p.
//
// Problems of the evaluation (a currency mismatch, a missing property, a
// window that cannot be resolved, the step budget, a cancelled ctx) are
// outcomes: Result.Outcome is [Error], with a reason, and the error is nil.
// Run returns an error only when it is misused: nil arguments, a program
// that fails [Program.Validate], a reward of another program, data prepared
// for another program. It never panics.
func (m *Machine) Run(ctx context.Context, p *Program, r *Reward, d *Data, opt Options) (res Result, err error) {
	err = m.RunInto(ctx, &res, p, r, d, opt)
	return res, err
}

// RunInto is [Machine.Run] writing the result into *res rather than
// returning it, which saves copying a Result on hot paths. On an error *res
// is the zero Result.
func (m *Machine) RunInto(ctx context.Context, res *Result, p *Program, r *Reward, d *Data, opt Options) error {
	if res == nil {
		return errors.New("vm: RunInto with a nil result")
	}
	*res = Result{}
	switch {
	case m == nil:
		return errors.New("vm: Run on a nil Machine")
	case p == nil || r == nil || d == nil:
		return errors.New("vm: Run with a nil program, reward or data")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if r.prog != p {
		return fmt.Errorf("vm: reward %s is not a reward of the program", r.Name)
	}
	if d.prog != p {
		return errors.New("vm: the data was prepared for another program")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	m.start(ctx, p, r, d, opt)
	if m.tick(-1) && m.window() {
		m.exec(0, 0, nil, 0)
	}
	res.Outcome, res.Reason, res.Detail = m.outcome, m.reason, m.detail
	res.Span, res.Trace = m.span(m.endPC), m.trace
	if m.valued {
		assign(&res.Value, &m.value)
		assign(&res.Raw, &m.raw)
		res.Manual = m.manual
	}
	m.ctx, m.done, m.p, m.r, m.d, m.trace = nil, nil, nil, nil, nil, nil
	return nil
}

// start readies the machine for a run.
func (m *Machine) start(ctx context.Context, p *Program, r *Reward, d *Data, opt Options) {
	m.ctx, m.done = ctx, ctx.Done()
	m.p, m.r, m.d = p, r, d
	if len(m.stack) < r.need {
		m.stack = make([]Value, r.need)
	}
	if cap(m.locals) < len(r.Locals) {
		m.locals = make([]Value, len(r.Locals))
	}
	m.locals = m.locals[:len(r.Locals)]
	clear(m.locals)
	if len(m.sel) < chunkRows {
		m.sel = make([]int32, chunkRows)
	}
	m.steps, m.maxSteps, m.checkAt = 0, opt.MaxSteps, 0
	if m.maxSteps <= 0 {
		m.maxSteps = DefaultMaxSteps
	}
	m.maxSteps = min(m.maxSteps, math.MaxInt64/2) // so that steps never overflow
	m.trace = nil
	if opt.Trace {
		m.trace = &Trace{}
	}
	m.ranAgg, m.matched = false, false
	m.valued, m.manual = false, false
}

// window resolves the reward's window once for the run.
func (m *Machine) window() bool {
	m.win = m.r.win
	if m.r.Window.Kind == window.All || m.win < 0 {
		m.all, m.win = true, -1
		return true
	}
	if m.wd != m.d || m.wgen != m.d.gen {
		m.wd, m.wgen = m.d, m.d.gen
		m.wins = slices.Grow(m.wins[:0], m.p.windows)[:m.p.windows]
		clear(m.wins)
		m.wrows = slices.Grow(m.wrows[:0], m.p.windows*len(m.p.Kinds))[:m.p.windows*len(m.p.Kinds)]
		clear(m.wrows)
	}
	e := &m.wins[m.win]
	if e.ok {
		if m.trace != nil {
			iv := e.iv
			m.trace.Window = &iv
		}
		m.all, m.lo, m.hi = e.all, e.lo, e.hi
		return true
	}
	spec := &m.r.Window
	iv, err := window.Resolve(*spec, m.d.now, m.d.zone, m.d.anchors)
	if err != nil {
		reason := ReasonInvalidWindow
		if errors.Is(err, window.ErrTooLong) {
			reason = ReasonWindowTooLong
		}
		m.trap(-1, reason, "window "+spec.String()+": "+err.Error())
		return false
	}
	if m.trace != nil {
		tw := iv // a copy, so that iv stays on the stack when not tracing
		m.trace.Window = &tw
	}
	m.all = iv.All
	m.lo, m.hi = unixNano(iv.Start), unixNano(iv.End)
	*e = winEntry{ok: true, all: m.all, lo: m.lo, hi: m.hi, iv: iv}
	return true
}

// exec runs the reward's code from pc with the stack sp deep. Formula code
// (t == nil) runs until give, skip or no_branch, or a trap, and returns
// ok == false. Filter code runs with row of t as the current row until
// filter_end and returns whether the row matches, with ok; a trap in it
// returns ok == false. Either way the machine then holds the outcome.
//
// Every instruction counts a step, in filter code once per row (see
// [Options.MaxSteps]); every tickSteps steps, exec checks the budget and the
// context, so that even long straight code and long row loops end soon
// after either runs out.
func (m *Machine) exec(pc, sp int, t *table, row int) (match, ok bool) {
	p, r, d := m.p, m.r, m.d
	code := r.Code
	st := m.stack
	locals := m.locals
	steps := m.steps
	for {
		in := code[pc]
		steps++
		if steps >= m.checkAt {
			if m.steps = steps; !m.tick(pc) {
				return false, false
			}
		}
		switch in.Op {
		case OpNop:
		case OpPop:
			sp--
		case OpDup:
			assign(&st[sp], &st[sp-1])
			sp++
		case OpNot:
			x := &st[sp-1]
			x.K, x.Cur, x.N, x.I = KBool, 0, num.Dec{}, b2i(x.I == 0)
		case OpNeg:
			x := &st[sp-1]
			if !x.N.FitsInt64() {
				steps += bigSteps(x.N)
			}
			x.N = x.N.Neg()
		case OpAdd:
			x, y := &st[sp-2], &st[sp-1]
			if x.Cur != y.Cur && !m.sameCur(pc, x.Cur, y.Cur) {
				return false, false
			}
			z := x.N.Add(y.N)
			if !z.FitsInt64() || !x.N.FitsInt64() || !y.N.FitsInt64() {
				if steps += opSteps(x.N, y.N, z); !m.sizeOK(pc, z) {
					return false, false
				}
			}
			x.N, x.Cur = z, x.Cur|y.Cur
			x.K = numKind(x.Cur)
			sp--
		case OpSub:
			x, y := &st[sp-2], &st[sp-1]
			if x.Cur != y.Cur && !m.sameCur(pc, x.Cur, y.Cur) {
				return false, false
			}
			z := x.N.Sub(y.N)
			if !z.FitsInt64() || !x.N.FitsInt64() || !y.N.FitsInt64() {
				if steps += opSteps(x.N, y.N, z); !m.sizeOK(pc, z) {
					return false, false
				}
			}
			x.N, x.Cur = z, x.Cur|y.Cur
			x.K = numKind(x.Cur)
			sp--
		case OpMul:
			x, y := &st[sp-2], &st[sp-1]
			if x.Cur != y.Cur && !m.sameCur(pc, x.Cur, y.Cur) {
				return false, false
			}
			if x.N.Scale()+y.N.Scale() > maxScale {
				m.trap(pc, ReasonOutOfRange, "a product with more than 1000 digits after the decimal point")
				return false, false
			}
			z := x.N.Mul(y.N)
			if !z.FitsInt64() || !x.N.FitsInt64() || !y.N.FitsInt64() {
				if steps += opSteps(x.N, y.N, z); !m.sizeOK(pc, z) {
					return false, false
				}
			}
			x.N, x.Cur = z, x.Cur|y.Cur
			x.K = numKind(x.Cur)
			sp--
		case OpDiv:
			x, y := &st[sp-2], &st[sp-1]
			if x.Cur != y.Cur && !m.sameCur(pc, x.Cur, y.Cur) {
				return false, false
			}
			q, err := x.N.Div(y.N)
			if err != nil {
				m.trap(pc, ReasonDivisionByZero, "division by zero")
				return false, false
			}
			if !q.FitsInt64() || !x.N.FitsInt64() || !y.N.FitsInt64() {
				if steps += opSteps(x.N, y.N, q); !m.sizeOK(pc, q) {
					return false, false
				}
			}
			cur := x.Cur // money / number is money; money / money and number / money are numbers
			if y.Cur != 0 {
				cur = 0
			}
			x.N, x.Cur, x.K = q, cur, numKind(cur)
			sp--
		case OpTimeAdd, OpTimeSub, OpTimeDiff:
			x, y := &st[sp-2], &st[sp-1]
			var z int64
			var okInt bool
			if in.Op == OpTimeAdd {
				z, okInt = addInt(x.I, y.I)
			} else {
				z, okInt = subInt(x.I, y.I)
			}
			if !okInt {
				m.trap(pc, ReasonOutOfRange, "a time or duration beyond the year 2262 or 292 years")
				return false, false
			}
			k := KTime
			if in.Op == OpTimeDiff {
				k = KDuration
			}
			x.K, x.Cur, x.N, x.I = k, 0, num.Dec{}, z
			sp--
		case OpNow:
			if d.now.IsZero() {
				m.trap(pc, ReasonMissingNow, "the formula reads now but the input gives no evaluation time")
				return false, false
			}
			st[sp].K, st[sp].Cur, st[sp].N, st[sp].I = KTime, 0, num.Dec{}, d.nowNS
			sp++
		case OpGive:
			m.steps = steps
			m.give(pc, &st[sp-1])
			return false, false
		case OpNoBranch:
			m.steps = steps
			m.skip(pc, ReasonNoBranchMatched, "no branch matched")
			return false, false
		case OpFilterEnd:
			m.steps = steps
			return st[sp-1].I != 0, true
		case OpLoadConst:
			assign(&st[sp], &p.Consts[in.Arg])
			sp++
		case OpLoadLocal:
			assign(&st[sp], &locals[in.Arg])
			sp++
		case OpStoreLocal:
			sp--
			assign(&locals[in.Arg], &st[sp])
			if m.trace != nil {
				m.traceLet(int(in.Arg), st[sp])
			}
		case OpLoadProp:
			if !d.hasProp[in.Arg] {
				m.trap(pc, ReasonMissingProperty, "player property "+p.Props[in.Arg].Name+" is missing")
				return false, false
			}
			assign(&st[sp], &d.props[in.Arg])
			sp++
		case OpHasProp:
			st[sp].K, st[sp].Cur, st[sp].N, st[sp].I = KBool, 0, num.Dec{}, b2i(d.hasProp[in.Arg])
			sp++
		case OpLoadPerCurrency:
			n, found := p.perCurrency(in.Arg, d.cur)
			if !found {
				m.trap(pc, ReasonMissingCurrencyValue, "no value for "+curName(d.cur)+" in "+p.formatTable(in.Arg))
				return false, false
			}
			st[sp].K, st[sp].Cur, st[sp].N, st[sp].I = numKind(d.cur), d.cur, n, 0
			sp++
		case OpLoadAttr:
			d.load(&st[sp], t, int(in.Arg), row)
			sp++
		case OpCmpNum:
			x, y := &st[sp-2], &st[sp-1]
			if x.Cur != y.Cur && !m.sameCur(pc, x.Cur, y.Cur) {
				return false, false
			}
			if !x.N.FitsInt64() || !y.N.FitsInt64() {
				steps += pairSteps(x.N, y.N)
			}
			b := Cond(in.Arg).holds(x.N.Cmp(y.N))
			sp--
			// A comparison is nearly always followed by a forward
			// jump_if_false or jump_if_true on its result: run both here,
			// with the jump's step, as running them in turn would.
			if pc+1 < len(code) {
				if j := code[pc+1]; (j.Op == OpJumpIfFalse || j.Op == OpJumpIfTrue) && int(j.Arg) > pc+1 {
					steps++
					sp--
					if b == (j.Op == OpJumpIfTrue) {
						pc = int(j.Arg)
					} else {
						pc += 2
					}
					continue
				}
			}
			x.K, x.Cur, x.N, x.I = KBool, 0, num.Dec{}, b2i(b)
		case OpCmpInt:
			x, y := &st[sp-2], &st[sp-1]
			c := Cond(in.Arg)
			var b bool
			if x.K == KString && c > CondNe { // strings order by text, not by id
				xs, ys := d.str(x.I), d.str(y.I)
				steps += int64(min(len(xs), len(ys)) / stringStepBytes)
				b = c.holds(strings.Compare(xs, ys))
			} else {
				b = c.holdsInt(x.I, y.I)
			}
			x.K, x.Cur, x.N, x.I = KBool, 0, num.Dec{}, b2i(b)
			sp--
		case OpIn, OpNotIn:
			steps += p.listSteps[in.Arg]
			found, okIn := m.in(pc, st[sp-1], p.Lists[in.Arg])
			if !okIn {
				return false, false
			}
			x := &st[sp-1]
			x.K, x.Cur, x.N, x.I = KBool, 0, num.Dec{}, b2i(found == (in.Op == OpIn))
		case OpJump:
			if int(in.Arg) <= pc {
				if m.steps = steps; !m.tick(pc) {
					return false, false
				}
			}
			pc = int(in.Arg)
			continue
		case OpJumpIfFalse, OpJumpIfTrue:
			sp--
			if (st[sp].I != 0) == (in.Op == OpJumpIfTrue) {
				if int(in.Arg) <= pc {
					if m.steps = steps; !m.tick(pc) {
						return false, false
					}
				}
				pc = int(in.Arg)
				continue
			}
		case OpJumpIfFalseOrPop, OpJumpIfTrueOrPop:
			if (st[sp-1].I != 0) == (in.Op == OpJumpIfTrueOrPop) {
				if int(in.Arg) <= pc {
					if m.steps = steps; !m.tick(pc) {
						return false, false
					}
				}
				pc = int(in.Arg)
				continue
			}
			sp--
		case OpCallBuiltin:
			id, n := callID(in.Arg)
			steps += int64(n - 1)
			for i := sp - n; i < sp; i++ {
				if !st[i].N.FitsInt64() {
					steps += bigSteps(st[i].N)
				}
			}
			if m.steps = steps; !m.tick(pc) {
				return false, false
			}
			if !m.callBuiltin(pc, id, st[sp-n:sp]) {
				return false, false
			}
			sp -= n - 1
		case OpAggregate:
			m.steps = steps
			if !m.tick(pc) {
				return false, false
			}
			if !m.aggregate(pc, int(in.Arg), sp) {
				return false, false
			}
			steps = m.steps
			sp++
		case OpMark:
			if m.trace != nil {
				b := r.Branches[in.Arg]
				m.trace.Branches = append(m.trace.Branches, TraceBranch(b))
			}
		case OpSkip:
			m.steps = steps
			m.skip(pc, ReasonSkipped, p.Strings[in.Arg])
			return false, false
		}
		pc++
	}
}

// tick checks the step budget and the context; pc is the instruction to
// blame, -1 for none. It sets the step count at which exec checks next:
// after tickSteps more steps, or just past the budget.
func (m *Machine) tick(pc int) bool {
	if m.steps > m.maxSteps {
		m.trap(pc, ReasonStepBudgetExhausted, fmt.Sprintf("more than %d steps", m.maxSteps))
		return false
	}
	if m.done != nil {
		select {
		case <-m.done:
			m.trap(pc, ReasonCancelled, m.ctx.Err().Error())
			return false
		default:
		}
	}
	m.checkAt = min(m.steps+tickSteps, m.maxSteps+1)
	return true
}

// The cost model of the step budget (see [Options.MaxSteps]).
const (
	// tickSteps is how many steps exec runs between two checks of the
	// budget and the context, besides those at backward jumps, builtin
	// calls, aggregations and chunks of rows. A check costs a few
	// nanoseconds, a step at most about 100 (see the package doc), so the
	// checks stay off the profile and a cancelled context ends a run within
	// a fraction of a millisecond.
	tickSteps = 1024
	// rowsPerStep is how many rows one pass of a typed loop (a term over an
	// int column, the sum, count, first or last of an int column) handles
	// for one step: about a nanosecond each. A set too spread out for a
	// bitmap is searched, and counts setRowsPerStep rows a step.
	rowsPerStep    = 16
	setRowsPerStep = 4
	// listStepElems is how many elements of a list in and not_in compare
	// for one step.
	listStepElems = 16
	// stringStepBytes is how many bytes of a string compared by its text
	// (<, <=, >, >=) count for one step.
	stringStepBytes = 256
)

// passSteps returns the steps of one pass of a typed loop over n rows.
func passSteps(n int) int64 { return 1 + int64(n)/rowsPerStep }

// searchSteps returns the steps of one pass of a set search over n rows.
func searchSteps(n int) int64 { return 1 + int64(n)/setRowsPerStep }

// bigSteps returns the extra steps of an operation on n beyond its first:
// none on the int64 fast path; otherwise they grow with the square of its
// length in words, as multiplication, division and formatting do. A
// product of two 2,000-digit numbers (a 208-word result, about 50 µs)
// counts about 2,900 steps.
func bigSteps(n num.Dec) int64 {
	if n.FitsInt64() {
		return 0
	}
	w := int64(n.Words())
	return w + w*w/16
}

// trap ends the run with an Error outcome.
func (m *Machine) trap(pc int, reason, detail string) { m.end(pc, Error, reason, detail) }

// skip ends the run with a Skipped outcome.
func (m *Machine) skip(pc int, reason, detail string) { m.end(pc, Skipped, reason, detail) }

// end records the outcome of the run, ended by the instruction at pc.
func (m *Machine) end(pc int, o Outcome, reason, detail string) {
	m.outcome, m.reason, m.detail, m.endPC = o, reason, detail, pc
}

func (m *Machine) span(pc int) lang.Span {
	if pc >= 0 && pc < len(m.r.Spans) {
		return m.r.Spans[pc]
	}
	return lang.Span{}
}

// sameCur reports whether currencies a != b may meet: when one is 0, a
// plain number. Otherwise it traps.
func (m *Machine) sameCur(pc int, a, b currency.Code) bool {
	if a != 0 && b != 0 {
		m.trap(pc, ReasonCurrencyMismatch, m.mismatch(a, b))
		return false
	}
	return true
}

// mismatch is the detail of money in currencies a and b meeting. When one
// of them is the player's, the other is a fixed amount the rule set wrote
// in one currency only: the detail says so and how to fix it.
func (m *Machine) mismatch(a, b currency.Code) string {
	var p currency.Code
	if m.d != nil {
		p = m.d.cur
	}
	if p == 0 || (a == p) == (b == p) {
		return "currency mismatch: " + a.String() + " and " + b.String()
	}
	fixed := a
	if a == p {
		fixed = b
	}
	return "currency mismatch: an amount in " + fixed.String() + " meets money in the player's currency, " + p.String() +
		": write the amount in each currency, as in 10 " + fixed.String() + " | 10 " + p.String() +
		" (declaring the currencies served lets promoc check find every such amount)"
}

// joinCur returns the currency of a result with operands in a and b.
func (m *Machine) joinCur(pc int, a, b currency.Code) (currency.Code, bool) {
	if a != b && !m.sameCur(pc, a, b) {
		return 0, false
	}
	return a | b, true
}

// opSteps returns the extra steps of an arithmetic instruction on x and y
// with result z (see [bigSteps]).
func opSteps(x, y, z num.Dec) int64 { return pairSteps(x, y) + bigSteps(z) }

// pairSteps returns the extra steps of an operation on x and y beyond the
// first: an operation brings both to the larger scale, so it costs as
// [bigSteps] of a number of the larger of their lengths at that scale.
func pairSteps(x, y num.Dec) int64 {
	if x.FitsInt64() && y.FitsInt64() {
		return 0
	}
	sx, sy := int64(x.Scale()), int64(y.Scale())
	w := max(int64(x.Words())+max(sy-sx, 0)/digitsPerWord, int64(y.Words())+max(sx-sy, 0)/digitsPerWord)
	return w + w*w/16
}

// digitsPerWord is the decimal digits a 64-bit word holds, at least.
const digitsPerWord = 19

// sizeOK traps on a number beyond the machine's limits.
func (m *Machine) sizeOK(pc int, n num.Dec) bool {
	if err := checkSize(n); err != nil {
		m.trap(pc, ReasonOutOfRange, "a result with "+err.Error())
		return false
	}
	return true
}

// in reports whether x equals an element of list, with the rules of
// cmp_num and cmp_int, comparing in order and stopping at the first equal
// one. A per-currency element stands for the player's currency's amount.
func (m *Machine) in(pc int, x Value, list []Value) (found, ok bool) {
	for i := range list {
		e := &list[i]
		if !x.K.numeric() {
			if x.I == e.I {
				return true, true
			}
			continue
		}
		n, cur := e.N, e.Cur
		if e.K == KPerCurrency {
			var has bool
			if n, has = m.p.perCurrency(int32(e.I), m.d.cur); !has {
				m.trap(pc, ReasonMissingCurrencyValue, "no value for "+curName(m.d.cur)+" in "+m.p.formatTable(int32(e.I)))
				return false, false
			}
			cur = m.d.cur
		}
		if x.Cur != cur && !m.sameCur(pc, x.Cur, cur) {
			return false, false
		}
		if x.N.Cmp(n) == 0 {
			return true, true
		}
	}
	return false, true
}

// numKind returns the kind of a numeric value in currency c.
func numKind(c currency.Code) Kind {
	if c != 0 {
		return KMoney
	}
	return KNumber
}

func curName(c currency.Code) string {
	if c == 0 {
		return "no currency"
	}
	return c.String()
}

func addInt(a, b int64) (int64, bool) {
	z := a + b
	return z, (a^z)&(b^z) >= 0
}

func subInt(a, b int64) (int64, bool) {
	z := a - b
	return z, (a^b)&(a^z) >= 0
}
