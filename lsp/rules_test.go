package lsp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// The workspace of the tests of automation rules and campaigns: the schema
// and rewards of workspace, and a file of rules that give them.
var rulesWorkspace = map[string]string{
	"schema.promo":  workspace["schema.promo"],
	"rewards.promo": workspace["rewards.promo"],
	"rules.promo": `// Cashback for every deposit.
automation deposit_cashback {
	trigger on deposit where amount >= 20 EUR | 22 USD
	segment player.vip_level >= 1
	budget 1000 EUR | 1100 USD
	approval manual within 7 days

	give cashback
}

campaign spins_or_cash {
	trigger schedule every Monday 00:00 in player zone

	split {
		variant spins_group 50%: give free
		variant cash_group 40%: give cashback
		control 10%
	}
}
`,
}

func TestRuleDiagnosticsAndOutline(t *testing.T) {
	c := newClient(t, rulesWorkspace)
	c.open("rules.promo")
	var syms []protocol.DocumentSymbol
	c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": c.uri("rules.promo")}}, &syms)
	require.Len(t, syms, 2)
	assert.Equal(t, "deposit_cashback", syms[0].Name)
	assert.Equal(t, protocol.SymbolKindEvent, syms[0].Kind)
	require.NotNil(t, syms[0].Detail)
	assert.Equal(t, "give cashback", *syms[0].Detail)
	assert.Equal(t, "spins_or_cash", syms[1].Name)
	require.Len(t, syms[1].Children, 2, "the variants, not the control group")
	assert.Equal(t, "spins_group", syms[1].Children[0].Name)
	assert.Equal(t, "variant 50%: give free", *syms[1].Children[0].Detail)

	// Diagnostics as you type: a misspelt reward, with its quick fix.
	c.change("rules.promo", rulesWorkspace["rules.promo"]+"\nautomation typo {\n\ttrigger on deposit\n\tgive cashbak\n}\n")
	diags := c.diagnostics("rules.promo")
	require.Len(t, diags, 1)
	assert.Contains(t, diags[0].Message, "unknown reward cashbak (did you mean cashback?)")
}

func TestRuleHover(t *testing.T) {
	c := newClient(t, rulesWorkspace)
	c.open("rules.promo")
	c.open("rewards.promo")
	tests := []struct {
		name, file, marker string
		want               []string
	}{
		{"rule", "rules.promo", "deposit_cashback", []string{"automation rule deposit_cashback", "Gives `cashback`.", "Run by the campaign engine", "Cashback for every deposit."}},
		{"campaign", "rules.promo", "spins_or_cash", []string{"campaign spins_or_cash", "Gives `free`, `cashback`."}},
		{"reward given", "rules.promo", "cashback\n}", []string{"reward cashback: amount", "Given by automation `deposit_cashback`, campaign `spins_or_cash`."}},
		{"attribute in a trigger", "rules.promo", "amount >=", []string{"deposit.amount: Money"}},
		{"property in a segment", "rules.promo", "vip_level", []string{"player.vip_level: Number default 0"}},
		{"keyword trigger", "rules.promo", "trigger on", []string{"| trigger |", "`on KIND [where COND]`"}},
		{"keyword budget", "rules.promo", "budget", []string{"**Budget.**"}},
		{"keyword split", "rules.promo", "split", []string{"SHA-256"}},
		{"keyword automation", "rules.promo", "automation", []string{"**Status: built.**", "An **automation rule** reacts"}},
		{"day of a schedule", "rules.promo", "Monday", []string{"`schedule every DAY hh:mm [in ZONE]`"}},
		{"where of a trigger", "rules.promo", "where amount", []string{"bare\nnames are the kind's attributes"}},
		{"every of a schedule", "rules.promo", "every Monday", []string{"`schedule every DAY hh:mm [in ZONE]`"}},
		{"give of a rule", "rules.promo", "give cashback", []string{"| give |"}},
		{"within of an approval", "rules.promo", "within 7", []string{"`approval manual within DURATION`", "**Approval timeouts.**", "*t* + *D* - 1 ns"}},
		{"timeout of an approval", "rules.promo", "7 days", []string{"**Approval timeouts.**"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hoverText(t, c, tt.file, tt.marker, 0)
			for _, w := range tt.want {
				assert.Contains(t, got, w, "hover(%s at %q)", tt.file, tt.marker)
			}
		})
	}
}

