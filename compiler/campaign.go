package compiler

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/schedule"
	"github.com/promoc/promoc/vm/window"
)

// This file checks automation rules and campaigns (spec/spec.md, section
// 16): their names, kinds, conditions and the rewards they give, and the
// static checks of their limits. Their conditions are lowered by
// lowerrules.go; the rest of a rule is read from the syntax tree and
// RuleInfo by the runtime's rule descriptors. The cron text of a schedule
// is read by vm/schedule, which the engine fires from.

// RuleInfo is what the checker learned about one automation rule or
// campaign.
type RuleInfo struct {
	Decl   *lang.RuleDecl
	File   string
	Symbol *Symbol
	// Gives lists the rewards the rule gives, by its give or by the
	// variants of its split, in source order; a reward that does not
	// resolve is left out.
	Gives []*RewardInfo
	// Budget is the budget's value; nil when there is none or it is invalid.
	Budget *Value
	// Offers lists the offers the rule gives (give offer NAME, or in the
	// variants of its split), each once, in source order (offer.go).
	Offers []*OfferInfo
}

// sendValues are the values a message of on ... send may carry.
var sendValues = []string{"amount", "currency", "points", "template", "reward", "reason", "variant", "offer", "assignment", "code"}

// collectRule declares a rule's name, in the one namespace of a rule set.
func (c *checker) collectRule(f *lang.File, d *lang.RuleDecl) {
	kind := SymAutomation
	if d.Kind == lang.RuleCampaign {
		kind = SymCampaign
	}
	sym := &Symbol{Kind: kind, Name: d.Name.Name, Decl: d.Name, File: f.Name, Node: d, Doc: docOf(f, d), Index: len(c.info.Rules)}
	c.declare(f, sym)
	if c.globals[sym.Name] == sym {
		c.info.Rules = append(c.info.Rules, &RuleInfo{Decl: d, File: f.Name, Symbol: sym})
	}
}

// ruleClauseName names a clause that may appear once, for duplicate-setting;
// "" for one that may repeat.
func ruleClauseName(cl lang.RuleClause) string {
	switch cl := cl.(type) {
	case *lang.TriggerClause:
		return "trigger"
	case *lang.EntranceClause:
		return "entrance"
	case *lang.SegmentClause:
		return "segment"
	case *lang.QualificationClause:
		return "qualification"
	case *lang.LimitClause:
		if cl.Messages() {
			return "at most ... messages"
		}
		return "at most ... rewards"
	case *lang.BudgetClause:
		return "budget"
	case *lang.ApprovalSetting:
		return "approval"
	case *lang.GiveRewardClause, *lang.GiveOfferClause:
		return "give"
	case *lang.SplitClause:
		return "split"
	}
	return ""
}

// ruleState is what checkRule gathers over the clauses of one rule.
type ruleState struct {
	r        *RuleInfo
	what     string // "automation gold_quest", for messages
	trigger  *lang.Event
	entrance *lang.Event
	qual     *lang.QualificationClause
	budget   *lang.BudgetClause
	give     *lang.GiveRewardClause
	offer    *lang.GiveOfferClause
	split    *lang.SplitClause
	// uses are the reward names given, with their rewards, in source order.
	uses []rewardUse
	// offers are the offers given, each once, in source order.
	offers []*OfferInfo
}

type rewardUse struct {
	id *lang.Ident
	r  *RewardInfo
}

