package compiler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// This file checks event-sequence tests: the tests that name an automation
// rule or a campaign (spec/spec.md, section 15, "Event-sequence tests").
// Their clauses are setup (the rule, its players, budgets, where the clock
// starts), then steps in
// source order: events (events tables and repeats), clock advances, and
// expects about what the rule did so far.

// RuleReasons are the reasons for which the engine skips a rule's reward,
// besides the reward's own (SkipReasons, ErrorReasons), in the order of
// spec/spec.md, section 16.
var RuleReasons = []string{
	"not-in-segment", "not-qualified", "qualification-limit", "control-group",
	"budget-exhausted", "campaign-suspended", "rate-limited", "vouchers-exhausted",
}

// Absent is the cell of an events table that leaves an attribute out: _.
const Absent = "_"

// PlayerID returns the id a player clause or an expect writes: a name or a
// string; "" for nil.
func PlayerID(e lang.Expr) string {
	switch e := e.(type) {
	case *lang.Ident:
		return e.Name
	case *lang.StringLit:
		return e.Value
	}
	return ""
}

// IsSequence reports whether a test is an event-sequence test: it names an
// automation rule or a campaign.
func IsSequence(d *lang.TestDecl) bool {
	for _, cl := range d.Clauses {
		if _, ok := cl.(*lang.TestRuleClause); ok {
			return true
		}
	}
	return false
}

// seqState is what checking one event-sequence test tracks.
type seqState struct {
	testState
	rule     *RuleInfo
	players  map[string]*seqPlayer
	order    []string // player ids in source order
	budgets  map[string]lang.Node
	step     lang.Node // the first step (events, repeat, advance, expect), once seen
	clock    time.Time // where the clock is after the steps so far
	clockAt  lang.Node // what set it
	ids      eventIDs
	batchMin time.Time // the earliest event of the open batch
	minAt    lang.Node
	batchMax time.Time
}

type seqPlayer struct {
	id       string
	currency string
	decl     lang.Node
}

func (c *testChecker) checkSequence(file string, d *lang.TestDecl) *TestCase {
	st := &seqState{testState: testState{tc: &TestCase{Decl: d, File: file, Name: d.Name.Value, Sequence: true}, once: map[string]lang.Node{}},
		players: map[string]*seqPlayer{}, budgets: map[string]lang.Node{},
		ids: eventIDs{counts: map[string]int64{}, written: map[string]lang.Node{}, ranges: map[string][]idRange{}}}
	// The rule and the players first: the steps name them wherever they
	// are written.
	for _, cl := range d.Clauses {
		switch cl := cl.(type) {
		case *lang.TestRuleClause:
			if c.once(&st.testState, "rule", cl) {
				st.rule = c.testRule(cl)
				st.tc.Rule = st.rule
			}
		case *lang.RewardClause:
			c.errorf(cl, lang.CodeInvalidTest, "test %q names a rule, so it cannot name a reward too: a reward test and an event-sequence test are two tests", d.Name.Value)
		case *lang.PlayerClause:
			c.seqPlayer(st, cl)
		}
	}
	for _, cl := range d.Clauses {
		c.seqClause(st, cl)
	}
	c.closeBatch(st)
	c.zonelessPlayers(st, d)
	switch {
	case len(st.players) == 0:
		c.errorf(d.Name, lang.CodeInvalidTest, "test %q has no player: add one, as in player p1 { currency EUR }", d.Name.Value)
	case st.expects == 0:
		c.errorf(d.Name, lang.CodeInvalidTest, "test %q has no expect: state what the rule did, as in expect rewards 1", d.Name.Value)
	}
	return st.tc
}

// zonelessPlayers warns of each player of the test that has no zone, in
// its player clause or an update, when the rule under test has a schedule
// in player zone (its trigger or entrance): the engine takes a player
// without a zone to live on UTC, so the schedule fires for it on UTC's
// wall clock, which a test rarely means. zone "UTC" says it does.
func (c *testChecker) zonelessPlayers(st *seqState, d *lang.TestDecl) {
	if st.rule == nil {
		return
	}
	var sched *lang.Schedule
	for _, cl := range st.rule.Decl.Clauses {
		var ev *lang.Event
		switch cl := cl.(type) {
		case *lang.TriggerClause:
			ev = cl.Event
		case *lang.EntranceClause:
			ev = cl.Event
		}
		if ev != nil && ev.Schedule != nil && ev.Schedule.Zone != nil && ev.Schedule.Zone.Player {
			sched = ev.Schedule
			break
		}
	}
	if sched == nil {
		return
	}
	zoned := map[string]bool{}
	hasZone := func(fields []*lang.TestField) bool {
		return slices.ContainsFunc(fields, func(f *lang.TestField) bool { return f.Name.Name == "zone" })
	}
	for _, cl := range d.Clauses {
		switch cl := cl.(type) {
		case *lang.PlayerClause:
			if cl.ID != nil && hasZone(cl.Fields) {
				zoned[PlayerID(cl.ID)] = true
			}
		case *lang.UpdateClause:
			if hasZone(cl.Fields) {
				zoned[PlayerID(cl.Player)] = true
			}
		}
	}
	for _, id := range st.order {
		if p := st.players[id]; !zoned[id] {
			c.warnf(p.decl, lang.CodeUnusedZone, "player %s has no zone, so the schedule in player zone of %s %s fires for it on UTC, as for any player without a zone: give it one, as in zone \"Europe/Malta\", or write zone \"UTC\" if UTC is meant",
				id, st.rule.Decl.Kind, st.rule.Symbol.Name)
		}
	}
}

