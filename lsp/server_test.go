package lsp

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/format"
)

// The workspace of most tests: a schema and rewards in two files of one
// rule set.
var workspace = map[string]string{
	"schema.promo": `// A bet on a game.
kind bet {
	// The stake.
	amount: money
	game: string
}

kind deposit {
	amount: money
	method: string
}

player {
	// The VIP level, 0 to 5.
	vip_level: number default 0
	country: string
}

// Ten free spins.
template spins "10 Free Spins"

// The most any bonus gives.
const max_bonus = 200 EUR | 220 USD
const rate = 12.5%
`,
	"rewards.promo": `// Cashback on bets.
reward cashback: amount {
	window last 7 days
	round down to 2 decimals
	cap max_bonus

	let bets = sum(bet.amount where game == "Gold Quest")
	tiers bets {
		above 500 EUR: give rate of bets
		above 100 EUR: give max(1% of bets, 1 EUR)
	}
}

reward free: template {
	check player.vip_level >= 3 {
		give spins
	}
	skip "not a VIP"
}
`,
}

func TestInitialize(t *testing.T) {
	c := startClient(t, t.TempDir(), Options{})
	var res protocol.InitializeResult
	c.call("initialize", map[string]any{"processId": nil, "rootUri": nil, "capabilities": map[string]any{}}, &res)
	require.NotNil(t, res.ServerInfo)
	assert.Equal(t, "promoc", res.ServerInfo.Name)
	raw, _ := json.Marshal(res.Capabilities)
	for _, want := range []string{`"change":2`, `"hoverProvider":true`, `"prepareProvider":true`, `"documentFormattingProvider":true`,
		`"definitionProvider":true`, `"referencesProvider":true`, `"workspaceSymbolProvider":true`, `"quickfix"`, `"triggerCharacters":["."]`} {
		assert.Contains(t, string(raw), want)
	}
	c.notify("initialized", map[string]any{})
	c.shutdown()
}

func TestNoShutdown(t *testing.T) {
	c := startClient(t, t.TempDir(), Options{})
	c.initialize()
	c.w.Close()
	select {
	case err := <-c.done:
		assert.ErrorIs(t, err, ErrNoShutdown)
		c.done <- nil
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not stop when its input closed")
	}
}

func TestRequestBeforeInitialize(t *testing.T) {
	c := startClient(t, t.TempDir(), Options{})
	r := c.request("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": "file:///x.promo"}, "position": map[string]any{"line": 0, "character": 0}})
	require.NotNil(t, r.Error)
	assert.Contains(t, r.Error.Message, "not initialized")
}

func TestUnknownMethod(t *testing.T) {
	c := newClient(t, nil)
	r := c.request("textDocument/codeLens", map[string]any{})
	require.NotNil(t, r.Error)
	assert.Equal(t, -32601, r.Error.Code)
}

func TestDiagnosticsOnOpenAndChange(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards.promo")
	assert.Empty(t, c.diagnostics("rewards.promo"))

	text := strings.Replace(workspace["rewards.promo"], "give rate of bets", "give rat of bets", 1)
	c.change("rewards.promo", text)
	diags := c.diagnostics("rewards.promo")
	require.Len(t, diags, 1)
	d := diags[0]
	assert.Equal(t, "undefined: rat (did you mean rate?)", d.Message)
	assert.Equal(t, "undefined-name", d.Code)
	assert.Equal(t, protocol.DiagnosticSeverityError, d.Severity)
	assert.Equal(t, "promoc", d.Source)
	start := c.pos("rewards.promo", "rat of", 1, 0)
	assert.Equal(t, protocol.Range{Start: start, End: protocol.Position{Line: start.Line, Character: start.Character + 3}}, d.Range)

	c.change("rewards.promo", workspace["rewards.promo"])
	assert.Empty(t, c.diagnostics("rewards.promo"), "diagnostics that went away are cleared")
}

func TestDiagnosticRangesCountUTF16(t *testing.T) {
	c := newClient(t, nil)
	c.open("a.promo", "// Café ☕\nconst t = \"é🎰\" + nope\n")
	diags := c.diagnostics("a.promo")
	require.Len(t, diags, 1)
	// const t = "é🎰" + nope: é is one UTF-16 unit, 🎰 two.
	assert.Equal(t, protocol.Range{Start: protocol.Position{Line: 1, Character: 18}, End: protocol.Position{Line: 1, Character: 22}}, diags[0].Range)
}

func TestDiagnosticsAcrossFiles(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards.promo")
	require.Empty(t, c.diagnostics("rewards.promo"), "names of schema.promo, on disk, resolve")

	// Renaming the kind in the schema's buffer breaks the rewards, which
	// get their diagnostics although they did not change.
	c.open("schema.promo")
	c.diagnostics("schema.promo")
	before := c.publishes("rewards.promo")
	c.change("schema.promo", strings.Replace(workspace["schema.promo"], "kind bet {", "kind bets {", 1))
	assert.Empty(t, c.diagnostics("schema.promo"))
	require.Eventually(t, func() bool { return c.publishes("rewards.promo") > before }, 5*time.Second, 5*time.Millisecond)
	diags := c.diagnostics("rewards.promo")
	require.NotEmpty(t, diags)
	assert.Contains(t, diags[0].Message, "unknown transaction kind bet (did you mean bets?)")
}

