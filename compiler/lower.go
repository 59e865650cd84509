package compiler

import (
	"fmt"
	"strings"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
)

// Lower translates a checked rule set into a VM program. It must only be
// called when Check reported no errors; a failure here is a compiler bug,
// reported as "internal error: ...".
func Lower(info *Info) (prog *vm.Program, err error) {
	l := &lowerer{
		info:     info,
		prog:     &vm.Program{},
		strIDs:   map[string]int32{},
		constIDs: map[string]int32{},
		tableIDs: map[string]int32{},
	}
	defer func() {
		if r := recover(); r != nil {
			if b, ok := r.(bailout); ok {
				prog, err = nil, fmt.Errorf("internal error: %s", string(b))
				return
			}
			panic(r)
		}
	}()
	l.schema()
	for _, r := range info.Rewards {
		l.prog.Rewards = append(l.prog.Rewards, l.reward(r))
	}
	for _, r := range info.Rules {
		l.ruleConds(r)
	}
	if err := l.prog.Validate(); err != nil {
		return nil, fmt.Errorf("internal error: %w", err)
	}
	return l.prog, nil
}

// bailout is the panic value of a lowering failure, recovered by Lower.
type bailout string

func (l *lowerer) fail(format string, args ...any) {
	panic(bailout(fmt.Sprintf(format, args...)))
}

type lowerer struct {
	info     *Info
	prog     *vm.Program
	strIDs   map[string]int32
	constIDs map[string]int32 // constant key → index in Consts
	tableIDs map[string]int32 // per-currency table key → index

	// per reward
	ri      *RewardInfo
	r       *vm.Reward
	code    []vm.Instr
	spans   []lang.Span
	slots   map[*Symbol]int32
	filters []pendingFilter
	agg     *Symbol // the kind whose attributes bare names are, in filter code

	// synth holds the kinds of the aggregations the lowerer makes up for
	// the conditions of rules (lowerrules.go), which Info.Aggregates does
	// not know.
	synth map[*lang.AggregateExpr]*Symbol
}

type pendingFilter struct {
	agg  int
	kind *Symbol
	cond lang.Expr // the conjuncts not turned into terms, and-ed
}

func vmKind(t Type) vm.Kind {
	switch t.Kind {
	case Money:
		return vm.KMoney
	case Bool:
		return vm.KBool
	case String:
		return vm.KString
	case Time:
		return vm.KTime
	case Duration:
		return vm.KDuration
	case Template:
		return vm.KTemplate
	}
	return vm.KNumber
}

func (l *lowerer) schema() {
	for _, k := range l.info.Kinds {
		ki := vm.KindInfo{Name: k.Name}
		for _, a := range k.Attrs {
			ai := vm.AttrInfo{Name: a.Name, Type: vmKind(a.Type), Whole: a.Type.Kind == Count}
			if a.Value != nil {
				ai.HasDefault, ai.Default = true, l.value(a.Value)
			}
			ki.Attrs = append(ki.Attrs, ai)
		}
		l.prog.Kinds = append(l.prog.Kinds, ki)
	}
	for _, p := range l.info.Props {
		pi := vm.PropInfo{Name: p.Name, Type: vmKind(p.Type), Whole: p.Type.Kind == Count}
		if p.Value != nil {
			pi.HasDefault, pi.Default = true, l.value(p.Value)
		}
		l.prog.Props = append(l.prog.Props, pi)
	}
	for _, t := range l.info.Templates {
		l.prog.Templates = append(l.prog.Templates, t.Value.Str)
		l.prog.TemplateNames = append(l.prog.TemplateNames, t.Name)
	}
	for _, code := range l.info.Currencies {
		c, _ := currency.Parse(code) // checked by Check
		l.prog.Currencies = append(l.prog.Currencies, c)
	}
}

func (l *lowerer) str(s string) int32 {
	if id, ok := l.strIDs[s]; ok {
		return id
	}
	id := int32(len(l.prog.Strings))
	l.prog.Strings = append(l.prog.Strings, s)
	l.strIDs[s] = id
	return id
}

func (l *lowerer) cur(code string) currency.Code {
	c, ok := currency.Parse(code)
	if !ok {
		l.fail("unknown currency %q", code)
	}
	return c
}

