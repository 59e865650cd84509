package lang

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// This file is the grammar, as participle structs. Each type is named after
// its production in the EBNF (participle capitalises the first letter), and
// build.go turns it into the AST type of the same name where there is one:
// rewardDecl into RewardDecl. Nothing outside this package sees these types.
//
// Expressions (the field type expr) are parsed by hand, in exprparse.go,
// which holds their structs.
//
// Every struct but those that only choose between alternatives (file, decl,
// and testClause in testgrammar.go) has a Tokens field (item has stmt's),
// which participle sets to the tokens the production consumed, and only
// when it matched: build.go takes the spans from it, and drops a
// declaration left without tokens by a syntax error. Comments never reach the parser (see scanner), so Tokens holds no
// comments, and a span runs from the first token to the end of the last.
//
// The parser runs with no lookahead: once an alternative has consumed a
// token it is committed. The grammar is LL(1), keyed on keywords and
// punctuation, and committing is what makes participle report an error
// where it happens rather than where the last alternative gave up.
//
// Names come in three sorts, by token type (see lexer.go):
//   - declared names (kinds, templates, constants, rewards, lets) are Ident
//     or Contextual: never a reserved keyword, but everyday words such as
//     week or weekend may name a reward or a let;
//   - names in expressions are Ident or Contextual, so that an attribute
//     called amount can be filtered on in a where clause;
//   - attribute names after a dot, and field names and types in kind and
//     player blocks, are any word, reserved keywords included.

// parser is the one parser. participle parsers are immutable once built and
// safe for concurrent use.
var parser = participle.MustBuild[file](
	participle.Lexer(newDefinition()),
	participle.UseLookahead(0),
	participle.ParseTypeWith(readExpr),
)

// EBNF returns the grammar in EBNF, as participle prints it. spec/grammar.ebnf
// holds a copy, kept equal by TestGrammarEBNF.
// Expressions are parsed by hand (exprparse.go); their productions come
// last.
func EBNF() string { return parser.String() + "\n" + exprEBNF }

type file struct {
	Decls []*decl `parser:"@@*"`
}

// decl tries rewards first, the most frequent declarations: each
// alternative tried costs participle a struct.
type decl struct {
	Reward   *rewardDecl      `parser:"  @@"`
	Kind     *kindDecl        `parser:"| @@"`
	Player   *playerDecl      `parser:"| @@"`
	Template *templateDecl    `parser:"| @@"`
	Const    *constDecl       `parser:"| @@"`
	Test     *testDecl        `parser:"| @@"` // testgrammar.go
	Currency *currenciesDecl  `parser:"| @@"`
	Rule     *ruleDecl        `parser:"| @@"` // rulegrammar.go
	Offer    *offerDecl       `parser:"| @@"` // offergrammar.go
	Payout   *payoutDecl      `parser:"| @@"` // payoutgrammar.go
	Attrib   *attributionDecl `parser:"| @@"` // payoutgrammar.go
}

type kindDecl struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"'kind' @(Ident | Contextual)"`
	Fields []*field    `parser:"'{' @@* '}'"`
}

type playerDecl struct {
	Tokens []lexer.Token
	Fields []*field `parser:"'player' '{' @@* '}'"`
}

type field struct {
	Tokens  []lexer.Token
	Name    lexer.Token `parser:"@(Ident | Contextual | Keyword)"`
	Type    lexer.Token `parser:"':' @(Ident | Contextual | Keyword)"`
	Default expr        `parser:"('default' @@)?"`
}

// currenciesDecl lists the currencies a rule set serves. Its keyword is
// contextual, so that currencies remains free as a name elsewhere.
type currenciesDecl struct {
	Tokens []lexer.Token
	Codes  []string `parser:"'currencies' @Ident (',' @Ident)*"` // build.go takes the positions from Tokens
}

type templateDecl struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"'template' @(Ident | Contextual)"`
	Title  lexer.Token `parser:"@String"`
}

type constDecl struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"'const' @(Ident | Contextual)"`
	Value  expr        `parser:"'=' @@"`
}

type rewardDecl struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"'reward' @(Ident | Contextual)"`
	Result *resultType `parser:"':' @@"`
	Items  []*item     `parser:"'{' @@* '}'"`
}