func TestErrorsInOneFileDoNotStopOthers(t *testing.T) {
	c := newClient(t, workspace)
	c.open("schema.promo")
	c.open("rewards.promo")
	c.change("schema.promo", workspace["schema.promo"]+"\nconst = 1\n")
	c.change("rewards.promo", strings.Replace(workspace["rewards.promo"], "max(1% of bets,", "max(1% of bets + 5,", 1))
	schema := c.diagnostics("schema.promo")
	require.Len(t, schema, 1)
	assert.Equal(t, "bad-syntax", schema[0].Code)
	rewards := c.diagnostics("rewards.promo")
	require.Len(t, rewards, 1)
	assert.Contains(t, rewards[0].Message, "cannot add Money and Number")
}

func TestWorkspaceFilesGetDiagnostics(t *testing.T) {
	files := map[string]string{"schema.promo": workspace["schema.promo"], "bad.promo": "reward r: amount { give nope }\n",
		"sub/other.promo": "const x = 1 EUX\n", "testdata/skipped.promo": "garbage (\n"}
	c := newClient(t, files)
	// Nothing is open: the workspace folder's rule sets are analyzed at start.
	diags := c.diagnostics("bad.promo")
	require.Len(t, diags, 1)
	assert.Equal(t, "undefined: nope", diags[0].Message)
	diags = c.diagnostics("sub/other.promo")
	require.Len(t, diags, 1, "sub is a rule set of its own")
	assert.Equal(t, "unknown currency EUX (did you mean EUR?)", diags[0].Message)
	time.Sleep(50 * time.Millisecond)
	assert.Zero(t, c.publishes("testdata/skipped.promo"), "testdata is not a rule set")
}

func TestCloseRestoresTheFileOnDisk(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards.promo")
	c.change("rewards.promo", "reward r: amount { give nope }\n")
	require.Len(t, c.diagnostics("rewards.promo"), 1)
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": c.uri("rewards.promo")}})
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		last := c.pubs[len(c.pubs)-1]
		return last.URI == c.uri("rewards.promo") && len(last.Diagnostics) == 0
	}, 5*time.Second, 5*time.Millisecond)
}

func TestDebounce(t *testing.T) {
	dir := t.TempDir()
	c := startClient(t, dir, Options{Debounce: 500 * time.Millisecond})
	c.initialize()
	c.open("a.promo", "const a = 1\n")
	c.diagnostics("a.promo")
	before := c.publishes("a.promo")
	text := "const a = 1\n"
	for i := 0; i < 20; i++ {
		text += "const b" + string(rune('a'+i)) + " = nope\n"
		c.change("a.promo", text)
	}
	diags := c.diagnostics("a.promo")
	assert.Len(t, diags, 20, "the last version is analyzed")
	assert.Less(t, c.publishes("a.promo")-before, 5, "a burst of changes makes few analyses")
}

func TestBrokenTestFile(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards_test.promo", "test \"x\" {\n")
	diags := c.diagnostics("rewards_test.promo")
	require.NotEmpty(t, diags)
	assert.Equal(t, "bad-syntax", diags[0].Code)
	c.open("rewards.promo")
	assert.Empty(t, c.diagnostics("rewards.promo"), "a test file is not part of the rule set")
}

func TestHandlerPanicIsAnInternalError(t *testing.T) {
	dir := t.TempDir()
	buf := &syncBuffer{}
	s := New(Options{Log: buf, Debounce: 5 * time.Millisecond})
	s.handler.TextDocumentHover = func(*glsp.Context, *protocol.HoverParams) (*protocol.Hover, error) {
		var m map[string]int
		m["boom"]++ // a nil map: the handler panics
		return nil, nil
	}
	cl := startServerClient(t, dir, s, buf)
	cl.initialize()
	cl.open("a.promo", "const a = 1\n")
	r := cl.request("textDocument/hover", cl.at("a.promo", "a", 0))
	require.NotNil(t, r.Error)
	assert.Equal(t, -32603, r.Error.Code)
	assert.Contains(t, r.Error.Message, "internal error")
	assert.Contains(t, cl.log.String(), "internal error in textDocument/hover")
	var syms []protocol.DocumentSymbol
	cl.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": cl.uri("a.promo")}}, &syms)
	assert.Len(t, syms, 1, "the server goes on")
	cl.allowInternal = true
	cl.shutdown()
}