func (c *checker) checkRule(r *RuleInfo) {
	c.file = r.File
	d := r.Decl
	st := &ruleState{r: r, what: d.Kind.String() + " " + d.Name.Name}
	seen := map[string]lang.RuleClause{}
	for _, cl := range d.Clauses {
		if name := ruleClauseName(cl); name != "" {
			if prev, ok := seen[name]; ok {
				c.diags.Add(lang.Diagnostic{File: c.file, Span: cl.Span(), Severity: lang.Error, Code: lang.CodeDuplicateSetting,
					Message: fmt.Sprintf("%s written twice in %s: keep one", name, st.what),
					Related: []lang.Related{{File: c.file, Span: prev.Span(), Message: "first " + name}}})
				continue
			}
			seen[name] = cl
		}
		c.ruleClause(st, cl)
	}
	switch {
	case st.trigger == nil:
		c.errorf(d.Name, lang.CodeInvalidRule, "%s has no trigger: add one, as in trigger on deposit", st.what)
	case st.give == nil && st.offer == nil && st.split == nil:
		c.errorf(d.Name, lang.CodeInvalidRule, "%s gives nothing: add the reward it gives, as in give %s", st.what, c.someReward())
	case st.give != nil && st.split != nil:
		c.errorf(st.give, lang.CodeInvalidRule, "%s gives by give and by split: a split gives through its variants, so move give %s into one, as in variant a 50%%: give %s", st.what, st.give.Reward.Name, st.give.Reward.Name)
	case st.offer != nil && st.split != nil:
		c.errorf(st.offer, lang.CodeInvalidRule, "%s gives by give and by split: a split gives through its variants, so move give offer %s into one, as in variant a 50%%: give offer %s", st.what, st.offer.Offer.Name, st.offer.Offer.Name)
	}
	r.Offers = st.offers
	c.ruleOffers(st) // offer.go
	for _, u := range st.uses {
		r.Gives = append(r.Gives, u.r)
		c.anchors(st, u)
	}
	if st.budget != nil {
		r.Budget = c.budget(st)
	}
}

// someReward names a reward of the rule set for an example, or REWARD.
func (c *checker) someReward() string {
	if len(c.info.Rewards) > 0 {
		return c.info.Rewards[0].Decl.Name.Name
	}
	return "REWARD"
}

func (c *checker) ruleClause(st *ruleState, cl lang.RuleClause) {
	switch cl := cl.(type) {
	case *lang.TriggerClause:
		st.trigger = cl.Event
		c.event(cl.Event, "trigger")
	case *lang.EntranceClause:
		st.entrance = cl.Event
		if st.r.Decl.Kind == lang.RuleCampaign { // else the parser said so
			c.event(cl.Event, "entrance")
		}
	case *lang.SegmentClause:
		c.ruleCond(cl.Cond, nil, "segment")
	case *lang.ApprovalSetting:
		c.approvalWithin(cl)
	case *lang.QualificationClause:
		st.qual = cl
		if k := c.lookupKind(cl.Type); k != nil && cl.Where != nil {
			c.ruleCond(cl.Where, k, "the where of qualification")
		}
		if cl.Limit != nil {
			c.positive(cl.Limit.Count, "at most "+cl.Limit.Count.Text+" "+cl.Limit.Unit+" never lets a qualification give anything: write at least 1, or leave out the limit")
		}
	case *lang.LimitClause:
		c.positive(cl.Count, fmt.Sprintf("at most %s %s per %s never lets anything through: write at least 1, or leave out the limit", cl.Count.Text, cl.Unit, durationText(cl.Per)))
		if cl.Per.N <= 0 {
			c.errorf(cl.Per, lang.CodeInvalidLimit, "a rate limit needs a period of at least 1 %s, as in per 1 day", strings.TrimSuffix(cl.Per.Unit.String(), "s"))
		} else {
			c.duration(cl.Per)
		}
	case *lang.BudgetClause:
		st.budget = cl
	case *lang.GiveRewardClause:
		st.give = cl
		if ri := c.lookupReward(cl.Reward); ri != nil {
			st.uses = append(st.uses, rewardUse{cl.Reward, ri})
		}
	case *lang.GiveOfferClause:
		st.offer = cl
		if o := c.lookupOffer(cl.Offer); o != nil {
			st.offerGiven(o)
		}
	case *lang.SplitClause:
		st.split = cl
		c.split(st, cl)
	case *lang.SendClause:
		for _, id := range cl.With {
			if !slices.Contains(sendValues, id.Name) {
				c.errorf(id, lang.CodeUndefinedName, "a message has no value %s%s; it may carry %s", id.Name, didYouMean(id.Name, sendValues), strings.Join(sendValues, ", "))
			}
		}
	}
}

