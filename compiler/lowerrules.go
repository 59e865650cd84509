package compiler

import (
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// This file lowers the conditions of automation rules and campaigns
// (spec/spec.md, section 16) to hidden rewards, vm.Program.Conds, which the
// runtime runs on an input holding the player, now and (for a condition on
// an event) the one event as the only transaction:
//
//   - a condition on an event of a kind (the trigger or entrance on, on
//     first or every KIND [where COND], and the qualification KIND [where
//     COND]) gives count(KIND where COND): 1 when the event is of the kind
//     and passes COND, and skips (the count is 0) otherwise. The where
//     clause goes through the machinery of aggregations: terms and filter
//     code over the event's attributes, player properties, constants and
//     now;
//   - the segment gives 1 when its condition holds and skips when not.
//
// A hidden reward gives points and has no window, cap or minimum. It is
// named by [CondName], which no reward name can equal (it has spaces), and
// is never listed among the program's rewards.

// The conditions of a rule, as [CondName] names them.
const (
	CondTrigger       = "trigger"
	CondEntrance      = "entrance"
	CondSegment       = "segment"
	CondQualification = "qualification"
)

// condSkip is the reason a hidden reward skips with when its condition
// does not hold.
const condSkip = "condition-false"

// CondName is the name of the hidden reward in vm.Program.Conds that
// evaluates condition cond (CondTrigger ...) of the rule named rule.
func CondName(rule, cond string) string { return "rule " + rule + " " + cond }

// ruleConds lowers the conditions of one rule. A trigger or entrance that
// waits for no event of a kind (inactive, schedule) has no condition.
func (l *lowerer) ruleConds(ri *RuleInfo) {
	name := ri.Decl.Name.Name
	for _, cl := range ri.Decl.Clauses {
		switch cl := cl.(type) {
		case *lang.TriggerClause:
			l.eventCond(ri, CondName(name, CondTrigger), cl.Event)
		case *lang.EntranceClause:
			l.eventCond(ri, CondName(name, CondEntrance), cl.Event)
		case *lang.SegmentClause:
			l.segmentCond(ri, CondName(name, CondSegment), cl)
		case *lang.QualificationClause:
			l.kindCond(ri, CondName(name, CondQualification), cl, cl.Type, cl.Where)
		}
	}
}

func (l *lowerer) eventCond(ri *RuleInfo, name string, e *lang.Event) {
	switch e.Kind {
	case lang.EventOn, lang.EventFirst, lang.EventEvery:
		l.kindCond(ri, name, e, e.Type, e.Where)
	}
}

// kindCond lowers `count(kind where cond)` followed by give, through a
// synthesized aggregation whose kind the lowerer keeps in its own table
// (the checker's Info is left as it is).
func (l *lowerer) kindCond(ri *RuleInfo, name string, at lang.Node, kind *lang.Ident, where lang.Expr) {
	sym := l.info.Uses[kind]
	if sym == nil || sym.Kind != SymKind {
		l.fail("%s: unresolved kind %s", name, kind.Name)
	}
	agg := &lang.AggregateExpr{Loc: lang.LocOf(at.Span()), Op: lang.AggCount, Kind: kind, Where: where}
	if l.synth == nil {
		l.synth = map[*lang.AggregateExpr]*Symbol{}
	}
	l.synth[agg] = sym
	l.beginCond(ri, name)
	l.emit(vm.OpAggregate, l.aggregate(agg), at)
	l.emit(vm.OpGive, 0, at)
	l.endCond()
}

// segmentCond lowers `if cond then give 1 else skip`.
func (l *lowerer) segmentCond(ri *RuleInfo, name string, s *lang.SegmentClause) {
	l.beginCond(ri, name)
	l.expr(s.Cond)
	jump := l.emit(vm.OpJumpIfFalse, 0, s.Cond)
	l.emit(vm.OpLoadConst, l.constant(vm.Number(num.FromInt(1))), s)
	l.emit(vm.OpGive, 0, s)
	l.patch(jump)
	l.emit(vm.OpSkip, l.str(condSkip), s)
	l.endCond()
}

// beginCond starts the code of a hidden reward.
func (l *lowerer) beginCond(ri *RuleInfo, name string) {
	r := &vm.Reward{
		Name:    name,
		Result:  vm.ResultPoints,
		File:    ri.File,
		Window:  window.Spec{Kind: window.All},
		Round:   vm.Rounding{Mode: num.Nearest, Default: true},
		Cap:     -1,
		Minimum: -1,
	}
	l.ri, l.r, l.code, l.spans, l.filters = nil, r, nil, nil, nil
	l.slots = map[*Symbol]int32{}
}

// endCond finishes the hidden reward begun by beginCond: its filter code
// after its code, as for a reward.
func (l *lowerer) endCond() {
	r := l.r
	l.filterCode()
	r.Code, r.Spans = l.code, l.spans
	r.MaxStack = maxStack(r.Code)
	l.prog.Conds = append(l.prog.Conds, r)
}
