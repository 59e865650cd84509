package lang

import "github.com/alecthomas/participle/v2/lexer"

// The grammar of tests (see testast.go), as participle structs; testbuild.go
// turns them into the AST. Every clause begins with its own word, so the
// grammar stays LL(1): the words that are not reserved keywords (expect,
// transactions, repeat, load, rates, anchors, events, advance, update, and
// the words after expect) are contextual keywords. The clauses of
// event-sequence tests (automation, campaign, budget, events, advance,
// update, and expect rewards,
// outcome, budget left, campaign, automation and group) share the struct of
// the reward tests': one test grammar, and the checker tells the two sorts
// of test apart by the clause that names what they test.

type testDecl struct {
	Tokens  []lexer.Token
	Name    lexer.Token   `parser:"'test' @String"`
	Clauses []*testClause `parser:"'{' @@* '}'"`
}

// testClause chooses between the clauses of a test.
type testClause struct {
	Reward       *rewardClause       `parser:"  @@"`
	Rule         *testRuleClause     `parser:"| @@"`
	Now          *nowClause          `parser:"| @@"`
	Player       *playerClause       `parser:"| @@"`
	Transactions *transactionsClause `parser:"| @@"`
	Repeat       *repeatClause       `parser:"| @@"`
	Load         *loadClause         `parser:"| @@"`
	Rates        *ratesClause        `parser:"| @@"`
	Anchors      *anchorsClause      `parser:"| @@"`
	Events       *eventsClause       `parser:"| @@"`
	Advance      *advanceClause      `parser:"| @@"`
	Update       *updateClause       `parser:"| @@"`
	Decision     *decisionClause     `parser:"| @@"`
	Budget       *testBudgetClause   `parser:"| @@"`
	Vouchers     *vouchersClause     `parser:"| @@"`
	Expect       *expectClause       `parser:"| @@"`
}

type rewardClause struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"'reward' @(Ident | Contextual)"`
}

// testRuleClause names the automation rule or campaign an event-sequence
// test runs.
type testRuleClause struct {
	Tokens []lexer.Token
	Kind   string      `parser:"@('automation' | 'campaign')"`
	Name   lexer.Token `parser:"@(Ident | Contextual)"`
}

type nowClause struct {
	Tokens []lexer.Token
	Time   lexer.Token `parser:"'now' @DateTime"`
	Zone   *zone       `parser:"@@?"`
}

// playerClause is the player of a reward test, or one of the players of an
// event-sequence test, named by its id.
type playerClause struct {
	Tokens []lexer.Token
	ID     lexer.Token  `parser:"'player' @(Ident | Contextual | String)?"`
	Fields []*testField `parser:"'{' @@* '}'"`
}

type testField struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"@(Ident | Contextual | Keyword)"`
	Value  *testValue  `parser:"@@"`
}

// testValue is a literal, optionally negated, or a name.
type testValue struct {
	Tokens []lexer.Token
	Neg    bool        `parser:"@'-'?"`
	Lit    lexer.Token `parser:"@(Money | Number | String | DateTime | Duration | Percent | 'true' | 'false' | Ident)"`
}

// transactionsClause is a header of column names followed by the values
// of the rows; build groups the values into rows.
type transactionsClause struct {
	Tokens  []lexer.Token
	Kind    lexer.Token  `parser:"'transactions' @(Ident | Contextual) '{'"`
	Columns []string     `parser:"@(Ident | Contextual | Keyword)*"` // Tokens[3:3+len(Columns)]
	Values  []*testValue `parser:"@@* '}'"`
}

// eventsClause is a table of events of any kind, like a transactions
// table: a header of column names, then the values of the rows.
type eventsClause struct {
	Tokens  []lexer.Token
	Columns []string     `parser:"'events' '{' @(Ident | Contextual | Keyword)*"` // Tokens[2:2+len(Columns)]
	Values  []*testValue `parser:"@@* '}'"`
}

// advanceClause runs the clock of an event-sequence test.
type advanceClause struct {
	Tokens []lexer.Token
	To     lexer.Token `parser:"'advance' 'to' @DateTime"`
}

// updateClause changes a player's data at a time, in an event-sequence
// test.
type updateClause struct {
	Tokens []lexer.Token
	Player lexer.Token  `parser:"'update' @(Ident | Contextual | String)"`
	At     lexer.Token  `parser:"'at' @DateTime"`
	Fields []*testField `parser:"'{' @@* '}'"`
}

// decisionClause approves or rejects the Nth outcome of the rule under
// test, a result waiting for approval.
type decisionClause struct {
	Tokens []lexer.Token
	Verb   string      `parser:"@('approve' | 'reject')"`
	N      lexer.Token `parser:"@Number"`
	Reason lexer.Token `parser:"@String?"`
}