// value converts a compile-time scalar to a VM value. Per-currency values
// become a table reference.
func (l *lowerer) value(v *Value) vm.Value {
	switch v.Type.Kind {
	case Money:
		if len(v.PerCur) > 0 {
			return vm.PerCurrency(int(l.table(v)))
		}
		return vm.Money(v.Num, l.cur(v.Type.Cur))
	case Bool:
		return vm.Bool(v.Bool)
	case String:
		return vm.StringID(l.str(v.Str))
	case Time:
		return vm.Time(v.Time)
	case Duration:
		return vm.Duration(v.Dur)
	case Template:
		return vm.Template(v.Template)
	case Number, Count, Percent:
		return vm.Number(v.Num)
	}
	l.fail("no VM value for a %s", v.Type)
	return vm.Value{}
}

// constant adds a scalar to Consts once and returns its index.
func (l *lowerer) constant(v vm.Value) int32 {
	key := fmt.Sprintf("%d|%d|%d|%s", v.K, v.Cur, v.I, v.N.String())
	if id, ok := l.constIDs[key]; ok {
		return id
	}
	id := int32(len(l.prog.Consts))
	l.prog.Consts = append(l.prog.Consts, v)
	l.constIDs[key] = id
	return id
}

// table adds a per-currency table (or a one-entry table for a single amount
// or a number) and returns its index.
func (l *lowerer) table(v *Value) int32 {
	var entries []vm.CurAmount
	switch {
	case len(v.PerCur) > 0:
		for _, p := range v.PerCur {
			entries = append(entries, vm.CurAmount{Cur: l.cur(p.Cur), N: p.Amount})
		}
	case v.Type.Kind == Money:
		entries = []vm.CurAmount{{Cur: l.cur(v.Type.Cur), N: v.Num}}
	default:
		entries = []vm.CurAmount{{N: v.Num}}
	}
	var key strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&key, "%d:%s|", e.Cur, e.N.String())
	}
	if id, ok := l.tableIDs[key.String()]; ok {
		return id
	}
	id := int32(len(l.prog.PerCurrency))
	l.prog.PerCurrency = append(l.prog.PerCurrency, entries)
	l.tableIDs[key.String()] = id
	return id
}

func (l *lowerer) emit(op vm.Opcode, arg int32, n lang.Node) int {
	l.code = append(l.code, vm.Instr{Op: op, Arg: arg})
	l.spans = append(l.spans, n.Span())
	return len(l.code) - 1
}

// patch points the jump at pc to the next instruction to be emitted.
func (l *lowerer) patch(pc int) { l.code[pc].Arg = int32(len(l.code)) }

func (l *lowerer) reward(ri *RewardInfo) *vm.Reward {
	d := ri.Decl
	r := &vm.Reward{
		Name:    d.Name.Name,
		Result:  vm.ResultKind(d.Result.Kind),
		Target:  vm.PointsTarget(d.Result.Target),
		File:    ri.File,
		Window:  ri.Window,
		Round:   vm.Rounding{Mode: ri.RoundMode, Decimals: ri.Decimals, Default: !ri.RoundSet},
		Cap:     -1,
		Minimum: -1,
		Manual:  ri.Manual,
	}
	if !ri.RoundSet {
		r.Round.Mode = num.Nearest
	}
	if ri.Cap != nil {
		r.Cap = l.table(ri.Cap)
	}
	if ri.Minimum != nil {
		r.Minimum = l.table(ri.Minimum)
	}
	l.ri, l.r, l.code, l.spans, l.filters = ri, r, nil, nil, nil
	l.slots = map[*Symbol]int32{}
	for _, let := range ri.Lets {
		l.slots[let] = int32(len(r.Locals))
		r.Locals = append(r.Locals, vm.LocalInfo{Name: let.Name, Span: let.Node.Span()})
	}
	l.stmts(d.Body)
	if !halts(d.Body) {
		l.emit(vm.OpNoBranch, 0, d)
	}
	l.filterCode()
	r.Code, r.Spans = l.code, l.spans
	r.MaxStack = maxStack(r.Code)
	return r
}

