package lang

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/promoc/promoc/lang/limits"
)

// newDefinition returns the lexer of the grammar. Its rules are tried in
// order at each position and the first that matches wins, so the longer
// literal forms (dates, money, durations, percentages) come before plain
// numbers, and comments before the "/" operator. A rule whose name starts
// in lowercase is skipped by the lexer and never reaches the parser.
// Keywords are Idents here; the scanner tells them apart.
//
// These rules are the specification of the tokens and give participle the
// token types of the grammar; the tokens themselves come from handLexer
// (scan.go), which does the same without regular expressions, several
// times faster. TestHandLexerMatchesRules and FuzzHandLexer compare the
// two: a change to a rule must be made in both.
func newDefinition() definition {
	return definition{lexer.MustSimple([]lexer.SimpleRule{
		{Name: "whitespace", Pattern: `[ \t\r\n]+`},
		{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
		{Name: "Comment", Pattern: `//[^\r\n]*`},
		{Name: "Operator", Pattern: `==|!=|<=|>=|[-+*/<>]`},
		{Name: "Punct", Pattern: `[()\[\]{},.:=|%]`},
		{Name: "String", Pattern: `"(?:\\["\\nt]|[^"\\\n])*"`},
		{Name: "DateTime", Pattern: `\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2})?)?`},
		{Name: "Money", Pattern: `\d+(?:\.\d+)?[ \t]*[A-Z]{3}\b`},
		{Name: "Duration", Pattern: `\d+[ \t]*(?:minutes?|hours?|days?|weeks?)\b`},
		{Name: "Percent", Pattern: `\d+(?:\.\d+)?%`},
		{Name: "Number", Pattern: `\d+(?:\.\d+)?`},
	})}
}

// The token types. The stateful lexer numbers the rules of its one state
// downwards from EOF-1 in order, ignored rules included; Keyword and
// Contextual come after them, assigned by the scanner to Ident tokens that
// are keywords. TestTokenTypes keeps these constants in step with the rules.
const (
	tokWhitespace lexer.TokenType = lexer.EOF - 1 - iota
	tokIdent
	tokComment
	tokOperator
	tokPunct
	tokString
	tokDateTime
	tokMoney
	tokDuration
	tokPercent
	tokNumber
	tokKeyword
	tokContextual
)

// keywordType returns tokKeyword for a reserved keyword, tokContextual for a
// contextual one, and tokIdent otherwise.
//
// Reserved keywords begin a declaration, a setting, a statement or a tier
// branch, are expression syntax, or are kept for future use. They are never
// names, except after a dot and as field names in kind and player blocks.
//
// Contextual keywords are keywords where the grammar expects them (after
// window, round, approval, at, the reward's colon, and in tests) and act as names in
// expressions elsewhere, so that sum(deposit.amount where amount > 10 EUR)
// and last(deposit.amount) work. They cannot be declared as names either.
func keywordType(s string) lexer.TokenType {
	switch s {
	case "kind", "player", "template", "const", "reward",
		"window", "round", "cap", "minimum", "approval",
		"let", "give", "skip", "check", "tiers", "above", "at", "below", "else",
		"if", "then", "where", "not", "and", "or", "in", "of", "true", "false", "now", "default",
		"campaign", "automation", "payout", "test", "trigger", "segment", "budget", "split", "every", "schedule":
		return tokKeyword
	case "currencies", "least", "most", "first", "last", "full", "day", "weekend", "week", "month",
		"transaction", "qualification", "since", "entrance", "zone", "to", "from", "between",
		"decimals", "auto", "manual", "nearest", "down", "up",
		"amount", "points", "gems", "diamonds", "balance", "leaderboard", "level",
		"expect", "transactions", "repeat", "load", "rates", "anchors", // tests
		"calculated", "skipped", "error", "branch", "aggregation", "matched", "ids",
		"events", "advance", "update", "approve", "reject", "outcome", "waiting", "rejected", "left", "suspended", "active", "group", // event-sequence tests
		"on", "inactive", "variant", "control", "seed", "send", "with", "issued", "rewards", "messages", "message", "per", // rules
		"offer", "reference", "name", "description", "requires", "vouchers", "needs", "synchronization", "image", "web", "field": // offers
		return tokContextual
	}
	return tokIdent
}

// definition is the lexer of the grammar: the symbols of a participle
// lexer, plus the Keyword and Contextual token types that the scanner
// assigns; it lexes with handLexer. It is immutable once built.
type definition struct {
	simple *lexer.StatefulDefinition
}

func (d definition) Symbols() map[string]lexer.TokenType {
	syms := d.simple.Symbols()
	out := make(map[string]lexer.TokenType, len(syms)+2)
	for k, v := range syms {
		out[k] = v
	}
	out["Keyword"] = tokKeyword
	out["Contextual"] = tokContextual
	return out
}

func (d definition) Lex(name string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return newHandLexer(name, string(src)), nil
}

// lexError is a lexical error: a character that starts no token, a string
// that does not end on its line, or an input beyond one of the limits of
// source text (lang/limits): brackets nested more than limits.Nesting deep,
// an expression of more than limits.Operators operators, a number of more
// than limits.Digits characters.
type lexError struct {
	Pos     lexer.Position
	Len     int    // bytes of source at Pos that the error is about
	Code    Code   // CodeBadSyntax when empty
	Fix     string // text replacing the Len bytes at Pos that fixes the error, or ""
	Message string
}

// scanner feeds the parser: it wraps the lexer, sets the comments
// aside (the grammar never sees them) and turns a lexical error into an EOF
// at the error, so that the parser still builds the declarations before it.
type scanner struct {
	lex      *handLexer
	src      []byte
	comments []lexer.Token
	err      *lexError // the first lexical error
	depth    int       // of open brackets
	ops      int       // operators since the last token that cannot be in an expression
	row      int       // operators and opening brackets in a row, with no operand between
	decls    int       // keywords that begin a declaration
	prev     string    // the value of the last token
	n        int       // tokens returned, EOF included
	done     bool
	eof      lexer.Token // the last token, once done
}

func newScanner(name string, src []byte) *scanner {
	s := &scanner{lex: newHandLexer(name, string(src)), src: src}
	if n := bomLen(src); n > 0 { // skipped, as a blank; offsets still count it
		s.lex.off, s.lex.pos.Offset, s.lex.pos.Column = n, n, 2
	}
	return s
}

// bomLen returns the length of the UTF-8 byte order mark at the start of
// src, 3, or 0 when there is none.
func bomLen(src []byte) int {
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		return 3
	}
	return 0
}

