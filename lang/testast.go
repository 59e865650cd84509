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
// A test is a list of clauses in source order. Today the clauses build the
// input of one evaluation of a reward and state its outcome and trace; the
// automation and campaign tests of later issues add clauses of their own (an
// automation clause, event clauses holding their own expects) without
// changing these.

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
type PlayerClause struct {
	Loc
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

func (*TestDecl) declNode() {}

func (*RewardClause) testClauseNode()       {}
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
	case *NowClause:
		date(n.Time)
		zone(n.Zone)
	case *PlayerClause:
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