// event checks what fires a trigger or an entrance.
func (c *checker) event(e *lang.Event, what string) {
	switch e.Kind {
	case lang.EventOn, lang.EventFirst, lang.EventEvery:
		if e.Kind == lang.EventEvery {
			c.positive(e.Count, fmt.Sprintf("every %s %s never fires: write every 1 %s or more", e.Count.Text, e.Type.Name, e.Type.Name))
		}
		if k := c.lookupKind(e.Type); k != nil && e.Where != nil {
			c.ruleCond(e.Where, k, "the where of "+what)
		}
	case lang.EventInactive:
		if e.Length.N <= 0 {
			c.errorf(e.Length, lang.CodeInvalidLimit, "inactive %s fires on every event: write at least 1 %s", durationText(e.Length), strings.TrimSuffix(e.Length.Unit.String(), "s"))
		} else {
			c.duration(e.Length)
		}
		if e.Since != nil {
			c.lookupKind(e.Since)
		}
	case lang.EventSchedule:
		if z := e.Schedule.Zone; z != nil && !z.Player {
			if _, err := window.LoadZone(z.Name.Value); err != nil {
				c.errorf(z.Name, lang.CodeInvalidZone, "unknown time zone %q", z.Name.Value)
			}
		}
		if cron := e.Schedule.Cron; cron != nil {
			c.cron(cron)
		}
	}
}

// cron checks the cron text of a schedule: it parses, and it fires at
// least once ("0 0 31 2 *" never does).
func (c *checker) cron(lit *lang.StringLit) {
	s, err := schedule.Parse(lit.Value)
	if err != nil {
		var se *schedule.Error
		at := lang.Node(lit)
		if errors.As(err, &se) && se.Offset >= 0 {
			at = cronSpan(lit, se.Offset, se.End)
		}
		c.errorf(at, lang.CodeInvalidSchedule, "invalid schedule %q: %v", lit.Value, err)
		return
	}
	if s.NeverFires() {
		c.errorf(lit, lang.CodeInvalidSchedule, "schedule %q never fires: %s", lit.Value, s.NeverReason())
	}
}

// cronSpan is the part of a cron string from byte offset start to end of
// its value; the whole string when the string has escapes, whose offsets
// differ from the source's.
func cronSpan(lit *lang.StringLit, start, end int) lang.Node {
	sp := lit.Span()
	if sp.End.Offset-sp.Start.Offset != len(lit.Value)+2 || sp.Start.Line != sp.End.Line {
		return lit
	}
	end = max(end, start+1)
	end = min(end, len(lit.Value))
	start = min(start, end)
	s := sp
	s.Start.Offset += 1 + start
	s.Start.Col += 1 + start
	s.End = s.Start
	s.End.Offset += end - start
	s.End.Col += end - start
	return &lang.StringLit{Loc: lang.LocOf(s), Value: lit.Value[start:end]}
}

// duration converts a duration literal, reporting one too long for the VM
// (beyond 2^62 ns, about 146 years) as bad-literal.
func (c *checker) duration(d *lang.DurationLit) (time.Duration, bool) {
	unit := map[lang.DurationUnit]time.Duration{lang.Minutes: time.Minute, lang.Hours: time.Hour, lang.Days: 24 * time.Hour, lang.Weeks: 7 * 24 * time.Hour}[d.Unit]
	if unit == 0 || d.N > int64(1<<62)/int64(unit) {
		if unit == 0 {
			c.errorf(d, lang.CodeBadLiteral, "duration %d %s is too long", d.N, d.Unit)
		} else {
			c.errorf(d, lang.CodeBadLiteral, "duration %d %s is too long: at most %d %s (about 146 years)", d.N, d.Unit, int64(1<<62)/int64(unit), d.Unit)
		}
		return 0, false
	}
	return time.Duration(d.N) * unit, true
}