func TestStaleVersionNeverPublishedLast(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards.promo")
	for i := 0; i < 30; i++ {
		c.change("rewards.promo", strings.Repeat("\n", i)+workspace["rewards.promo"])
		if i%7 == 0 {
			// A request in the middle analyzes at once.
			c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": c.uri("rewards.promo")}}, nil)
		}
	}
	c.diagnostics("rewards.promo")
	time.Sleep(50 * time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	var last protocol.UInteger
	for _, p := range c.pubs {
		if p.URI == c.uri("rewards.promo") && p.Version != nil {
			assert.GreaterOrEqual(t, *p.Version, last, "versions are published in order")
			last = *p.Version
		}
	}
	assert.Equal(t, protocol.UInteger(31), last)
}

// hoverText returns the text of the hover at the marker, or "".
func hoverText(t *testing.T, c *client, file, marker string, delta int) string {
	t.Helper()
	var h *struct {
		Contents protocol.MarkupContent `json:"contents"`
	}
	c.call("textDocument/hover", c.at(file, marker, delta), &h)
	if h == nil {
		return ""
	}
	return h.Contents.Value
}

func TestHover(t *testing.T) {
	tests := []struct {
		name, file, marker string
		delta              int
		want               []string
	}{
		{"per-currency const", "rewards.promo", "max_bonus", 0, []string{"const max_bonus: Money (in the player's currency) = 200 EUR | 220 USD", "- EUR: 200 EUR", "- USD: 220 USD", "The most any bonus gives.", "schema.promo, line 23"}},
		{"percent const", "rewards.promo", "rate of", 0, []string{"const rate: Percent = 12.5%"}},
		{"let", "rewards.promo", "bets {", 0, []string{"let bets: Money (in the player's currency)", "reward `cashback`"}},
		{"declaring let", "rewards.promo", "bets =", 0, []string{"let bets: Money"}},
		{"kind", "rewards.promo", "bet.amount", 0, []string{"kind bet {", "game: string", "A bet on a game."}},
		{"attribute", "rewards.promo", "bet.amount", 4, []string{"bet.amount: Money", "The stake."}},
		{"attribute in where", "rewards.promo", "game ==", 0, []string{"bet.game: String"}},
		{"property", "rewards.promo", "vip_level", 0, []string{"player.vip_level: Number default 0", "The VIP level, 0 to 5."}},
		{"player in an expression", "rewards.promo", "player.vip", 0, []string{"`player.NAME` reads a declared property"}},
		{"template", "rewards.promo", "spins", 0, []string{`template spins "10 Free Spins"`, "Ten free spins."}},
		{"reward", "rewards.promo", "cashback", 0, []string{"reward cashback: amount", "Cashback on bets."}},
		{"builtin", "rewards.promo", "max(", 0, []string{"max(a, b, ...)", "The largest of its arguments", "Type: Money"}},
		{"aggregation", "rewards.promo", "sum(", 0, []string{"sum(KIND.ATTR)", "Type: Money", "An aggregation reads the transactions"}},
		{"keyword window", "rewards.promo", "window", 0, []string{"A reward's window is the period", "| window |"}},
		{"window kind", "rewards.promo", "last 7", 0, []string{"`last N minutes\\|hours\\|days\\|weeks`", "elapsed time"}},
		{"rounding mode", "rewards.promo", "down to", 0, []string{"| `down` | toward zero |"}},
		{"round", "rewards.promo", "round", 0, []string{"| round |"}},
		{"tiers", "rewards.promo", "tiers", 0, []string{"**tiers.**", "computed once"}},
		{"tier branch", "rewards.promo", "above 500", 0, []string{"SUBJECT > X"}},
		{"result type", "rewards.promo", "template {", 0, []string{"| `template` | Template |"}},
		{"check", "rewards.promo", "check", 0, []string{"first match wins"}},
		{"where", "rewards.promo", "where", 0, []string{"optional filter"}},
		{"of", "rewards.promo", "of bets", 0, []string{"`5% of bets` is 0.05 × bets", "| Percent | `of` | Money |"}},
		{"literal", "rewards.promo", "500 EUR", 0, []string{"Type: Money(EUR)", "Value: `500 EUR`"}},
		{"type name", "schema.promo", "money", 0, []string{"| Money | an exact decimal with a currency |"}},
		{"kind keyword", "schema.promo", "kind bet", 0, []string{"A kind is a sort of transaction"}},
		{"doc of a field in its declaration", "schema.promo", "vip_level", 0, []string{"player.vip_level: Number default 0"}},
	}
	c := newClient(t, workspace)
	c.open("rewards.promo")
	c.open("schema.promo")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hoverText(t, c, tt.file, tt.marker, tt.delta)
			for _, w := range tt.want {
				assert.Contains(t, got, w, "hover(%s at %q)", tt.file, tt.marker)
			}
		})
	}
	t.Run("nothing on a blank", func(t *testing.T) {
		assert.Empty(t, hoverText(t, c, "rewards.promo", "\n\n", 1))
	})
	t.Run("comment", func(t *testing.T) {
		assert.Empty(t, hoverText(t, c, "rewards.promo", "Cashback on", 0))
	})
}

func TestHoverInFileThatDoesNotParse(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards.promo")
	c.diagnostics("rewards.promo")
	c.change("rewards.promo", workspace["rewards.promo"]+"\nreward half: amount {\n\tgive max_bonus + \n")
	assert.Contains(t, hoverText(t, c, "rewards.promo", "max_bonus +", 0), "const max_bonus", "a name outside the parsed declarations")
	assert.Contains(t, hoverText(t, c, "rewards.promo", "give max_bonus +", 0), "ends the formula", "a keyword outside the parsed declarations")
}

// completion returns the labels proposed at the | of text, opened as
// scratch.promo beside the workspace.
func completion(t *testing.T, c *client, text string) []string {
	t.Helper()
	i := strings.Index(text, "|")
	require.GreaterOrEqual(t, i, 0, "no | in %q", text)
	text = text[:i] + text[i+1:]
	c.open("scratch.promo", text)
	var list protocol.CompletionList
	c.call("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": c.uri("scratch.promo")},
		"position": newMapper(text).position(i)}, &list)
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": c.uri("scratch.promo")}})
	var labels []string
	for _, it := range list.Items {
		labels = append(labels, it.Label)
	}
	return labels
}

// completionCase is a completion test: the labels proposed at the | of
// text hold every want and none of not; a nil want means that nothing is
// proposed.
type completionCase struct {
	name, text string
	want, not  []string
}