// Next returns the next token for the parser. It never fails.
func (s *scanner) Next() (lexer.Token, error) {
	for !s.done {
		t, err := s.lex.Next()
		if err != nil {
			return s.fail(describeLexError(s.src, err)), nil
		}
		switch t.Type {
		case tokComment:
			if le := badText(t, "comment"); le != nil {
				return s.fail(*le), nil
			}
			s.comments = append(s.comments, t)
			continue
		case tokString:
			if le := badText(t, "string"); le != nil {
				return s.fail(*le), nil
			}
		case tokIdent:
			t.Type = keywordType(t.Value)
		case lexer.EOF:
			s.done = true
			s.eof = t
		}
		if le := s.limit(t); le != nil {
			return s.fail(*le), nil
		}
		if s.n+len(s.comments) >= limits.Tokens {
			return s.fail(*limitError(t.Pos, len(t.Value), "too many tokens in one file: more than %d (limits.Tokens)", limits.Tokens)), nil
		}
		s.n++
		return t, nil
	}
	return s.eof, nil
}

// limit counts the open brackets, the operators of the current expression
// and the operators in a row, and returns an error when t goes beyond
// limits.Nesting or limits.Operators, or is a number beyond limits.Digits
// or limits.Decimals. Numbers are checked here, before anything parses
// them, so that a huge one costs no more than reading it.
func (s *scanner) limit(t lexer.Token) *lexError {
	inRow := false // t cannot end an operand: another operator may follow it
	switch t.Type {
	case tokPunct:
		switch t.Value {
		case "(", "[", "{":
			s.depth++
			if s.depth > limits.Nesting {
				return limitError(t.Pos, 1, "brackets nested too deeply: more than %d levels (limits.Nesting)", limits.Nesting)
			}
			inRow = t.Value != "{"
		case ")", "]", "}":
			s.depth--
		}
		if t.Value == "{" || t.Value == "}" || t.Value == ":" { // never inside an expression
			s.ops = 0
		}
	case tokOperator:
		s.ops++
		inRow = true
	case tokKeyword:
		if s.startsDecl(t) {
			if s.decls++; s.decls > limits.Declarations {
				return limitError(t.Pos, len(t.Value), "too many declarations in one file: more than %d (limits.Declarations)", limits.Declarations)
			}
		}
		switch t.Value {
		case "if", "default", "not", "and", "or", "in", "of": // may nest
			s.ops++
			inRow = true
		case "then", "else", "where":
			inRow = true
		case "true", "false", "now", "player":
		default: // never inside an expression
			s.ops = 0
		}
	case tokNumber, tokPercent, tokMoney, tokDuration:
		if le := numberLimit(t); le != nil {
			return le
		}
	}
	if inRow {
		s.row++
	} else {
		s.row = 0
	}
	s.prev = t.Value
	switch {
	case s.ops > limits.Operators:
		return limitError(t.Pos, len(t.Value), "expression too long: more than %d operators (limits.Operators)", limits.Operators)
	case s.row > limits.Nesting:
		// Each operator that follows another nests: - - x is -(-x).
		return limitError(t.Pos, len(t.Value), "expression nested too deeply: more than %d operators in a row (limits.Nesting)", limits.Nesting)
	}
	return nil
}

