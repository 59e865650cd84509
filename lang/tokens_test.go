package lang

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // kind:text
	}{
		{"reward", "reward x: amount { give 10 EUR }", []string{"keyword:reward", "ident:x", "punct::", "contextual:amount", "punct:{", "keyword:give", "money:10 EUR", "punct:}"}},
		{"half typed", "let a = 10 E", []string{"keyword:let", "ident:a", "punct:=", "number:10", "ident:E"}},
		{"comment", "x // note\ny", []string{"ident:x", "comment:// note", "ident:y"}},
		{"invalid goes on", "a ! b", []string{"ident:a", "invalid:!", "ident:b"}},
		{"unterminated string", "skip \"no end\nlet", []string{"keyword:skip", "invalid:\"no end", "keyword:let"}},
		{"utf8", "a é b", []string{"ident:a", "invalid:é", "ident:b"}},
		{"binary", "\x00\xff1", []string{"invalid:\x00", "invalid:\xff", "number:1"}},
		// As Parse reads them: a zero-width space is refused in a string
		// only, a bidirectional control in both.
		{"invisible in a comment", "x // a\u200bb\ny", []string{"ident:x", "comment:// a\u200bb", "ident:y"}},
		{"invisible in a string", "\"a\u200bb\"", []string{"invalid:\"a\u200bb\""}},
		{"bidirectional in a comment", "// a\u202eb", []string{"invalid:// a\u202eb"}},
		{"literals", `5% 7 days 2026-11-01 "s" <=`, []string{"percent:5%", "duration:7 days", "date:2026-11-01", `string:"s"`, "operator:<="}},
	}
	names := map[TokenKind]string{TokenInvalid: "invalid", TokenIdent: "ident", TokenKeyword: "keyword", TokenContextual: "contextual",
		TokenComment: "comment", TokenOperator: "operator", TokenPunct: "punct", TokenString: "string", TokenDate: "date",
		TokenMoney: "money", TokenDuration: "duration", TokenPercent: "percent", TokenNumber: "number"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tok := range Tokens([]byte(tt.src)) {
				got = append(got, names[tok.Kind]+":"+tok.Text)
				assert.Equal(t, tok.Text, tt.src[tok.Span.Start.Offset:tok.Span.End.Offset], "span of %q", tok.Text)
			}
			assert.Equal(t, tt.want, got, "Tokens(%q)", tt.src)
		})
	}
}

func TestTokensPositions(t *testing.T) {
	toks := Tokens([]byte("a\n  bc"))
	assert.Equal(t, Pos{Offset: 4, Line: 2, Col: 3}, toks[1].Span.Start)
	assert.Equal(t, Pos{Offset: 6, Line: 2, Col: 5}, toks[1].Span.End)
}

func FuzzTokens(f *testing.F) {
	f.Add([]byte("reward x: amount { give 10 EUR }"))
	f.Add([]byte("\"a\\q\" ! é \x00"))
	for _, src := range hostileSeeds() {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		end := 0
		for _, tok := range Tokens(src) {
			if tok.Span.Start.Offset < end || tok.Span.End.Offset <= tok.Span.Start.Offset || tok.Span.End.Offset > len(src) {
				t.Fatalf("bad span %v of %q after %d", tok.Span, tok.Text, end)
			}
			end = tok.Span.End.Offset
		}
	})
}