func durationText(d *lang.DurationLit) string {
	return strconv.FormatInt(d.N, 10) + " " + d.Unit.String()
}

// ruleCond checks a condition of a rule: a Bool over the attributes of
// kind (when not nil, as in the where of an aggregation), player
// properties, constants and now. It reads no transactions: the conditions
// of a rule are about one event and the player.
func (c *checker) ruleCond(e lang.Expr, kind *Symbol, what string) {
	agg := false
	lang.Inspect(e, func(n lang.Node) bool {
		if a, ok := n.(*lang.AggregateExpr); ok && !agg {
			agg = true
			c.errorf(a, lang.CodeInvalidType, "%s cannot aggregate transactions: a rule's conditions read the event's attributes, player properties and constants; aggregate in the reward it gives", what)
		}
		return !agg
	})
	if agg {
		return
	}
	c.agg = kind
	t := c.expr(e)
	c.agg = nil
	if t.Kind != Invalid && t.Kind != Bool {
		c.errorf(e, lang.CodeInvalidType, "%s needs a condition (a Bool), not a %s", what, t)
	}
}

// positive reports a count of zero, or one too large to be a count, as
// invalid-limit with msg.
func (c *checker) positive(n *lang.NumberLit, msg string) {
	v, err := strconv.ParseInt(n.Text, 10, 64)
	switch {
	case err != nil && strings.Contains(n.Text, "."):
		// the parser reported it
	case err != nil:
		c.errorf(n, lang.CodeInvalidLimit, "%s is too large for a count: at most %d", n.Text, int64(1<<63-1))
	case v == 0:
		c.errorf(n, lang.CodeInvalidLimit, "%s", msg)
	}
}

// lookupReward resolves the name of a reward a rule gives.
func (c *checker) lookupReward(id *lang.Ident) *RewardInfo {
	sym := c.globals[id.Name]
	if sym == nil {
		c.errorf(id, lang.CodeUndefinedReward, "unknown reward %s%s", id.Name, c.didYouMean(id.Name, c.rewardNames))
		return nil
	}
	if sym.Kind == SymOffer {
		c.errorf(id, lang.CodeUndefinedReward, "%s is an offer, not a reward: give it with give offer %s", id.Name, id.Name)
		return nil
	}
	if sym.Kind != SymReward {
		c.errorf(id, lang.CodeUndefinedReward, "%s is a %s, not a reward: a rule gives a reward declared with reward", id.Name, sym.Kind)
		return nil
	}
	c.info.Uses[id] = sym
	return c.info.Rewards[sym.Index]
}

// split checks the arms of a split: the variants' names and rewards, one
// control group at most, and shares in whole hundredths of a percent that
// add up to 100%.
func (c *checker) split(st *ruleState, s *lang.SplitClause) {
	if st.r.Decl.Kind != lang.RuleCampaign {
		c.errorf(s, lang.CodeInvalidRule, "split belongs to campaigns: declare %s as campaign %s, or give one reward with give", st.what, st.r.Decl.Name.Name)
		return
	}
	names := map[string]*lang.SplitArm{}
	var control *lang.SplitArm
	total := num.Dec{}
	ok := true
	hundred := num.FromInt(100)
	for _, a := range s.Arms {
		if a.Control {
			if control != nil {
				c.errorf(a, lang.CodeInvalidSplit, "a split has one control group: merge the two into control %s%%", c.sumShares(control.Share, a.Share))
				ok = false
			}
			control = a
		} else {
			if prev := names[a.Name.Name]; prev != nil {
				c.diags.Add(lang.Diagnostic{File: c.file, Span: a.Name.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
					Message: fmt.Sprintf("variant %s declared twice in %s", a.Name.Name, st.what),
					Related: []lang.Related{{File: c.file, Span: prev.Name.Span(), Message: "other variant " + a.Name.Name}}})
			} else {
				names[a.Name.Name] = a
			}
			if a.Offer != nil {
				if o := c.lookupOffer(a.Offer); o != nil {
					st.offerGiven(o)
				}
			} else if ri := c.lookupReward(a.Reward); ri != nil {
				st.uses = append(st.uses, rewardUse{a.Reward, ri})
			}
		}
		share, err := num.Parse(a.Share.Text)
		switch {
		case err != nil:
			ok = false
		case share.IsZero():
			c.errorf(a.Share, lang.CodeInvalidSplit, "a group of 0%% never has a player: remove it, or give it a share")
			ok = false
		case share.Normalize().Scale() > 2:
			c.errorf(a.Share, lang.CodeInvalidSplit, "a share is a whole number of hundredths of a percent, as in 12.25%%; %s%% is finer than the split can assign", a.Share.Text)
			ok = false
		default:
			total = total.Add(share)
		}
	}
	if len(names) == 0 {
		c.errorf(s, lang.CodeInvalidSplit, "split has no variant: add one, as in variant a 90%%: give %s", c.someReward())
		return
	}
	if ok && total.Cmp(hundred) != 0 {
		diff := hundred.Sub(total)
		fix := "add " + diff.Normalize().String() + "% to a variant or to the control group"
		if diff.Sign() < 0 {
			fix = "take " + diff.Neg().Normalize().String() + "% off a variant or the control group"
		}
		c.errorf(s, lang.CodeInvalidSplit, "the groups of the split add up to %s%%, not 100%%: %s", total.Normalize(), fix)
	}
}