// startsDecl reports whether keyword t begins a declaration: it is outside
// any braces, and it is not the result type template of a reward (after
// its colon) nor player in a const's value (after = or an operator).
func (s *scanner) startsDecl(t lexer.Token) bool {
	if s.depth != 0 {
		return false
	}
	switch t.Value {
	case "kind", "const", "reward", "test", "automation", "campaign":
		return true
	case "template":
		return s.prev != ":"
	case "player":
		return s.prev != "=" && s.row == 0
	}
	return false
}

// numberLimit returns an error when the number of a Number, Percent,
// Money or Duration token has more than limits.Digits characters or more than
// limits.Decimals digits after its point.
func numberLimit(t lexer.Token) *lexError {
	v := t.Value
	n := 0
	for n < len(v) && (isDigit(v[n]) || v[n] == '.') {
		n++
	}
	if n > limits.Digits {
		return limitError(t.Pos, n, "number too long: more than %d characters (limits.Digits)", limits.Digits)
	}
	if dot := strings.IndexByte(v[:n], '.'); dot >= 0 && n-dot-1 > limits.Decimals {
		return limitError(t.Pos, n, "number with too many decimals: more than %d digits after the point (limits.Decimals)", limits.Decimals)
	}
	return nil
}

func limitError(pos lexer.Position, n int, format string, args ...any) *lexError {
	return &lexError{Pos: pos, Len: n, Code: CodeExceededLimit, Message: fmt.Sprintf(format, args...)}
}

// fail records le, unless an error came first, and returns an EOF at it.
func (s *scanner) fail(le lexError) lexer.Token {
	if s.err == nil {
		s.err = &le
	}
	s.done = true
	s.n++
	s.eof = lexer.EOFToken(s.err.Pos)
	return s.eof
}

// badText returns an error at the first byte of a string or comment token
// that no source text may hold anywhere: a NUL, a byte that is not UTF-8,
// a bidirectional control character (which reorders the text an editor or a
// review shows, so that it reads as another rule: "Trojan Source"), or, in a
// string, a carriage return, which ends a line, or an invisible character,
// which makes the string differ from the text it shows.
func badText(t lexer.Token, what string) *lexError {
	v := t.Value
	for i := 0; i < len(v); {
		c := v[i]
		at := t.Pos
		at.Offset += i
		at.Column += utf8.RuneCountInString(v[:i])
		switch {
		case c == 0:
			return &lexError{Pos: at, Len: 1, Message: fmt.Sprintf("unexpected control character U+0000 in a %s", what)}
		case c == '\r' && what != "comment":
			return &lexError{Pos: t.Pos, Len: i, Message: `unterminated string: missing closing " before the end of the line`}
		case c < utf8.RuneSelf:
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return &lexError{Pos: at, Len: 1, Message: fmt.Sprintf("invalid UTF-8 byte %#x in a %s", c, what)}
		case IsBidiControl(r):
			return &lexError{Pos: at, Len: size, Message: fmt.Sprintf("unexpected %U, a bidirectional control character, in a %s: it makes the text shown differ from the text read; delete it", r, what)}
		case what != "comment" && isInvisible(r):
			return &lexError{Pos: at, Len: size, Message: fmt.Sprintf("unexpected %U, an invisible character, in a string: the string would never equal the text it looks like; delete it", r)}
		}
		i += size
	}
	return nil
}

