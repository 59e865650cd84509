package lang

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// test builds a test declaration. Besides the grammar, it checks that the
// values of a transactions table make whole rows, that counts are whole
// numbers, and that reason codes are written without blanks.
func (b *builder) test(g *testDecl) *TestDecl {
	t := &TestDecl{Loc: b.loc(g.Tokens), Name: b.stringLit(g.Name)}
	for _, c := range g.Clauses {
		if c := b.testClause(c); c != nil {
			t.Clauses = append(t.Clauses, c)
		}
	}
	return t
}

func (b *builder) testClause(g *testClause) TestClause {
	switch {
	case g.Reward != nil:
		return &RewardClause{Loc: b.loc(g.Reward.Tokens), Reward: b.ident(g.Reward.Name)}
	case g.Rule != nil:
		kind := RuleAutomation
		if g.Rule.Kind == "campaign" {
			kind = RuleCampaign
		}
		return &TestRuleClause{Loc: b.loc(g.Rule.Tokens), Kind: kind, Rule: b.ident(g.Rule.Name)}
	case g.Events != nil:
		return b.events(g.Events)
	case g.Advance != nil:
		return &AdvanceClause{Loc: b.loc(g.Advance.Tokens), To: b.date(g.Advance.To)}
	case g.Decision != nil:
		d := g.Decision
		c := &DecisionClause{Loc: b.loc(d.Tokens), Approve: d.Verb == "approve", N: b.wholeNumber(d.N, d.Verb+" needs the number of an outcome, from 1")}
		if d.Reason.Value != "" {
			c.Reason = b.stringLit(d.Reason)
		}
		return c
	case g.Update != nil:
		u := g.Update
		return &UpdateClause{Loc: b.loc(u.Tokens), Player: b.playerID(u.Player), At: b.date(u.At), Fields: b.testFields(u.Fields)}
	case g.Budget != nil:
		return &TestBudgetClause{Loc: b.loc(g.Budget.Tokens), Value: b.testValue(g.Budget.Value)}
	case g.Vouchers != nil:
		v := g.Vouchers
		c := &VouchersClause{Loc: b.loc(v.Tokens), Offer: b.ident(v.Offer)}
		for _, t := range v.Tokens[2:] {
			c.Codes = append(c.Codes, b.stringLit(t))
		}
		return c
	case g.Now != nil:
		return &NowClause{Loc: b.loc(g.Now.Tokens), Time: b.date(g.Now.Time), Zone: b.zone(g.Now.Zone)}
	case g.Player != nil:
		return &PlayerClause{Loc: b.loc(g.Player.Tokens), ID: b.playerID(g.Player.ID), Fields: b.testFields(g.Player.Fields)}
	case g.Transactions != nil:
		return b.transactions(g.Transactions)
	case g.Repeat != nil:
		r := g.Repeat
		c := &RepeatClause{Loc: b.loc(r.Tokens), Count: b.wholeNumber(r.Count, "repeat needs a whole number of transactions"),
			Kind: b.ident(r.Kind), Every: b.duration(r.Every), From: b.date(r.From), Fields: b.testFields(r.Fields)}
		return c
	case g.Load != nil:
		return &LoadClause{Loc: b.loc(g.Load.Tokens), Path: b.stringLit(g.Load.Path)}
	case g.Rates != nil:
		return &RatesClause{Loc: b.loc(g.Rates.Tokens), Rates: b.testFields(g.Rates.Rates)}
	case g.Anchors != nil:
		return &AnchorsClause{Loc: b.loc(g.Anchors.Tokens), Fields: b.testFields(g.Anchors.Fields)}
	case g.Expect != nil:
		return b.expect(g.Expect)
	}
	return nil
}

func (b *builder) testFields(gs []*testField) []*TestField {
	out := make([]*TestField, len(gs))
	for i, g := range gs {
		out[i] = &TestField{Loc: b.loc(g.Tokens), Name: b.ident(g.Name), Value: b.testValue(g.Value)}
	}
	return out
}

