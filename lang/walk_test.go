package lang

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInspectSourceOrder checks that Inspect visits nodes in source order:
// each node starts at or after the start of the node visited before it.
func TestInspectSourceOrder(t *testing.T) {
	for _, path := range exampleFiles(t) {
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		f, _ := Parse(path, src)
		last := -1
		Inspect(f, func(n Node) bool {
			if n != nil {
				start := n.Span().Start.Offset
				require.GreaterOrEqual(t, start, last, "%s: %T at %s visited out of order", path, n, n.Span())
				last = start
			}
			return true
		})
	}
}

func TestInspectVisitsEveryNodeType(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"schema", "consts", "windows", "settings", "statements", "literals", "calls", "operators", "tests", "tests_sequence"} {
		src, err := os.ReadFile("testdata/parse/" + name + ".txtar")
		require.NoError(t, err)
		in := strings.SplitN(strings.SplitN(string(src), "-- out/ast --", 2)[0], "-- in.promo --\n", 2)[1]
		f, diags := Parse(name, []byte(in))
		require.Empty(t, diags)
		Inspect(f, func(n Node) bool {
			if n != nil {
				seen[strings.TrimPrefix(fmt.Sprintf("%T", n), "*lang.")] = true
			}
			return true
		})
	}
	for _, typ := range []string{
		"File", "KindDecl", "PlayerDecl", "Field", "TypeName", "TemplateDecl", "ConstDecl", "RewardDecl", "ResultType",
		"WindowSetting", "Window", "Zone", "RoundSetting", "CapSetting", "MinimumSetting", "ApprovalSetting",
		"LetStmt", "GiveStmt", "SkipStmt", "CheckStmt", "Block", "TierStmt", "TierBranch",
		"Ident", "NumberLit", "PercentLit", "MoneyLit", "PerCurrencyLit", "DurationLit", "DateLit", "StringLit",
		"BoolLit", "ListLit", "NowExpr", "SelectorExpr", "PlayerExpr", "ParenExpr", "UnaryExpr", "BinaryExpr",
		"CondExpr", "CallExpr", "AggregateExpr",
		"TestDecl", "RewardClause", "NowClause", "PlayerClause", "TestField", "TransactionsClause", "TableRow",
		"RepeatClause", "LoadClause", "RatesClause", "AnchorsClause", "ExpectOutcome", "ExpectManual",
		"ExpectBranch", "ExpectLet", "ExpectAggregation", "ExpectWindow",
		"TestRuleClause", "EventsClause", "AdvanceClause", "UpdateClause", "DecisionClause", "TestBudgetClause", "ExpectRewards", "ExpectStep",
		"ExpectBudgetLeft", "ExpectRuleStatus", "ExpectGroup",
	} {
		assert.True(t, seen[typ], "Inspect never visited a %s", typ)
	}
}

func TestInspectSkipsChildren(t *testing.T) {
	f, diags := Parse("x", []byte("const a = 1 + 2\nconst b = 3"))
	require.Empty(t, diags)
	var visited []string
	Inspect(f, func(n Node) bool {
		if n == nil {
			return false
		}
		visited = append(visited, fmt.Sprintf("%T", n))
		_, isConst := n.(*ConstDecl)
		return !isConst
	})
	assert.Equal(t, []string{"*lang.File", "*lang.ConstDecl", "*lang.ConstDecl"}, visited)
}

func TestPathAt(t *testing.T) {
	src := "reward r: amount {\n\tgive 5% of sum(bet.amount where game == \"x\")\n}\n"
	f, diags := Parse("x", []byte(src))
	require.Empty(t, diags)
	path := func(offset int) string {
		var names []string
		for _, n := range PathAt(f, offset) {
			name := strings.TrimPrefix(fmt.Sprintf("%T", n), "*lang.")
			if id, ok := n.(*Ident); ok {
				name += " " + id.Name
			}
			names = append(names, name)
		}
		return strings.Join(names, " > ")
	}
	at := func(s string) int {
		i := strings.Index(src, s)
		require.GreaterOrEqual(t, i, 0, s)
		return i
	}
	tests := []struct {
		offset int
		want   string
	}{
		{at("r:"), "File > RewardDecl > Ident r"},
		{at("amount {"), "File > RewardDecl > ResultType"},
		{at("amount {") + 6, "File > RewardDecl > ResultType"}, // just after amount
		{at(" {"), "File > RewardDecl > ResultType"},
		{at("{") + 1, "File > RewardDecl"},
		{at("give"), "File > RewardDecl > GiveStmt"},
		{at("5%"), "File > RewardDecl > GiveStmt > BinaryExpr > PercentLit"},
		{at("bet."), "File > RewardDecl > GiveStmt > BinaryExpr > AggregateExpr > Ident bet"},
		{at(".amount") + 1, "File > RewardDecl > GiveStmt > BinaryExpr > AggregateExpr > Ident amount"},
		{at(".amount"), "File > RewardDecl > GiveStmt > BinaryExpr > AggregateExpr > Ident bet"},
		{at("game"), "File > RewardDecl > GiveStmt > BinaryExpr > AggregateExpr > BinaryExpr > Ident game"},
		{at("\"x\""), "File > RewardDecl > GiveStmt > BinaryExpr > AggregateExpr > BinaryExpr > StringLit"},
		{0, "File > RewardDecl"},
		{len(src), "File"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, path(tt.offset), "PathAt(%d) at %q", tt.offset, src[tt.offset:min(tt.offset+8, len(src))])
	}
	assert.Nil(t, PathAt(f, -1))
	assert.Nil(t, PathAt(f, len(src)+1))
	assert.Nil(t, PathAt(nil, 0))
}