// testRule resolves the rule an event-sequence test names.
func (c *testChecker) testRule(cl *lang.TestRuleClause) *RuleInfo {
	id := cl.Rule
	var names []string
	for _, r := range c.rules.Rules {
		names = append(names, r.Symbol.Name)
		if r.Symbol.Name != id.Name {
			continue
		}
		c.info.Uses[id] = r.Symbol
		if r.Decl.Kind != cl.Kind {
			c.errorf(cl, lang.CodeInvalidTest, "%s is %s, not %s: write %s %s", id.Name, ruleKindArticle(r.Decl.Kind), ruleKindArticle(cl.Kind), r.Decl.Kind, id.Name)
		}
		return r
	}
	if sym := c.globals[id.Name]; sym != nil {
		c.errorf(id, lang.CodeUndefinedName, "%s is a %s, not an automation rule or a campaign", id.Name, sym.Kind)
		return nil
	}
	if len(names) == 0 {
		c.errorf(id, lang.CodeUndefinedName, "unknown %s %s: the rule set declares no automation rule or campaign", cl.Kind, id.Name)
		return nil
	}
	c.errorf(id, lang.CodeUndefinedName, "unknown %s %s%s", cl.Kind, id.Name, didYouMean(id.Name, names))
	return nil
}

func ruleKindArticle(k lang.RuleKind) string {
	if k == lang.RuleAutomation {
		return "an automation rule"
	}
	return "a campaign"
}

// seqPlayer declares one player of an event-sequence test.
func (c *testChecker) seqPlayer(st *seqState, cl *lang.PlayerClause) {
	if cl.ID == nil {
		c.errorf(cl, lang.CodeInvalidTest, "a player of an event-sequence test needs an id, which its events name: write it after player, as in player p1 { currency EUR }")
		return
	}
	id := PlayerID(cl.ID)
	if id == "" || id == Absent {
		c.errorf(cl.ID, lang.CodeInvalidTest, "a player's id is not empty or _: write a name or a string, as in player p1")
		return
	}
	if prev := st.players[id]; prev != nil {
		c.diags.Add(lang.Diagnostic{File: c.file, Span: cl.ID.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
			Message: fmt.Sprintf("player %s declared twice in test %q", id, st.tc.Name),
			Related: []lang.Related{{File: c.file, Span: prev.decl.Span(), Message: "first player " + id}}})
		return
	}
	p := &seqPlayer{id: id, decl: cl.ID}
	for _, f := range cl.Fields {
		if f.Name.Name == "currency" {
			p.currency = c.currencyValue(f.Value)
			c.servedCurrency(st.tc.Decl, f.Value, p.currency)
		}
	}
	st.players[id] = p
	st.order = append(st.order, id)
}

// lookupPlayer resolves a player an event or an expect names; nil after an
// error.
func (c *testChecker) lookupPlayer(st *seqState, e lang.Expr) *seqPlayer {
	switch e.(type) {
	case *lang.Ident, *lang.StringLit:
	default:
		c.errorf(e, lang.CodeInvalidType, "expected a player's id, such as p1 or \"p-1\", not %s", lang.ExprString(e))
		return nil
	}
	id := PlayerID(e)
	if p := st.players[id]; p != nil {
		return p
	}
	if len(st.order) == 0 {
		c.errorf(e, lang.CodeUndefinedName, "unknown player %s: declare it, as in player %s { currency EUR }", id, id)
		return nil
	}
	c.errorf(e, lang.CodeUndefinedName, "unknown player %s%s; the players of test %q are %s", id, didYouMean(id, st.order), st.tc.Name, strings.Join(st.order, ", "))
	return nil
}

func (c *testChecker) seqClause(st *seqState, cl lang.TestClause) {
	switch cl := cl.(type) {
	case *lang.TestRuleClause, *lang.RewardClause:
		return // checked first
	case *lang.PlayerClause:
		c.setup(st, cl)
		c.seqPlayerFields(st, cl)
		return
	case *lang.TestBudgetClause:
		c.setup(st, cl)
		c.testBudget(st, cl)
		return
	case *lang.VouchersClause:
		c.setup(st, cl)
		c.vouchers(cl) // offer.go
		return
	case *lang.NowClause:
		c.setup(st, cl)
		if c.once(&st.testState, "now", cl) {
			c.seqNow(st, cl)
		}
		return
	case *lang.TransactionsClause:
		c.errorf(cl.Kind, lang.CodeInvalidTest, "an event-sequence test lists its events in an events table, with time, player and kind columns: events { time player kind amount ... }")
		return
	case *lang.LoadClause, *lang.RatesClause, *lang.AnchorsClause:
		c.errorf(cl, lang.CodeInvalidTest, "%s belongs to reward tests: an event-sequence test builds its state from its players and events", clauseWord(cl))
		return
	}
	if st.step == nil {
		st.step = cl
	}
	switch cl := cl.(type) {
	case *lang.EventsClause:
		c.eventsTable(st, cl)
	case *lang.RepeatClause:
		c.seqRepeat(st, cl)
	case *lang.UpdateClause:
		c.update(st, cl)
	case *lang.DecisionClause:
		c.closeBatch(st)
		verb := "reject"
		if cl.Approve {
			verb = "approve"
		}
		c.count(cl.N, 1, verb+" names an outcome by its number, from 1")
		if cl.Approve && cl.Reason != nil {
			c.errorf(cl.Reason, lang.CodeInvalidTest, "approve takes no reason: only reject says why")
		}
		if r := st.rule; r != nil && !ruleManual(r) {
			c.errorf(cl, lang.CodeInvalidTest, "%s %s and the rewards it gives have approval auto: no result of it waits to %s", r.Decl.Kind, r.Symbol.Name, verb)
		}
	case *lang.AdvanceClause:
		c.closeBatch(st)
		c.expr(cl.To)
		if v := c.info.Consts[cl.To]; v != nil {
			if !st.clock.IsZero() && v.Time.Before(st.clock) {
				c.diags.Add(lang.Diagnostic{File: c.file, Span: cl.To.Span(), Severity: lang.Error, Code: lang.CodeInvalidTest,
					Message: fmt.Sprintf("advance to %s goes back in time: the clock is at %s already; a test runs forward", cl.To.Text, wallTime(st.clock)),
					Related: []lang.Related{{File: c.file, Span: st.clockAt.Span(), Message: "what set the clock"}}})
			} else {
				st.clock, st.clockAt = v.Time, cl
			}
		}
	case lang.Expectation:
		c.closeBatch(st)
		st.expects++
		c.seqExpect(st, cl)
	}
}