// describeLexError turns the lexer's "invalid input text" into a message
// about the character at the error.
func describeLexError(src []byte, err error) lexError {
	le, ok := err.(*lexer.Error)
	if !ok || le.Pos.Offset >= len(src) {
		return lexError{Pos: lexer.Position{Line: 1, Column: 1}, Message: "cannot read the source: " + err.Error()}
	}
	pos := le.Pos
	c := src[pos.Offset]
	switch {
	case c == '"':
		return describeBadString(src, pos)
	case c == '\'':
		return describeSingleQuote(src, pos)
	case c == '!':
		return lexError{Pos: pos, Len: 1, Message: `unexpected "!"; write != for "not equal", or not before a condition`}
	case c == '#':
		// The fix is certain only for a line that begins with the "#".
		fix, line := "//", src[:pos.Offset]
		if i := bytes.LastIndexAny(line, "\r\n"); i >= 0 {
			line = line[i+1:]
		}
		if len(bytes.TrimLeft(line, " \t")) > 0 {
			fix = ""
		}
		return lexError{Pos: pos, Len: 1, Message: `unexpected "#": comments start with // and run to the end of the line`, Fix: fix}
	case c == '$':
		return lexError{Pos: pos, Len: 1, Message: `unexpected "$": an amount names its currency by its ISO 4217 code after the number, as in 10 USD`}
	case c >= utf8.RuneSelf:
		r, size := utf8.DecodeRune(src[pos.Offset:])
		if r == utf8.RuneError && size <= 1 {
			return lexError{Pos: pos, Len: 1, Message: fmt.Sprintf("invalid UTF-8 byte %#x", c)}
		}
		if le, ok := describePasted(src, pos, r, size); ok {
			return le
		}
		return lexError{Pos: pos, Len: size, Message: fmt.Sprintf("unexpected character %q", string(r))}
	case c < ' ' || c == 0x7f:
		return lexError{Pos: pos, Len: 1, Message: fmt.Sprintf("unexpected control character %U", rune(c))}
	}
	return lexError{Pos: pos, Len: 1, Message: fmt.Sprintf("unexpected character %q", string(rune(c)))}
}

// pastedSigns are the typographic signs that text copied from a document,
// a spreadsheet or a web page brings along, with the plain text the
// language writes for each.
var pastedSigns = map[rune]string{
	'\u2013': "-", '\u2014': "-", '\u2212': "-", // en dash, em dash, minus sign
	'\u2264': "<=", '\u2265': ">=", '\u2260': "!=",
	'\u00d7': "*", '\u00f7': "/",
}

// currencySigns maps currency symbols to the ISO 4217 code an amount
// names; the symbols several currencies use have no entry.
var currencySigns = map[rune]string{
	'\u20ac': "EUR", '\u00a3': "GBP", '\u00a5': "JPY", '\u20b9': "INR", '\u20a9': "KRW",
	'\u20bd': "RUB", '\u20ba': "TRY", '\u20aa': "ILS", '\u20b1': "PHP", '\u20a6': "NGN",
	'\u0e3f': "THB", '\u20ab': "VND", '\u20b4': "UAH", '\u20b8': "KZT", '\u20be': "GEL",
}

// describePasted explains a character that text copied from a document
// brings along where the language has a plain one: typographic quotes, a
// space that is not a plain one, an invisible character, a dash for minus,
// a comparison or arithmetic sign, a currency symbol; and a bidirectional
// control character, refused as in strings and comments. ok is false for
// any other character.
func describePasted(src []byte, pos lexer.Position, r rune, size int) (le lexError, ok bool) {
	at := func(msg, fix string) (lexError, bool) {
		return lexError{Pos: pos, Len: size, Message: msg, Fix: fix}, true
	}
	switch {
	case strings.ContainsRune(doubleQuotes, r):
		return describeCurlyQuote(src, pos, size, doubleQuotes), true
	case strings.ContainsRune(singleQuotes, r):
		return describeCurlyQuote(src, pos, size, singleQuotes), true
	case strings.ContainsRune("\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000", r):
		return at(fmt.Sprintf("unexpected %U, a space that is not a plain one, as text copied from a document has: write a plain space", r), " ")
	case IsBidiControl(r):
		return at(fmt.Sprintf("unexpected %U, a bidirectional control character: it makes the text shown differ from the text read; delete it", r), "")
	case r == '\ufeff':
		return at("unexpected U+FEFF, a byte order mark, which is skipped only at the start of a file: delete it", "")
	case strings.ContainsRune("\u200b\u200c\u200d\u2060\u00ad", r):
		return at(fmt.Sprintf("unexpected %U, an invisible character, as text copied from a document has: delete it", r), "")
	case pastedSigns[r] != "":
		return at(fmt.Sprintf("unexpected %q (%U): write %s", string(r), r, pastedSigns[r]), pastedSigns[r])
	case currencySigns[r] != "":
		return at(fmt.Sprintf("unexpected %q: an amount names its currency by its ISO 4217 code after the number, as in 10 %s", string(r), currencySigns[r]), "")
	}
	return lexError{}, false
}