// testBudgetClause sets the budget of the rule under test in one currency.
type testBudgetClause struct {
	Tokens []lexer.Token
	Value  *testValue `parser:"'budget' @@"`
}

// vouchersClause imports voucher codes into an offer before the events of
// an event-sequence test.
type vouchersClause struct {
	Tokens []lexer.Token
	Offer  lexer.Token `parser:"'vouchers' @(Ident | Contextual)"`
	Codes  []string    `parser:"@String+"` // testbuild.go takes the positions from Tokens
}

type repeatClause struct {
	Tokens []lexer.Token
	Count  lexer.Token  `parser:"'repeat' @Number"`
	Kind   lexer.Token  `parser:"@(Ident | Contextual)"`
	Every  lexer.Token  `parser:"'every' @Duration"`
	From   lexer.Token  `parser:"'from' @DateTime"`
	Fields []*testField `parser:"'{' @@* '}'"`
}

type loadClause struct {
	Tokens []lexer.Token
	Path   lexer.Token `parser:"'load' @String"`
}

type ratesClause struct {
	Tokens []lexer.Token
	Rates  []*testField `parser:"'rates' '{' @@* '}'"`
}

type anchorsClause struct {
	Tokens []lexer.Token
	Fields []*testField `parser:"'anchors' '{' @@* '}'"`
}

type expectClause struct {
	Tokens      []lexer.Token
	Calculated  *testValue         `parser:"'expect' (  'calculated' @@"`
	Skipped     *expectReason      `parser:"          | 'skipped' @@"`
	Error       *expectReason      `parser:"          | 'error' @@"`
	Manual      bool               `parser:"          | @'manual'"`
	Branch      lexer.Token        `parser:"          | 'branch' @String"`
	Let         *expectLet         `parser:"          | 'let' @@"`
	Aggregation *expectAggregation `parser:"          | 'aggregation' @@"`
	Window      *expectWindow      `parser:"          | 'window' @@"`
	Rewards     lexer.Token        `parser:"          | 'rewards' @Number"`
	Outcome     *expectStep        `parser:"          | 'outcome' @@"`
	BudgetLeft  *testValue         `parser:"          | 'budget' 'left' @@"`
	Rule        *expectRuleStatus  `parser:"          | @@"`
	Group       *expectGroup       `parser:"          | 'group' @@ )"`
}

// expectStep states the Nth outcome of the rule under test, optionally
// for one player: issued or waiting with an optional value, skipped with
// its reason, or rejected with an optional reason, a string (an operator's
// words, or "timed-out"). A skip's reason is required: an optional one
// would read the next clause's expect as a reason code.
type expectStep struct {
	Tokens  []lexer.Token
	N       lexer.Token   `parser:"@Number"`
	Player  lexer.Token   `parser:"('player' @(Ident | Contextual | String))?"`
	Paid    string        `parser:"(  @('issued' | 'waiting')"`
	Value   *testValue    `parser:"   @@?"`
	Skipped *expectReason `parser:" | 'skipped' @@"`
	Status  string        `parser:" | @'rejected'"`
	Why     lexer.Token   `parser:"   @String? )"`
}

// expectRuleStatus states the status of the rule under test: campaign suspended.
type expectRuleStatus struct {
	Tokens []lexer.Token
	Kind   string `parser:"@('automation' | 'campaign')"`
	Status string `parser:"@('suspended' | 'active')"`
}

// expectGroup states a player's group in the split of the campaign under
// test: group p1 control, group p2 generous.
type expectGroup struct {
	Tokens []lexer.Token
	Player lexer.Token `parser:"@(Ident | Contextual | String)"`
	Group  lexer.Token `parser:"@(Ident | Contextual)"`
}

// expectReason is a reason code such as no-matching-transactions, with an
// optional detail, or a detail alone.
type expectReason struct {
	Tokens []lexer.Token
	Alone  lexer.Token `parser:"(  @String"`
	Reason *reasonCode `parser:" | @@"`
	Detail lexer.Token `parser:"   @String? )"`
}

// reasonCode is a reason code: words joined by hyphens.
type reasonCode struct {
	Tokens []lexer.Token
	Words  []string `parser:"@(Ident | Contextual | Keyword) ('-' @(Ident | Contextual | Keyword))*"`
}

type expectLet struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"@(Ident | Contextual) '=='"`
	Value  *testValue  `parser:"@@"`
}

type expectAggregation struct {
	Tokens  []lexer.Token
	Kind    lexer.Token `parser:"@(Ident | Contextual)"`
	Matched lexer.Token `parser:"'matched' @Number"`
	IDs     []string    `parser:"('ids' @String+)?"` // the last len(IDs) Tokens
}

type expectWindow struct {
	Tokens []lexer.Token
	From   lexer.Token `parser:"'from' @DateTime"`
	To     lexer.Token `parser:"'to' @DateTime"`
	Zone   *zone       `parser:"@@?"`
}