// clauseWord is the word that begins a clause, for messages.
func clauseWord(cl lang.TestClause) string {
	switch cl.(type) {
	case *lang.LoadClause:
		return "load"
	case *lang.RatesClause:
		return "rates"
	case *lang.AnchorsClause:
		return "anchors"
	}
	return "this clause"
}

// seqNow checks where the clock of an event-sequence test starts: a date,
// UTC or in a named zone.
func (c *testChecker) seqNow(st *seqState, cl *lang.NowClause) {
	c.expr(cl.Time)
	if cl.Zone != nil && cl.Zone.Player {
		c.errorf(cl.Zone, lang.CodeInvalidTest, "the clock of an event-sequence test is not in a player's zone: write the date in UTC, or in a named zone such as in \"Europe/Malta\"")
		return
	}
	c.testZone(cl.Zone)
	v := c.info.Consts[cl.Time]
	if v == nil || v.Type.Kind != Time {
		return
	}
	t := v.Time
	if cl.Zone != nil {
		loc, err := window.LoadZone(cl.Zone.Name.Value)
		if err != nil {
			return
		}
		t = window.FirstInstant(t.UTC(), loc).UTC() // as the test runner reads it
	}
	st.clock, st.clockAt = t, cl
}

// setup reports a setup clause (a player, a budget) after the first step.
func (c *testChecker) setup(st *seqState, cl lang.TestClause) {
	if st.step == nil {
		return
	}
	c.diags.Add(lang.Diagnostic{File: c.file, Span: cl.Span(), Severity: lang.Error, Code: lang.CodeInvalidTest,
		Message: "the players, budgets and now of a test come before its events, advances and expects: move this clause above them",
		Related: []lang.Related{{File: c.file, Span: st.step.Span(), Message: "first step"}}})
}

// seqPlayerFields checks the fields of a player of an event-sequence test:
// as a reward test's, but its id is written after player.
func (c *testChecker) seqPlayerFields(st *seqState, cl *lang.PlayerClause) {
	var fields []*lang.TestField
	for _, f := range cl.Fields {
		if f.Name.Name == "id" {
			c.errorf(f.Name, lang.CodeInvalidTest, "a player of an event-sequence test has its id after player, as in player p1 { currency EUR }: leave out id")
			continue
		}
		fields = append(fields, f)
	}
	p := st.players[PlayerID(cl.ID)]
	ts := &testState{tc: st.tc, once: st.once}
	if p != nil && p.decl == cl.ID {
		ts.currency = p.currency
	}
	copied := *cl
	copied.Fields = fields
	c.playerClause(ts, &copied)
}

// testBudget checks a budget a test sets: one amount in a currency of the
// rule's budget, or a number for a budget of points or templates; zero or
// more.
func (c *testChecker) testBudget(st *seqState, cl *lang.TestBudgetClause) {
	t, v := c.testValue(cl.Value)
	r := st.rule
	if t.Kind == Invalid || r == nil {
		return
	}
	cur, ok := c.budgetValue(st, cl.Value, t, v, "budget")
	if !ok {
		return
	}
	if prev := st.budgets[cur]; prev != nil {
		what := "the budget in " + cur
		if cur == "" {
			what = "the budget"
		}
		c.diags.Add(lang.Diagnostic{File: c.file, Span: cl.Span(), Severity: lang.Error, Code: lang.CodeDuplicateSetting,
			Message: fmt.Sprintf("%s set twice in test %q", what, st.tc.Name),
			Related: []lang.Related{{File: c.file, Span: prev.Span(), Message: "first budget"}}})
		return
	}
	st.budgets[cur] = cl
}

