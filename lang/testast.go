package lang

// This file holds the syntax of tests, which live in *_test.promo files:
//
//	test "a big deposit" {
//		reward tiered_deposit
//		now 2026-11-23 10:00
//		player { currency EUR }
//		transactions deposit {
//			time              amount
//			2026-11-23 09:00  600 EUR
//		}
//		expect calculated 300.00 EUR
//		expect branch "above 500 EUR"
//	}
//
// A test is a list of clauses in source order. A reward test (one that
// names a reward) builds the input of one evaluation of the reward and
// states its outcome and trace. An event-sequence test names an automation
// rule or a campaign instead, and is a list of steps: players, events and
// clock advances, with expects between them about what the rule did so far:
//
//	test "the budget runs out" {
//		automation first_deposit_bonus
//		budget 10 EUR
//		player p1 { currency EUR }
//		player p2 { currency EUR }
//		events {
//			time              player  kind     amount
//			2026-11-20 09:00  p1      deposit  50 EUR
//			2026-11-20 10:00  p2      deposit  50 EUR
//		}
//		expect rewards 1
//		expect outcome 2 player p2 skipped budget-exhausted
//		expect budget left 0 EUR
//		expect automation suspended
//	}

// TestDecl declares a test. The checker accepts it only in a *_test.promo
// file.
type TestDecl struct {
	Loc
	Name    *StringLit
	Clauses []TestClause // in source order
}

// TestClause is one clause of a test: an input clause or an expectation.
// Sealed.
type TestClause interface {
	Node
	testClauseNode()
}

// Expectation is a clause that states what the evaluation must give:
// expect .... Sealed.
type Expectation interface {
	TestClause
	expectNode()
}

// RewardClause names the reward a test evaluates: reward tiered_deposit.
type RewardClause struct {
	Loc
	Reward *Ident
}

// TestRuleClause names the automation rule or campaign an event-sequence
// test runs: automation first_deposit_bonus, campaign weekend_deposits.
type TestRuleClause struct {
	Loc
	Kind RuleKind
	Rule *Ident
}

// NowClause sets the evaluation time: now 2026-11-23 10:00. The time is
// UTC unless a zone follows: now 2026-11-23 10:00 in "Europe/Malta".
type NowClause struct {
	Loc
	Time *DateLit
	Zone *Zone // nil: UTC
}

// PlayerClause sets the player: its id, currency and zone, and declared
// properties by name:
//
//	player { id "p-1"  currency EUR  zone "Europe/Malta"  vip_level 3 }
//
// An event-sequence test declares each of its players with its id, a name
// or a string, which its events name: player p1 { currency EUR }.
type PlayerClause struct {
	Loc
	ID     Expr // *Ident or *StringLit; nil when not written
	Fields []*TestField
}

// TestField is a name and a value in a test: vip_level 3, amount 1 EUR,
// USD 0.92. The value is a literal (number, money, string, bool, date,
// duration, percentage, optionally negated), or a name: a constant, a
// template, or a currency code such as EUR.
type TestField struct {
	Loc
	Name  *Ident // any word, keywords included
	Value Expr
}

// TransactionsClause is a table of transactions of one kind. The header
// names the columns (time, amount, id, currency and attributes); the rows
// that follow have one value per column. Newlines do not matter: the values
// are taken in groups of len(Columns).
//
//	transactions bet {
//		time              amount   game
//		2026-11-20 18:00  100 EUR  "Gold Quest"
//	}
type TransactionsClause struct {
	Loc
	Kind    *Ident
	Columns []*Ident
	Rows    []*TableRow // each with len(Columns) values, unless the parser reported otherwise
}

// TableRow is one row of a transactions table.
type TableRow struct {
	Loc
	Values []Expr
}

// EventsClause is a table of events of an event-sequence test, like a
// transactions table whose rows each name their time, player and kind:
//
//	events {
//		time              player  kind     amount   game
//		2026-11-20 18:00  p1      deposit  100 EUR  _
//		2026-11-20 18:05  p1      bet      5 EUR    "Gold Quest"
//	}
//
// The cell _ leaves an attribute out (it takes its default), as a row of a
// kind without the column's attribute must.
type EventsClause struct {
	Loc
	Columns []*Ident
	Rows    []*TableRow // each with len(Columns) values, unless the parser reported otherwise
}

