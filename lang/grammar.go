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
// Every struct but the four that only choose between alternatives (file,
// decl, item, stmt) has a Tokens field, which participle sets to the tokens
// the production consumed, and only when it matched: build.go takes the
// spans from it, and drops a declaration left without tokens by a syntax
// error. Comments never reach the parser (see scanner), so Tokens holds no
// comments, and a span runs from the first token to the end of the last.
//
// The parser runs with no lookahead: once an alternative has consumed a
// token it is committed. The grammar is LL(1), keyed on keywords and
// punctuation, and committing is what makes participle report an error
// where it happens rather than where the last alternative gave up.
//
// Names come in three sorts, by token type (see lexer.go):
//   - declared names (kinds, templates, constants, rewards, lets) are Ident:
//     never a keyword;
//   - names in expressions are Ident or Contextual, so that an attribute
//     called amount can be filtered on in a where clause;
//   - attribute names after a dot, and field names and types in kind and
//     player blocks, are any word, reserved keywords included.

// parser is the one parser. participle parsers are immutable once built and
// safe for concurrent use.
var parser = participle.MustBuild[file](
	participle.Lexer(newDefinition()),
	participle.UseLookahead(0),
)

// EBNF returns the grammar in EBNF, as participle prints it. spec/grammar.ebnf
// holds a copy, kept equal by TestGrammarEBNF.
func EBNF() string { return parser.String() }

type file struct {
	Decls []*decl `parser:"@@*"`
}

type decl struct {
	Kind     *kindDecl       `parser:"  @@"`
	Player   *playerDecl     `parser:"| @@"`
	Template *templateDecl   `parser:"| @@"`
	Const    *constDecl      `parser:"| @@"`
	Reward   *rewardDecl     `parser:"| @@"`
	Test     *testDecl       `parser:"| @@"` // testgrammar.go
	Currency *currenciesDecl `parser:"| @@"`
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
	Default *expr       `parser:"('default' @@)?"`
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
	Value  *expr       `parser:"'=' @@"`
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

// item is a setting or a statement of a reward.
type item struct {
	Window   *windowSetting   `parser:"  @@"`
	Round    *roundSetting    `parser:"| @@"`
	Cap      *capSetting      `parser:"| @@"`
	Minimum  *minimumSetting  `parser:"| @@"`
	Approval *approvalSetting `parser:"| @@"`
	Stmt     *stmt            `parser:"| @@"`
}

type windowSetting struct {
	Tokens []lexer.Token
	Window *window `parser:"'window' @@"`
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
	Full    string      `parser:"(  'full' @('day' | 'week' | 'month')"`
	Weekend bool        `parser:" | @'weekend'"`
	Length  lexer.Token `parser:" | @Duration )"`
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

type roundSetting struct {
	Tokens   []lexer.Token
	Mode     string      `parser:"'round' @('nearest' | 'down' | 'up')"`
	Decimals lexer.Token `parser:"'to' @Number 'decimals'"`
}

type capSetting struct {
	Tokens []lexer.Token
	Value  *expr `parser:"'cap' @@"`
}

type minimumSetting struct {
	Tokens []lexer.Token
	Value  *expr `parser:"'minimum' @@"`
}

type approvalSetting struct {
	Tokens []lexer.Token
	Mode   string `parser:"'approval' @('auto' | 'manual')"`
}

type stmt struct {
	Let   *letStmt   `parser:"  @@"`
	Give  *giveStmt  `parser:"| @@"`
	Skip  *skipStmt  `parser:"| @@"`
	Check *checkStmt `parser:"| @@"`
	Tiers *tierStmt  `parser:"| @@"`
}

type letStmt struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"'let' @(Ident | Contextual)"`
	Value  *expr       `parser:"'=' @@"`
}

type giveStmt struct {
	Tokens []lexer.Token
	Value  *expr `parser:"'give' @@"`
}

type skipStmt struct {
	Tokens []lexer.Token
	Reason lexer.Token `parser:"'skip' @String"`
}

type checkStmt struct {
	Tokens []lexer.Token
	Cond   *expr  `parser:"'check' @@"`
	Body   *block `parser:"@@"`
}

type block struct {
	Tokens []lexer.Token
	Stmts  []*stmt `parser:"'{' @@* '}'"`
}

type tierStmt struct {
	Tokens   []lexer.Token
	Subject  *expr         `parser:"'tiers' @@"`
	Branches []*tierBranch `parser:"'{' @@* '}'"`
}

type tierBranch struct {
	Tokens []lexer.Token
	Op     string `parser:"(  (  @('above' | 'below')"`
	AtOp   string `parser:"    | 'at' @('least' | 'most') )"`
	Bound  *expr  `parser:"   @@"`
	Else   bool   `parser:" | @'else' )"`
	Short  *stmt  `parser:"(  ':' @@"`
	Body   *block `parser:" | @@ )"`
}

// expr is a flat list of operands and binary operators; build.go groups it
// by precedence.
type expr struct {
	Tokens []lexer.Token
	First  *term     `parser:"@@"`
	Rest   []*opTerm `parser:"@@*"`
}

type opTerm struct {
	Tokens  []lexer.Token
	Op      string `parser:"@(Operator | 'or' | 'and' | 'in' | 'of' | 'not' 'in')"`
	Operand *term  `parser:"@@"`
}

// term is an operand with its prefix operators, and a % that reads it as
// a percentage (pct%).
type term struct {
	Tokens  []lexer.Token
	Prefix  []string `parser:"@('not' | '-')*"`
	Primary *primary `parser:"@@"`
	Percent bool     `parser:"@'%'?"`
}

// primary tries the frequent names first. Each alternative tried costs
// participle an allocation, so alternatives are few and cheap ones early.
type primary struct {
	Tokens []lexer.Token
	Name   *nameExpr   `parser:"  @@"`
	Money  []string    `parser:"| @Money ('|' @Money)*"`
	Lit    lexer.Token `parser:"| @(Number | String | Percent | Duration | DateTime | 'true' | 'false' | 'now')"`
	List   *list       `parser:"| '[' @@ ']'"`
	Paren  *expr       `parser:"| '(' @@ ')'"`
	Cond   *condExpr   `parser:"| 'if' @@"`
	Player *playerExpr `parser:"| 'player' '.' @@"`
}

// nameExpr is a name, a selector kind.attr, or a call.
type nameExpr struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"@(Ident | Contextual)"`
	Sel    lexer.Token `parser:"(  '.' @(Ident | Contextual | Keyword)"`
	Call   *args       `parser:" | '(' @@ ')' )?"`
}

type args struct {
	Tokens []lexer.Token
	Args   []*arg `parser:"(@@ (',' @@)*)?"`
}

type arg struct {
	Tokens []lexer.Token
	Value  *expr `parser:"@@"`
	Where  *expr `parser:"('where' @@)?"`
}

type list struct {
	Tokens []lexer.Token
	Elems  []*expr `parser:"(@@ (',' @@)*)?"`
}

type condExpr struct {
	Tokens []lexer.Token
	Cond   *expr `parser:"@@"`
	Then   *expr `parser:"'then' @@"`
	Else   *expr `parser:"'else' @@"`
}

type playerExpr struct {
	Tokens  []lexer.Token
	Prop    lexer.Token `parser:"@(Ident | Contextual | Keyword)"`
	Default *unary      `parser:"('default' @@)?"`
}

// unary is the operand of a player property's default: it binds tighter
// than any binary operator, so player.x default 0 + 1 adds 1 to the result.
type unary struct {
	Tokens  []lexer.Token
	Neg     []string `parser:"@'-'*"`
	Primary *primary `parser:"@@"`
}
