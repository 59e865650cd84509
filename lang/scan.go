package lang

import (
	"fmt"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// handLexer is the lexer of the grammar written by hand: it produces the
// same tokens, positions and errors as the rules of newDefinition, tried in
// order with the first match winning (TestHandLexerMatchesRules and
// FuzzHandLexer compare the two), without a regular expression. The rules
// that can match at a position are known from its first byte: a digit
// starts only DateTime, Money, Duration, Percent or Number, tried in that
// order; a letter or _ only an Ident; and so on.
type handLexer struct {
	data string
	off  int            // of the next byte of data
	pos  lexer.Position // of the next byte of data
}

func newHandLexer(name, data string) *handLexer {
	return &handLexer{data: data, pos: lexer.Position{Filename: name, Line: 1, Column: 1}}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

// isWord is \w of a regular expression: the characters either side of \b.
func isWord(c byte) bool { return isIdentStart(c) || isDigit(c) }

// Next returns the next token, skipping whitespace, or an error at a
// character that starts no token.
func (l *handLexer) Next() (lexer.Token, error) {
	d := l.data
	for l.off < len(d) {
		start := l.off
		c := d[start]
		var typ lexer.TokenType
		end := -1
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i := start + 1
			for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n') {
				i++
			}
			l.advance(start, i)
			continue
		case isIdentStart(c):
			i := start + 1
			for i < len(d) && isWord(d[i]) {
				i++
			}
			typ, end = tokIdent, i
		case isDigit(c):
			typ, end = l.number(start)
		case c == '/' && start+1 < len(d) && d[start+1] == '/':
			i := start + 2
			for i < len(d) && d[i] != '\r' && d[i] != '\n' {
				i++
			}
			typ, end = tokComment, i
		case c == '=' || c == '!' || c == '<' || c == '>':
			if start+1 < len(d) && d[start+1] == '=' {
				typ, end = tokOperator, start+2
			} else if c == '<' || c == '>' {
				typ, end = tokOperator, start+1
			} else if c == '=' {
				typ, end = tokPunct, start+1
			}
		case c == '-' || c == '+' || c == '*' || c == '/':
			typ, end = tokOperator, start+1
		case c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' ||
			c == ',' || c == '.' || c == ':' || c == '|' || c == '%':
			typ, end = tokPunct, start+1
		case c == '"':
			if i := stringEnd(d, start); i >= 0 {
				typ, end = tokString, i
			}
		}
		if end < 0 {
			sample := []rune(d[start:])
			if len(sample) > 16 {
				sample = append(sample[:16], []rune("...")...)
			}
			return lexer.Token{}, &lexer.Error{Msg: fmt.Sprintf("lexer: invalid input text %q", string(sample)), Pos: l.pos}
		}
		pos := l.pos
		l.advance(start, end)
		return lexer.Token{Type: typ, Value: d[start:end], Pos: pos}, nil
	}
	return lexer.EOFToken(l.pos), nil
}

// advance moves past d[start:end], as lexer.Position.Advance does.
func (l *handLexer) advance(start, end int) {
	span := l.data[start:end]
	l.off = end
	l.pos.Offset += len(span)
	ascii, nl := true, -1
	for i := 0; i < len(span); i++ {
		switch c := span[i]; {
		case c == '\n':
			l.pos.Line++
			nl = i
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if nl < 0 {
		if ascii {
			l.pos.Column += len(span)
		} else {
			l.pos.Column += utf8.RuneCountInString(span)
		}
		return
	}
	l.pos.Column = utf8.RuneCountInString(span[nl:])
}

// stringEnd returns the end of the String token at start, or -1: the rule
// `"(?:\\["\\nt]|[^"\\\n])*"`.
func stringEnd(d string, start int) int {
	for i := start + 1; i < len(d); i++ {
		switch d[i] {
		case '"':
			return i + 1
		case '\n':
			return -1
		case '\\':
			if i+1 >= len(d) {
				return -1
			}
			switch d[i+1] {
			case '"', '\\', 'n', 't':
				i++
			default:
				return -1
			}
		}
	}
	return -1
}

// digits returns the end of the digits from i.
func digits(d string, i int) int {
	for i < len(d) && isDigit(d[i]) {
		i++
	}
	return i
}

// digitsN returns i+n if d has n digits at i, else -1.
func digitsN(d string, i, n int) int {
	if i+n > len(d) {
		return -1
	}
	for j := i; j < i+n; j++ {
		if !isDigit(d[j]) {
			return -1
		}
	}
	return i + n
}

// number lexes the token at start, a digit, by the rules DateTime, Money,
// Duration, Percent and Number, in that order.
func (l *handLexer) number(start int) (lexer.TokenType, int) {
	d := l.data
	// DateTime: \d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2})?)?
	if end := dateTimeEnd(d, start); end >= 0 {
		return tokDateTime, end
	}
	intEnd := digits(d, start)
	// \d+(?:\.\d+)?: the optional fraction is taken when it matches; the
	// rules that follow it never match a digit or a dot, so giving it back
	// never helps.
	numEnd := intEnd
	if intEnd+1 < len(d) && d[intEnd] == '.' && isDigit(d[intEnd+1]) {
		numEnd = digits(d, intEnd+1)
	}
	// Money: \d+(?:\.\d+)?[ \t]*[A-Z]{3}\b
	i := numEnd
	for i < len(d) && (d[i] == ' ' || d[i] == '\t') {
		i++
	}
	if i+3 <= len(d) && isUpper(d[i]) && isUpper(d[i+1]) && isUpper(d[i+2]) && (i+3 == len(d) || !isWord(d[i+3])) {
		return tokMoney, i + 3
	}
	// Duration: \d+[ \t]*(?:minutes?|hours?|days?|weeks?)\b
	i = intEnd
	for i < len(d) && (d[i] == ' ' || d[i] == '\t') {
		i++
	}
	for _, unit := range [...]string{"minute", "hour", "day", "week"} {
		if len(d)-i >= len(unit) && d[i:i+len(unit)] == unit {
			j := i + len(unit)
			if j < len(d) && d[j] == 's' && (j+1 == len(d) || !isWord(d[j+1])) {
				return tokDuration, j + 1
			}
			if j == len(d) || !isWord(d[j]) {
				return tokDuration, j
			}
			break // the units begin with different letters
		}
	}
	// Percent: \d+(?:\.\d+)?%
	if numEnd < len(d) && d[numEnd] == '%' {
		return tokPercent, numEnd + 1
	}
	return tokNumber, numEnd
}

// dateTimeEnd returns the end of the DateTime token at start, or -1.
func dateTimeEnd(d string, start int) int {
	i := digitsN(d, start, 4)
	if i < 0 || i >= len(d) || d[i] != '-' {
		return -1
	}
	if i = digitsN(d, i+1, 2); i < 0 || i >= len(d) || d[i] != '-' {
		return -1
	}
	if i = digitsN(d, i+1, 2); i < 0 {
		return -1
	}
	date := i
	if i >= len(d) || d[i] != 'T' && d[i] != 't' && d[i] != ' ' {
		return date
	}
	if i = digitsN(d, i+1, 2); i < 0 || i >= len(d) || d[i] != ':' {
		return date
	}
	if i = digitsN(d, i+1, 2); i < 0 {
		return date
	}
	minutes := i
	if i >= len(d) || d[i] != ':' {
		return minutes
	}
	if i = digitsN(d, i+1, 2); i < 0 {
		return minutes
	}
	return i
}