// AdvanceClause runs the clock of an event-sequence test to a time, UTC:
// advance to 2026-11-30 00:00. Scheduled triggers and inactivity due by
// then fire.
type AdvanceClause struct {
	Loc
	To *DateLit
}

// UpdateClause changes a player's data at a time in an event-sequence
// test, as a host's player event does: its currency, zone or properties;
// the properties it does not name keep their values.
//
//	update p1 at 2026-11-21 10:00 { vip_level 3 }
type UpdateClause struct {
	Loc
	Player Expr // *Ident or *StringLit
	At     *DateLit
	Fields []*TestField
}

// DecisionClause approves or rejects, as an operator does, the Nth outcome
// of the rule under test, which waits for approval: approve 1, reject 2
// "duplicate account". The outcome it gives counts as the rule's next.
type DecisionClause struct {
	Loc
	Approve bool
	N       *NumberLit
	Reason  *StringLit // reject only; nil when none
}

// TestBudgetClause sets the budget of the rule under test in one currency,
// instead of the rule's own: budget 20 EUR, or budget 100 for points.
type TestBudgetClause struct {
	Loc
	Value Expr
}

// VouchersClause imports voucher codes into an offer of the rule set
// before the events of an event-sequence test: vouchers spa_day "SPA-0001"
// "SPA-0002".
type VouchersClause struct {
	Loc
	Offer *Ident
	Codes []*StringLit // len > 0
}

// RepeatClause adds Count transactions of one kind, the first at From and
// each next one Every later, all with the same attributes:
//
//	repeat 100 bet every 1 minute from 2026-11-21 10:00 { amount 1 EUR  game "Gold Quest" }
type RepeatClause struct {
	Loc
	Count  *NumberLit
	Kind   *Ident
	Every  *DurationLit
	From   *DateLit
	Fields []*TestField
}

// LoadClause reads a fixture, relative to the test file: a JSON input
// document (.json) or JSON Lines of transactions (.jsonl).
//
//	load "testdata/big_player.json"
type LoadClause struct {
	Loc
	Path *StringLit
}

// RatesClause sets conversion rates to the player's currency, each field
// named by a currency code and valued in the player's currency:
// rates { USD 0.92 EUR  GBP 1.15 EUR } (one USD is 0.92 EUR).
type RatesClause struct {
	Loc
	Rates []*TestField
}

// AnchorsClause sets the anchors of rule-relative windows:
// anchors { first_transaction 2026-11-20 10:00 }.
type AnchorsClause struct {
	Loc
	Fields []*TestField
}

// Outcome is the outcome an [ExpectOutcome] states.
type Outcome uint8

const (
	OutcomeCalculated Outcome = iota
	OutcomeSkipped
	OutcomeError
)

var outcomeNames = [...]string{"calculated", "skipped", "error"}

func (o Outcome) String() string { return outcomeNames[o] }

// ExpectOutcome states the outcome:
//
//	expect calculated 300.00 EUR
//	expect calculated golden_quest_spins
//	expect skipped below-minimum
//	expect skipped "three deposits or fewer"
//	expect error missing-property "country"
type ExpectOutcome struct {
	Loc
	Outcome Outcome
	Value   Expr // OutcomeCalculated only
	// Reason is the reason code, such as no-matching-transactions, as one
	// identifier whose name has hyphens; nil when only Detail is written.
	Reason *Ident
	Detail *StringLit // nil when none
}

// ExpectManual states that the result is held for approval: expect manual.
type ExpectManual struct {
	Loc
}

// ExpectBranch states that a check or tier branch was taken:
// expect branch "above 500 EUR".
type ExpectBranch struct {
	Loc
	Label *StringLit
}

// ExpectLet states the value a let bound: expect let bets == 200 EUR.
type ExpectLet struct {
	Loc
	Name  *Ident
	Value Expr
}