// budgetValue checks a value against the budget of the rule under test and
// returns its currency ("" for a budget of points or templates).
func (c *testChecker) budgetValue(st *seqState, e lang.Expr, t Type, v *Value, what string) (string, bool) {
	r := st.rule
	name := r.Decl.Kind.String() + " " + r.Symbol.Name
	if !hasClause[*lang.BudgetClause](r.Decl) {
		c.errorf(e, lang.CodeInvalidTest, "%s has no budget: give it one, as in budget 1000 EUR, before a test sets or expects one", name)
		return "", false
	}
	if r.Budget == nil {
		return "", false // the rule's budget has an error of its own
	}
	if v.Num.Sign() < 0 {
		c.errorf(e, lang.CodeInvalidTest, "%s of %s is never below zero", what, name)
		return "", false
	}
	if r.Budget.Type.Kind != Money {
		if !t.IsNumeric() {
			c.errorf(e, lang.CodeInvalidType, "the budget of %s counts rewards, not money: write a number, as in %s %s", name, what, r.Budget.Num)
			return "", false
		}
		return "", true
	}
	curs := limitCurs(r.Budget)
	if t.Kind != Money || len(v.PerCur) > 0 {
		c.errorf(e, lang.CodeInvalidType, "the budget of %s is money: write one amount with its currency, as in %s 100 %s", name, what, curs[0])
		return "", false
	}
	if !slices.Contains(curs, t.Cur) {
		c.errorf(e, lang.CodeInvalidCurrency, "the budget of %s has no amount in %s: it is in %s", name, t.Cur, strings.Join(curs, ", "))
		return "", false
	}
	return t.Cur, true
}

// budgetLeftAbove refuses an expect budget left above the budget's limit
// in its currency (the test's budget, or else the rule's): what is left is
// the limit less what is issued and what waits, and nothing in a test
// raises a limit, so the expect could never pass.
func (c *testChecker) budgetLeftAbove(st *seqState, e *lang.ExpectBudgetLeft, cur string, v *Value) {
	limit, from, ok := st.budgetLimit(c, cur)
	if !ok || v.Num.Cmp(limit) <= 0 {
		return
	}
	name := st.rule.Decl.Kind.String() + " " + st.rule.Symbol.Name
	in := ""
	if cur != "" {
		in = " in " + cur
	}
	d := lang.Diagnostic{File: c.file, Span: e.Value.Span(), Severity: lang.Error, Code: lang.CodeInvalidTest,
		Message: fmt.Sprintf("expect budget left %s can never pass: the budget of %s%s is %s (%s), and what is left is never above it",
			valueWords(v, cur), name, in, valueWords(&Value{Num: limit}, cur), from)}
	if n := st.budgets[cur]; n != nil {
		d.Related = []lang.Related{{File: c.file, Span: n.Span(), Message: "the test's budget"}}
	}
	c.diags.Add(d)
}

// budgetLimit is the limit of the budget of the rule under test in cur at
// the test's steps: the budget the test sets, or else the rule's; and
// where it comes from.
func (st *seqState) budgetLimit(c *testChecker, cur string) (num.Dec, string, bool) {
	if n, ok := st.budgets[cur].(*lang.TestBudgetClause); ok {
		v := c.info.Consts[n.Value]
		if v == nil {
			return num.Dec{}, "", false
		}
		return v.Num, "the test's budget", true
	}
	b := st.rule.Budget
	if b == nil {
		return num.Dec{}, "", false
	}
	if len(b.PerCur) == 0 {
		return b.Num, "its budget clause", true
	}
	for _, p := range b.PerCur {
		if p.Cur == cur {
			return p.Amount, "its budget clause", true
		}
	}
	return num.Dec{}, "", false
}

// valueWords writes an amount in cur, or a number when cur is "".
func valueWords(v *Value, cur string) string {
	if cur == "" {
		return v.Num.String()
	}
	return v.Num.String() + " " + cur
}

// hasClause reports whether a rule has a clause of type T.
func hasClause[T lang.RuleClause](d *lang.RuleDecl) bool {
	for _, cl := range d.Clauses {
		if _, ok := cl.(T); ok {
			return true
		}
	}
	return false
}

// ---- events

// eventColumn is what a column of an events table sets.
type eventColumn struct {
	name  string // time, player, kind, id, currency, or an attribute
	kinds []*Symbol
}

func (c *testChecker) eventsTable(st *seqState, cl *lang.EventsClause) {
	cols := make([]*eventColumn, len(cl.Columns))
	seen := map[string]*lang.Ident{}
	has := map[string]bool{}
	for i, id := range cl.Columns {
		if c.duplicate(seen, id, "the header of events") {
			continue
		}
		has[id.Name] = true
		switch id.Name {
		case "time", "player", "kind", "id", "currency":
			cols[i] = &eventColumn{name: id.Name}
			continue
		}
		col := &eventColumn{name: id.Name}
		var names []string
		for _, k := range c.info.Kinds {
			if a := k.attr(id.Name); a != nil {
				col.kinds = append(col.kinds, k)
				c.info.Uses[id] = a
			}
			for _, a := range k.Attrs {
				if !slices.Contains(names, a.Name) {
					names = append(names, a.Name)
				}
			}
		}
		if len(col.kinds) == 0 {
			c.errorf(id, lang.CodeUndefinedAttribute, "no kind has an attribute %s%s; the columns of events are time, player, kind, id, currency and attributes", id.Name, didYouMean(id.Name, names))
			continue
		}
		cols[i] = col
	}
	if len(cl.Columns) > 0 {
		for _, need := range []string{"time", "kind"} {
			if !has[need] {
				c.errorf(cl, lang.CodeInvalidTest, "events needs a %s column, as in events { time player kind amount ... }", need)
			}
		}
		if !has["player"] && len(st.players) > 1 {
			c.errorf(cl, lang.CodeInvalidTest, "test %q has %d players, so its events need a player column that names one", st.tc.Name, len(st.players))
		}
	}
	for _, r := range cl.Rows {
		c.eventRow(st, cols, r)
	}
}