type resultType struct {
	Tokens []lexer.Token
	Kind   string `parser:"  @('amount' | 'template' | 'gems' | 'diamonds')"`
	Points bool   `parser:"| @'points'"`
	Target string `parser:"  ('to' @('balance' | 'leaderboard' | 'level'))?"`
}

// item is a statement or a setting of a reward, in one struct: it embeds
// stmt, whose alternatives come first as the most frequent, and writes the
// settings out as alternatives, so that participle fills one struct per
// item. Its Tokens, stmt's, are those of the statement or setting.
type item struct {
	stmt
	Window   *window     `parser:"| 'window' @@"`
	Cap      expr        `parser:"| 'cap' @@"`
	Round    string      `parser:"| 'round' @('nearest' | 'down' | 'up')"`
	Decimals lexer.Token `parser:"  'to' @Number 'decimals'"`
	Minimum  expr        `parser:"| 'minimum' @@"`
	Approval string      `parser:"| 'approval' @('auto' | 'manual')"`
	Within   *within     `parser:"  @@?"`
}

// within is the timeout of approval manual: within 7 days. The minus sign
// is read so that the checker can say what is wrong with a negative one.
type within struct {
	Tokens []lexer.Token
	Minus  bool        `parser:"'within' @'-'?"`
	Length lexer.Token `parser:"@Duration"`
}

type window struct {
	Tokens  []lexer.Token
	Last    *lastWindow    `parser:"  'last' @@"`
	From    *fromWindow    `parser:"| 'from' @@"`
	Between *betweenWindow `parser:"| 'between' @@"`
	Since   bool           `parser:"| @('since' 'entrance')"`
}

type lastWindow struct {
	Tokens  []lexer.Token
	Length  lexer.Token `parser:"(  @Duration"`
	Full    string      `parser:" | 'full' @('day' | 'week' | 'month')"`
	Weekend bool        `parser:" | @'weekend' )"`
	Zone    *zone       `parser:"@@?"`
}

type fromWindow struct {
	Tokens        []lexer.Token
	First         bool        `parser:"(  @('first' 'transaction')"`
	Qualification bool        `parser:" | @'qualification'"`
	From          lexer.Token `parser:" | @DateTime )"`
	To            lexer.Token `parser:"'to' @DateTime"`
	Zone          *zone       `parser:"@@?"`
}

type betweenWindow struct {
	Tokens        []lexer.Token
	First         bool `parser:"(  @('first' 'transaction')"`
	Qualification bool `parser:" | @'qualification' )"`
	Last          bool `parser:"'and' @('last' 'transaction')"`
}

type zone struct {
	Tokens []lexer.Token
	Player bool        `parser:"'in' (  @('player' 'zone')"`
	Name   lexer.Token `parser:"      | @String )"`
}

// stmt is a statement: let, give, check, tiers or skip, tried in that
// order, from the most frequent. The statements are alternatives of one
// struct rather than a struct each, which would cost participle a struct
// more per statement; the field set tells them apart.
type stmt struct {
	Tokens   []lexer.Token
	Let      lexer.Token   `parser:"   'let' @(Ident | Contextual)"`
	Value    expr          `parser:"   '=' @@"`
	Give     expr          `parser:" | 'give' @@"`
	Check    expr          `parser:" | 'check' @@"`
	Body     *block        `parser:"   @@"`
	Tiers    expr          `parser:" | 'tiers' @@"`
	Branches []*tierBranch `parser:"   '{' @@* '}'"`
	Skip     lexer.Token   `parser:" | 'skip' @String"`
}

type block struct {
	Tokens []lexer.Token
	Stmts  []*stmt `parser:"'{' @@* '}'"`
}

type tierBranch struct {
	Tokens []lexer.Token
	Op     string `parser:"(  (  @('above' | 'below')"`
	AtOp   string `parser:"    | 'at' @('least' | 'most') )"`
	Bound  expr   `parser:"   @@"`
	Else   bool   `parser:" | @'else' )"`
	Short  *stmt  `parser:"(  ':' @@"`
	Body   *block `parser:" | @@ )"`
}