// testCompletions runs completion tests on the client's workspace, each
// a subtest.
func testCompletions(t *testing.T, c *client, tests []completionCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := completion(t, c, tt.text)
			for _, w := range tt.want {
				assert.Contains(t, got, w, "completion(%q)", tt.text)
			}
			for _, w := range tt.not {
				assert.NotContains(t, got, w, "completion(%q)", tt.text)
			}
			if tt.want == nil {
				assert.Empty(t, got, "completion(%q)", tt.text)
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	tests := []completionCase{
		{"declaration keywords", "|", []string{"kind", "player", "currencies", "template", "const", "reward"}, []string{"let", "give"}},
		{"after a declaration", "const a = 1\n|", []string{"reward", "kind"}, nil},
		{"half-typed declaration keyword", "rew|", []string{"reward"}, nil},
		{"statement start", "reward r: amount {\n\t|", []string{"let", "give", "skip", "check", "tiers", "window", "round", "cap", "minimum", "approval"}, []string{"kind"}},
		{"half-typed statement", "reward r: amount {\n\tgi|", []string{"give"}, nil},
		{"after a statement", "reward r: amount {\n\tlet x = 1\n\t|", []string{"let", "give"}, nil},
		{"window kinds", "reward r: amount {\n\twindow |", []string{"last N days", "last full day", "last full week", "last weekend", "last full month", "since entrance", "between first transaction and last transaction"}, []string{"give"}},
		{"after window last", "reward r: amount {\n\twindow last |", []string{"full day", "weekend", "7 days"}, nil},
		{"zone", "reward r: amount {\n\twindow last full day in |", []string{"player zone"}, nil},
		{"rounding modes", "reward r: amount {\n\tround |", []string{"nearest", "down", "up"}, []string{"give"}},
		{"round to", "reward r: amount {\n\tround down |", []string{"to"}, nil},
		{"decimals", "reward r: amount {\n\tround down to 2 |", []string{"decimals"}, []string{"EUR"}},
		{"approval", "reward r: amount {\n\tapproval |", []string{"auto", "manual"}, nil},
		{"within after approval manual", "reward r: amount {\n\tapproval manual |", []string{"within"}, nil},
		{"result types", "reward r: |", []string{"amount", "template", "points", "points to leaderboard", "gems", "diamonds"}, nil},
		{"points target", "reward r: points to |", []string{"balance", "leaderboard", "level"}, nil},
		{"expression", "reward r: amount {\n\tlet mine = 1 EUR\n\tgive |", []string{"mine", "max_bonus", "rate", "min", "max", "clamp", "abs", "sum", "count", "avg", "player", "if"}, []string{"let", "cashback", "bet"}},
		{"half-typed name", "reward r: amount {\n\tgive max_b|", []string{"max_bonus"}, nil},
		{"after an operand", "reward r: amount {\n\tlet mine = 1 EUR\n\tgive mine |", []string{"and", "or", "of", "let", "give"}, nil},
		{"attributes after kind.", "reward r: amount {\n\tgive sum(bet.|", []string{"amount", "game", "id", "time"}, []string{"method"}},
		{"half-typed attribute", "reward r: amount {\n\tgive sum(deposit.me|", []string{"method", "amount"}, []string{"game"}},
		{"attributes in where", "reward r: amount {\n\tgive sum(bet.amount where |", []string{"game", "amount", "id", "time", "rate"}, []string{"method"}},
		{"attributes in parentheses in where", "reward r: amount {\n\tgive sum(bet.amount where (game == \"x\" or |", []string{"game", "amount", "rate"}, []string{"method"}},
		{"after an attribute in where", "reward r: amount {\n\tgive sum(bet.amount where game |", []string{"in", "and"}, nil},
		{"where", "reward r: amount {\n\tgive sum(bet.amount |", []string{"where"}, nil},
		{"kinds in an aggregation", "reward r: amount {\n\tgive sum(|", []string{"bet", "deposit"}, []string{"max_bonus"}},
		{"properties after player.", "reward r: points {\n\tgive player.|", []string{"vip_level", "country"}, []string{"amount"}},
		{"currencies after a number", "reward r: amount {\n\tgive 10 E|", []string{"EUR"}, []string{"USD", "days"}},
		{"units after a number", "reward r: amount {\n\tgive 10 |", []string{"EUR", "USD", "JPY", "days"}, nil},
		{"currency of a money literal", "reward r: amount {\n\tgive 10 EUR|", []string{"EUR"}, nil},
		{"templates after give", "reward r: template {\n\tgive |", []string{"spins"}, nil},
		{"tier branches", "reward r: amount {\n\ttiers sum(bet.amount) {\n\t\t|", []string{"above", "below", "at least", "at most", "else"}, []string{"let"}},
		{"next tier branch", "reward r: amount {\n\ttiers sum(bet.amount) {\n\t\tabove 5 EUR: give 1 EUR\n\t\t|", []string{"above", "else"}, nil},
		{"after at", "reward r: amount {\n\ttiers sum(bet.amount) {\n\t\tat |", []string{"least", "most"}, nil},
		{"field types", "kind k {\n\tx: |", []string{"money", "number", "count", "percent", "bool", "string", "time", "duration"}, nil},
		{"lets in scope", "reward r: amount {\n\tlet outer = 1\n\tcheck true {\n\t\tlet inner = 1\n\t\tgive 1 EUR\n\t}\n\tcheck true {\n\t\tgive |", []string{"outer"}, []string{"inner"}},
		{"const expression", "const c = |", []string{"max_bonus", "min"}, []string{"player", "sum"}},
		{"comment", "reward r: amount {\n\t// give |", nil, []string{"give", "max_bonus"}},
		{"string", "reward r: amount {\n\tskip \"no |", nil, []string{"give"}},
	}
	c := newClient(t, workspace)
	c.open("rewards.promo")
	c.diagnostics("rewards.promo")
	testCompletions(t, c, tests)
}

func TestCompletionWhileTheSchemaIsBroken(t *testing.T) {
	c := newClient(t, workspace)
	c.open("schema.promo")
	c.diagnostics("schema.promo")
	// The kinds are gone from the latest analysis while the schema does not
	// parse; completion takes them from the last analysis that parsed.
	c.change("schema.promo", "kind bet {\n\tamount: \n"+workspace["schema.promo"])
	c.diagnostics("schema.promo")
	got := completion(t, c, "reward r: amount {\n\tgive sum(deposit.|")
	assert.Contains(t, got, "method")
}

func TestDefinition(t *testing.T) {
	tests := []struct {
		name, marker string
		delta        int
		file         string
		line         int
	}{
		{"const in another file", "max_bonus", 0, "schema.promo", 22},
		{"kind", "bet.amount", 0, "schema.promo", 1},
		{"attribute", "bet.amount", 4, "schema.promo", 3},
		{"attribute in where", "game ==", 0, "schema.promo", 4},
		{"property", "vip_level", 0, "schema.promo", 14},
		{"template", "give spins", 5, "schema.promo", 19},
		{"let", "rate of bets", 8, "rewards.promo", 6},
	}
	c := newClient(t, workspace)
	c.open("rewards.promo")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var locs []protocol.Location
			c.call("textDocument/definition", c.at("rewards.promo", tt.marker, tt.delta), &locs)
			require.Len(t, locs, 1)
			assert.Equal(t, c.uri(tt.file), locs[0].URI)
			assert.Equal(t, protocol.UInteger(tt.line), locs[0].Range.Start.Line)
		})
	}
	t.Run("builtin has none", func(t *testing.T) {
		var locs []protocol.Location
		c.call("textDocument/definition", c.at("rewards.promo", "max(", 0), &locs)
		assert.Empty(t, locs)
	})
}