// eventRow checks one row of an events table.
func (c *testChecker) eventRow(st *seqState, cols []*eventColumn, r *lang.TableRow) {
	var kind *Symbol
	var player *seqPlayer
	if len(st.order) == 1 {
		player = st.players[st.order[0]]
	}
	// The kind and the player first: the other cells depend on them.
	for i, v := range r.Values {
		if i >= len(cols) || cols[i] == nil {
			continue
		}
		switch cols[i].name {
		case "kind":
			if id, ok := v.(*lang.Ident); ok && id.Name != Absent {
				kind = c.lookupKind(id)
			} else {
				c.errorf(v, lang.CodeInvalidTest, "the kind of an event is the name of a kind, such as deposit, not %s", lang.ExprString(v))
			}
		case "player":
			player = c.lookupPlayer(st, v)
		}
	}
	ts := &testState{tc: st.tc, once: st.once}
	if player != nil {
		ts.currency = player.currency
	}
	curs := make([]string, 0, 2)
	for i, v := range r.Values {
		if i >= len(cols) {
			break
		}
		col, absent := cols[i], isAbsent(v)
		if col == nil {
			if !absent {
				c.testValue(v)
			}
			continue
		}
		switch col.name {
		case "kind", "player":
			continue
		case "time":
			if absent {
				c.errorf(v, lang.CodeInvalidTest, "every event has a time: write a date such as 2026-11-20 09:00")
				continue
			}
			c.want(ts, v, "the time of an event", tTime)
			if t := c.info.Consts[v]; t != nil && t.Type.Kind == Time {
				c.eventAt(st, t.Time, v)
			}
			continue
		}
		if absent {
			continue
		}
		if kind == nil {
			c.testValue(v)
			continue
		}
		var cur string
		switch col.name {
		case "id":
			c.want(ts, v, "the id of an event", tString)
		case "currency":
			cur = c.cell(ts, kind, &column{name: "currency"}, v)
		default:
			if !slices.Contains(col.kinds, kind) {
				c.errorf(v, lang.CodeInvalidTest, "%s has no attribute %s: write _ in this cell", kind.Name, col.name)
				continue
			}
			cur = c.cell(ts, kind, &column{name: col.name, attr: kind.attr(col.name)}, v)
		}
		if cur != "" {
			curs = append(curs, cur)
		}
	}
	if len(curs) > 1 {
		c.oneCurrency(r, curs)
	}
	if kind == nil {
		return
	}
	n := st.ids.next(kind.Name, 1)
	if player == nil {
		return
	}
	for i, v := range r.Values {
		if i < len(cols) && cols[i] != nil && cols[i].name == "id" && !isAbsent(v) {
			if id := c.info.Consts[v]; id != nil && id.Type.Kind == String {
				c.writtenID(st, player.id, id.Str, v)
			}
			return
		}
	}
	c.defaultIDs(st, player.id, kind.Name, n, n, r)
}

// eventIDs follows the ids of a test's events, which name one event of a
// player each: the ids written, and the default ids, KIND-N, N counting
// the test's events of the kind as the runner does.
type eventIDs struct {
	counts  map[string]int64     // events so far per kind
	written map[string]lang.Node // player "\x00" id: the cell
	ranges  map[string][]idRange // player "\x00" kind: the numbers of default ids
}

type idRange struct {
	from, to int64
	at       lang.Node
}

// next counts n events of a kind and returns the number of the first.
func (ids *eventIDs) next(kind string, n int64) int64 {
	ids.counts[kind] += n
	return ids.counts[kind] - n + 1
}

// writtenID records an id written in a test, reporting one written twice
// for the player, or one that is the default id of another of its events.
func (c *testChecker) writtenID(st *seqState, player, id string, at lang.Node) {
	key := player + "\x00" + id
	if prev := st.ids.written[key]; prev != nil {
		c.diags.Add(lang.Diagnostic{File: c.file, Span: at.Span(), Severity: lang.Error, Code: lang.CodeInvalidTest,
			Message: fmt.Sprintf("event id %q of player %s is written twice: an id names one event of its player, so write another", id, player),
			Related: []lang.Related{{File: c.file, Span: prev.Span(), Message: "first " + id}}})
		return
	}
	st.ids.written[key] = at
	if i := strings.LastIndexByte(id, '-'); i > 0 {
		if n, err := strconv.ParseInt(id[i+1:], 10, 64); err == nil {
			for _, r := range st.ids.ranges[player+"\x00"+id[:i]] {
				if r.from <= n && n <= r.to {
					c.defaultClash(id, player, at, r.at)
					return
				}
			}
		}
	}
}

// defaultIDs records the default ids KIND-from to KIND-to of a player's
// events, reporting one that a test wrote for another of its events.
func (c *testChecker) defaultIDs(st *seqState, player, kind string, from, to int64, at lang.Node) {
	key := player + "\x00" + kind
	st.ids.ranges[key] = append(st.ids.ranges[key], idRange{from, to, at})
	prefix := player + "\x00" + kind + "-"
	for k, written := range st.ids.written {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if n, err := strconv.ParseInt(k[len(prefix):], 10, 64); err == nil && from <= n && n <= to {
			c.defaultClash(k[len(player)+1:], player, written, at)
		}
	}
}

func (c *testChecker) defaultClash(id, player string, written, event lang.Node) {
	c.diags.Add(lang.Diagnostic{File: c.file, Span: written.Span(), Severity: lang.Error, Code: lang.CodeInvalidTest,
		Message: fmt.Sprintf("event id %q of player %s is the default id of another of its events: write another", id, player),
		Related: []lang.Related{{File: c.file, Span: event.Span(), Message: "the event whose default id it is"}}})
}