// The typographic quotes, double and single. A string opened by one of
// them closes with one of the same set: the apostrophe of “Player’s
// Choice” is part of the string.
const (
	doubleQuotes = "\u201c\u201d\u201e\u201f\u00ab\u00bb"
	singleQuotes = "\u2018\u2019\u201a\u201b"
)

// describeCurlyQuote explains a string written between typographic quotes,
// “Gold Quest”: its fix is the same text between straight double quotes,
// when a quote of the opening one's set (quotes) closes it on its line.
func describeCurlyQuote(src []byte, pos lexer.Position, size int, quotes string) lexError {
	line := src[pos.Offset+size:]
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	end := bytes.IndexFunc(line, func(r rune) bool { return strings.ContainsRune(quotes, r) })
	if end < 0 {
		return lexError{Pos: pos, Len: size, Message: `unexpected typographic quote: strings are written in straight double quotes, as in "slots"`}
	}
	_, closeSize := utf8.DecodeRune(line[end:])
	inner := strings.ReplaceAll(strings.ReplaceAll(string(line[:end]), `\`, `\\`), `"`, `\"`)
	fix := `"` + inner + `"`
	return lexError{Pos: pos, Len: size + end + closeSize, Message: "strings are written in straight double quotes: " + fix, Fix: fix}
}

// describeSingleQuote explains a string in single quotes, 'slots': its
// fix is the same text in double quotes.
func describeSingleQuote(src []byte, pos lexer.Position) lexError {
	end := pos.Offset + 1
	for end < len(src) && src[end] != '\'' && src[end] != '\n' {
		end++
	}
	if end >= len(src) || src[end] != '\'' {
		return lexError{Pos: pos, Len: 1, Message: `unexpected "'": strings are written in double quotes, as in "slots"`}
	}
	inner := strings.ReplaceAll(strings.ReplaceAll(string(src[pos.Offset+1:end]), `\`, `\\`), `"`, `\"`)
	fix := `"` + inner + `"`
	return lexError{Pos: pos, Len: end + 1 - pos.Offset, Message: "strings are written in double quotes: " + fix, Fix: fix}
}

// describeBadString explains why the string starting at offset did not lex:
// either it has an unknown escape or it does not end on its line.
func describeBadString(src []byte, pos lexer.Position) lexError {
	offset := pos.Offset
	for i := offset + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			if i+1 >= len(src) || src[i+1] == '\n' {
				return lexError{Pos: pos, Len: i - offset + 1, Message: `unterminated string: missing closing "`}
			}
			switch src[i+1] {
			case '"', '\\', 'n', 't':
				i++
			default:
				r, size := utf8.DecodeRune(src[i+1:])
				at := pos
				at.Offset = i // on the same line: the string has no newline before i
				return lexError{Pos: at, Len: 1 + size, Message: fmt.Sprintf(`unknown escape \%c in string; use \", \\, \n or \t`, r)}
			}
		case '\n':
			end := i
			if end > offset && src[end-1] == '\r' {
				end--
			}
			return lexError{Pos: pos, Len: end - offset, Message: `unterminated string: missing closing " before the end of the line`}
		case '"':
			i = len(src) // not reached: the String rule would have matched
		}
	}
	return lexError{Pos: pos, Len: len(src) - offset, Message: `unterminated string: missing closing "`}
}

// unquote returns the value of a String token, which the lexer has already
// checked: its escapes are \" \\ \n and \t.
func unquote(s string) string {
	s = s[1 : len(s)-1]
	i := 0
	for i < len(s) && s[i] != '\\' {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			default:
				c = s[i]
			}
		}
		b = append(b, c)
	}
	return string(b)
}