// filterCode emits the filter code of the current reward's aggregations
// after its formula: each where clause that is not a conjunction of simple
// terms ends in filter_end.
func (l *lowerer) filterCode() {
	for _, f := range l.filters {
		l.r.Aggs[f.agg].Filter = int32(len(l.code))
		l.agg = f.kind
		l.expr(f.cond)
		l.emit(vm.OpFilterEnd, 0, f.cond)
		l.agg = nil
	}
}

// maxStack adds up the stack effects along the code and keeps the largest
// running total. It is an estimate (filter code runs on top of the stack of
// its aggregate instruction); vm.Program.Validate computes the exact depth
// and the machine sizes its stack with the larger of the two.
func maxStack(code []vm.Instr) int {
	depth, most := 0, 0
	for _, in := range code {
		depth += in.StackEffect()
		if depth < 0 {
			depth = 0
		}
		most = max(most, depth)
	}
	return most + 1
}

func (l *lowerer) stmts(list []lang.Stmt) {
	for _, s := range list {
		l.stmt(s)
	}
}

func (l *lowerer) branch(label string, n lang.Node) int32 {
	id := int32(len(l.r.Branches))
	l.r.Branches = append(l.r.Branches, vm.BranchInfo{Label: label, Span: n.Span()})
	return id
}

func (l *lowerer) stmt(s lang.Stmt) {
	switch s := s.(type) {
	case *lang.LetStmt:
		l.expr(s.Value)
		sym := l.info.Defs[s.Name]
		slot, ok := l.slots[sym]
		if !ok {
			l.fail("let %s has no slot", s.Name.Name)
		}
		l.emit(vm.OpStoreLocal, slot, s)
	case *lang.GiveStmt:
		l.expr(s.Value)
		l.emit(vm.OpGive, 0, s)
	case *lang.SkipStmt:
		l.emit(vm.OpSkip, l.str(s.Reason.Value), s)
	case *lang.CheckStmt:
		l.expr(s.Cond)
		jump := l.emit(vm.OpJumpIfFalse, 0, s.Cond)
		l.emit(vm.OpMark, l.branch(CheckLabel(s.Cond), s.Cond), s)
		l.stmts(s.Body.Stmts)
		end := -1
		if !halts(s.Body.Stmts) { // not reached after a clean check
			end = l.emit(vm.OpJump, 0, s)
		}
		// The check failed: its own branch, for coverage.
		l.patch(jump)
		l.emit(vm.OpMark, l.branch(CheckFailedLabel(s.Cond), s.Cond), s.Cond)
		if end >= 0 {
			l.patch(end)
		}
	case *lang.TierStmt:
		l.tiers(s)
	default:
		l.fail("unexpected statement %T", s)
	}
}

func (l *lowerer) tiers(s *lang.TierStmt) {
	// The subject is computed once: a let is read where it is, anything else
	// goes to a hidden local.
	load := func() { l.expr(s.Subject) }
	if id, ok := s.Subject.(*lang.Ident); !ok || l.info.Uses[id] == nil || l.info.Uses[id].Kind != SymLet {
		if l.info.Consts[s.Subject] == nil {
			slot := int32(len(l.r.Locals))
			l.r.Locals = append(l.r.Locals, vm.LocalInfo{Name: "tiers " + lang.ExprString(s.Subject), Span: s.Subject.Span()})
			l.expr(s.Subject)
			l.emit(vm.OpStoreLocal, slot, s.Subject)
			load = func() { l.emit(vm.OpLoadLocal, slot, s.Subject) }
		}
	}
	subj := l.info.Types[s.Subject]
	var ends []int
	for _, b := range s.Branches {
		jump := -1
		label := "else"
		if b.Op != lang.TierElse {
			label = b.Op.String() + " " + lang.ExprString(b.Bound)
			load()
			l.expr(b.Bound)
			cond := map[lang.TierOp]vm.Cond{lang.TierAbove: vm.CondGt, lang.TierAtLeast: vm.CondGe, lang.TierBelow: vm.CondLt, lang.TierAtMost: vm.CondLe}[b.Op]
			l.emit(cmpOp(subj), int32(cond), b)
			jump = l.emit(vm.OpJumpIfFalse, 0, b)
		}
		l.emit(vm.OpMark, l.branch(label, b), b)
		l.stmts(b.Body.Stmts)
		if jump >= 0 {
			if !halts(b.Body.Stmts) {
				ends = append(ends, l.emit(vm.OpJump, 0, b))
			}
			l.patch(jump)
		}
	}
	for _, pc := range ends {
		l.patch(pc)
	}
}