func isAbsent(e lang.Expr) bool {
	id, ok := e.(*lang.Ident)
	return ok && id.Name == Absent
}

// eventAt adds an event's time to the open batch.
func (c *testChecker) eventAt(st *seqState, t time.Time, at lang.Node) {
	if st.batchMin.IsZero() || t.Before(st.batchMin) {
		st.batchMin, st.minAt = t, at
	}
	if t.After(st.batchMax) {
		st.batchMax = t
	}
}

// closeBatch ends the batch of events before an advance or an expect: its
// events run in time order, none before the clock.
func (c *testChecker) closeBatch(st *seqState) {
	if st.batchMin.IsZero() {
		return
	}
	if !st.clock.IsZero() && st.batchMin.Before(st.clock) {
		c.diags.Add(lang.Diagnostic{File: c.file, Span: st.minAt.Span(), Severity: lang.Error, Code: lang.CodeInvalidTest,
			Message: fmt.Sprintf("this event at %s comes before %s, where the clock already is: a test runs forward, so move it above the step that set the clock", wallTime(st.batchMin), wallTime(st.clock)),
			Related: []lang.Related{{File: c.file, Span: st.clockAt.Span(), Message: "what set the clock"}}})
	}
	if st.batchMax.After(st.clock) {
		st.clock, st.clockAt = st.batchMax, st.minAt
	}
	st.batchMin, st.batchMax, st.minAt = time.Time{}, time.Time{}, nil
}

