package lang

import "github.com/alecthomas/participle/v2/lexer"

// The grammar of offer declarations (see ast_offer.go), as participle
// structs; offerbuild.go turns them into the AST. offer is a reserved
// keyword; the words of its clauses (reference, name, description,
// requires, vouchers, needs, synchronization, image, web, field) are
// contextual keywords, so every clause begins with its own word and the
// grammar stays LL(1). A field's type is read as a word and checked by the
// compiler, which names the types when it is unknown.

type offerDecl struct {
	Tokens  []lexer.Token
	Name    lexer.Token    `parser:"'offer' @(Ident | Contextual)"`
	Clauses []*offerClause `parser:"'{' @@* '}'"`
}

// offerClause is one clause of an offer; the field set tells them apart.
type offerClause struct {
	Tokens      []lexer.Token
	Reference   lexer.Token `parser:"  'reference' @String"`
	Title       lexer.Token `parser:"| 'name' @String"`
	Description lexer.Token `parser:"| 'description' @String"`
	Vouchers    bool        `parser:"| @('requires' 'vouchers')"`
	Sync        bool        `parser:"| @('needs' 'synchronization')"`
	Image       lexer.Token `parser:"| 'image' @String"`
	Web         lexer.Token `parser:"| 'web' @String"`
	Field       *offerField `parser:"| 'field' @@"`
}

type offerField struct {
	Tokens []lexer.Token
	Name   lexer.Token `parser:"@(Ident | Contextual | Keyword)"`
	Type   lexer.Token `parser:"':' @(Ident | Contextual | Keyword)"`
	Value  expr        `parser:"'=' @@"`
}