func (b *builder) testValue(g *testValue) Expr {
	var x Expr
	switch t := g.Lit; t.Type {
	case tokMoney:
		x = b.money(t)
	case tokIdent:
		x = b.ident(t)
	default:
		x = b.literal(t)
	}
	if g.Neg {
		x = &UnaryExpr{Loc: between(b.tokSpan(g.Tokens[0]), x.Span()), Op: OpNeg, X: x}
	}
	return x
}

// playerID builds the id of a player clause: a name or a string; nil when
// not written.
func (b *builder) playerID(t lexer.Token) Expr {
	switch {
	case t.Value == "":
		return nil
	case t.Type == tokString:
		return b.stringLit(t)
	}
	return b.ident(t)
}

// transactions builds a table of transactions of one kind.
func (b *builder) transactions(g *transactionsClause) *TransactionsClause {
	t := &TransactionsClause{Loc: b.loc(g.Tokens), Kind: b.ident(g.Kind)}
	t.Columns, t.Rows = b.table("transactions "+t.Kind.Name, "time amount", g.Tokens[3:3+len(g.Columns)], g.Values)
	return t
}

// events builds a table of events of any kind.
func (b *builder) events(g *eventsClause) *EventsClause {
	t := &EventsClause{Loc: b.loc(g.Tokens)}
	t.Columns, t.Rows = b.table("events", "time player kind amount", g.Tokens[2:2+len(g.Columns)], g.Values)
	return t
}

// table groups the values of a table into rows of one value per column.
// When they do not make whole rows, the error points at the first line
// whose values are not a whole number of rows, which is where a value is
// missing or extra when each row is on its own line. what names the table
// in errors, and header is an example of its header.
func (b *builder) table(what, header string, colToks []lexer.Token, gvals []*testValue) ([]*Ident, []*TableRow) {
	var cols []*Ident
	var rows []*TableRow
	for _, c := range colToks {
		cols = append(cols, b.ident(c))
	}
	values := make([]Expr, len(gvals))
	for i, v := range gvals {
		values[i] = b.testValue(v)
	}
	n := len(cols)
	if n == 0 {
		if len(values) > 0 {
			b.errorf(values[0].Span(), CodeBadSyntax, "%s needs a header before its rows: the names of its columns, such as %s", what, header)
			rows = []*TableRow{{Loc: between(values[0].Span(), values[len(values)-1].Span()), Values: values}}
		}
		return cols, rows
	}
	if len(values)%n != 0 {
		b.badRows(cols, values)
	}
	for i := 0; i < len(values); i += n {
		row := values[i:min(i+n, len(values))]
		rows = append(rows, &TableRow{Loc: between(row[0].Span(), row[len(row)-1].Span()), Values: row})
	}
	return cols, rows
}

func (b *builder) badRows(cols []*Ident, values []Expr) {
	n := len(cols)
	names := make([]string, n)
	for i, c := range cols {
		names[i] = c.Name
	}
	header := fmt.Sprintf("the header has %d columns (%s)", n, strings.Join(names, " "))
	for i := 0; i < len(values); {
		j := i
		for j < len(values) && values[j].Span().Start.Line == values[i].Span().Start.Line {
			j++
		}
		if (j-i)%n != 0 {
			// 500 eur: a currency in small letters is a value of its own.
			for k := i + 1; k < j; k++ {
				num, isNum := values[k-1].(*NumberLit)
				id, isID := values[k].(*Ident)
				if isNum && isID && isLowerCode(id.Name) && num.Span().End.Offset < id.Span().Start.Offset {
					b.errorf(id.Span(), CodeBadSyntax, "currency codes are written in capitals: %s %s", num.Text, strings.ToUpper(id.Name))
					return
				}
			}
			b.errorf(values[i].Span(), CodeBadSyntax, "this row has %s, but %s", plural(j-i, "value"), header)
			return
		}
		i = j
	}
	b.errorf(values[len(values)-1].Span(), CodeBadSyntax, "%d values do not make whole rows: %s", len(values), header)
}