func cmpOp(t Type) vm.Opcode {
	if t.IsNumeric() || t.Kind == Money {
		return vm.OpCmpNum
	}
	return vm.OpCmpInt
}

var condOf = map[lang.BinaryOp]vm.Cond{
	lang.OpEq: vm.CondEq, lang.OpNe: vm.CondNe, lang.OpLt: vm.CondLt,
	lang.OpLe: vm.CondLe, lang.OpGt: vm.CondGt, lang.OpGe: vm.CondGe,
}

func (l *lowerer) expr(e lang.Expr) {
	if v := l.info.Consts[e]; v != nil && v.Type.Kind != List {
		if v.Type.Kind == Money && len(v.PerCur) > 0 {
			l.emit(vm.OpLoadPerCurrency, l.table(v), e)
			return
		}
		l.emit(vm.OpLoadConst, l.constant(l.value(v)), e)
		return
	}
	switch e := e.(type) {
	case *lang.ParenExpr:
		l.expr(e.X)
	case *lang.Ident:
		sym := l.info.Uses[e]
		switch {
		case sym == nil:
			l.fail("unresolved name %s", e.Name)
		case sym.Kind == SymLet:
			l.emit(vm.OpLoadLocal, l.slots[sym], e)
		case sym.Kind == SymAttr:
			l.emit(vm.OpLoadAttr, int32(sym.Index), e)
		default:
			l.fail("%s %s has no value", sym.Kind, sym.Name)
		}
	case *lang.SelectorExpr:
		sym := l.info.Uses[e.Sel]
		if sym != nil && sym.Kind == SymProp { // conversion.ATTR in a payout
			l.emit(vm.OpLoadProp, int32(sym.Index), e)
			return
		}
		if sym == nil || sym.Kind != SymAttr {
			l.fail("unresolved attribute %s.%s", e.X.Name, e.Sel.Name)
		}
		l.emit(vm.OpLoadAttr, int32(sym.Index), e)
	case *lang.NowExpr:
		l.emit(vm.OpNow, 0, e)
	case *lang.PlayerExpr:
		p := l.info.Uses[e.Prop]
		if e.Default == nil {
			l.emit(vm.OpLoadProp, int32(p.Index), e)
			return
		}
		l.emit(vm.OpHasProp, int32(p.Index), e)
		jump := l.emit(vm.OpJumpIfFalse, 0, e)
		l.emit(vm.OpLoadProp, int32(p.Index), e)
		end := l.emit(vm.OpJump, 0, e)
		l.patch(jump)
		l.expr(e.Default)
		l.patch(end)
	case *lang.UnaryExpr:
		l.expr(e.X)
		if e.Op == lang.OpNot {
			l.emit(vm.OpNot, 0, e)
		} else {
			l.emit(vm.OpNeg, 0, e)
		}
	case *lang.PercentExpr:
		// x% is x * 0.01, exactly.
		l.expr(e.X)
		l.emit(vm.OpLoadConst, l.constant(vm.Number(num.New(1, 2))), e)
		l.emit(vm.OpMul, 0, e)
	case *lang.BinaryExpr:
		l.binary(e)
	case *lang.CondExpr:
		// Each side marks its branch for coverage, except in filter code,
		// which runs once per row.
		l.expr(e.Cond)
		jump := l.emit(vm.OpJumpIfFalse, 0, e)
		if l.agg == nil {
			l.emit(vm.OpMark, l.branch(IfLabel(e.Cond, "then"), e.Then), e.Then)
		}
		l.expr(e.Then)
		end := l.emit(vm.OpJump, 0, e)
		l.patch(jump)
		if l.agg == nil {
			l.emit(vm.OpMark, l.branch(IfLabel(e.Cond, "else"), e.Else), e.Else)
		}
		l.expr(e.Else)
		l.patch(end)
	case *lang.CallExpr:
		id, _ := builtinByName(e.Fun.Name)
		for _, a := range e.Args {
			l.expr(a)
		}
		l.emit(vm.OpCallBuiltin, vm.CallArg(vm.BuiltinID(id), len(e.Args)), e)
	case *lang.AggregateExpr:
		l.emit(vm.OpAggregate, l.aggregate(e), e)
	default:
		l.fail("unexpected expression %T", e)
	}
}