func TestReferences(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards.promo")
	params := c.at("rewards.promo", "bets =", 0)
	params["context"] = map[string]any{"includeDeclaration": true}
	var locs []protocol.Location
	c.call("textDocument/references", params, &locs)
	assert.Len(t, locs, 4, "bets: its let and three uses")

	params = c.at("rewards.promo", "max_bonus", 0)
	params["context"] = map[string]any{"includeDeclaration": true}
	c.call("textDocument/references", params, &locs)
	require.Len(t, locs, 2)
	assert.Equal(t, c.uri("rewards.promo"), locs[0].URI)
	assert.Equal(t, c.uri("schema.promo"), locs[1].URI, "across the files of the rule set")

	params["context"] = map[string]any{"includeDeclaration": false}
	c.call("textDocument/references", params, &locs)
	assert.Len(t, locs, 1)
}

func TestRename(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards.promo")
	var r protocol.Range
	c.call("textDocument/prepareRename", c.at("rewards.promo", "max_bonus", 0), &r)
	assert.Equal(t, c.pos("rewards.promo", "max_bonus", 1, 0), r.Start)

	params := c.at("rewards.promo", "max_bonus", 0)
	params["newName"] = "top_bonus"
	var edit protocol.WorkspaceEdit
	c.call("textDocument/rename", params, &edit)
	assert.Len(t, edit.Changes[c.uri("rewards.promo")], 1)
	assert.Len(t, edit.Changes[c.uri("schema.promo")], 1)
	assert.Equal(t, "top_bonus", edit.Changes[c.uri("schema.promo")][0].NewText)

	params = c.at("rewards.promo", "bets =", 0)
	params["newName"] = "stakes"
	c.call("textDocument/rename", params, &edit)
	assert.Len(t, edit.Changes[c.uri("rewards.promo")], 4)

	refusals := []struct {
		name, marker, newName, want string
	}{
		{"keyword", "window", "", "keyword"},
		{"builtin", "max(", "", "builtin"},
		{"contextual keyword", "down to", "", "keyword"},
		{"to a keyword", "bets =", "give", "keyword"},
		{"to a name taken", "bets =", "rate", "already declared"},
		{"to no name", "bets =", "1x", "not a name"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			method, params := "textDocument/prepareRename", c.at("rewards.promo", tt.marker, 0)
			if tt.newName != "" {
				method = "textDocument/rename"
				params["newName"] = tt.newName
			}
			resp := c.request(method, params)
			require.NotNil(t, resp.Error, "%s at %q", method, tt.marker)
			assert.Contains(t, resp.Error.Message, tt.want)
		})
	}
	t.Run("undeclared", func(t *testing.T) {
		c.change("rewards.promo", strings.Replace(workspace["rewards.promo"], "give rate of", "give nope of", 1))
		resp := c.request("textDocument/prepareRename", c.at("rewards.promo", "nope", 0))
		require.NotNil(t, resp.Error)
		assert.Contains(t, resp.Error.Message, "not declared")
	})
}

