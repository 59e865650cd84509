package lsp

import (
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// decodeTokens turns the data of semantic tokens back into "text:type"
// words, the type followed by +modifier for each modifier, the text cut
// out of the source by the test's own UTF-16 count.
func decodeTokens(t *testing.T, text string, data []protocol.UInteger) []string {
	t.Helper()
	require.Zero(t, len(data)%5)
	lines := strings.Split(text, "\n")
	var out []string
	var line, char protocol.UInteger
	for i := 0; i < len(data); i += 5 {
		if data[i] > 0 {
			line += data[i]
			char = data[i+1]
		} else {
			char += data[i+1]
		}
		units := utf16.Encode([]rune(lines[line]))
		require.LessOrEqual(t, int(char+data[i+2]), len(units), "token past the end of line %d", line)
		word := string(utf16.Decode(units[char : char+data[i+2]]))
		word += ":" + tokenTypes[data[i+3]]
		for b, m := range tokenModifiers {
			if data[i+4]&(1<<b) != 0 {
				word += "+" + m
			}
		}
		out = append(out, word)
	}
	return out
}

const semanticSource = `// Gold 🎰
currencies EUR
kind bet {
	amount: money
	game: string
}

const rate = 5%

reward r: amount {
	window last 7 days
	let bets = sum(bet.amount where game == "Gold 🎰" and amount > 10 EUR)
	give rate of max(bets, 1 EUR)
}
`

func TestSemanticTokens(t *testing.T) {
	c := newClient(t, nil)
	c.open("a.promo", semanticSource)
	require.Empty(t, c.diagnostics("a.promo"))
	var res protocol.SemanticTokens
	c.call("textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": c.uri("a.promo")}}, &res)
	want := []string{"// Gold 🎰:comment",
		"currencies:keyword", "EUR:enumMember+readonly",
		"kind:keyword", "bet:type+declaration",
		"amount:property+declaration", "money:type+defaultLibrary",
		"game:property+declaration", "string:type+defaultLibrary",
		"const:keyword", "rate:variable+declaration+readonly", "5%:number",
		"reward:keyword", "r:function+declaration", "amount:keyword",
		"window:keyword", "last:keyword", "7 days:number",
		"let:keyword", "bets:variable+declaration", "sum:function+defaultLibrary", "bet:type", "amount:property",
		"where:keyword", "game:property", "==:operator", `"Gold 🎰":string`, "and:keyword", "amount:property", ">:operator", "10 EUR:number",
		"give:keyword", "rate:variable+readonly", "of:keyword", "max:function+defaultLibrary", "bets:variable", "1 EUR:number"}
	assert.Equal(t, want, decodeTokens(t, semanticSource, res.Data))

	// A range: the tokens of its lines, the first relative to the start
	// of the file.
	c.call("textDocument/semanticTokens/range", map[string]any{"textDocument": map[string]any{"uri": c.uri("a.promo")},
		"range": map[string]any{"start": map[string]any{"line": 11, "character": 30}, "end": map[string]any{"line": 12, "character": 2}}}, &res)
	assert.Equal(t, want[18:], decodeTokens(t, semanticSource, res.Data))

	// A file that does not parse: names classified up to the error, the
	// rest lexed.
	broken := "const a = 1\nreward r: amount {\n\tgive a +\n"
	c.change("a.promo", broken)
	c.call("textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": c.uri("a.promo")}}, &res)
	assert.Equal(t, []string{"const:keyword", "a:variable+declaration+readonly", "1:number",
		"reward:keyword", "r:variable", "amount:keyword", "give:keyword", "a:variable", "+:operator"}, decodeTokens(t, broken, res.Data))
}

func TestSemanticTokensCapability(t *testing.T) {
	c := startClient(t, t.TempDir(), Options{})
	var res struct {
		Capabilities struct {
			SemanticTokensProvider struct {
				Legend protocol.SemanticTokensLegend `json:"legend"`
				Full   bool                          `json:"full"`
				Range  bool                          `json:"range"`
			} `json:"semanticTokensProvider"`
		} `json:"capabilities"`
	}
	c.call("initialize", map[string]any{"processId": nil, "rootUri": nil, "capabilities": map[string]any{}}, &res)
	p := res.Capabilities.SemanticTokensProvider
	assert.True(t, p.Full)
	assert.True(t, p.Range)
	assert.Equal(t, tokenTypes, p.Legend.TokenTypes)
	assert.Equal(t, tokenModifiers, p.Legend.TokenModifiers)
}

// within, a word of approval manual within 7 days and of attribution, is
// coloured as a keyword, though it is not one.
func TestSemanticTokensWithin(t *testing.T) {
	src := "reward r: amount {\n\tapproval manual within 7 days\n\tgive 1 EUR\n}\n"
	c := newClient(t, nil)
	c.open("a.promo", src)
	require.Empty(t, c.diagnostics("a.promo"))
	var res protocol.SemanticTokens
	c.call("textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": c.uri("a.promo")}}, &res)
	assert.Equal(t, []string{"reward:keyword", "r:function+declaration", "amount:keyword",
		"approval:keyword", "manual:keyword", "within:keyword", "7 days:number",
		"give:keyword", "1 EUR:number"}, decodeTokens(t, src, res.Data))
}
