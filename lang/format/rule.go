package format

import (
	"fmt"

	"github.com/promoc/promoc/lang"
)

// This file prints automation rules and campaigns (lang/ast_campaign.go).
// A rule prints one clause a line, in the order written (the order is part
// of the tree, so the formatter keeps it), with the author's blank lines.

// ruleNode prints a rule or one of its clauses, and reports whether n is one.
func (p *printer) ruleNode(n lang.Node) bool {
	switch n := n.(type) {
	case *lang.RuleDecl:
		p.rule(n)
	case *lang.TriggerClause:
		p.str("trigger ")
		p.event(n.Event)
	case *lang.EntranceClause:
		p.str("entrance ")
		p.event(n.Event)
	case *lang.SegmentClause:
		p.str("segment ")
		p.expr(n.Cond)
	case *lang.QualificationClause:
		p.str("qualification ")
		p.str(n.Type.Name)
		if n.Where != nil {
			p.str(" where ")
			p.expr(n.Where)
		}
		if n.Body != (lang.Span{}) {
			var kids []lang.Node
			if n.Limit != nil {
				kids = append(kids, n.Limit)
			}
			lo, hi, line := p.braces(n.Body.Start.Offset, n)
			p.simpleBlock(lo, hi, line, kids)
		}
	case *lang.QualLimit:
		p.str("at most ")
		p.text(n.Count)
		p.str(" ")
		p.str(n.Unit)
	case *lang.LimitClause:
		p.str("at most ")
		p.text(n.Count)
		p.str(" ")
		p.str(n.Unit)
		p.str(" per ")
		p.expr(n.Per)
	case *lang.BudgetClause:
		p.str("budget ")
		p.expr(n.Value)
	case *lang.GiveRewardClause:
		p.str("give ")
		p.str(n.Reward.Name)
	case *lang.SplitClause:
		p.str("split")
		if n.Seed != nil {
			p.str(" seed ")
			p.text(n.Seed)
		}
		lo, hi, line := p.braces(p.headEnd(n), n)
		p.simpleBlock(lo, hi, line, nodes(n.Arms))
	case *lang.SplitArm:
		if n.Control {
			p.str("control ")
			p.text(n.Share)
			return true
		}
		p.str("variant ")
		p.str(n.Name.Name)
		p.str(" ")
		p.text(n.Share)
		p.str(": give ")
		if n.Offer != nil {
			p.str("offer ")
			p.str(n.Offer.Name)
			return true
		}
		p.str(n.Reward.Name)
	case *lang.SendClause:
		p.str("on ")
		p.str(n.Outcome)
		p.str(" send ")
		p.text(n.Message)
		for i, id := range n.With {
			if i == 0 {
				p.str(" with ")
			} else {
				p.str(", ")
			}
			p.str(id.Name)
		}
	default:
		return false
	}
	return true
}

// ruleHeadEnd is headEnd for the nodes of rules: the "{" of a rule, of a
// split and of a qualification with braces; the end of the other clauses.
func (p *printer) ruleHeadEnd(n lang.Node) (end int, ok bool) {
	switch n := n.(type) {
	case *lang.RuleDecl:
		return p.brace(n.Name.End.Offset), true
	case *lang.SplitClause:
		if n.Seed != nil {
			return p.brace(n.Seed.End.Offset), true
		}
		return p.brace(n.Start.Offset + len("split")), true
	case *lang.QualificationClause:
		if n.Body != (lang.Span{}) {
			return n.Body.Start.Offset, true
		}
		return n.End.Offset, true
	case lang.RuleClause, *lang.SplitArm, *lang.QualLimit:
		return n.Span().End.Offset, true
	}
	return 0, false
}

func (p *printer) rule(r *lang.RuleDecl) {
	p.str(r.Kind.String())
	p.str(" ")
	p.str(r.Name.Name)
	lo, hi, line := p.braces(p.headEnd(r), r)
	p.simpleBlock(lo, hi, line, nodes(r.Clauses))
}

// event prints what fires a trigger or an entrance.
func (p *printer) event(e *lang.Event) {
	switch e.Kind {
	case lang.EventOn, lang.EventFirst:
		p.str("on ")
		if e.Kind == lang.EventFirst {
			p.str("first ")
		}
		p.str(e.Type.Name)
	case lang.EventEvery:
		p.str("every ")
		p.text(e.Count)
		p.str(" ")
		p.str(e.Type.Name)
	case lang.EventInactive:
		p.str("inactive ")
		p.expr(e.Length)
		if e.Since != nil {
			p.str(" since ")
			p.str(e.Since.Name)
		}
	case lang.EventSchedule:
		s := e.Schedule
		p.str("schedule ")
		if s.Cron != nil {
			p.text(s.Cron)
		} else {
			p.str("every ")
			p.str(s.Day.Name)
			p.str(fmt.Sprintf(" %02d:%02d", s.At.Hour, s.At.Minute))
		}
		p.zone(s.Zone)
	}
	if e.Where != nil {
		p.str(" where ")
		p.expr(e.Where)
	}
}