func (b *builder) expect(g *expectClause) Expectation {
	loc := b.loc(g.Tokens)
	switch {
	case g.Calculated != nil:
		return &ExpectOutcome{Loc: loc, Outcome: OutcomeCalculated, Value: b.testValue(g.Calculated)}
	case g.Skipped != nil:
		e := &ExpectOutcome{Loc: loc, Outcome: OutcomeSkipped}
		e.Reason, e.Detail = b.reason(g.Skipped)
		return e
	case g.Error != nil:
		e := &ExpectOutcome{Loc: loc, Outcome: OutcomeError}
		e.Reason, e.Detail = b.reason(g.Error)
		return e
	case g.Manual:
		return &ExpectManual{Loc: loc}
	case g.Let != nil:
		return &ExpectLet{Loc: loc, Name: b.ident(g.Let.Name), Value: b.testValue(g.Let.Value)}
	case g.Aggregation != nil:
		a := g.Aggregation
		e := &ExpectAggregation{Loc: loc, Kind: b.ident(a.Kind), Matched: b.wholeNumber(a.Matched, "matched needs a whole number of transactions")}
		for _, id := range a.Tokens[len(a.Tokens)-len(a.IDs):] {
			e.IDs = append(e.IDs, b.stringLit(id))
		}
		return e
	case g.Window != nil:
		w := g.Window
		return &ExpectWindow{Loc: loc, From: b.date(w.From), To: b.date(w.To), Zone: b.zone(w.Zone)}
	case g.Rewards.Value != "":
		return &ExpectRewards{Loc: loc, Count: b.wholeNumber(g.Rewards, "expect rewards needs a whole number of rewards")}
	case g.Outcome != nil:
		return b.expectStep(loc, g.Outcome)
	case g.BudgetLeft != nil:
		return &ExpectBudgetLeft{Loc: loc, Value: b.testValue(g.BudgetLeft)}
	case g.Rule != nil:
		kind := RuleAutomation
		if g.Rule.Kind == "campaign" {
			kind = RuleCampaign
		}
		return &ExpectRuleStatus{Loc: loc, Kind: kind, Suspended: g.Rule.Status == "suspended"}
	case g.Group != nil:
		return &ExpectGroup{Loc: loc, Player: b.playerID(g.Group.Player), Group: b.ident(g.Group.Group)}
	}
	return &ExpectBranch{Loc: loc, Label: b.stringLit(g.Branch)}
}

func (b *builder) expectStep(loc Loc, g *expectStep) *ExpectStep {
	e := &ExpectStep{Loc: loc, N: b.wholeNumber(g.N, "expect outcome needs the number of the outcome, from 1"), Player: b.playerID(g.Player)}
	switch {
	case g.Skipped != nil:
		e.Status = StepSkipped
		e.Reason, e.Detail = b.reason(g.Skipped)
	case g.Status != "":
		e.Status = StepRejected
		if g.Why.Value != "" {
			e.Detail = b.stringLit(g.Why)
		}
	default:
		e.Status = StepIssued
		if g.Paid == "waiting" {
			e.Status = StepWaiting
		}
		if g.Value != nil {
			e.Value = b.testValue(g.Value)
		}
	}
	return e
}

// reason builds a reason code, whose words and hyphens must touch, and the
// detail.
func (b *builder) reason(g *expectReason) (*Ident, *StringLit) {
	if g.Alone.Value != "" {
		return nil, b.stringLit(g.Alone)
	}
	toks := g.Reason.Tokens
	for i := 1; i < len(toks); i++ {
		if prev := toks[i-1]; toks[i].Pos.Offset != prev.Pos.Offset+len(prev.Value) {
			b.errorf(b.tokSpan(toks[i]), CodeBadSyntax, "a reason code has no blanks: write it as in no-matching-transactions")
			break
		}
	}
	id := &Ident{Loc: b.loc(toks), Name: strings.Join(g.Reason.Words, "-")}
	var detail *StringLit
	if g.Detail.Value != "" {
		detail = b.stringLit(g.Detail)
	}
	return id, detail
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