func TestRuleDefinitionReferencesRename(t *testing.T) {
	c := newClient(t, rulesWorkspace)
	c.open("rules.promo")
	var locs []protocol.Location
	c.call("textDocument/definition", c.at("rules.promo", "free", 0), &locs)
	require.Len(t, locs, 1)
	assert.Equal(t, c.uri("rewards.promo"), locs[0].URI)
	assert.Equal(t, protocol.UInteger(13), locs[0].Range.Start.Line)

	params := c.at("rules.promo", "cashback\n}", 0)
	params["context"] = map[string]any{"includeDeclaration": true}
	c.call("textDocument/references", params, &locs)
	assert.Len(t, locs, 3, "cashback: its declaration, the give and the variant")

	params = c.at("rules.promo", "cashback\n}", 0)
	params["newName"] = "weekly_cashback"
	var edit protocol.WorkspaceEdit
	c.call("textDocument/rename", params, &edit)
	assert.Len(t, edit.Changes[c.uri("rules.promo")], 2)
	assert.Len(t, edit.Changes[c.uri("rewards.promo")], 1)

	params = c.at("rules.promo", "spins_or_cash", 0)
	params["newName"] = "monday_split"
	c.call("textDocument/rename", params, &edit)
	assert.Len(t, edit.Changes[c.uri("rules.promo")], 1)

	params = c.at("rules.promo", "spins_or_cash", 0)
	params["newName"] = "free"
	resp := c.request("textDocument/rename", params)
	require.NotNil(t, resp.Error)
	assert.Contains(t, resp.Error.Message, "already declared")
}

func TestRuleCompletion(t *testing.T) {
	tests := []completionCase{
		{"declaration keywords", "|", []string{"automation", "campaign"}, nil},
		{"clauses of an automation", "automation a {\n\t|", []string{"trigger", "segment", "qualification", "at most", "budget", "approval", "give", "on issued"}, []string{"split", "entrance", "let"}},
		{"clauses of a campaign", "campaign a {\n\t|", []string{"trigger", "split", "entrance"}, nil},
		{"after a clause", "automation a {\n\ttrigger on deposit\n\t|", []string{"give", "budget"}, nil},
		{"events", "automation a {\n\ttrigger |", []string{"on", "on first", "every", "inactive", "schedule"}, []string{"give"}},
		{"kinds after on", "automation a {\n\ttrigger on |", []string{"first", "bet", "deposit"}, []string{"cashback"}},
		{"kinds after on first", "automation a {\n\ttrigger on first |", []string{"deposit"}, []string{"first"}},
		{"kinds after every", "automation a {\n\ttrigger every 100 |", []string{"bet"}, []string{"EUR", "days"}},
		{"where after the kind", "automation a {\n\ttrigger on deposit |", []string{"where", "give"}, nil},
		{"expression in where", "automation a {\n\ttrigger on deposit where |", []string{"amount", "method", "player", "max_bonus"}, []string{"game"}},
		{"attributes in where of every", "automation a {\n\ttrigger every 10 bet where |", []string{"game", "amount"}, []string{"method"}},
		{"attributes in where of on first", "automation a {\n\ttrigger on first deposit where amount > 1 EUR and |", []string{"method"}, nil},
		{"attributes in where of a qualification", "automation a {\n\tqualification deposit where |", []string{"method"}, nil},
		{"days of a schedule", "campaign a {\n\ttrigger schedule every |", []string{"day", "Monday", "Sunday"}, nil},
		{"since", "automation a {\n\ttrigger inactive 14 days |", []string{"since"}, nil},
		{"rewards after give", "automation a {\n\ttrigger on deposit\n\tgive |", []string{"cashback", "free"}, []string{"bet", "max_bonus"}},
		{"at most", "automation a {\n\tat |", []string{"most"}, nil},
		{"rewards or messages", "automation a {\n\tat most 3 |", []string{"rewards", "messages"}, []string{"EUR"}},
		{"outcomes of a message", "automation a {\n\ton |", []string{"calculated", "issued", "skipped"}, nil},
		{"values of a message", "automation a {\n\ton issued send \"x\" with amount, |", []string{"currency", "template"}, nil},
		{"approval", "automation a {\n\tapproval |", []string{"auto", "manual"}, nil},
		{"within after approval manual", "automation a {\n\tapproval manual |", []string{"within", "give"}, nil},
		{"arms of a split", "campaign a {\n\tsplit {\n\t\t|", []string{"variant", "control"}, []string{"trigger"}},
		{"reward of a variant", "campaign a {\n\tsplit {\n\t\tvariant x 50%: give |", []string{"cashback"}, nil},
		{"limit of a qualification", "automation a {\n\tqualification deposit where amount > 1 EUR {\n\t\t|", []string{"at most"}, []string{"variant"}},
	}
	c := newClient(t, rulesWorkspace)
	c.open("rewards.promo")
	c.diagnostics("rewards.promo")
	testCompletions(t, c, tests)
}

func TestRuleSemanticTokens(t *testing.T) {
	c := newClient(t, rulesWorkspace)
	c.open("rules.promo")
	require.Empty(t, c.diagnostics("rules.promo"))
	var res protocol.SemanticTokens
	c.call("textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": c.uri("rules.promo")}}, &res)
	got := decodeTokens(t, rulesWorkspace["rules.promo"], res.Data)
	for _, w := range []string{"automation:keyword", "deposit_cashback:function+declaration", "trigger:keyword", "on:keyword",
		"deposit:type", "where:keyword", "amount:property", "segment:keyword", "vip_level:property", "budget:keyword",
		"give:keyword", "cashback:function", "campaign:keyword", "schedule:keyword", "split:keyword", "variant:keyword",
		"50%:number", "free:function", "control:keyword", "Monday:keyword", "spins_group:enumMember+declaration"} {
		assert.Contains(t, got, w)
	}
}
