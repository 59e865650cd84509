package lang

import (
	"strconv"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Expressions are the one production that participle does not walk
// itself: the grammar declares them as the custom type expr
// (participle.ParseTypeWith), and readExpr reads them from participle's
// token stream by recursive descent into the structs below, which build.go
// groups by precedence. They are most of a rule file's tokens, and
// participle's reflection costs about ten allocations per struct and one
// per alternative tried; here an operand costs two or three.
//
// exprEBNF is the grammar readExpr implements, in participle's notation;
// EBNF appends it to what participle prints. readExpr reports errors as
// participle would, with the same "expected" heads, so explain describes
// them alike: after a token that commits to a production it fails with an
// error, and where no expression starts at all it reports no match, and
// participle's sequence around it names Expr.
const exprEBNF = `Expr = Term OpTerm* .
Term = ("not" | "-")* Primary "%"? .
Primary = NameExpr | (<money> ("|" <money>)*) | (<number> | <string> | <percent> | <duration> | <datetime> | "true" | "false" | "now") | ("[" List "]") | ("(" Expr ")") | ("if" CondExpr) | ("player" "." PlayerExpr) .
NameExpr = (<ident> | <contextual>) (("." (<ident> | <contextual> | <keyword>)) | ("(" Args ")"))? .
Args = (Arg ("," Arg)*)? .
Arg = Expr ("where" Expr)? .
List = (Expr ("," Expr)*)? .
CondExpr = Expr "then" Expr "else" Expr .
PlayerExpr = (<ident> | <contextual> | <keyword>) ("default" Unary)? .
Unary = "-"* Primary .
OpTerm = (<operator> | "or" | "and" | "in" | "of" | ("not" "in")) Term .`

// expr is an expression in the grammar structs: always an *exprList.
type expr interface{ exprSyntax() }

// exprList is a flat list of operands and binary operators; build.go
// groups it by precedence.
type exprList struct {
	Tokens []lexer.Token
	First  *term
	Rest   []*opTerm
}

func (*exprList) exprSyntax() {}

type opTerm struct {
	Tokens  []lexer.Token
	Op      string // "notin" for not in
	Operand *term
}

// term is an operand with its prefix operators, and a % that reads it as
// a percentage (pct%).
type term struct {
	Tokens  []lexer.Token
	Prefix  []string
	Primary *primary
	Percent bool
}

// primary is one of its fields.
type primary struct {
	Tokens []lexer.Token
	Name   *nameExpr
	Money  []string
	Lit    lexer.Token
	List   *list
	Paren  *exprList
	Cond   *condExpr
	Player *playerExpr
}

// nameExpr is a name, a selector kind.attr, or a call.
type nameExpr struct {
	Tokens []lexer.Token
	Name   lexer.Token
	Sel    lexer.Token
	Call   *args
}

type args struct {
	Tokens []lexer.Token
	Args   []*arg
}

type arg struct {
	Tokens []lexer.Token
	Value  *exprList
	Where  *exprList
}

type list struct {
	Tokens []lexer.Token
	Elems  []*exprList
}

type condExpr struct {
	Tokens []lexer.Token
	Cond   *exprList
	Then   *exprList
	Else   *exprList
}

type playerExpr struct {
	Tokens  []lexer.Token
	Prop    lexer.Token
	Default *unary
}

// unary is the operand of a player property's default: it binds tighter
// than any binary operator, so player.x default 0 + 1 adds 1 to the result.
type unary struct {
	Tokens  []lexer.Token
	Neg     []string
	Primary *primary
}

// exprParser reads one expression from participle's tokens.
type exprParser struct {
	lex *lexer.PeekingLexer
}

// exprBailout carries a syntax error out of the recursion to readExpr.
type exprBailout struct{ err error }

// readExpr is the parse function of expr.
func readExpr(lex *lexer.PeekingLexer) (e expr, err error) {
	p := exprParser{lex: lex}
	if !p.startsTerm() {
		return nil, participle.NextMatch
	}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(exprBailout)
			if !ok {
				panic(r)
			}
			e, err = nil, b.err
		}
	}()
	return p.expr(), nil
}

func (p *exprParser) peek() *lexer.Token { return p.lex.Peek() }

func (p *exprParser) next() lexer.Token { return *p.lex.Next() }

func (p *exprParser) tokens(start lexer.RawCursor) []lexer.Token {
	return p.lex.Range(start, p.lex.RawCursor())
}

// fail stops the parse at the next token, which is not what the grammar
// expected: head, the next element of the production, as participle
// prints it.
func (p *exprParser) fail(head string) {
	panic(exprBailout{&participle.UnexpectedTokenError{Unexpected: *p.peek(), Expect: head}})
}

// want consumes the punctuation or keyword s, or fails.
func (p *exprParser) want(s string) {
	if p.peek().Value != s {
		p.fail(strconv.Quote(s))
	}
	p.next()
}

// startsTerm reports whether the next token can begin a term.
func (p *exprParser) startsTerm() bool {
	if v := p.peek().Value; v == "not" || v == "-" {
		return true
	}
	return p.startsPrimary()
}

// startsPrimary reports whether the next token can begin a primary. As
// participle matches a literal such as "if" by its text alone, so does
// this.
func (p *exprParser) startsPrimary() bool {
	t := p.peek()
	switch t.Type {
	case tokIdent, tokContextual, tokMoney, tokNumber, tokString, tokPercent, tokDuration, tokDateTime:
		return true
	}
	switch t.Value {
	case "true", "false", "now", "[", "(", "if", "player":
		return true
	}
	return false
}