func TestDocumentSymbols(t *testing.T) {
	c := newClient(t, workspace)
	c.open("schema.promo")
	c.open("rewards.promo")
	names := func(file string) map[string][]string {
		var syms []protocol.DocumentSymbol
		c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": c.uri(file)}}, &syms)
		out := map[string][]string{}
		for _, s := range syms {
			out[s.Name] = []string{}
			for _, ch := range s.Children {
				out[s.Name] = append(out[s.Name], ch.Name)
			}
		}
		return out
	}
	assert.Equal(t, map[string][]string{"bet": {"amount", "game"}, "deposit": {"amount", "method"}, "player": {"vip_level", "country"},
		"spins": {}, "max_bonus": {}, "rate": {}}, names("schema.promo"))
	assert.Equal(t, map[string][]string{"cashback": {"bets"}, "free": {}}, names("rewards.promo"))

	// While a file does not parse, its complete declarations remain.
	c.change("rewards.promo", workspace["rewards.promo"]+"\nreward broken: amount {\n\tlet x = \n")
	assert.Equal(t, map[string][]string{"cashback": {"bets"}, "free": {}}, names("rewards.promo"))

	c.open("rewards_test.promo", "test \"big bets\" {\n\treward cashback\n\tnow 2026-11-23 10:00\n\texpect skipped no-matching-transactions\n}\n")
	assert.Contains(t, names("rewards_test.promo"), "big bets")
}

func TestWorkspaceSymbols(t *testing.T) {
	c := newClient(t, workspace)
	query := func(q string) []string {
		var syms []protocol.SymbolInformation
		c.call("workspace/symbol", map[string]any{"query": q}, &syms)
		var out []string
		for _, s := range syms {
			out = append(out, s.Name)
		}
		return out
	}
	all := query("")
	for _, want := range []string{"bet", "deposit", "player", "vip_level", "spins", "max_bonus", "rate", "cashback", "free"} {
		assert.Contains(t, all, want)
	}
	assert.Equal(t, []string{"cashback"}, query("cash"))
	assert.Equal(t, []string{"max_bonus"}, query("mxbo"), "letters in order")
}

func TestFormatting(t *testing.T) {
	c := newClient(t, workspace)
	messy := "reward   r :amount{\ngive 1 EUR}\n"
	c.open("a.promo", messy)
	var edits []protocol.TextEdit
	c.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": c.uri("a.promo")},
		"options": map[string]any{"tabSize": 4, "insertSpaces": false}}, &edits)
	require.Len(t, edits, 1)
	got := applyEdits(messy, edits)
	assert.Equal(t, "reward r: amount {\n\tgive 1 EUR\n}\n", got)

	c.change("a.promo", got)
	c.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": c.uri("a.promo")}, "options": map[string]any{}}, &edits)
	assert.Empty(t, edits, "a formatted file is left as it is")

	c.change("a.promo", "reward r: amount {\n")
	c.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": c.uri("a.promo")}, "options": map[string]any{}}, &edits)
	assert.Empty(t, edits, "a file that does not parse is not formatted")

	// Every example, its layout spoilt, comes out as promoc fmt prints it.
	for name, text := range exampleFiles(t, true) {
		messy := strings.NewReplacer("\t", "  ", " = ", "=", ": ", " :").Replace(text)
		want, diags := format.Source(name, []byte(messy))
		require.Empty(t, diags, name)
		c.change("a.promo", messy)
		c.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": c.uri("a.promo")}, "options": map[string]any{}}, &edits)
		assert.Equal(t, string(want), applyEdits(messy, edits), "formatting %s", name)
	}
}

// applyEdits applies non-overlapping edits to text.
func applyEdits(text string, edits []protocol.TextEdit) string {
	m := newMapper(text)
	type span struct {
		start, end int
		text       string
	}
	var spans []span
	for _, e := range edits {
		s, end := m.offsets(e.Range)
		spans = append(spans, span{s, end, e.NewText})
	}
	for i := len(spans) - 1; i >= 0; i-- { // edits come in order; apply from the end
		text = text[:spans[i].start] + spans[i].text + text[spans[i].end:]
	}
	return text
}

func TestSignatureHelp(t *testing.T) {
	c := newClient(t, workspace)
	help := func(text string) *protocol.SignatureHelp {
		i := strings.Index(text, "|")
		text = text[:i] + text[i+1:]
		c.open("scratch.promo", text)
		var h *protocol.SignatureHelp
		c.call("textDocument/signatureHelp", map[string]any{"textDocument": map[string]any{"uri": c.uri("scratch.promo")},
			"position": newMapper(text).position(i)}, &h)
		return h
	}
	h := help("reward r: amount {\n\tgive clamp(1 EUR, |")
	require.NotNil(t, h)
	require.Len(t, h.Signatures, 1)
	assert.Equal(t, "clamp(x, low, high)", h.Signatures[0].Label)
	assert.Equal(t, protocol.UInteger(1), *h.ActiveParameter)

	h = help("reward r: amount {\n\tgive sum(bet.amount where |")
	require.NotNil(t, h)
	assert.Equal(t, "sum(KIND.ATTR where COND)", h.Signatures[0].Label)
	assert.Equal(t, protocol.UInteger(1), *h.ActiveParameter)

	h = help("reward r: amount {\n\tgive max(bet.amount|")
	require.NotNil(t, h)
	require.Len(t, h.Signatures, 2)
	assert.Equal(t, "max(KIND.ATTR where COND)", h.Signatures[*h.ActiveSignature].Label, "max of kind.attr is an aggregation")

	h = help("reward r: amount {\n\tgive max(1 EUR, abs(|")
	require.NotNil(t, h)
	assert.Equal(t, "abs(x)", h.Signatures[0].Label, "the innermost call")

	assert.Nil(t, help("reward r: amount {\n\tgive |"))
}

