package lang

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// rule builds an automation rule or a campaign. Besides the grammar, it
// checks that counts are whole numbers, the day and time of the words form
// of a schedule, and that entrance belongs to a campaign.
func (b *builder) rule(g *ruleDecl) *RuleDecl {
	r := &RuleDecl{Loc: b.loc(g.Tokens), Keyword: b.tokSpan(g.Tokens[0]), Name: b.ident(g.Name)}
	if g.Kind == "campaign" {
		r.Kind = RuleCampaign
	}
	for _, c := range g.Clauses {
		if c := b.ruleClause(r, c); c != nil {
			r.Clauses = append(r.Clauses, c)
		}
	}
	return r
}

func (b *builder) ruleClause(r *RuleDecl, g *ruleClause) RuleClause {
	switch {
	case g.Trigger != nil:
		return &TriggerClause{Loc: b.loc(g.Trigger.Tokens), Event: b.event(g.Trigger.Event)}
	case g.Entrance != nil:
		e := &EntranceClause{Loc: b.loc(g.Entrance.Tokens), Event: b.event(g.Entrance.Event)}
		if r.Kind != RuleCampaign {
			b.errorf(Span{e.Start, b.tokSpan(g.Entrance.Tokens[0]).End}, CodeBadSyntax, "entrance belongs to campaigns: automation %s has no entrance; declare it as campaign %s", r.Name.Name, r.Name.Name)
		}
		return e
	case g.Give != nil && g.Give.Offer:
		return &GiveOfferClause{Loc: b.loc(g.Give.Tokens), Offer: b.ident(g.Give.Reward)}
	case g.Give != nil:
		return &GiveRewardClause{Loc: b.loc(g.Give.Tokens), Reward: b.ident(g.Give.Reward)}
	case g.Segment != nil:
		return &SegmentClause{Loc: b.loc(g.Segment.Tokens), Cond: b.expr(g.Segment.Cond)}
	case g.Qualification != nil:
		q := g.Qualification
		c := &QualificationClause{Loc: b.loc(q.Tokens), Type: b.ident(q.Kind)}
		if q.Where != nil {
			c.Where = b.expr(q.Where)
		}
		for _, t := range q.Tokens { // an expression holds no brace
			if t.Value == "{" && t.Type == tokPunct {
				c.Body = Span{b.tokSpan(t).Start, b.tokSpan(q.Tokens[len(q.Tokens)-1]).End}
				break
			}
		}
		if q.Limit != nil {
			c.Limit = &QualLimit{Loc: b.loc(q.Limit.Tokens), Count: b.wholeNumber(q.Limit.Count, "at most needs a whole number of rewards"), Unit: q.Limit.Unit}
		}
		return c
	case g.Limit != nil:
		l := g.Limit
		return &LimitClause{Loc: b.loc(l.Tokens), Count: b.wholeNumber(l.Count, "at most needs a whole number of "+l.Unit),
			Unit: l.Unit, Per: b.duration(l.Per)}
	case g.Budget != nil:
		return &BudgetClause{Loc: b.loc(g.Budget.Tokens), Value: b.expr(g.Budget.Value)}
	case g.Approval != nil:
		return &ApprovalSetting{Loc: b.loc(g.Approval.Tokens), Manual: g.Approval.Mode == "manual", Within: b.within(g.Approval.Within)}
	case g.Split != nil:
		s := g.Split
		c := &SplitClause{Loc: b.loc(s.Tokens)}
		if s.Seed.Value != "" {
			c.Seed = b.stringLit(s.Seed)
		}
		for _, a := range s.Arms {
			arm := &SplitArm{Loc: b.loc(a.Tokens)}
			if a.Control.Value != "" {
				arm.Control = true
				arm.Share = b.percent(a.Control)
			} else {
				arm.Name, arm.Share = b.ident(a.Variant), b.percent(a.Share)
				if a.Offer {
					arm.Offer = b.ident(a.Reward)
				} else {
					arm.Reward = b.ident(a.Reward)
				}
			}
			c.Arms = append(c.Arms, arm)
		}
		return c
	case g.Send != nil:
		s := g.Send
		c := &SendClause{Loc: b.loc(s.Tokens), Outcome: s.Outcome, Message: b.stringLit(s.Template)}
		if n := len(s.With); n > 0 {
			// The values are the last n tokens but the commas between them.
			for _, t := range s.Tokens[len(s.Tokens)-(2*n-1):] {
				if t.Type != tokPunct {
					c.With = append(c.With, b.ident(t))
				}
			}
		}
		return c
	}
	return nil
}

