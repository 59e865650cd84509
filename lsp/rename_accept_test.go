package lsp

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// TestAcceptRenameInWhere: in a where clause a bare name is the kind's
// attribute first, then a let or a constant (spec.md section 7), so a
// rename must not make a name there mean something else. A let, a constant
// read in a where clause over bet cannot take the name of one of bet's
// attributes (the filter would read the attribute); an attribute of bet
// cannot take the name of a let or a constant that a where clause over bet
// reads (it would take their place), in an aggregation, a trigger and a
// qualification alike. Names that change nothing stay renameable: a let
// read only outside where clauses may take an attribute's name, and an
// attribute a name no filter reads.
func TestAcceptRenameInWhere(t *testing.T) {
	files := map[string]string{
		"schema.promo": "kind bet {\n\tamount: money\n\tgame: string\n}\n\nkind deposit {\n\tamount: money\n\tmethod: string\n}\n\nconst floor = 1 EUR\nconst card = \"card\"\n",
		"r.promo": `reward r: amount {
	let stake = 2 EUR
	let total = sum(bet.amount where amount > stake and amount > floor and game != "x")
	give 1% of total
}

automation a {
	trigger on deposit where method == card
	qualification bet where amount >= floor

	give r
}
`,
	}
	c := newClient(t, files)
	c.open("r.promo")
	require.Empty(t, c.diagnostics("r.promo"))
	rename := func(marker, name string) response {
		params := c.at("r.promo", marker, 0)
		params["newName"] = name
		return c.request("textDocument/rename", params)
	}
	refusals := []struct{ marker, name, want string }{
		{"stake =", "game", "stake is read in a where clause over bet (r.promo:3:44), where game would be the attribute bet.game: choose another name"},
		{"floor and", "game", "floor is read in a where clause over bet (r.promo:3:63), where game would be the attribute bet.game: choose another name"},
		{"card\n", "method", "card is read in a where clause over deposit (r.promo:8:37), where method would be the attribute deposit.method: choose another name"},
		{"game !=", "stake", "a where clause over bet reads stake (r.promo:3:44), which would then be the attribute bet.stake: choose another name"},
		{"game !=", "floor", "a where clause over bet reads floor (r.promo:3:63), which would then be the attribute bet.floor: choose another name"},
		{"method ==", "card", "a where clause over deposit reads card (r.promo:8:37), which would then be the attribute deposit.card: choose another name"},
		{"method ==", "currency", "currency is already declared"}, // a key of every transaction of the input
	}
	for _, tt := range refusals {
		resp := rename(tt.marker, tt.name)
		if assert.NotNil(t, resp.Error, "rename %q to %s was accepted", tt.marker, tt.name) {
			assert.Equal(t, tt.want, resp.Error.Message)
		}
	}
	for _, tt := range []struct {
		marker, name string
		edits        int
	}{
		{"stake =", "limit", 2},
		{"total =", "game", 2}, // read outside any where clause
		{"game !=", "title", 2},
		{"floor and", "minimum_bet", 3},
	} {
		resp := rename(tt.marker, tt.name)
		require.Nil(t, resp.Error, "rename %q to %s", tt.marker, tt.name)
		var edit protocol.WorkspaceEdit
		require.NoError(t, json.Unmarshal(resp.Result, &edit))
		n := 0
		for _, e := range edit.Changes {
			n += len(e)
		}
		assert.Equal(t, tt.edits, n, "rename %q to %s", tt.marker, tt.name)
	}
}

// TestAcceptRenameTestConstants: a test file's constants share the names of
// the rule set and of the other test files (spec.md section 15), so a rule
// set's constant, reward or template cannot take the name of a test file's
// constant, nor a test file's constant the name of another test file's:
// each would be declared twice and no test would run.
func TestAcceptRenameTestConstants(t *testing.T) {
	files := map[string]string{
		"schema.promo": "kind deposit {\n\tamount: money\n}\n\nconst floor = 1 EUR\n\ntemplate spins \"10 spins\"\n",
		"r.promo":      "reward r: amount {\n\tgive floor\n}\n\nreward s: template {\n\tgive spins\n}\n",
		"r_test.promo": "const big = 600 EUR\n\ntest \"t\" {\n\treward r\n\tnow 2026-11-23 10:00\n\tplayer { currency EUR }\n\ttransactions deposit {\n\t\ttime              amount\n\t\t2026-11-20 18:00  big\n\t}\n\n\texpect calculated 1.00 EUR\n}\n",
		"s_test.promo": "const small = 6 EUR\n",
	}
	c := newClient(t, files)
	c.open("r.promo")
	c.open("r_test.promo")
	require.Empty(t, c.diagnostics("r.promo"))
	require.Empty(t, c.diagnostics("r_test.promo"))
	for _, tt := range []struct{ file, marker, name string }{
		{"r.promo", "floor", "big"},
		{"r.promo", "r:", "big"},
		{"r.promo", "spins", "small"},
		{"r_test.promo", "big =", "small"},
		{"r_test.promo", "big =", "floor"},
	} {
		params := c.at(tt.file, tt.marker, 0)
		params["newName"] = tt.name
		resp := c.request("textDocument/rename", params)
		if assert.NotNil(t, resp.Error, "rename %q of %s to %s was accepted", tt.marker, tt.file, tt.name) {
			assert.Equal(t, tt.name+" is already declared", resp.Error.Message)
		}
	}
}