// operand parses an expression that must be there: the grammar has
// committed to it, so where none starts it fails as participle fails on a
// term that cannot start, naming Primary.
func (p *exprParser) operand() *exprList {
	if !p.startsTerm() {
		p.fail("Primary")
	}
	return p.expr()
}

func (p *exprParser) expr() *exprList {
	start := p.lex.RawCursor()
	e := &exprList{First: p.term()}
	for {
		t := p.peek()
		switch {
		case t.Type == tokOperator, t.Value == "or", t.Value == "and", t.Value == "in", t.Value == "of":
		case t.Value == "not":
		default:
			e.Tokens = p.tokens(start)
			return e
		}
		opStart := p.lex.RawCursor()
		op := &opTerm{Op: p.next().Value}
		if op.Op == "not" {
			p.want("in")
			op.Op = "notin" // as participle concatenates a capture's tokens
		}
		op.Operand = p.term()
		op.Tokens = p.tokens(opStart)
		e.Rest = append(e.Rest, op)
	}
}

// operand holds the structs of one term, which is most often a name:
// allocated together, they cost one allocation rather than three.
type operand struct {
	term     term
	primary  primary
	nameExpr nameExpr
}

// term parses ("not" | "-")* Primary "%"?, which must be there.
func (p *exprParser) term() *term {
	start := p.lex.RawCursor()
	o := &operand{}
	t := &o.term
	for v := p.peek().Value; v == "not" || v == "-"; v = p.peek().Value {
		t.Prefix = append(t.Prefix, p.next().Value)
	}
	t.Primary = p.primary(o)
	if p.peek().Value == "%" {
		p.next()
		t.Percent = true
	}
	t.Tokens = p.tokens(start)
	return t
}

// primary parses a Primary, which must be there, into o.primary.
func (p *exprParser) primary(o *operand) *primary {
	if !p.startsPrimary() {
		p.fail("Primary")
	}
	start := p.lex.RawCursor()
	g := &o.primary
	t := p.peek()
	switch {
	case t.Type == tokIdent || t.Type == tokContextual:
		g.Name = p.nameExpr(&o.nameExpr)
	case t.Type == tokMoney:
		g.Money = append(g.Money, p.next().Value)
		for p.peek().Value == "|" {
			p.next()
			if p.peek().Type != tokMoney {
				p.fail("<money>")
			}
			g.Money = append(g.Money, p.next().Value)
		}
	case t.Value == "[":
		p.next()
		g.List = p.list()
		p.want("]")
	case t.Value == "(":
		p.next()
		g.Paren = p.operand()
		p.want(")")
	case t.Value == "if":
		p.next()
		g.Cond = p.condExpr()
	case t.Value == "player":
		p.next()
		p.want(".")
		g.Player = p.playerExpr()
	default: // a literal
		g.Lit = p.next()
	}
	g.Tokens = p.tokens(start)
	return g
}

// nameExpr parses a NameExpr into n.
func (p *exprParser) nameExpr(n *nameExpr) *nameExpr {
	start := p.lex.RawCursor()
	n.Name = p.next()
	switch p.peek().Value {
	case ".":
		p.next()
		switch p.peek().Type {
		case tokIdent, tokContextual, tokKeyword:
			n.Sel = p.next()
		default:
			p.fail("(<ident> | <contextual> | <keyword>)")
		}
	case "(":
		p.next()
		n.Call = p.args()
		p.want(")")
	}
	n.Tokens = p.tokens(start)
	return n
}

func (p *exprParser) args() *args {
	start := p.lex.RawCursor()
	a := &args{}
	if p.startsTerm() {
		a.Args = append(a.Args, p.arg())
		for p.peek().Value == "," {
			p.next()
			if !p.startsTerm() {
				p.fail("Primary")
			}
			a.Args = append(a.Args, p.arg())
		}
	}
	a.Tokens = p.tokens(start)
	return a
}

func (p *exprParser) arg() *arg {
	start := p.lex.RawCursor()
	a := &arg{Value: p.expr()}
	if p.peek().Value == "where" {
		p.next()
		a.Where = p.operand()
	}
	a.Tokens = p.tokens(start)
	return a
}

func (p *exprParser) list() *list {
	start := p.lex.RawCursor()
	l := &list{}
	if p.startsTerm() {
		l.Elems = append(l.Elems, p.expr())
		for p.peek().Value == "," {
			p.next()
			l.Elems = append(l.Elems, p.operand())
		}
	}
	l.Tokens = p.tokens(start)
	return l
}

func (p *exprParser) condExpr() *condExpr {
	start := p.lex.RawCursor()
	c := &condExpr{Cond: p.operand()}
	p.want("then")
	c.Then = p.operand()
	p.want("else")
	c.Else = p.operand()
	c.Tokens = p.tokens(start)
	return c
}

func (p *exprParser) playerExpr() *playerExpr {
	start := p.lex.RawCursor()
	x := &playerExpr{}
	switch p.peek().Type {
	case tokIdent, tokContextual, tokKeyword:
		x.Prop = p.next()
	default:
		p.fail("PlayerExpr")
	}
	if p.peek().Value == "default" {
		p.next()
		x.Default = p.unary()
	}
	x.Tokens = p.tokens(start)
	return x
}

func (p *exprParser) unary() *unary {
	start := p.lex.RawCursor()
	u := &unary{}
	for p.peek().Value == "-" {
		u.Neg = append(u.Neg, p.next().Value)
	}
	u.Primary = p.primary(&operand{})
	u.Tokens = p.tokens(start)
	return u
}