func (b *builder) percent(t lexer.Token) *PercentLit {
	return &PercentLit{Loc: b.tokLoc(t), Text: strings.TrimSuffix(t.Value, "%")}
}

func (b *builder) event(g *ruleEvent) *Event {
	e := &Event{Loc: b.loc(g.Tokens)}
	switch {
	case g.On != nil:
		e.Kind = EventOn
		if g.On.First {
			e.Kind = EventFirst
		}
		e.Type = b.ident(g.On.Kind)
		if g.On.Where != nil {
			e.Where = b.expr(g.On.Where)
		}
	case g.Every != nil:
		e.Kind = EventEvery
		e.Count = b.wholeNumber(g.Every.Count, "every needs a whole number of events")
		e.Type = b.ident(g.Every.Kind)
		if g.Every.Where != nil {
			e.Where = b.expr(g.Every.Where)
		}
	case g.Inactive != nil:
		e.Kind = EventInactive
		e.Length = b.duration(g.Inactive.Length)
		if g.Inactive.Since.Value != "" {
			e.Since = b.ident(g.Inactive.Since)
		}
	case g.Schedule != nil:
		e.Kind = EventSchedule
		s := g.Schedule
		e.Schedule = &Schedule{Loc: b.loc(s.Tokens), Zone: b.zone(s.Zone)}
		if s.Every != nil {
			e.Schedule.Day = b.ident(s.Every.Day)
			if !isScheduleDay(s.Every.Day.Value) {
				b.errorf(e.Schedule.Day.Span(), CodeBadSyntax, "expected day, weekday or a day of the week (Monday ... Sunday) after schedule every, found %s", found(s.Every.Day))
			}
			e.Schedule.At = b.clock(s.Every.Tokens[1:])
		} else {
			e.Schedule.Cron = b.stringLit(s.Cron)
		}
	}
	return e
}

// isScheduleDay reports whether s names the day of the words form of a
// schedule: every day, every weekday (Monday to Friday), or one day of the
// week.
func isScheduleDay(s string) bool {
	switch s {
	case "day", "weekday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday":
		return true
	}
	return false
}

// clock builds the wall-clock time hh:mm from its three tokens: two digits,
// ":", two digits, with no blank between them.
func (b *builder) clock(toks []lexer.Token) *ClockTime {
	c := &ClockTime{Loc: b.loc(toks)}
	h, m := toks[0].Value, toks[2].Value
	contiguous := toks[1].Pos.Offset == toks[0].Pos.Offset+len(h) && toks[2].Pos.Offset == toks[1].Pos.Offset+1
	if !contiguous || len(h) != 2 || len(m) != 2 || strings.Contains(h+m, ".") {
		b.errorf(c.Span(), CodeBadLiteral, "a time of day is written hh:mm, as in 09:30, found %s", b.text(toks))
		return c
	}
	c.Hour = int(h[0]-'0')*10 + int(h[1]-'0')
	c.Minute = int(m[0]-'0')*10 + int(m[1]-'0')
	if c.Hour > 23 || c.Minute > 59 {
		b.errorf(c.Span(), CodeBadLiteral, "invalid time of day %s:%s: hours run from 00 to 23, minutes from 00 to 59", h, m)
	}
	return c
}

// text is the source of toks as the tokens and single blanks between them.
func (b *builder) text(toks []lexer.Token) string {
	var sb strings.Builder
	for i, t := range toks {
		if i > 0 && t.Pos.Offset > toks[i-1].Pos.Offset+len(toks[i-1].Value) {
			sb.WriteByte(' ')
		}
		sb.WriteString(t.Value)
	}
	return sb.String()
}

// ruleClauseWords are the words that begin the clauses of a rule, for messages.
var ruleClauseWords = []string{"trigger", "segment", "qualification", "at most", "budget", "approval", "entrance", "split", "give", "on"}