// ExpectAggregation states how many transactions an aggregation over a
// kind matched, and optionally their ids in time order:
//
//	expect aggregation bet matched 2 ids "bet-1" "bet-3"
type ExpectAggregation struct {
	Loc
	Kind    *Ident
	Matched *NumberLit
	IDs     []*StringLit // nil when not stated
}

// ExpectWindow states the resolved window:
// expect window from 2026-11-16 00:00 to 2026-11-23 00:00 in "Europe/Malta".
type ExpectWindow struct {
	Loc
	From, To *DateLit
	Zone     *Zone // nil: UTC
}

// ExpectRewards states how many rewards the rule under test has issued so
// far: expect rewards 3.
type ExpectRewards struct {
	Loc
	Count *NumberLit
}

// StepStatus is the status of an outcome of an automation rule or a
// campaign, as [ExpectStep] states it.
type StepStatus uint8

const (
	StepIssued StepStatus = iota
	StepWaiting
	StepSkipped
	StepRejected
)

var stepStatusNames = [...]string{"issued", "waiting", "skipped", "rejected"}

func (s StepStatus) String() string { return stepStatusNames[s] }

// ExpectStep states the Nth outcome (from 1, in the order the engine gave
// them) of the rule under test, optionally the player it is for:
//
//	expect outcome 1 issued 10.00 EUR
//	expect outcome 2 player p2 skipped qualification-limit
//	expect outcome 3 waiting
type ExpectStep struct {
	Loc
	N      *NumberLit
	Player Expr // *Ident or *StringLit; nil when not stated
	Status StepStatus
	Value  Expr       // StepIssued, StepWaiting: the amount, points or template; nil when not stated
	Reason *Ident     // StepSkipped: the reason code
	Detail *StringLit // StepSkipped: the detail; StepRejected: the reason ("timed-out"); nil when none
}

// ExpectBudgetLeft states what is left of the budget of the rule under
// test in one currency: expect budget left 0 EUR.
type ExpectBudgetLeft struct {
	Loc
	Value Expr
}

// ExpectRuleStatus states whether the rule under test is suspended or
// active: expect campaign suspended, expect automation active.
type ExpectRuleStatus struct {
	Loc
	Kind      RuleKind // the word written
	Suspended bool
}

// ExpectGroup states a player's group in the split of the campaign under
// test: a variant's name or control, as in expect group p1 control.
type ExpectGroup struct {
	Loc
	Player Expr // *Ident or *StringLit
	Group  *Ident
}

func (*TestDecl) declNode() {}

func (*RewardClause) testClauseNode()       {}
func (*TestRuleClause) testClauseNode()     {}
func (*EventsClause) testClauseNode()       {}
func (*AdvanceClause) testClauseNode()      {}
func (*UpdateClause) testClauseNode()       {}
func (*DecisionClause) testClauseNode()     {}
func (*TestBudgetClause) testClauseNode()   {}
func (*VouchersClause) testClauseNode()     {}
func (*ExpectRewards) testClauseNode()      {}
func (*ExpectStep) testClauseNode()         {}
func (*ExpectBudgetLeft) testClauseNode()   {}
func (*ExpectRuleStatus) testClauseNode()   {}
func (*ExpectGroup) testClauseNode()        {}
func (*NowClause) testClauseNode()          {}
func (*PlayerClause) testClauseNode()       {}
func (*TransactionsClause) testClauseNode() {}
func (*RepeatClause) testClauseNode()       {}
func (*LoadClause) testClauseNode()         {}
func (*RatesClause) testClauseNode()        {}
func (*AnchorsClause) testClauseNode()      {}
func (*ExpectOutcome) testClauseNode()      {}
func (*ExpectManual) testClauseNode()       {}
func (*ExpectBranch) testClauseNode()       {}
func (*ExpectLet) testClauseNode()          {}
func (*ExpectAggregation) testClauseNode()  {}
func (*ExpectWindow) testClauseNode()       {}