func TestCodeActions(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards.promo")
	actions := func(marker string) []protocol.CodeAction {
		var out []protocol.CodeAction
		p := c.at("rewards.promo", marker, 0)
		pos := p["position"]
		c.call("textDocument/codeAction", map[string]any{"textDocument": p["textDocument"], "range": map[string]any{"start": pos, "end": pos},
			"context": map[string]any{"diagnostics": []any{}}}, &out)
		return out
	}
	apply := func(a protocol.CodeAction) string {
		return applyEdits(c.text("rewards.promo"), a.Edit.Changes[c.uri("rewards.promo")])
	}

	t.Run("missing else", func(t *testing.T) {
		got := actions("above 100")
		require.Len(t, got, 1)
		assert.Equal(t, `Add the missing else: else: skip "no tier matched"`, got[0].Title)
		fixed := apply(got[0])
		assert.Contains(t, fixed, "\t\tabove 100 EUR: give max(1% of bets, 1 EUR)\n\t\telse: skip \"no tier matched\"\n\t}\n")
		_, diags := lang.Parse("x.promo", []byte(fixed))
		assert.Empty(t, diags)
	})
	t.Run("none when there is an else", func(t *testing.T) {
		assert.Empty(t, actions("check player"))
	})
	t.Run("one-line tiers", func(t *testing.T) {
		c.change("rewards.promo", "reward r: amount {\n\ttiers 1 { above 0: give 1 EUR }\n}\n")
		got := actions("above")
		require.Len(t, got, 1)
		assert.Equal(t, "reward r: amount {\n\ttiers 1 { above 0: give 1 EUR else: skip \"no tier matched\" }\n}\n", apply(got[0]))
	})
	fixes := []struct {
		name, from, to, marker, title string
	}{
		{"misspelt name", "give rate of", "give rat of", "rat of", "Change rat to rate"},
		{"misspelt kind", "sum(bet.amount", "sum(bett.amount", "bett", "Change bett to bet"},
		{"misspelt attribute", "bet.amount", "bet.amont", "amont", "Change amont to amount"},
		{"misspelt property", "player.vip_level", "player.vip_levl", "vip_levl", "Change vip_levl to vip_level"},
		{"misspelt currency", "above 500 EUR", "above 500 EUX", "500 EUX", "Change EUX to EUR"},
		{"misspelt setting", "round down", "rond down", "rond", "Change rond to round"},
		{"= for ==", `game == "Gold Quest"`, `game = "Gold Quest"`, `= "Gold`, "Change = to =="},
		{"single quotes", `"Gold Quest"`, `'Gold Quest'`, `'Gold`, `Change 'Gold Quest' to "Gold Quest"`},
		{"currency in small letters", "above 500 EUR", "above 500 eur", "eur", "Change eur to EUR"},
	}
	for _, tt := range fixes {
		t.Run(tt.name, func(t *testing.T) {
			broken := strings.Replace(workspace["rewards.promo"], tt.from, tt.to, 1)
			c.change("rewards.promo", broken)
			var fix *protocol.CodeAction
			for _, a := range actions(tt.marker) {
				if strings.HasPrefix(a.Title, "Change") {
					fix = &a
				}
			}
			require.NotNil(t, fix, "no fix at %q", tt.marker)
			assert.Equal(t, tt.title, fix.Title)
			assert.Len(t, fix.Diagnostics, 1)
			assert.Equal(t, workspace["rewards.promo"], apply(*fix))
		})
	}
	t.Run("decimal comma", func(t *testing.T) {
		c.change("rewards.promo", "reward r: amount {\n\tgive 5,50 EUR\n}\n")
		var fix *protocol.CodeAction
		for _, a := range actions(",50") {
			if strings.HasPrefix(a.Title, "Change") {
				fix = &a
			}
		}
		require.NotNil(t, fix)
		assert.Equal(t, "Change , to .", fix.Title)
		assert.Equal(t, "reward r: amount {\n\tgive 5.50 EUR\n}\n", apply(*fix))
	})
	t.Run("zone of a time-back window", func(t *testing.T) {
		c.change("rewards.promo", strings.Replace(workspace["rewards.promo"], "window last 7 days", "window last 7 days in player zone", 1))
		got := actions("7 days in")
		require.Len(t, got, 1)
		assert.Equal(t, "Change last 7 days in player zone to last full week in player zone", got[0].Title)
		assert.Contains(t, apply(got[0]), "\twindow last full week in player zone\n")
	})
}

// examplesClient opens a copy of examples/dynamic_rewards, its tests
// included, as the workspace.
func examplesClient(t *testing.T) *client {
	return newClient(t, exampleFiles(t, true))
}