func (l *lowerer) binary(e *lang.BinaryExpr) {
	if x, list, ok := l.orList(e); ok {
		l.expr(x)
		l.emit(vm.OpIn, l.listOf(list), e)
		return
	}
	switch e.Op {
	case lang.OpAnd, lang.OpOr:
		l.expr(e.X)
		op := vm.OpJumpIfFalseOrPop
		if e.Op == lang.OpOr {
			op = vm.OpJumpIfTrueOrPop
		}
		jump := l.emit(op, 0, e)
		l.expr(e.Y)
		l.patch(jump)
		return
	case lang.OpIn, lang.OpNotIn:
		l.expr(e.X)
		op := vm.OpIn
		if e.Op == lang.OpNotIn {
			op = vm.OpNotIn
		}
		l.emit(op, l.list(e.Y), e)
		return
	}
	if cond, ok := condOf[e.Op]; ok {
		l.expr(e.X)
		l.expr(e.Y)
		l.emit(cmpOp(l.info.Types[e.X]), int32(cond), e)
		return
	}
	xt, yt := l.info.Types[e.X], l.info.Types[e.Y]
	switch {
	case xt.Kind == Time && yt.Kind == Time:
		l.expr(e.X)
		l.expr(e.Y)
		l.emit(vm.OpTimeDiff, 0, e)
		return
	case xt.Kind == Time:
		l.expr(e.X)
		l.expr(e.Y)
		if e.Op == lang.OpAdd {
			l.emit(vm.OpTimeAdd, 0, e)
		} else {
			l.emit(vm.OpTimeSub, 0, e)
		}
		return
	case yt.Kind == Time: // duration + time
		l.expr(e.Y)
		l.expr(e.X)
		l.emit(vm.OpTimeAdd, 0, e)
		return
	}
	l.expr(e.X)
	l.expr(e.Y)
	switch e.Op {
	case lang.OpAdd:
		l.emit(vm.OpAdd, 0, e)
	case lang.OpSub:
		l.emit(vm.OpSub, 0, e)
	case lang.OpMul, lang.OpOf:
		l.emit(vm.OpMul, 0, e)
	case lang.OpDiv:
		l.emit(vm.OpDiv, 0, e)
	default:
		l.fail("unexpected operator %s", e.Op)
	}
}

func (l *lowerer) list(e lang.Expr) int32 {
	v := l.info.Consts[e]
	if v == nil || v.Type.Kind != List {
		l.fail("in without a constant list")
	}
	var vals []vm.Value
	for i := range v.List {
		vals = append(vals, l.value(&v.List[i]))
	}
	return l.listOf(vals)
}

// listOf adds a constant list to Lists and returns its index.
func (l *lowerer) listOf(vals []vm.Value) int32 {
	id := int32(len(l.prog.Lists))
	l.prog.Lists = append(l.prog.Lists, vals)
	return id
}