func (*ExpectOutcome) expectNode()     {}
func (*ExpectManual) expectNode()      {}
func (*ExpectBranch) expectNode()      {}
func (*ExpectLet) expectNode()         {}
func (*ExpectAggregation) expectNode() {}
func (*ExpectWindow) expectNode()      {}
func (*ExpectRewards) expectNode()     {}
func (*ExpectStep) expectNode()        {}
func (*ExpectBudgetLeft) expectNode()  {}
func (*ExpectRuleStatus) expectNode()  {}
func (*ExpectGroup) expectNode()       {}

var (
	_ Decl        = (*TestDecl)(nil)
	_ TestClause  = (*AnchorsClause)(nil)
	_ Expectation = (*ExpectWindow)(nil)
	_ Node        = (*TestField)(nil)
	_ Node        = (*TableRow)(nil)
)

// walkTest visits the children of the nodes of tests, for [Walk].
func walkTest(v Visitor, n Node) {
	fields := func(fs []*TestField) {
		for _, f := range fs {
			Walk(v, f)
		}
	}
	zone := func(z *Zone) {
		if z != nil {
			Walk(v, z)
		}
	}
	date := func(d *DateLit) {
		if d != nil {
			Walk(v, d)
		}
	}
	str := func(s *StringLit) {
		if s != nil {
			Walk(v, s)
		}
	}
	switch n := n.(type) {
	case *TestDecl:
		str(n.Name)
		for _, c := range n.Clauses {
			Walk(v, c)
		}
	case *RewardClause:
		walkIdent(v, n.Reward)
	case *TestRuleClause:
		walkIdent(v, n.Rule)
	case *NowClause:
		date(n.Time)
		zone(n.Zone)
	case *PlayerClause:
		walkExpr(v, n.ID)
		fields(n.Fields)
	case *TestField:
		walkIdent(v, n.Name)
		walkExpr(v, n.Value)
	case *TransactionsClause:
		walkIdent(v, n.Kind)
		for _, c := range n.Columns {
			walkIdent(v, c)
		}
		for _, r := range n.Rows {
			Walk(v, r)
		}
	case *EventsClause:
		for _, c := range n.Columns {
			walkIdent(v, c)
		}
		for _, r := range n.Rows {
			Walk(v, r)
		}
	case *AdvanceClause:
		date(n.To)
	case *DecisionClause:
		if n.N != nil {
			Walk(v, n.N)
		}
		str(n.Reason)
	case *UpdateClause:
		walkExpr(v, n.Player)
		date(n.At)
		fields(n.Fields)
	case *TestBudgetClause:
		walkExpr(v, n.Value)
	case *VouchersClause:
		walkIdent(v, n.Offer)
		for _, c := range n.Codes {
			str(c)
		}
	case *ExpectRewards:
		if n.Count != nil {
			Walk(v, n.Count)
		}
	case *ExpectStep:
		if n.N != nil {
			Walk(v, n.N)
		}
		walkExpr(v, n.Player)
		walkExpr(v, n.Value)
		walkIdent(v, n.Reason)
		str(n.Detail)
	case *ExpectBudgetLeft:
		walkExpr(v, n.Value)
	case *ExpectGroup:
		walkExpr(v, n.Player)
		walkIdent(v, n.Group)
	case *TableRow:
		for _, x := range n.Values {
			walkExpr(v, x)
		}
	case *RepeatClause:
		if n.Count != nil {
			Walk(v, n.Count)
		}
		walkIdent(v, n.Kind)
		if n.Every != nil {
			Walk(v, n.Every)
		}
		date(n.From)
		fields(n.Fields)
	case *LoadClause:
		str(n.Path)
	case *RatesClause:
		fields(n.Rates)
	case *AnchorsClause:
		fields(n.Fields)
	case *ExpectOutcome:
		walkExpr(v, n.Value)
		walkIdent(v, n.Reason)
		str(n.Detail)
	case *ExpectBranch:
		str(n.Label)
	case *ExpectLet:
		walkIdent(v, n.Name)
		walkExpr(v, n.Value)
	case *ExpectAggregation:
		walkIdent(v, n.Kind)
		if n.Matched != nil {
			Walk(v, n.Matched)
		}
		for _, s := range n.IDs {
			Walk(v, s)
		}
	case *ExpectWindow:
		date(n.From)
		date(n.To)
		zone(n.Zone)
	}
}
