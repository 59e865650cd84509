package lang

import (
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/stretchr/testify/assert"
)

func TestExpectedHead(t *testing.T) {
	tests := []struct{ msg, want string }{
		{`unexpected token "x"`, ""},
		{`unexpected token "x" (expected "{" Item* "}")`, `"{"`},
		{`unexpected token "x" (expected ":" ResultType "{" Item* "}")`, `":"`},
		{`unexpected token "x" (expected ResultType "{" Item* "}")`, "ResultType"},
		{`unexpected token "x" (expected Primary)`, "Primary"},
		{`unexpected token "x" (expected <ident> "=" Expr)`, "<ident>"},
		{`unexpected token "x" (expected Zone?)`, "Zone"},
		{`unexpected token "x" (expected ("auto" | "manual"))`, `("auto" | "manual")`},
		{`unexpected token "x" (expected ((":" Stmt) | Block))`, `((":" Stmt) | Block)`},
		{`unexpected token "(" (expected (")" | "(") x)`, `(")" | "(")`},
		{`unexpected token "x" (expected "\"" y)`, `"\""`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, expectedHead(tt.msg), "expectedHead(%q)", tt.msg)
	}
}

func TestFound(t *testing.T) {
	tests := []struct {
		tok  lexer.Token
		want string
	}{
		{lexer.Token{Type: tokIdent, Value: "foo"}, `"foo"`},
		{lexer.Token{Type: tokPunct, Value: "{"}, `"{"`},
		{lexer.Token{Type: tokString, Value: `"Gold Quest"`}, `the string "Gold Quest"`},
		{lexer.Token{Type: tokString, Value: `"a very long string that goes on and on"`}, `the string "a very long string that go..."`},
		{lexer.Token{Type: tokString, Value: `"ééééééééééééééééééééé"`}, `the string "ééééééééééééé..."`},
		{lexer.Token{Type: tokIdent, Value: "a_very_long_identifier_that_goes_on"}, `"a_very_long_identifier_that..."`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, found(tt.tok), "found(%q)", tt.tok.Value)
	}
}
