package lang

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang/limits"
)

func TestTokenTypes(t *testing.T) {
	syms := parser.Lexer().Symbols()
	want := map[string]lexer.TokenType{
		"EOF":        lexer.EOF,
		"whitespace": tokWhitespace,
		"Ident":      tokIdent,
		"Comment":    tokComment,
		"Operator":   tokOperator,
		"Punct":      tokPunct,
		"String":     tokString,
		"DateTime":   tokDateTime,
		"Money":      tokMoney,
		"Duration":   tokDuration,
		"Percent":    tokPercent,
		"Number":     tokNumber,
		"Keyword":    tokKeyword,
		"Contextual": tokContextual,
	}
	assert.Equal(t, want, syms)
}

var tokNames = map[lexer.TokenType]string{
	tokIdent: "Ident", tokOperator: "Operator", tokPunct: "Punct", tokString: "String",
	tokDateTime: "DateTime", tokMoney: "Money", tokDuration: "Duration", tokPercent: "Percent",
	tokNumber: "Number", tokKeyword: "Keyword", tokContextual: "Contextual",
}

// lexString renders the tokens of src as "Type:value" strings, comments and
// the final EOF left out.
func lexString(src string) ([]string, *lexError) {
	sc := newScanner("x", []byte(src))
	var out []string
	for {
		t, err := sc.Next()
		if err != nil {
			panic(err)
		}
		if t.EOF() {
			return out, sc.err
		}
		out = append(out, fmt.Sprintf("%s:%s", tokNames[t.Type], t.Value))
	}
}

func TestScan(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"2026-11-01", []string{"DateTime:2026-11-01"}},
		{"2026-11-01 10:00", []string{"DateTime:2026-11-01 10:00"}},
		{"2026-11-01T10:00:30", []string{"DateTime:2026-11-01T10:00:30"}},
		{"2026-11-01t10:00:30", []string{"DateTime:2026-11-01t10:00:30"}}, // RFC 3339, 5.6, NOTE
		{"2026-11-01t10", []string{"DateTime:2026-11-01", "Ident:t10"}},
		{"2026-11-01 10 EUR", []string{"DateTime:2026-11-01", "Money:10 EUR"}},
		{"10 EUR", []string{"Money:10 EUR"}},
		{"2.735 EUR", []string{"Money:2.735 EUR"}},
		{"25000JPY", []string{"Money:25000JPY"}},
		{"10 EURO", []string{"Number:10", "Ident:EURO"}},
		{"10 eur", []string{"Number:10", "Ident:eur"}},
		{"7 days", []string{"Duration:7 days"}},
		{"1 day", []string{"Duration:1 day"}},
		{"90 minutes 2 hours 1 week", []string{"Duration:90 minutes", "Duration:2 hours", "Duration:1 week"}},
		{"7 dayz", []string{"Number:7", "Ident:dayz"}},
		{"5%", []string{"Percent:5%"}},
		{"0.5%", []string{"Percent:0.5%"}},
		{"12 0.5", []string{"Number:12", "Number:0.5"}},
		{`"a \"b\" \\ \n \t"`, []string{`String:"a \"b\" \\ \n \t"`}},
		{"amount amounts", []string{"Contextual:amount", "Ident:amounts"}},
		{"kind kindness _kind", []string{"Keyword:kind", "Ident:kindness", "Ident:_kind"}},
		{"week weekend weekends", []string{"Contextual:week", "Contextual:weekend", "Ident:weekends"}},
		{"sum min count money", []string{"Ident:sum", "Ident:min", "Ident:count", "Ident:money"}},
		{"a==b!=c<=d>=e<f>g", []string{"Ident:a", "Operator:==", "Ident:b", "Operator:!=", "Ident:c", "Operator:<=", "Ident:d", "Operator:>=", "Ident:e", "Operator:<", "Ident:f", "Operator:>", "Ident:g"}},
		{"a/b // c\n-d", []string{"Ident:a", "Operator:/", "Ident:b", "Operator:-", "Ident:d"}},
		{"(){}[],.:=|", []string{"Punct:(", "Punct:)", "Punct:{", "Punct:}", "Punct:[", "Punct:]", "Punct:,", "Punct:.", "Punct::", "Punct:=", "Punct:|"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := lexString(tt.src)
			require.Nil(t, err)
			assert.Equal(t, tt.want, got, "lex(%q)", tt.src)
		})
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		len    int
		msg    string
	}{
		{"a $ b", 2, 1, `unexpected "$": an amount names its currency by its ISO 4217 code after the number, as in 10 USD`},
		{"a @ b", 2, 1, `unexpected character "@"`},
		{"a ! b", 2, 1, `unexpected "!"; write != for "not equal", or not before a condition`},
		{"a é", 2, 2, `unexpected character "é"`},
		{"a \xff", 2, 1, `invalid UTF-8 byte 0xff`},
		{"a \x01", 2, 1, `unexpected control character U+0001`},
		{`x "abc`, 2, 4, `unterminated string: missing closing "`},
		{"x \"abc\r\ny", 2, 4, `unterminated string: missing closing " before the end of the line`},
		{`x "a\qb"`, 4, 2, `unknown escape \q in string; use \", \\, \n or \t`},
		{`x "a\`, 2, 3, `unterminated string: missing closing "`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := lexString(tt.src)
			require.NotNil(t, err)
			assert.Equal(t, tt.msg, err.Message)
			assert.Equal(t, tt.offset, err.Pos.Offset)
			assert.Equal(t, tt.len, err.Len)
		})
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct{ in, want string }{
		{`""`, ""},
		{`"abc"`, "abc"},
		{`"a\"b"`, `a"b`},
		{`"a\\b"`, `a\b`},
		{`"a\nb\tc"`, "a\nb\tc"},
		{`"é"`, "é"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, unquote(tt.in), "unquote(%s)", tt.in)
	}
}

