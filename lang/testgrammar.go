package lang

import "github.com/alecthomas/participle/v2/lexer"

// The grammar of tests (see testast.go), as participle structs; testbuild.go
// turns them into the AST. Every clause begins with its own word, so the
// grammar stays LL(1): the words that are not reserved keywords (expect,
// transactions, repeat, load, rates, anchors, and the words after expect)
// are contextual keywords.

type testDecl struct {
	Tokens  []lexer.Token
	Name    lexer.Token   `parser:"'test' @String"`
	Clauses []*testClause `parser:"'{' @@* '}'"`
}

// testClause chooses between the clauses of a test.
type testClause struct {
	Reward       *rewardClause       `parser:"  @@"`
	Now          *nowClause          `parser:"| @@"`
	Player       *playerClause       `parser:"| @@"`
	Transactions *transactionsClause `parser:"| @@"`
	Repeat       *repeatClause       `parser:"| @@"`
	Load         *loadClause         `parser:"| @@"`
	Rates        *ratesClause        `parser:"| @@"`
	Anchors      *anchorsClause      `parser:"| @@"`
	Expect       *expectClause       `parser:"| @@"`
}

type rewardClause struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"'reward' @(Ident | Contextual)"`
}

type nowClause struct {
	Tokens []lexer.Token
	Time   lexer.Token `parser:"'now' @DateTime"`
	Zone   *zone       `parser:"@@?"`
}

type playerClause struct {
	Tokens []lexer.Token
	Fields []*testField `parser:"'player' '{' @@* '}'"`
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
	Window      *expectWindow      `parser:"          | 'window' @@ )"`
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