// sumShares adds two percentages for a message.
func (c *checker) sumShares(a, b *lang.PercentLit) string {
	x, err1 := num.Parse(a.Text)
	y, err2 := num.Parse(b.Text)
	if err1 != nil || err2 != nil {
		return a.Text
	}
	return x.Add(y).Normalize().String()
}

// anchors reports a reward whose window needs anchors that the rule does
// not set: the first and last transaction of an accumulation (every), the
// qualification, or a campaign's entrance.
func (c *checker) anchors(st *ruleState, u rewardUse) {
	every := st.trigger != nil && st.trigger.Kind == lang.EventEvery
	var need string
	switch u.r.Window.Kind {
	case window.FirstToLast, window.FirstToFixed:
		if !every {
			need = "the first and last transaction of an accumulation, which only a trigger every N KIND sets"
		}
	case window.QualificationToLast:
		switch {
		case st.qual == nil:
			need = "a qualification, which this rule does not have: add qualification KIND where COND"
		case !every:
			need = "the last transaction of an accumulation, which only a trigger every N KIND sets"
		}
	case window.QualificationToFixed:
		if st.qual == nil {
			need = "a qualification, which this rule does not have: add qualification KIND where COND"
		}
	case window.SinceEntrance:
		if st.r.Decl.Kind != lang.RuleCampaign || st.entrance == nil {
			need = "a campaign's entrance: give it from a campaign with an entrance clause"
		}
	default:
		return
	}
	if need == "" {
		return
	}
	var related []lang.Related
	for _, s := range u.r.Decl.Settings {
		if w, ok := s.(*lang.WindowSetting); ok {
			related = append(related, lang.Related{File: u.r.File, Span: w.Span(), Message: "the window of " + u.r.Decl.Name.Name})
		}
	}
	c.diags.Add(lang.Diagnostic{File: c.file, Span: u.id.Span(), Severity: lang.Error, Code: lang.CodeInvalidAnchor,
		Message: fmt.Sprintf("reward %s reads %s, whose anchors come from %s; or give a reward with a window of its own, as in last 7 days",
			u.r.Decl.Name.Name, windowText(u.r.Window.Kind), need),
		Related: related})
}

func windowText(k window.Kind) string {
	switch k {
	case window.FirstToLast:
		return "between first transaction and last transaction"
	case window.QualificationToLast:
		return "between qualification and last transaction"
	case window.FirstToFixed:
		return "from first transaction to a date"
	case window.QualificationToFixed:
		return "from qualification to a date"
	}
	return "since entrance"
}

