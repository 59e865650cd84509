package vm

import (
	"errors"
	"fmt"

	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// Validate reports whether p is well formed: every table reference is in
// range, every path of every reward's code (the hidden rewards of Conds
// included) keeps the stack consistent and ends in give, skip or no_branch,
// filter code keeps to what filters may do, and every reward belongs to p
// alone. It also computes the stack depth each reward needs, following every path, filter code included on top of the
// stack of its aggregate instruction. The machine runs only programs that
// pass, which is why it can index its stack and tables without further
// checks and never panics. A failure is a compiler bug; the message names
// the reward and the pc.
//
// Validate runs once per program; later calls, and [Machine.Run] and
// [Prepare], which call it, return the first result. It must therefore not
// be called before the program is complete.
func (p *Program) Validate() error {
	p.once.Do(func() { p.err = p.validate() })
	return p.err
}

// allRewards lists Rewards, then Conds.
func (p *Program) allRewards() []*Reward {
	return append(p.Rewards[:len(p.Rewards):len(p.Rewards)], p.Conds...)
}

func (p *Program) validate() error {
	for i, v := range p.Consts {
		if err := p.checkValue(v); err != nil {
			return fmt.Errorf("vm: consts[%d]: %v", i, err)
		}
	}
	p.listSteps = make([]int64, len(p.Lists))
	for i, l := range p.Lists {
		for j, v := range l {
			if err := p.checkValue(v); err != nil {
				return fmt.Errorf("vm: lists[%d][%d]: %v", i, j, err)
			}
			p.listSteps[i] += bigSteps(v.N)
		}
		p.listSteps[i] += int64(len(l) / listStepElems)
	}
	if len(p.TemplateNames) != 0 && len(p.TemplateNames) != len(p.Templates) {
		return fmt.Errorf("vm: %d template names for %d templates", len(p.TemplateNames), len(p.Templates))
	}
	p.kindIndex = make(map[string]int, len(p.Kinds))
	p.noMatch = make([]string, len(p.Kinds))
	p.attrIndex = make([]map[string]int, len(p.Kinds))
	for i, k := range p.Kinds {
		if _, dup := p.kindIndex[k.Name]; dup || k.Name == "" {
			return fmt.Errorf("vm: kinds[%d]: empty or repeated name %q", i, k.Name)
		}
		p.kindIndex[k.Name] = i
		p.noMatch[i] = "no " + k.Name + " transaction matched"
		p.attrIndex[i] = make(map[string]int, len(k.Attrs))
		for j, a := range k.Attrs {
			if _, dup := p.attrIndex[i][a.Name]; dup || a.Name == "" {
				return fmt.Errorf("vm: kind %s: attribute %d: empty or repeated name %q", k.Name, j, a.Name)
			}
			p.attrIndex[i][a.Name] = j
			if err := p.checkField(a.Type, a.HasDefault, a.Default); err != nil {
				return fmt.Errorf("vm: kind %s: attribute %s: %v", k.Name, a.Name, err)
			}
			p.usesMoney = p.usesMoney || a.Type == KMoney
		}
	}
	p.propIndex = make(map[string]int, len(p.Props))
	for i, pr := range p.Props {
		if _, dup := p.propIndex[pr.Name]; dup || pr.Name == "" {
			return fmt.Errorf("vm: props[%d]: empty or repeated name %q", i, pr.Name)
		}
		p.propIndex[pr.Name] = i
		if err := p.checkField(pr.Type, pr.HasDefault, pr.Default); err != nil {
			return fmt.Errorf("vm: property %s: %v", pr.Name, err)
		}
		p.usesMoney = p.usesMoney || pr.Type == KMoney
	}
	p.strIndex = make(map[string]int32, len(p.Strings))
	for i, s := range p.Strings {
		if _, dup := p.strIndex[s]; !dup { // the first id of a repeated string wins
			p.strIndex[s] = int32(i)
		}
	}
	all := p.allRewards()
	needs := make([]int, len(all))
	for i, r := range all {
		if r == nil {
			return fmt.Errorf("vm: rewards[%d] is nil", i)
		}
		if r.prog != nil && r.prog != p {
			return fmt.Errorf("vm: reward %s belongs to another program", r.Name)
		}
		for _, q := range all[:i] {
			if q == r {
				return fmt.Errorf("vm: reward %s is listed twice", r.Name)
			}
		}
		need, err := p.checkReward(r)
		if err != nil {
			return fmt.Errorf("vm: reward %s: %w", r.Name, err)
		}
		needs[i] = need
	}
	// Rewards with the same window share its id, so that a machine resolves
	// it once per Data (see Machine.window).
	winIDs := map[window.Spec]int{}
	for i, r := range all {
		r.prog, r.need, r.win = p, needs[i], -1
		if r.Window.Kind != window.All {
			id, seen := winIDs[r.Window]
			if !seen {
				id = len(winIDs)
				winIDs[r.Window] = id
			}
			r.win = id
		}
	}
	p.windows = len(winIDs)
	p.reads = p.readColumns()
	return nil
}

// checkValue checks a constant's kind and the ids it holds.
func (p *Program) checkValue(v Value) error {
	bad := false
	switch v.K {
	case KNumber, KMoney, KTime, KDuration:
	case KBool:
		bad = v.I != 0 && v.I != 1
	case KString:
		bad = v.I < 0 || v.I >= int64(len(p.Strings))
	case KTemplate:
		bad = v.I < 0 || v.I >= int64(len(p.Templates))
	case KPerCurrency:
		bad = v.I < 0 || v.I >= int64(len(p.PerCurrency))
	default:
		return fmt.Errorf("invalid kind %v", v.K)
	}
	if bad {
		return fmt.Errorf("%v value with id %d out of range", v.K, v.I)
	}
	return nil
}

// checkField checks a schema type and its default.
func (p *Program) checkField(t Kind, hasDefault bool, def Value) error {
	switch t {
	case KNumber, KMoney, KBool, KString, KTime, KDuration:
	default:
		return fmt.Errorf("invalid type %v", t)
	}
	if !hasDefault {
		return nil
	}
	if !compatible(t, def.K) {
		return fmt.Errorf("default of kind %v for type %v", def.K, t)
	}
	return p.checkValue(def)
}

// compatible reports whether a value of kind k can stand in a column of
// type t: numbers and money mix (the currency rule applies at run time),
// and a per-currency constant stands for its player's currency's amount.
func compatible(t, k Kind) bool {
	return t == k || t.numeric() && (k.numeric() || k == KPerCurrency)
}

// checkReward checks r's settings and code and returns the stack depth the
// code needs.
func (p *Program) checkReward(r *Reward) (int, error) {
	switch {
	case r.Result > ResultDiamonds:
		return 0, fmt.Errorf("invalid result kind %v", r.Result)
	case r.Target > TargetLevel:
		return 0, fmt.Errorf("invalid points target %v", r.Target)
	case len(r.Code) == 0:
		return 0, errors.New("no code")
	case len(r.Spans) != len(r.Code):
		return 0, fmt.Errorf("%d spans for %d instructions", len(r.Spans), len(r.Code))
	case !validMode(r.Round.Mode):
		return 0, fmt.Errorf("invalid rounding mode %v", r.Round.Mode)
	case !r.Round.Default && (r.Round.Decimals < 0 || r.Round.Decimals > maxDecimals):
		return 0, fmt.Errorf("rounding to %d decimals", r.Round.Decimals)
	case r.Cap < -1 || int(r.Cap) >= len(p.PerCurrency):
		return 0, fmt.Errorf("cap table %d out of range", r.Cap)
	case r.Minimum < -1 || int(r.Minimum) >= len(p.PerCurrency):
		return 0, fmt.Errorf("minimum table %d out of range", r.Minimum)
	}
	if err := r.Window.Validate(); err != nil {
		return 0, fmt.Errorf("window: %w", err)
	}
	for pc, in := range r.Code {
		if err := p.checkArg(r, in); err != nil {
			return 0, fmt.Errorf("pc %d: %s: %v", pc, in, err)
		}
	}
	for i := range r.Aggs {
		if err := p.checkAgg(r, &r.Aggs[i]); err != nil {
			return 0, fmt.Errorf("aggregation %d: %v", i, err)
		}
	}
	w := walker{p: p, r: r, depth: make([]int, len(r.Code)), mode: make([]uint8, len(r.Code))}
	need, err := w.walk(0, modeMain, -1)
	if err != nil {
		return 0, err
	}
	filterNeed := make([]int, len(r.Aggs))
	for i, a := range r.Aggs {
		if a.Filter >= 0 {
			if filterNeed[i], err = w.walk(int(a.Filter), modeFilter, a.Kind); err != nil {
				return 0, fmt.Errorf("filter of aggregation %d: %w", i, err)
			}
		}
	}
	// Filter code runs on top of the stack of its aggregate instruction.
	for _, site := range w.sites {
		need = max(need, site.depth+filterNeed[site.agg])
	}
	return max(need, r.MaxStack), nil
}

func validMode(m num.Mode) bool {
	_, ok := num.ParseMode(m.String())
	return ok
}

// checkArg checks that an instruction's argument is in range.
func (p *Program) checkArg(r *Reward, in Instr) error {
	a := int(in.Arg)
	in32 := func(n int) error {
		if a < 0 || a >= n {
			return fmt.Errorf("argument out of range [0, %d)", n)
		}
		return nil
	}
	switch in.Op {
	case OpLoadConst:
		return in32(len(p.Consts))
	case OpLoadLocal, OpStoreLocal:
		return in32(len(r.Locals))
	case OpLoadProp, OpHasProp:
		return in32(len(p.Props))
	case OpLoadPerCurrency:
		return in32(len(p.PerCurrency))
	case OpLoadAttr:
		return in32(1 << 30) // the column is checked with the filter's kind
	case OpCmpNum, OpCmpInt:
		return in32(int(CondGe) + 1)
	case OpIn, OpNotIn:
		return in32(len(p.Lists))
	case OpJump, OpJumpIfFalse, OpJumpIfTrue, OpJumpIfFalseOrPop, OpJumpIfTrueOrPop:
		return in32(len(r.Code))
	case OpCallBuiltin:
		id, n := callID(in.Arg)
		if in.Arg < 0 || !id.accepts(n) {
			return fmt.Errorf("builtin %v does not take %d arguments", id, n)
		}
		return nil
	case OpAggregate:
		return in32(len(r.Aggs))
	case OpMark:
		return in32(len(r.Branches))
	case OpSkip:
		return in32(len(p.Strings))
	}
	if in.Op >= numOpcodes {
		return errors.New("invalid opcode")
	}
	if in.Arg != 0 {
		return errors.New("argument on an opcode without one")
	}
	return nil
}

// checkAgg checks an aggregation descriptor against the schema.
func (p *Program) checkAgg(r *Reward, a *Aggregation) error {
	if a.Op > AggLast {
		return fmt.Errorf("invalid op %v", a.Op)
	}
	if a.Kind < 0 || a.Kind >= len(p.Kinds) {
		return fmt.Errorf("kind %d out of range", a.Kind)
	}
	attrs := p.Kinds[a.Kind].Attrs
	if a.Op == AggCount {
		if a.Attr < -1 || a.Attr >= len(attrs) {
			return fmt.Errorf("column %d out of range", a.Attr)
		}
	} else {
		if a.Attr < 0 || a.Attr >= len(attrs) {
			return fmt.Errorf("column %d out of range", a.Attr)
		}
		t := attrs[a.Attr].Type
		switch a.Op {
		case AggSum, AggAvg:
			if !t.numeric() {
				return fmt.Errorf("%v of a %v column", a.Op, t)
			}
		case AggMin, AggMax:
			if !t.numeric() && t != KTime && t != KDuration {
				return fmt.Errorf("%v of a %v column", a.Op, t)
			}
		}
	}
	for i, t := range a.Terms {
		if err := p.checkTerm(r, attrs, t); err != nil {
			return fmt.Errorf("term %d: %v", i, err)
		}
	}
	if a.Filter < -1 || int(a.Filter) >= len(r.Code) {
		return fmt.Errorf("filter pc %d out of range", a.Filter)
	}
	return nil
}

func (p *Program) checkTerm(r *Reward, attrs []AttrInfo, t Term) error {
	if t.Col < 0 || t.Col >= len(attrs) {
		return fmt.Errorf("column %d out of range", t.Col)
	}
	if t.Cond >= numConds {
		return fmt.Errorf("invalid condition %v", t.Cond)
	}
	typ := attrs[t.Col].Type
	isList := t.Cond == CondIn || t.Cond == CondNotIn
	switch {
	case t.Prop:
		if t.Local != -1 || isList {
			return errors.New("a property operand goes with a local of -1 and a comparison")
		}
		if t.Const < 0 || int(t.Const) >= len(p.Props) {
			return fmt.Errorf("property %d out of range", t.Const)
		}
		if k := p.Props[t.Const].Type; !compatible(typ, k) {
			return fmt.Errorf("%v property for a %v column", k, typ)
		}
	case t.Local >= 0:
		if int(t.Local) >= len(r.Locals) {
			return fmt.Errorf("local %d out of range", t.Local)
		}
		if isList {
			return errors.New("a list operand must be a constant")
		}
	case t.Local < -1:
		return fmt.Errorf("local %d out of range", t.Local)
	case isList:
		if t.Const < 0 || int(t.Const) >= len(p.Lists) {
			return fmt.Errorf("list %d out of range", t.Const)
		}
		for _, v := range p.Lists[t.Const] {
			if !compatible(typ, v.K) {
				return fmt.Errorf("%v in a list for a %v column", v.K, typ)
			}
		}
	default:
		if t.Const < 0 || int(t.Const) >= len(p.Consts) {
			return fmt.Errorf("constant %d out of range", t.Const)
		}
		if k := p.Consts[t.Const].K; !compatible(typ, k) {
			return fmt.Errorf("%v operand for a %v column", k, typ)
		}
	}
	return nil
}

// The modes of a pc: unreached, reached from the start of the code, or
// reached from the start of a filter.
const (
	modeNone uint8 = iota
	modeMain
	modeFilter
)

// walker follows every path through a reward's code, computing the stack
// depth at each pc.
type walker struct {
	p     *Program
	r     *Reward
	depth []int   // per pc, valid when mode[pc] is the walk's mode
	mode  []uint8 // per pc
	seen  []bool  // per pc: reached in the current walk
	sites []aggSite
}

// aggSite is an aggregate instruction of the main code and its stack depth.
type aggSite struct{ agg, depth int }

// walk visits the code reachable from start in the given mode (for filter
// code: of kind kind) and returns the deepest stack on the way, relative to
// the depth at start.
func (w *walker) walk(start int, mode uint8, kind int) (int, error) {
	w.seen = make([]bool, len(w.r.Code))
	code := w.r.Code
	maxDepth := 0
	work := []int{start}
	if err := w.reach(start, 0, mode); err != nil {
		return 0, err
	}
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		in := code[pc]
		d := w.depth[pc]
		if d < in.pops() {
			return 0, fmt.Errorf("pc %d: %s: stack underflow (depth %d)", pc, in, d)
		}
		if err := w.allowed(pc, in, mode, kind); err != nil {
			return 0, fmt.Errorf("pc %d: %s: %v", pc, in, err)
		}
		if in.Op == OpAggregate {
			w.sites = append(w.sites, aggSite{int(in.Arg), d})
		}
		next := d + in.StackEffect()
		maxDepth = max(maxDepth, d, next)
		type edge struct{ pc, depth int }
		var succ [2]edge
		n := 0
		switch in.Op {
		case OpGive, OpSkip, OpNoBranch:
		case OpFilterEnd:
			if d != 1 {
				return 0, fmt.Errorf("pc %d: filter_end with %d values on the stack, want 1", pc, d)
			}
		case OpJump:
			succ[0], n = edge{int(in.Arg), next}, 1
		case OpJumpIfFalse, OpJumpIfTrue:
			succ[0], succ[1], n = edge{int(in.Arg), next}, edge{pc + 1, next}, 2
		case OpJumpIfFalseOrPop, OpJumpIfTrueOrPop:
			succ[0], succ[1], n = edge{int(in.Arg), d}, edge{pc + 1, next}, 2
		default:
			succ[0], n = edge{pc + 1, next}, 1
		}
		for _, e := range succ[:n] {
			if e.pc >= len(code) {
				return 0, fmt.Errorf("pc %d: %s: the code falls off its end", pc, in)
			}
			if mode == modeFilter && e.pc <= pc {
				return 0, fmt.Errorf("pc %d: %s: backward jump in filter code", pc, in)
			}
			if w.seen[e.pc] {
				if w.depth[e.pc] != e.depth {
					return 0, fmt.Errorf("pc %d: stack depth %d on one path and %d on another", e.pc, w.depth[e.pc], e.depth)
				}
				continue
			}
			if err := w.reach(e.pc, e.depth, mode); err != nil {
				return 0, err
			}
			work = append(work, e.pc)
		}
	}
	return maxDepth, nil
}

// reach marks pc as reached in mode with the given depth.
func (w *walker) reach(pc, depth int, mode uint8) error {
	if m := w.mode[pc]; m != modeNone && m != mode {
		return fmt.Errorf("pc %d is reached both as filter code and as formula code", pc)
	}
	w.mode[pc], w.depth[pc], w.seen[pc] = mode, depth, true
	return nil
}

// allowed checks what a mode allows: filter code reads the current row and
// ends in filter_end; formula code does neither.
func (w *walker) allowed(pc int, in Instr, mode uint8, kind int) error {
	if mode == modeMain {
		switch in.Op {
		case OpLoadAttr, OpFilterEnd:
			return errors.New("only allowed in filter code")
		}
		return nil
	}
	switch in.Op {
	case OpAggregate, OpStoreLocal, OpMark, OpGive, OpSkip, OpNoBranch:
		return errors.New("not allowed in filter code")
	case OpLoadAttr:
		if n := len(w.p.Kinds[kind].Attrs); int(in.Arg) >= n {
			return fmt.Errorf("kind %s has %d columns", w.p.Kinds[kind].Name, n)
		}
	}
	return nil
}
