package promotest

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// This file judges the expects of event-sequence tests against the
// outcomes of the rule under test so far and the store.

// judge compares one expectation with what the rule did so far. An error
// is the store's.
func (run *seqRun) judge(ctx context.Context, e lang.Expectation) (Check, error) {
	c := Check{Pos: e.Span().Start}
	switch e := e.(type) {
	case *lang.ExpectRewards:
		n := 0
		for _, o := range run.outcomes {
			if o.Status == string(store.Issued) {
				n++
			}
		}
		c.Expected, c.Actual = "rewards "+e.Count.Text, "rewards "+strconv.Itoa(n)
		c.Passed = c.Expected == c.Actual
	case *lang.ExpectStep:
		c.Expected, c.Actual, c.Passed = run.step(e)
	case *lang.ExpectBudgetLeft:
		return run.budgetLeft(ctx, c, e)
	case *lang.ExpectRuleStatus:
		camp, err := run.st.Campaign(ctx, run.rule)
		if err != nil {
			return c, err
		}
		word := e.Kind.String()
		want := "active"
		if e.Suspended {
			want = "suspended"
		}
		c.Expected, c.Actual = word+" "+want, word+" "+string(camp.Status)
		if camp.Status == store.Suspended && camp.Reason != "" {
			c.Actual += " (" + camp.Reason + ")"
		}
		c.Passed = string(camp.Status) == want
	case *lang.ExpectGroup:
		player := compiler.PlayerID(e.Player)
		c.Expected = "group " + lang.ExprString(e.Player) + " " + e.Group.Name
		c.Actual = "group " + lang.ExprString(e.Player) + " " + run.group(player)
		c.Passed = c.Expected == c.Actual
	default: // the checker refuses the expects of reward tests here
		c.Expected, c.Actual = "an expect of event-sequence tests", "an expect of reward tests"
	}
	return c, nil
}

// group is a player's group in the split of the campaign under test.
func (run *seqRun) group(player string) string {
	r := run.s.prog.Rule(run.rule)
	if r == nil || r.Split == nil {
		return "none: no split"
	}
	arm := r.Split.Arm(run.rule, player)
	switch {
	case arm == nil:
		return "none"
	case arm.Control:
		return "control"
	}
	return arm.Name
}

// step judges expect outcome N.
func (run *seqRun) step(e *lang.ExpectStep) (string, string, bool) {
	n, _ := strconv.Atoi(e.N.Text)
	expected := "outcome " + e.N.Text
	if e.Player != nil {
		expected += " player " + lang.ExprString(e.Player)
	}
	expected += " " + e.Status.String()
	var want *compiler.Value
	if e.Value != nil {
		want = run.consts[e.Value]
		expected += " " + run.valueText(want)
	}
	if e.Reason != nil {
		expected += " " + e.Reason.Name
	}
	if e.Detail != nil {
		expected += " " + strconv.Quote(e.Detail.Value)
	}
	if n < 1 || n > len(run.outcomes) {
		return expected, fmt.Sprintf("no outcome %d: %s so far", n, plural(len(run.outcomes), "outcome")), false
	}
	o := &run.outcomes[n-1]
	actual := "outcome " + e.N.Text + " " + stepText(o, e.Player != nil)
	ok := o.Status == e.Status.String()
	if e.Player != nil {
		ok = ok && o.Player == compiler.PlayerID(e.Player)
	}
	switch e.Status {
	case lang.StepSkipped:
		ok = ok && o.Reason == e.Reason.Name
		if e.Detail != nil {
			ok = ok && o.Detail == e.Detail.Value
		}
	case lang.StepRejected:
		if e.Detail != nil {
			ok = ok && o.Reason == e.Detail.Value
		}
	case lang.StepIssued, lang.StepWaiting:
		if want != nil {
			ok = ok && run.sameResult(o, want)
		}
	}
	return expected, actual, ok
}

// sameResult compares an outcome's amount, points or template with the
// value expected: value and scale, as expect calculated compares (the
// engine keeps the scale the reward issued).
func (run *seqRun) sameResult(o *engine.Outcome, want *compiler.Value) bool {
	switch want.Type.Kind {
	case compiler.String: // the voucher code of a give offer
		return o.OfferRef != "" && o.Code == want.Str
	case compiler.Template:
		return o.Template == run.s.info.Info.Templates[want.Template].Name
	case compiler.Money:
		return o.Amount != nil && o.Currency == want.Type.Cur && o.Amount.String() == want.Num.String()
	default:
		return o.Points != nil && o.Points.String() == want.Num.String()
	}
}

// valueText writes an expected value as the test writes it.
func (run *seqRun) valueText(v *compiler.Value) string {
	if v.Type.Kind == compiler.Template {
		return run.s.info.Info.Templates[v.Template].Name
	}
	return valueText(v)
}

// stepText writes an outcome as an expect outcome clause states it, after
// its number: [player ID] STATUS [VALUE | REASON ["detail"]].
func stepText(o *engine.Outcome, withPlayer bool) string {
	var b strings.Builder
	if withPlayer {
		b.WriteString("player " + playerText(o.Player) + " ")
	}
	b.WriteString(o.Status)
	switch {
	case o.Status == string(store.Rejected):
		if o.Reason != "" { // an operator's words
			b.WriteString(" " + strconv.Quote(o.Reason))
		}
	case o.Status == string(store.Skipped):
		if o.Reason != "" {
			b.WriteString(" " + o.Reason)
		}
		if o.Detail != "" {
			b.WriteString(" " + strconv.Quote(o.Detail))
		}
	case o.Code != "":
		b.WriteString(" " + strconv.Quote(o.Code))
	case o.Template != "":
		b.WriteString(" " + o.Template)
	case o.Amount != nil:
		b.WriteString(" " + o.Amount.String() + " " + o.Currency)
	case o.Points != nil:
		b.WriteString(" " + o.Points.String())
	}
	return b.String()
}

// playerText writes a player's id as a test writes it: a name as it is, a
// string in quotes.
func playerText(id string) string {
	toks := lang.Tokens([]byte(id))
	if len(toks) == 1 && toks[0].Text == id && (toks[0].Kind == lang.TokenIdent || toks[0].Kind == lang.TokenContextual) {
		return id
	}
	return strconv.Quote(id)
}

// budgetLeft judges expect budget left.
func (run *seqRun) budgetLeft(ctx context.Context, c Check, e *lang.ExpectBudgetLeft) (Check, error) {
	want := run.consts[e.Value]
	cur := ""
	if want.Type.Kind == compiler.Money {
		cur = want.Type.Cur
	}
	c.Expected = "budget left " + valueText(want)
	budgets, err := run.st.Budgets(ctx, run.rule)
	if err != nil {
		return c, err
	}
	for _, b := range budgets {
		if b.Currency != cur {
			continue
		}
		left := b.Left()
		c.Actual = "budget left " + b.Amount(left)
		if cur != "" {
			c.Actual += " " + cur
		}
		// Budgets compare by value, as lets do: 0 EUR is 0.00 EUR.
		if c.Passed = left.Equal(want.Num.Decimal()); c.Passed {
			c.Actual = c.Expected
		}
		return c, nil
	}
	c.Actual = "no budget"
	if cur != "" {
		c.Actual += " in " + cur
	}
	return c, nil
}
