package lsp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// The workspace of the tests of offers: the schema and rewards of
// workspace, a file of offers and a file of rules that give them.
var offersWorkspace = map[string]string{
	"schema.promo":  workspace["schema.promo"],
	"rewards.promo": workspace["rewards.promo"],
	"offers.promo": `// A spa day for two.
offer spa_day {
	reference "SPA-2026"
	name "Spa day"
	requires vouchers
	needs synchronization
	field partner: string = "Hotel Phoenicia"
	field worth: money = 120 EUR
}

offer newsletter {
	reference "NEWS"
}
`,
	"rules.promo": `automation welcome_spa {
	trigger on first deposit
	give offer spa_day
}

campaign spa_or_cash {
	trigger on deposit
	split {
		variant spa 50%: give offer spa_day
		variant cash 50%: give cashback
	}
}
`,
}

func TestOfferOutline(t *testing.T) {
	c := newClient(t, offersWorkspace)
	c.open("offers.promo")
	require.Empty(t, c.diagnostics("offers.promo"))
	var syms []protocol.DocumentSymbol
	c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": c.uri("offers.promo")}}, &syms)
	require.Len(t, syms, 2)
	assert.Equal(t, "spa_day", syms[0].Name)
	assert.Equal(t, protocol.SymbolKindObject, syms[0].Kind)
	require.NotNil(t, syms[0].Detail)
	assert.Equal(t, `offer "SPA-2026"`, *syms[0].Detail)
	require.Len(t, syms[0].Children, 2)
	assert.Equal(t, "partner", syms[0].Children[0].Name)
	assert.Equal(t, "string", *syms[0].Children[0].Detail)

	c.open("rules.promo")
	c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": c.uri("rules.promo")}}, &syms)
	require.Len(t, syms, 2)
	assert.Equal(t, "give offer spa_day", *syms[0].Detail)
	require.Len(t, syms[1].Children, 2)
	assert.Equal(t, "variant 50%: give offer spa_day", *syms[1].Children[0].Detail)

	// Diagnostics as you type: a misspelt offer, with its quick fix.
	c.change("rules.promo", offersWorkspace["rules.promo"]+"\nautomation typo {\n\ttrigger on deposit\n\tgive offer spa_dya\n}\n")
	diags := c.diagnostics("rules.promo")
	require.Len(t, diags, 1)
	assert.Contains(t, diags[0].Message, "unknown offer spa_dya (did you mean spa_day?)")
}

func TestOfferHover(t *testing.T) {
	c := newClient(t, offersWorkspace)
	c.open("offers.promo")
	c.open("rules.promo")
	tests := []struct {
		name, file, marker string
		want               []string
	}{
		{"offer", "offers.promo", "spa_day", []string{"offer spa_day {", `reference "SPA-2026"`, "A spa day for two.", "voucher code", "`offer_confirmed`", "Given by automation `welcome_spa`, campaign `spa_or_cash`."}},
		{"generic offer", "offers.promo", "newsletter", []string{"A generic offer"}},
		{"offer given", "rules.promo", "spa_day\n}", []string{"offer spa_day {", "Declared in offers.promo, line 2."}},
		{"rule giving it", "rules.promo", "welcome_spa", []string{"Gives offer `spa_day`."}},
		{"keyword offer", "offers.promo", "offer spa_day", []string{"An **offer** is something a player is given"}},
		{"keyword reference", "offers.promo", "reference", []string{"the offer's key in the store"}},
		{"keyword requires", "offers.promo", "requires", []string{"every assignment takes one voucher code"}},
		{"keyword field", "offers.promo", "field partner", []string{"a custom field"}},
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

func TestOfferDefinitionReferencesRename(t *testing.T) {
	c := newClient(t, offersWorkspace)
	c.open("rules.promo")
	var locs []protocol.Location
	c.call("textDocument/definition", c.at("rules.promo", "spa_day", 0), &locs)
	require.Len(t, locs, 1)
	assert.Equal(t, c.uri("offers.promo"), locs[0].URI)
	assert.Equal(t, protocol.UInteger(1), locs[0].Range.Start.Line)

	params := c.at("rules.promo", "spa_day", 0)
	params["context"] = map[string]any{"includeDeclaration": true}
	c.call("textDocument/references", params, &locs)
	assert.Len(t, locs, 3, "spa_day: its declaration, the give and the variant")

	params = c.at("rules.promo", "spa_day", 0)
	params["newName"] = "spa_weekend"
	var edit protocol.WorkspaceEdit
	c.call("textDocument/rename", params, &edit)
	assert.Len(t, edit.Changes[c.uri("rules.promo")], 2)
	assert.Len(t, edit.Changes[c.uri("offers.promo")], 1)

	params = c.at("rules.promo", "spa_day", 0)
	params["newName"] = "cashback"
	resp := c.request("textDocument/rename", params)
	require.NotNil(t, resp.Error)
	assert.Contains(t, resp.Error.Message, "already declared")
}

func TestOfferCompletion(t *testing.T) {
	tests := []completionCase{
		{"declaration keywords", "|", []string{"offer", "automation"}, nil},
		{"clauses of an offer", "offer o {\n\t|", []string{"reference", "name", "description", "requires vouchers", "needs synchronization", "image", "web", "field"}, []string{"trigger", "let"}},
		{"after a clause", "offer o {\n\treference \"O\"\n\t|", []string{"name", "field"}, nil},
		{"vouchers", "offer o {\n\trequires |", []string{"vouchers"}, []string{"name"}},
		{"synchronization", "offer o {\n\tneeds |", []string{"synchronization"}, nil},
		{"type of a field", "offer o {\n\tfield f: |", []string{"money", "string", "count"}, []string{"reference"}},
		{"value of a field", "offer o {\n\tfield f: money = |", []string{"max_bonus"}, nil},
		{"offer after give", "automation a {\n\ttrigger on deposit\n\tgive |", []string{"cashback", "offer"}, nil},
		{"offers after give offer", "automation a {\n\ttrigger on deposit\n\tgive offer |", []string{"spa_day", "newsletter"}, []string{"cashback"}},
		{"offers of a variant", "campaign a {\n\tsplit {\n\t\tvariant x 50%: give offer |", []string{"spa_day"}, []string{"cashback"}},
		{"offers of a vouchers clause", "test \"t\" {\n\tautomation a\n\tvouchers |", []string{"spa_day"}, []string{"newsletter"}},
		{"values of a message", "automation a {\n\ton issued send \"x\" with |", []string{"offer", "code", "assignment"}, nil},
		{"after a variant's offer", "campaign a {\n\tsplit {\n\t\tvariant x 50%: give offer spa_day\n\t\t|", []string{"variant", "control"}, nil},
	}
	c := newClient(t, offersWorkspace)
	c.open("rewards.promo")
	c.open("offers.promo")
	c.diagnostics("offers.promo")
	testCompletions(t, c, tests)
}

func TestOfferSemanticTokens(t *testing.T) {
	c := newClient(t, offersWorkspace)
	c.open("rules.promo")
	require.Empty(t, c.diagnostics("rules.promo"))
	var res protocol.SemanticTokens
	c.call("textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": c.uri("rules.promo")}}, &res)
	got := decodeTokens(t, offersWorkspace["rules.promo"], res.Data)
	for _, w := range []string{"give:keyword", "offer:keyword", "spa_day:enumMember+readonly"} {
		assert.Contains(t, got, w)
	}
}