// budget checks a rule's budget: a positive constant, Money for amount
// rewards with an amount for each currency they can pay in, a plain number
// for the others.
func (c *checker) budget(st *ruleState) *Value {
	b := st.budget
	c.constOnly = "budget"
	t := c.expr(b.Value)
	c.constOnly = ""
	v := c.info.Consts[b.Value]
	if t.Kind == Invalid || v == nil {
		return nil
	}
	if !budgetPositive(v) {
		c.errorf(b.Value, lang.CodeInvalidLimit, "a budget of %s gives nothing: write the most the rule may issue, above zero", lang.ExprString(b.Value))
		return nil
	}
	amounts, others := 0, map[string]bool{}
	for _, u := range st.uses {
		if u.r.Decl.Result.Kind == lang.ResultAmount {
			amounts++
		} else {
			others[u.r.Decl.Result.Kind.String()] = true
		}
	}
	switch {
	case amounts > 0 && len(others) > 0:
		c.errorf(b, lang.CodeInvalidBudget, "a budget counts one thing, and %s gives amounts and %s: split the rule in two, one per sort of reward", st.what, strings.Join(slices.Sorted(maps.Keys(others)), " and "))
		return nil
	case amounts > 0 && t.Kind != Money:
		c.errorf(b.Value, lang.CodeInvalidBudget, "%s gives amount rewards, so its budget is money, as in budget 10000 EUR | 11000 USD, not a %s", st.what, t)
		return nil
	case amounts == 0 && len(others) > 0 && !t.IsNumeric():
		c.errorf(b.Value, lang.CodeInvalidBudget, "%s gives %s rewards, so its budget is a number of them, as in budget 10000, not a %s", st.what, strings.Join(slices.Sorted(maps.Keys(others)), " and "), t)
		return nil
	case others["template"] && v.Num.Normalize().Scale() > 0:
		c.errorf(b.Value, lang.CodeInvalidBudget, "%s gives template rewards, so its budget is a whole number of them, not %s", st.what, lang.ExprString(b.Value))
		return nil
	case t.Kind == Money && len(c.info.Currencies) > 0:
		// The served currencies: a per-currency value is checked against
		// them already; one currency alone is checked here.
		if len(v.PerCur) == 0 && !c.oneCurrency(b.Value, t, "budget", false) {
			return nil
		}
	case t.Kind == Money:
		c.budgetCurrencies(st, v)
	}
	return v
}

func budgetPositive(v *Value) bool {
	if len(v.PerCur) > 0 {
		for _, p := range v.PerCur {
			if p.Amount.Sign() <= 0 {
				return false
			}
		}
		return true
	}
	return v.Num.Sign() > 0
}

// budgetCurrencies reports, for a rule set that does not declare its
// currencies, a currency a given amount reward can pay in (one its cap,
// minimum or amounts name) that the budget has no amount for.
func (c *checker) budgetCurrencies(st *ruleState, v *Value) {
	have := map[string]bool{}
	for _, cur := range limitCurs(v) {
		have[cur] = true
	}
	for _, u := range st.uses {
		if u.r.Decl.Result.Kind != lang.ResultAmount {
			continue
		}
		var miss []string
		for _, cur := range rewardCurrencies(u.r) {
			if !have[cur] && !slices.Contains(miss, cur) {
				miss = append(miss, cur)
			}
		}
		if len(miss) == 0 {
			continue
		}
		text := lang.ExprString(st.budget.Value)
		c.errorf(st.budget.Value, lang.CodeInvalidBudget, "budget %s has no amount in %s, which reward %s can pay in: add one, as in budget %s %s",
			text, andList(miss), u.r.Decl.Name.Name, text, amountsFor(miss))
		return
	}
}

// rewardCurrencies lists the currencies a reward names in its cap, its
// minimum and its amounts, in order of appearance.
func rewardCurrencies(r *RewardInfo) []string {
	var out []string
	lang.Inspect(r.Decl, func(n lang.Node) bool {
		if m, ok := n.(*lang.MoneyLit); ok && !slices.Contains(out, m.Currency) {
			out = append(out, m.Currency)
		}
		return true
	})
	return out
}
