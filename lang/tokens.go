package lang

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// TokenKind is the sort of a [Token].
type TokenKind uint8

const (
	TokenInvalid    TokenKind = iota // a character that starts no token, an unterminated string, a string or comment with a NUL or a byte not UTF-8
	TokenIdent                       // a name
	TokenKeyword                     // a reserved keyword: kind, let, where, ...
	TokenContextual                  // a contextual keyword: last, amount, nearest, ...
	TokenComment                     // // to the end of the line
	TokenOperator                    // == != <= >= < > + - * /
	TokenPunct                       // ( ) [ ] { } , . : = | %
	TokenString                      // "Gold Quest", quotes included
	TokenDate                        // 2026-11-01, 2026-11-01 10:00
	TokenMoney                       // 10 EUR
	TokenDuration                    // 7 days
	TokenPercent                     // 5%
	TokenNumber                      // 12, 0.5
)

// Token is one token of a source, as the parser's lexer reads it.
type Token struct {
	Kind TokenKind
	Text string // the source text of the token
	Span Span
}

// Tokens splits src into tokens, comments included, with the lexer of
// [Parse]. Unlike Parse it never stops: a character that starts no token,
// or a string that does not end on its line, becomes one [TokenInvalid]
// token (the character, or the rest of the string's line), and lexing goes
// on after it. It is meant for tools that read text that does not parse,
// such as an editor completing a half-typed line. A [TokenIdent] that is a
// keyword has kind [TokenKeyword] or [TokenContextual], whatever its place.
func Tokens(src []byte) []Token {
	lines := lineStarts(src)
	pos := func(off int) Pos {
		line := lineOf(lines, off)
		return Pos{Offset: off, Line: line, Col: off - lines[line-1] + 1}
	}
	text := string(src)
	var out []Token
	for base := bomLen(src); base < len(src); {
		lex := newHandLexer("", text[base:])
		for {
			t, err := lex.Next()
			if err != nil {
				le, ok := err.(*lexer.Error)
				off := len(src)
				if ok {
					off = base + le.Pos.Offset
				}
				if off >= len(src) {
					base = len(src)
					break
				}
				n := invalidLen(src, off)
				out = append(out, Token{Kind: TokenInvalid, Text: string(src[off : off+n]), Span: Span{pos(off), pos(off + n)}})
				base = off + n
				break
			}
			if t.EOF() {
				base = len(src)
				break
			}
			kind := tokenKind(t)
			if kind == tokenSkip {
				continue
			}
			what := "string"
			if kind == TokenComment {
				what = "comment" // which may hold an invisible character
			}
			if (kind == TokenComment || kind == TokenString) && badText(t, what) != nil {
				kind = TokenInvalid // a NUL, a byte not UTF-8, a bidirectional control; a carriage return or an invisible character in a string
			}
			off := base + t.Pos.Offset
			out = append(out, Token{Kind: kind, Text: t.Value, Span: Span{pos(off), pos(off + len(t.Value))}})
		}
	}
	return out
}

const tokenSkip TokenKind = 255

func tokenKind(t lexer.Token) TokenKind {
	switch t.Type {
	case tokIdent:
		switch keywordType(t.Value) {
		case tokKeyword:
			return TokenKeyword
		case tokContextual:
			return TokenContextual
		}
		return TokenIdent
	case tokComment:
		return TokenComment
	case tokOperator:
		return TokenOperator
	case tokPunct:
		return TokenPunct
	case tokString:
		return TokenString
	case tokDateTime:
		return TokenDate
	case tokMoney:
		return TokenMoney
	case tokDuration:
		return TokenDuration
	case tokPercent:
		return TokenPercent
	case tokNumber:
		return TokenNumber
	}
	return tokenSkip // whitespace
}

// invalidLen returns the length of the invalid token at offset: the rest of
// the line for an unterminated string, else one character.
func invalidLen(src []byte, offset int) int {
	if src[offset] == '"' {
		n := 1
		for offset+n < len(src) && src[offset+n] != '\n' && src[offset+n] != '\r' {
			n++
		}
		return n
	}
	if src[offset] < 0x80 {
		return 1
	}
	n := 1
	for offset+n < len(src) && n < 4 && src[offset+n]&0xC0 == 0x80 {
		n++
	}
	return n
}