func TestTestFiles(t *testing.T) {
	c := examplesClient(t)
	const test = "tiered_deposit_test.promo"
	c.open(test)
	assert.Empty(t, c.diagnostics(test), "the tests check against the rule set")

	assert.Contains(t, hoverText(t, c, test, "tiered_deposit\n", 0), "reward tiered_deposit: amount")
	assert.Contains(t, hoverText(t, c, test, "expect calculated", 0), "passes when the evaluation")
	assert.Contains(t, hoverText(t, c, test, "calculated", 0), "is calculated with this amount")
	assert.Contains(t, hoverText(t, c, test, "transactions", 0), "a table of transactions")

	var locs []protocol.Location
	c.call("textDocument/definition", c.at(test, "tiered_deposit\n", 0), &locs)
	require.Len(t, locs, 1)
	assert.Equal(t, c.uri("tiered_deposit.promo"), locs[0].URI)

	// The references of a reward, and its renaming, reach the tests, open
	// or not.
	params := c.at(test, "tiered_deposit\n", 0)
	params["context"] = map[string]any{"includeDeclaration": true}
	c.call("textDocument/references", params, &locs)
	files := map[protocol.DocumentUri]int{}
	for _, l := range locs {
		files[l.URI]++
	}
	assert.Equal(t, 1, files[c.uri("tiered_deposit.promo")])
	assert.Greater(t, files[c.uri(test)], 3)

	c.open("tiered_deposit.promo")
	params = c.at("tiered_deposit.promo", "tiered_deposit:", 0)
	params["newName"] = "deposit_tiers"
	var edit protocol.WorkspaceEdit
	c.call("textDocument/rename", params, &edit)
	assert.Len(t, edit.Changes[c.uri("tiered_deposit.promo")], 1)
	assert.Equal(t, files[c.uri(test)], len(edit.Changes[c.uri(test)]), "the test file is renamed too")

	// A misspelt reward: the checker of tests says so, with a fix.
	c.change(test, strings.Replace(c.text(test), "reward tiered_deposit\n", "reward tiered_deposti\n", 1))
	diags := c.diagnostics(test)
	require.NotEmpty(t, diags)
	assert.Equal(t, "undefined-reward", diags[0].Code)
	var actions []protocol.CodeAction
	p := c.at(test, "tiered_deposti", 0)
	c.call("textDocument/codeAction", map[string]any{"textDocument": p["textDocument"], "range": map[string]any{"start": p["position"], "end": p["position"]},
		"context": map[string]any{"diagnostics": []any{}}}, &actions)
	require.Len(t, actions, 1)
	assert.Equal(t, "Change tiered_deposti to tiered_deposit", actions[0].Title)
}

func TestTestFileCompletion(t *testing.T) {
	c := examplesClient(t)
	c.open("tiered_deposit.promo")
	c.diagnostics("tiered_deposit.promo")
	complete := func(text string) []string {
		i := strings.Index(text, "|")
		text = text[:i] + text[i+1:]
		c.open("scratch_test.promo", text)
		var list protocol.CompletionList
		c.call("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": c.uri("scratch_test.promo")},
			"position": newMapper(text).position(i)}, &list)
		var labels []string
		for _, it := range list.Items {
			labels = append(labels, it.Label)
		}
		return labels
	}
	head := "test \"t\" {\n\treward tiered_deposit\n\t"
	tests := []struct {
		name, text string
		want       []string
	}{
		{"declarations", "|", []string{"test", "const"}},
		{"clauses", head + "|", []string{"now", "player", "transactions", "repeat", "load", "rates", "anchors", "expect"}},
		{"rewards", "test \"t\" {\n\treward |", []string{"tiered_deposit", "tiered_bets"}},
		{"expectations", head + "expect |", []string{"calculated", "skipped", "error", "manual", "branch", "let", "aggregation", "window"}},
		{"skip reasons", head + "expect skipped |", []string{"no-matching-transactions", "below-minimum"}},
		{"lets of the reward", head + "expect let |", []string{"deposit"}},
		{"branches of the reward", head + "expect branch |", []string{`"above 500 EUR"`, `"else"`}},
		{"kinds of a table", head + "transactions |", []string{"deposit", "bet"}},
		{"columns of a table", head + "transactions deposit {\n\t\t|", []string{"time", "amount", "method"}},
		{"player fields", head + "player { |", []string{"currency", "zone", "vip_level"}},
		{"anchors", head + "anchors { |", []string{"first_transaction", "entrance"}},
		{"clauses of sequence tests", head + "|", []string{"automation", "campaign", "events", "advance", "budget"}},
		{"expects of sequence tests", head + "expect |", []string{"rewards", "outcome", "budget left", "group"}},
		{"advance", head + "advance |", []string{"to"}},
		{"outcome statuses", head + "expect outcome 1 |", []string{"issued", "waiting", "skipped", "rejected"}},
		{"outcome statuses after a player", head + "expect outcome 1 player p1 |", []string{"issued", "skipped"}},
		{"outcome reasons", head + "expect outcome 1 skipped |", []string{"budget-exhausted", "control-group", "below-minimum"}},
		{"rule status", head + "expect campaign |", []string{"suspended", "active"}},
		{"columns of events", head + "events {\n\t\t|", []string{"time", "player", "kind", "amount", "game", "method"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := complete(tt.text)
			for _, w := range tt.want {
				assert.Contains(t, got, w, "completion(%q)", tt.text)
			}
		})
	}
}

// TestDiagnosticCapBelowMinimum: the checker's error of a cap below the
// minimum reaches the editor, on the cap, with its code and its fix.
func TestDiagnosticCapBelowMinimum(t *testing.T) {
	c := newClient(t, nil)
	c.open("a.promo", "kind bet {\n\tamount: money\n}\n\nreward r: amount {\n\tcap 5 EUR\n\tminimum 10 EUR\n\tgive sum(bet.amount)\n}\n")
	diags := c.diagnostics("a.promo")
	require.Len(t, diags, 1)
	assert.Equal(t, "invalid-setting", diags[0].Code)
	assert.Equal(t, protocol.DiagnosticSeverityError, diags[0].Severity)
	assert.Contains(t, diags[0].Message, "raise the cap to at least 10 EUR, or lower the minimum to at most 5 EUR")
	assert.Equal(t, protocol.Range{Start: protocol.Position{Line: 5, Character: 5}, End: protocol.Position{Line: 5, Character: 10}}, diags[0].Range)
}