// orList recognizes a chain of ors whose every operand tests one subject
// against constants, `game == "a" or game == "b" or game in ["c", "d"]`,
// and returns the subject (its first occurrence) and the constants, in
// order: the chain means `game in ["a", "b", "c", "d"]`, which the machine
// tests as set membership. The subject is an attribute, a let or a player
// property without a default, so reading it once rather than once per
// operand changes nothing: it has no effects, and a missing property traps
// at the first read either way (no per-currency constant may then come
// before it). Comparing in list order, stopping at the
// first equal element, is what the chain does, so a comparison that fails
// (money in another currency, a per-currency constant without the
// player's currency) fails for the same rows with the same error.
func (l *lowerer) orList(e *lang.BinaryExpr) (lang.Expr, []vm.Value, bool) {
	if e.Op != lang.OpOr {
		return nil, nil, false
	}
	var subject lang.Expr
	var key *Symbol
	var vals []vm.Value
	var walk func(x lang.Expr) bool
	walk = func(x lang.Expr) bool {
		x = unparen(x)
		b, ok := x.(*lang.BinaryExpr)
		if !ok {
			return false
		}
		if b.Op == lang.OpOr {
			return walk(b.X) && walk(b.Y)
		}
		var s lang.Expr
		var consts []Value
		switch b.Op {
		case lang.OpEq:
			s = b.X
			c := l.info.Consts[b.Y]
			if l.subjectOf(s) == nil || l.info.Consts[s] != nil {
				s, c = b.Y, l.info.Consts[b.X]
			}
			if c == nil || c.Type.Kind == List {
				return false
			}
			consts = []Value{*c}
		case lang.OpIn:
			s = b.X
			c := l.info.Consts[b.Y]
			if c == nil || c.Type.Kind != List {
				return false
			}
			consts = c.List
		default:
			return false
		}
		sym := l.subjectOf(s)
		if sym == nil || l.info.Consts[s] != nil || key != nil && sym != key {
			return false
		}
		if key == nil {
			key, subject = sym, s
		}
		for i := range consts {
			if sym.Kind == SymProp && len(consts[i].PerCur) > 0 {
				// Read first, the property's absence would trap before
				// the constant's lack of the player's currency.
				return false
			}
			vals = append(vals, l.value(&consts[i]))
		}
		return true
	}
	if !walk(e) {
		return nil, nil, false
	}
	return subject, vals, true
}

// subjectOf returns the symbol a subject of [lowerer.orList] reads: an
// attribute, a let, or a player property without a default; nil for any
// other expression.
func (l *lowerer) subjectOf(e lang.Expr) *Symbol {
	e = unparen(e)
	if s := l.attrOf(e); s != nil {
		return s
	}
	switch x := e.(type) {
	case *lang.Ident:
		if s := l.info.Uses[x]; s != nil && s.Kind == SymLet {
			return s
		}
	case *lang.PlayerExpr:
		if x.Default == nil {
			return l.info.Uses[x.Prop]
		}
	}
	return nil
}