func TestScanLimits(t *testing.T) {
	tests := []struct {
		name, src string
		offset    int // of the error
		msg       string
	}{
		{"brackets", "const x = " + strings.Repeat("(", limits.Nesting+1), len("const x = ") + limits.Nesting,
			fmt.Sprintf("brackets nested too deeply: more than %d levels (limits.Nesting)", limits.Nesting)},
		{"operators", "const x = " + strings.Repeat("if a then b else ", limits.Operators+1) + "c", -1,
			fmt.Sprintf("expression too long: more than %d operators (limits.Operators)", limits.Operators)},
		{"unary minus", "const x = " + strings.Repeat("-", 5000) + "1", len("const x = ") + limits.Nesting,
			fmt.Sprintf("expression nested too deeply: more than %d operators in a row (limits.Nesting)", limits.Nesting)},
		{"not", "const x = " + strings.Repeat("not ", limits.Nesting+1) + "true", len("const x = ") + 4*limits.Nesting,
			fmt.Sprintf("expression nested too deeply: more than %d operators in a row (limits.Nesting)", limits.Nesting)},
		{"minus and parentheses", "const x = " + strings.Repeat("-(", limits.Nesting/2+1) + "1", len("const x = ") + limits.Nesting,
			fmt.Sprintf("expression nested too deeply: more than %d operators in a row (limits.Nesting)", limits.Nesting)},
		{"digits", "const x = " + strings.Repeat("9", limits.Digits+1), len("const x = "),
			fmt.Sprintf("number too long: more than %d characters (limits.Digits)", limits.Digits)},
		{"digits of money", "const x = 1." + strings.Repeat("0", limits.Digits) + " EUR", len("const x = "),
			fmt.Sprintf("number too long: more than %d characters (limits.Digits)", limits.Digits)},
		{"digits of a duration", "const x = " + strings.Repeat("9", limits.Digits+1) + " days", len("const x = "),
			fmt.Sprintf("number too long: more than %d characters (limits.Digits)", limits.Digits)},
		{"decimals", "const x = 0." + strings.Repeat("1", limits.Decimals+1) + "%", len("const x = "),
			fmt.Sprintf("number with too many decimals: more than %d digits after the point (limits.Decimals)", limits.Decimals)},
		{"declarations", strings.Repeat("const c = 1\n", limits.Declarations) + "player { p: number }", 12 * limits.Declarations,
			fmt.Sprintf("too many declarations in one file: more than %d (limits.Declarations)", limits.Declarations)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := lexString(tt.src)
			require.NotNil(t, err)
			assert.Equal(t, tt.msg, err.Message)
			assert.Equal(t, CodeExceededLimit, err.Code)
			if tt.offset >= 0 {
				assert.Equal(t, tt.offset, err.Pos.Offset)
			}
		})
	}

	// Within the limits, nothing is reported.
	for _, src := range []string{
		"const x = " + strings.Repeat("-", limits.Nesting) + "1",
		"const x = " + strings.Repeat("9", limits.Digits),
		"const x = 0." + strings.Repeat("1", limits.Decimals) + " EUR",
		"const x = " + strings.Repeat("1 + ", limits.Operators) + "1",
		// player in a const's value and template after a reward's colon
		// begin no declaration.
		strings.Repeat("const c = 1 + player.x\nreward r: template { give t }\n", limits.Declarations/2),
	} {
		_, err := lexString(src)
		assert.Nil(t, err, "%.40s...", src)
	}

	// The count starts again at each token that cannot be in an expression.
	var many strings.Builder
	many.WriteString("player {\n")
	for i := range limits.Operators + 10 {
		fmt.Fprintf(&many, "\tf%d: number default 1 + 2\n", i)
	}
	many.WriteString("}\n")
	_, err := lexString(many.String())
	assert.Nil(t, err)
}
