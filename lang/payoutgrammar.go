package lang

import "github.com/alecthomas/participle/v2/lexer"

// The grammar of payout and attribution declarations (see ast_payout.go),
// as participle structs; payoutbuild.go turns them into the AST. payout is
// a reserved keyword; the words after it (publisher, revenue, on,
// conversion) and attribution's (attribution, last, click, within, for,
// offer) are matched by their text, so that they stay free as names
// elsewhere. A payout's body is a reward's: the same items.

type payoutDecl struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"'payout' @(Ident | Contextual)"`
	Side   lexer.Token `parser:"':' @('publisher' | 'revenue')"`
	Kind   lexer.Token `parser:"'on' 'conversion' @(Ident | Contextual)"`
	Items  []*item     `parser:"'{' @@* '}'"`
}

type attributionDecl struct {
	Tokens []lexer.Token
	Within lexer.Token `parser:"'attribution' 'last' 'click' 'within' @Duration"`
	Offer  lexer.Token `parser:"('for' 'offer' @String)?"`
}