// unparen strips the parentheses around e.
func unparen(e lang.Expr) lang.Expr {
	for {
		p, ok := e.(*lang.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// aggregate adds an aggregation descriptor. The where clause is split into
// its and-ed conditions; conditions comparing an attribute with a constant,
// a let or a property (see [lowerer.propOf]) become terms the VM checks in a tight loop, and the rest becomes
// filter code.
func (l *lowerer) aggregate(e *lang.AggregateExpr) int32 {
	kind := l.info.Aggregates[e]
	if kind == nil {
		kind = l.synth[e]
	}
	if kind == nil {
		l.fail("aggregation without a kind")
	}
	a := vm.Aggregation{Op: vm.AggOp(e.Op), Kind: kind.Index, Attr: -1, Filter: -1, Span: e.Span()}
	if e.Attr != nil {
		a.Attr = l.info.Uses[e.Attr].Index
	}
	// Only the leading run of simple conditions becomes terms: the VM checks
	// terms before filter code, and and-ed conditions are evaluated left to
	// right (an error in a later one must not run before an earlier one
	// has ruled the row out).
	var rest []lang.Expr
	for _, c := range conjuncts(e.Where) {
		if len(rest) == 0 {
			if t, ok := l.term(c); ok {
				a.Terms = append(a.Terms, t)
				continue
			}
		}
		rest = append(rest, c)
	}
	id := int32(len(l.r.Aggs))
	l.r.Aggs = append(l.r.Aggs, a)
	if len(rest) > 0 {
		l.filters = append(l.filters, pendingFilter{agg: int(id), kind: kind, cond: andAll(rest)})
	}
	return id
}

// conjuncts splits a condition at its top-level ands.
func conjuncts(e lang.Expr) []lang.Expr {
	switch x := e.(type) {
	case nil:
		return nil
	case *lang.ParenExpr:
		return conjuncts(x.X)
	case *lang.BinaryExpr:
		if x.Op == lang.OpAnd {
			return append(conjuncts(x.X), conjuncts(x.Y)...)
		}
	}
	return []lang.Expr{e}
}

// andAll joins conditions with and (the types side table already knows each).
func andAll(list []lang.Expr) lang.Expr {
	e := list[0]
	for _, x := range list[1:] {
		e = &lang.BinaryExpr{Loc: lang.LocOf(lang.Span{Start: e.Span().Start, End: x.Span().End}), Op: lang.OpAnd, X: e, Y: x}
	}
	return e
}

// attrOf returns the attribute a filter operand reads, if it is one.
func (l *lowerer) attrOf(e lang.Expr) *Symbol {
	for {
		p, ok := e.(*lang.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	var id *lang.Ident
	switch x := e.(type) {
	case *lang.Ident:
		id = x
	case *lang.SelectorExpr:
		id = x.Sel
	default:
		return nil
	}
	if s := l.info.Uses[id]; s != nil && s.Kind == SymAttr {
		return s
	}
	return nil
}

func (l *lowerer) term(c lang.Expr) (vm.Term, bool) {
	b, ok := unparen(c).(*lang.BinaryExpr)
	if !ok {
		return vm.Term{}, false
	}
	if x, list, ok := l.orList(b); ok {
		attr := l.attrOf(x)
		if attr == nil {
			return vm.Term{}, false
		}
		return vm.Term{Col: attr.Index, Cond: vm.CondIn, Const: l.listOf(list), Local: -1}, true
	}
	if b.Op == lang.OpIn || b.Op == lang.OpNotIn {
		attr := l.attrOf(b.X)
		if attr == nil {
			return vm.Term{}, false
		}
		cond := vm.CondIn
		if b.Op == lang.OpNotIn {
			cond = vm.CondNotIn
		}
		return vm.Term{Col: attr.Index, Cond: cond, Const: l.list(b.Y), Local: -1}, true
	}
	cond, ok := condOf[b.Op]
	if !ok {
		return vm.Term{}, false
	}
	x, y := b.X, b.Y
	attr := l.attrOf(x)
	if attr == nil {
		attr, x, y = l.attrOf(y), y, x
		cond = flip(cond)
	}
	if attr == nil {
		return vm.Term{}, false
	}
	if v := l.info.Consts[y]; v != nil && len(v.PerCur) == 0 {
		return vm.Term{Col: attr.Index, Cond: cond, Const: l.constant(l.value(v)), Local: -1}, true
	}
	if id, ok := y.(*lang.Ident); ok {
		if s := l.info.Uses[id]; s != nil && s.Kind == SymLet {
			return vm.Term{Col: attr.Index, Cond: cond, Local: l.slots[s]}, true
		}
	}
	if p := l.propOf(y); p != nil {
		return vm.Term{Col: attr.Index, Cond: cond, Const: int32(p.Index), Local: -1, Prop: true}, true
	}
	return vm.Term{}, false
}

// propOf returns the property a filter operand reads whole, a value fixed for
// the whole evaluation like a let: a conversion's attribute in a payout
// (conversion.publisher) or a player property without a default; nil for
// any other expression.
func (l *lowerer) propOf(e lang.Expr) *Symbol {
	switch x := unparen(e).(type) {
	case *lang.SelectorExpr:
		if s := l.info.Uses[x.Sel]; s != nil && s.Kind == SymProp {
			return s
		}
	case *lang.PlayerExpr:
		if x.Default == nil {
			return l.info.Uses[x.Prop]
		}
	}
	return nil
}

func flip(c vm.Cond) vm.Cond {
	switch c {
	case vm.CondLt:
		return vm.CondGt
	case vm.CondLe:
		return vm.CondGe
	case vm.CondGt:
		return vm.CondLt
	case vm.CondGe:
		return vm.CondLe
	}
	return c
}

// halts reports whether a block ends in give or skip, after which a jump
// would be dead code.
func halts(stmts []lang.Stmt) bool {
	if len(stmts) == 0 {
		return false
	}
	switch s := stmts[len(stmts)-1].(type) {
	case *lang.GiveStmt, *lang.SkipStmt:
		return true
	case *lang.TierStmt:
		for _, b := range s.Branches {
			if !halts(b.Body.Stmts) {
				return false
			}
		}
		return len(s.Branches) > 0 && s.Branches[len(s.Branches)-1].Op == lang.TierElse
	}
	return false
}