// wallTime writes a time as tests write dates.
func wallTime(t time.Time) string {
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.UTC().Format("2006-01-02 15:04:05")
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// seqRepeat checks a repeat of an event-sequence test: a reward test's,
// with a player field that names the events' player.
func (c *testChecker) seqRepeat(st *seqState, cl *lang.RepeatClause) {
	var fields []*lang.TestField
	var player lang.Expr
	for _, f := range cl.Fields {
		if f.Name.Name == "player" {
			if player != nil {
				c.errorf(f.Name, lang.CodeDuplicateDecl, "player set twice in repeat %s", cl.Kind.Name)
				continue
			}
			player = f.Value
			continue
		}
		fields = append(fields, f)
	}
	ts := &testState{tc: st.tc, once: st.once, repeated: st.repeated}
	switch {
	case player != nil:
		if p := c.lookupPlayer(st, player); p != nil {
			ts.currency = p.currency
		}
	case len(st.players) > 1:
		c.errorf(cl, lang.CodeInvalidTest, "test %q has %d players: name the one of these events, as in repeat %s %s every ... { player %s }", st.tc.Name, len(st.players), cl.Count.Text, cl.Kind.Name, st.order[0])
	case len(st.order) == 1:
		ts.currency = st.players[st.order[0]].currency
	}
	copied := *cl
	copied.Fields = fields
	c.repeat(ts, &copied)
	st.repeated = ts.repeated
	if n, err := num.Parse(cl.Count.Text); err == nil {
		if count, ok := n.Int64At(0); ok && count >= 1 && count <= MaxRepeat && c.globals[cl.Kind.Name] != nil {
			from := st.ids.next(cl.Kind.Name, count)
			if id := PlayerID(player); player == nil && len(st.order) == 1 {
				c.defaultIDs(st, st.order[0], cl.Kind.Name, from, from+count-1, cl)
			} else if st.players[id] != nil {
				c.defaultIDs(st, id, cl.Kind.Name, from, from+count-1, cl)
			}
		}
	}
	from, every := c.info.Consts[cl.From], c.info.Consts[cl.Every]
	n, err := num.Parse(cl.Count.Text)
	if from == nil || every == nil || err != nil {
		return
	}
	if count, ok := n.Int64At(0); ok && count >= 1 && count <= MaxRepeat && every.Dur > 0 {
		c.eventAt(st, from.Time, cl.From)
		c.eventAt(st, from.Time.Add(time.Duration(count-1)*every.Dur), cl.From)
	}
}

// update checks a change of a player's data: a player of the test, at a
// time in the order of the steps, and fields as a player's, but its id.
func (c *testChecker) update(st *seqState, cl *lang.UpdateClause) {
	p := c.lookupPlayer(st, cl.Player)
	// The runner numbers updates as events of their own: update-1, ...
	if n := st.ids.next("update", 1); p != nil {
		c.defaultIDs(st, p.id, "update", n, n, cl)
	}
	c.expr(cl.At)
	if v := c.info.Consts[cl.At]; v != nil && v.Type.Kind == Time {
		c.eventAt(st, v.Time, cl.At)
	}
	if len(cl.Fields) == 0 {
		c.errorf(cl, lang.CodeInvalidTest, "update changes a player's currency, zone or properties: name one, as in update %s at %s { vip_level 2 }", lang.ExprString(cl.Player), cl.At.Text)
		return
	}
	ts := &testState{tc: st.tc, once: st.once}
	if p != nil {
		ts.currency = p.currency
	}
	var fields []*lang.TestField
	for _, f := range cl.Fields {
		switch f.Name.Name {
		case "id":
			c.errorf(f.Name, lang.CodeInvalidTest, "update changes a player's data, not its id")
			continue
		case "currency":
			if cur := c.currencyValue(f.Value); cur != "" {
				ts.currency = cur
				c.servedCurrency(st.tc.Decl, f.Value, cur)
			}
		}
		fields = append(fields, f)
	}
	c.playerClause(ts, &lang.PlayerClause{Loc: cl.Loc, Fields: fields})
}

// ---- expectations

func (c *testChecker) seqExpect(st *seqState, cl lang.TestClause) {
	r := st.rule
	switch e := cl.(type) {
	case *lang.ExpectRewards:
		c.count(e.Count, 0, "expect rewards counts the rewards issued so far, 0 or more")
	case *lang.ExpectStep:
		c.count(e.N, 1, "expect outcome numbers the outcomes from 1")
		var p *seqPlayer
		if e.Player != nil {
			p = c.lookupPlayer(st, e.Player)
		}
		c.expectStep(st, e, p)
	case *lang.ExpectBudgetLeft:
		t, v := c.testValue(e.Value)
		if t.Kind != Invalid && r != nil {
			if cur, ok := c.budgetValue(st, e.Value, t, v, "expect budget left"); ok {
				c.budgetLeftAbove(st, e, cur, v)
			}
		}
	case *lang.ExpectRuleStatus:
		if r != nil && r.Decl.Kind != e.Kind {
			status := "active"
			if e.Suspended {
				status = "suspended"
			}
			c.errorf(e, lang.CodeInvalidTest, "%s is %s: write expect %s %s", r.Symbol.Name, ruleKindArticle(r.Decl.Kind), r.Decl.Kind, status)
		}
	case *lang.ExpectGroup:
		c.lookupPlayer(st, e.Player)
		c.expectGroup(st, e)
	default:
		c.errorf(cl, lang.CodeInvalidTest, "this expect is about one evaluation of a reward; an event-sequence test expects rewards, outcome, budget left, %s or group", ruleWordOf(r))
	}
}

func ruleWordOf(r *RuleInfo) string {
	if r == nil {
		return "campaign"
	}
	return r.Decl.Kind.String()
}

// count checks a whole number of at least min.
func (c *testChecker) count(n *lang.NumberLit, min int64, msg string) {
	d, err := num.Parse(n.Text)
	if err != nil {
		return // the parser said so
	}
	if i, ok := d.Int64At(0); !ok || i < min {
		c.errorf(n, lang.CodeInvalidTest, "%s, not %s", msg, n.Text)
	}
}

func (c *testChecker) expectGroup(st *seqState, e *lang.ExpectGroup) {
	r := st.rule
	if r == nil {
		return
	}
	var split *lang.SplitClause
	for _, cl := range r.Decl.Clauses {
		if s, ok := cl.(*lang.SplitClause); ok {
			split = s
		}
	}
	if split == nil {
		c.errorf(e, lang.CodeInvalidTest, "%s %s has no split, so its players have no group", r.Decl.Kind, r.Symbol.Name)
		return
	}
	var groups []string
	for _, a := range split.Arms {
		name := "control"
		if !a.Control {
			name = a.Name.Name
		}
		if name == e.Group.Name {
			return
		}
		groups = append(groups, name)
	}
	c.errorf(e.Group, lang.CodeInvalidTest, "campaign %s has no group %s%s; its groups are %s", r.Symbol.Name, e.Group.Name, didYouMean(e.Group.Name, groups), strings.Join(groups, ", "))
}

// expectStep checks an expected outcome against what the rule can give.
func (c *testChecker) expectStep(st *seqState, e *lang.ExpectStep, p *seqPlayer) {
	r := st.rule
	if e.Detail != nil {
		c.expr(e.Detail)
	}
	switch e.Status {
	case lang.StepSkipped:
		if e.Reason != nil {
			c.stepReason(r, e.Reason)
		}
		return
	case lang.StepRejected:
		return
	}
	if r != nil && e.Status == lang.StepWaiting && !ruleManual(r) {
		c.errorf(e, lang.CodeInvalidTest, "%s %s and the rewards it gives have approval auto: its results never wait", r.Decl.Kind, r.Symbol.Name)
	}
	if e.Value == nil {
		return
	}
	if r != nil && len(r.Offers) > 0 && len(r.Gives) == 0 {
		c.expectCode(r, e.Value) // offer.go
		return
	}
	gives := rewardKinds(r)
	if len(gives) == 1 && gives[0] == lang.ResultTemplate {
		_, bare := e.Value.(*lang.Ident)
		c.wantTemplate = bare
	}
	t, v := c.testValue(e.Value)
	c.wantTemplate = false
	if t.Kind == Invalid || r == nil || len(gives) == 0 {
		return
	}
	name := r.Decl.Kind.String() + " " + r.Symbol.Name
	switch gives[0] {
	case lang.ResultTemplate:
		if t.Kind != Template {
			c.errorf(e.Value, lang.CodeInvalidTest, "%s gives a template, so expect outcome needs a template name, not a %s", name, t)
		}
		return
	case lang.ResultAmount:
		if t.Kind != Money || len(v.PerCur) > 0 {
			c.errorf(e.Value, lang.CodeInvalidTest, "%s gives amounts, so expect outcome needs money, as in 10.00 EUR, not a %s", name, t)
			return
		}
		if p != nil && p.currency != "" && t.Cur != p.currency {
			c.errorf(e.Value, lang.CodeInvalidCurrency, "player %s's currency is %s, and %s pays it in %s, not in %s", p.id, p.currency, name, p.currency, t.Cur)
			return
		}
	default:
		if t.Kind != Number && t.Kind != Count {
			c.errorf(e.Value, lang.CodeInvalidTest, "%s gives %s, so expect outcome needs a number, as in 42, not a %s", name, gives[0], t)
			return
		}
	}
	if v.Num.Sign() <= 0 {
		c.errorf(e.Value, lang.CodeInvalidTest, "an issued or waiting result is positive: zero or less is skipped as non-positive-amount")
		return
	}
	c.stepScale(r, e.Value, t, v)
}

// stepScale checks the scale of an expected amount or number against the
// rounding of the rewards the rule gives: one of them must issue it.
func (c *testChecker) stepScale(r *RuleInfo, e lang.Expr, t Type, v *Value) {
	var want []int32
	for _, g := range r.Gives {
		d := g.Decimals
		if !g.RoundSet {
			d = 0
			if g.Decl.Result.Kind == lang.ResultAmount {
				code, _ := currency.Parse(t.Cur)
				d = code.MinorUnits()
			}
		}
		if v.Num.Scale() == d {
			return
		}
		want = append(want, d)
	}
	if len(want) == 0 {
		return
	}
	if fixed, ok := v.Num.Rescale(want[0]); ok && fixed.Equal(v.Num) {
		suggestion := fixed.String()
		if t.Kind == Money {
			suggestion += " " + t.Cur
		}
		c.errorf(e, lang.CodeInvalidTest, "reward %s issues with %s: write %s", r.Gives[0].Symbol.Name, plural(int(want[0]), "decimal"), suggestion)
		return
	}
	c.errorf(e, lang.CodeInvalidTest, "reward %s issues with %s, so never %s", r.Gives[0].Symbol.Name, plural(int(want[0]), "decimal"), lang.ExprString(e))
}

// rewardKinds lists the result kinds of the rewards a rule gives, without
// repeats.
func rewardKinds(r *RuleInfo) []lang.ResultKind {
	if r == nil {
		return nil
	}
	var out []lang.ResultKind
	for _, g := range r.Gives {
		if !slices.Contains(out, g.Decl.Result.Kind) {
			out = append(out, g.Decl.Result.Kind)
		}
	}
	return out
}

// ruleManual reports whether a rule's results can wait for approval: its
// approval is manual, or without one, a reward it gives is.
func ruleManual(r *RuleInfo) bool {
	for _, cl := range r.Decl.Clauses {
		if a, ok := cl.(*lang.ApprovalSetting); ok {
			return a.Manual
		}
	}
	for _, g := range r.Gives {
		if g.Manual {
			return true
		}
	}
	return false
}

// stepReason checks the reason of an expected skip: a reason of the engine
// that the rule can give, or one of its rewards'.
func (c *testChecker) stepReason(r *RuleInfo, id *lang.Ident) {
	reason := id.Name
	if !slices.Contains(RuleReasons, reason) {
		if !slices.Contains(SkipReasons, reason) && !slices.Contains(ErrorReasons, reason) {
			all := slices.Concat(RuleReasons, SkipReasons, ErrorReasons)
			c.errorf(id, lang.CodeUndefinedReason, "unknown reason %s%s; a rule skips for %s, or for a reason of the reward it gives (section 11)", reason, didYouMean(reason, all), strings.Join(RuleReasons, ", "))
		}
		return
	}
	if r == nil {
		return
	}
	name := r.Decl.Kind.String() + " " + r.Symbol.Name
	var missing string
	switch reason {
	case "not-in-segment":
		if !hasClause[*lang.SegmentClause](r.Decl) {
			missing = "no segment"
		}
		for _, cl := range r.Decl.Clauses {
			if t, ok := cl.(*lang.TriggerClause); ok && t.Event != nil && t.Event.Kind == lang.EventSchedule {
				c.errorf(id, lang.CodeInvalidTest, "%s runs on a schedule for the players of its segment only, so it never skips with not-in-segment", name)
				return
			}
		}
	case "not-qualified":
		if !hasClause[*lang.QualificationClause](r.Decl) {
			missing = "no qualification"
		}
		for _, cl := range r.Decl.Clauses {
			if t, ok := cl.(*lang.TriggerClause); ok && t.Event != nil && t.Event.Kind == lang.EventEvery {
				c.errorf(id, lang.CodeInvalidTest, "%s accumulates only after the player qualified, so it never skips with not-qualified", name)
				return
			}
		}
	case "qualification-limit":
		limited := false
		for _, cl := range r.Decl.Clauses {
			if q, ok := cl.(*lang.QualificationClause); ok && q.Limit != nil {
				limited = true
			}
		}
		if !limited {
			missing = "no qualification with at most K rewards"
		}
	case "control-group":
		control := false
		for _, cl := range r.Decl.Clauses {
			if s, ok := cl.(*lang.SplitClause); ok {
				for _, a := range s.Arms {
					control = control || a.Control
				}
			}
		}
		if !control {
			missing = "no control group"
		}
	case "budget-exhausted", "campaign-suspended":
		if !hasClause[*lang.BudgetClause](r.Decl) {
			missing = "no budget"
		}
	case "vouchers-exhausted":
		vouchers := false
		for _, o := range r.Offers {
			vouchers = vouchers || o.RequiresVouchers
		}
		if !vouchers {
			missing = "no offer that requires vouchers"
		}
	case "rate-limited":
		limited := false
		for _, cl := range r.Decl.Clauses {
			if l, ok := cl.(*lang.LimitClause); ok && !l.Messages() {
				limited = true
			}
		}
		if !limited {
			missing = "no limit of rewards per period"
		}
	}
	if missing != "" {
		c.errorf(id, lang.CodeInvalidTest, "%s has %s, so it never skips with %s", name, missing, reason)
	}
}
