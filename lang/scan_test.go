package lang

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/rogpeppe/go-internal/txtar"
)

// lexAll returns the tokens of a lexer up to its EOF or its error.
func lexAll(lex lexer.Lexer) ([]lexer.Token, error) {
	var out []lexer.Token
	for {
		t, err := lex.Next()
		if err != nil {
			return out, err
		}
		out = append(out, t)
		if t.EOF() {
			return out, nil
		}
	}
}

// checkHandLexer fails unless the hand-written lexer gives the same tokens,
// positions and error as the rules of newDefinition on src.
func checkHandLexer(t *testing.T, src string) {
	t.Helper()
	rules, _ := newDefinition().simple.LexString("x.promo", src)
	want, wantErr := lexAll(rules)
	got, gotErr := lexAll(newHandLexer("x.promo", src))
	if len(got) != len(want) {
		t.Fatalf("%q: %d tokens, want %d:\n got %v\nwant %v", src, len(got), len(want), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%q: token %d is %#v, want %#v", src, i, got[i], want[i])
		}
	}
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("%q: error %v, want %v", src, gotErr, wantErr)
	case gotErr != nil && gotErr.Error() != wantErr.Error():
		t.Fatalf("%q: error %q, want %q", src, gotErr, wantErr)
	case gotErr != nil && gotErr.(*lexer.Error).Pos != wantErr.(*lexer.Error).Pos:
		t.Fatalf("%q: error at %v, want %v", src, gotErr.(*lexer.Error).Pos, wantErr.(*lexer.Error).Pos)
	}
}

var handLexerCases = []string{
	"", " ", "\r\n\t x", "a_1 _b B9", "// c\r\nx // d", "/ // /x", "a/b",
	"== != <= >= < > = ! !x - + * /", "()[]{},.:=|%", "pct% (a)% 5 % 5%% %5", "'slots'", `"a" "b\"c\\d\ne\t" "é"`, `"\x"`, `"ab`, "\"a\nb\"", `"a\`,
	"2026-11-01", "2026-11-01T10:00", "2026-11-01 10:00:30", "2026-11-01 10", "2026-11-01T10:0", "2026-11-01 10:00:3",
	"2026-11-01t10:00", "2026-11-01t10:00:30", "2026-11-01t10", "2026-11-01t", "2026-11-01x10:00",
	"2026-1-01", "20261-11-01", "2026-11-0", "2026-11-01x",
	"10 EUR", "10EUR", "10.5 \t USD|", "10 EURO", "10 EU", "10. EUR", "10.x", "10.", "1.2.3", "10 eur", "10 EUR_", "10 EUR.",
	"7 days", "7days", "1 day", "2 weeks", "3 hours", "4 minutes", "1 minute", "1 minutesx", "1 dayx", "1 days_", "1.5 days", "1 dai", "1 d",
	"5%", "5.5%", "5 %", "12", "0.5", "007", "é", "x\xff", "\x00", "#", "$x", "a\u00a0b", "\"\xff\"", "é abcdefghijklmnopqrstu",
	"x\nyé\n  z", "é\"\n", "2026-11-01 EUR", "2026 EUR", "12 EURé",
}

func TestHandLexerMatchesRules(t *testing.T) {
	for _, src := range handLexerCases {
		checkHandLexer(t, src)
	}
	for _, src := range handLexerCorpus(t) {
		checkHandLexer(t, string(src))
	}
}

func FuzzHandLexer(f *testing.F) {
	for _, src := range handLexerCases {
		f.Add([]byte(src))
	}
	for _, src := range handLexerCorpus(f) {
		f.Add(src)
	}
	for _, src := range hostileSeeds() {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkHandLexer(t, string(src))
	})
}

// handLexerCorpus returns the examples and the inputs of the golden tests.
func handLexerCorpus(tb testing.TB) [][]byte {
	var out [][]byte
	for _, path := range exampleFiles(tb) {
		src, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, src)
	}
	golden, _ := filepath.Glob("testdata/parse/*.txtar")
	for _, path := range golden {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		for _, file := range ar.Files {
			out = append(out, file.Data)
		}
	}
	return out
}

// BenchmarkLex lexes the 200 rewards of the bench module with the rules of
// newDefinition and with handLexer.
func BenchmarkLex(b *testing.B) {
	src, err := os.ReadFile("../bench/testdata/rules200.promo")
	if err != nil {
		b.Skip(err)
	}
	def := newDefinition().simple
	lexers := []struct {
		name string
		new  func() lexer.Lexer
	}{
		{"rules", func() lexer.Lexer { l, _ := def.LexString("x", string(src)); return l }},
		{"hand", func() lexer.Lexer { return newHandLexer("x", string(src)) }},
	}
	for _, l := range lexers {
		b.Run(l.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := lexAll(l.new()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
