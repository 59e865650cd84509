package lsp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// TestSequenceTestCompletion: in an event-sequence test, where a player
// goes (after update, expect outcome N player, expect group, a repeat's
// player field), completion offers the test's players, declared above;
// after expect group ID, the groups of the campaign's split.
func TestSequenceTestCompletion(t *testing.T) {
	c := newClient(t, rulesWorkspace)
	c.open("rules.promo")
	c.diagnostics("rules.promo")
	auto := "test \"t\" {\n\tautomation deposit_cashback\n\tplayer p1 { currency EUR }\n\tplayer \"p-2\" { currency EUR }\n\t"
	camp := "test \"t\" {\n\tcampaign spins_or_cash\n\tplayer p1 { currency EUR  zone \"Europe/Malta\" }\n\t"
	tests := []completionCase{
		{"after update", auto + "update |", []string{"p1", `"p-2"`}, []string{"at", "expect"}},
		{"after expect outcome N player", auto + "expect outcome 1 player |", []string{"p1", `"p-2"`}, []string{"issued"}},
		{"after expect group", camp + "expect group |", []string{"p1"}, []string{"control"}},
		{"groups after expect group ID", camp + "expect group p1 |", []string{"spins_group", "cash_group", "control"}, []string{"p1", "expect", "player"}},
		{"fields of a repeat", auto + "repeat 2 deposit every 1 hour from 2026-11-20 09:00 { |", []string{"player", "amount", "method"}, nil},
		{"player of a repeat", auto + "repeat 2 deposit every 1 hour from 2026-11-20 09:00 { player |", []string{"p1", `"p-2"`}, []string{"amount"}},
		{"player of another test", "test \"a\" {\n\tautomation deposit_cashback\n\tplayer q1 { currency EUR }\n\texpect rewards 0\n}\n\n" + auto + "update |", []string{"p1"}, []string{"q1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			i := strings.Index(text, "|")
			require.GreaterOrEqual(t, i, 0)
			text = text[:i] + text[i+1:]
			c.open("scratch_test.promo", text)
			var list protocol.CompletionList
			c.call("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": c.uri("scratch_test.promo")},
				"position": newMapper(text).position(i)}, &list)
			c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": c.uri("scratch_test.promo")}})
			var got []string
			for _, it := range list.Items {
				got = append(got, it.Label)
			}
			for _, w := range tt.want {
				assert.Contains(t, got, w, "completion(%q)", tt.text)
			}
			for _, w := range tt.not {
				assert.NotContains(t, got, w, "completion(%q)", tt.text)
			}
		})
	}
}

// TestSequenceExpectHover: a word of an event-sequence test's expect is
// documented by the row of its expect, whatever the word (a status, a
// reason, a group), not by the expects of reward tests or by the row of
// another expect that shares a word (budget-exhausted is not budget left).
func TestSequenceExpectHover(t *testing.T) {
	files := map[string]string{
		"schema.promo":  rulesWorkspace["schema.promo"],
		"rewards.promo": rulesWorkspace["rewards.promo"],
		"rules.promo":   rulesWorkspace["rules.promo"],
		"rules_test.promo": `test "t" {
	campaign spins_or_cash
	player p1 { currency EUR  zone "Europe/Malta" }
	advance to 2026-11-23 09:00
	expect outcome 1 player p1 skipped budget-exhausted
	expect outcome 2 issued 10.00 EUR
	expect campaign suspended
	expect group p1 control
	expect budget left 0 EUR
	expect rewards 0
}
`,
	}
	c := newClient(t, files)
	c.open("rules_test.promo")
	for _, tt := range []struct{ marker, want, not string }{
		{"budget-exhausted", "`expect outcome N [player ID] skipped REASON", "expect budget left"},
		{"skipped budget", "`expect outcome N [player ID] skipped REASON", "expect manual"},
		{"issued 10", "`expect outcome N [player ID] issued [VALUE]`", "expect manual"},
		{"suspended", "`expect campaign suspended\\|active`", "expect calculated"},
		{"control\n", "`expect group ID GROUP`", "expect calculated"},
		{"left 0", "`expect budget left VALUE`", "expect calculated"},
		{"rewards 0", "`expect rewards N`", "expect calculated"},
	} {
		got := hoverText(t, c, "rules_test.promo", tt.marker, 0)
		assert.Contains(t, got, tt.want, "hover at %q", tt.marker)
		assert.NotContains(t, got, tt.not, "hover at %q", tt.marker)
	}
}

// TestSequenceTestPlayers: the players of an event-sequence test are names
// of the test: hover shows the player's clause, definition goes to it,
// references list every place that names the player, in the test only,
// and rename renames them all (a string where the new id is not a name).
func TestSequenceTestPlayers(t *testing.T) {
	files := map[string]string{
		"schema.promo":  rulesWorkspace["schema.promo"],
		"rewards.promo": rulesWorkspace["rewards.promo"],
		"rules.promo":   rulesWorkspace["rules.promo"],
		"rules_test.promo": `test "t" {
	campaign spins_or_cash
	player p1 { currency EUR  zone "Europe/Malta" }
	player "p-2" { currency EUR  zone "Europe/Malta" }
	update p1 at 2026-11-22 09:00 { vip_level 2 }
	events {
		time              player  kind     amount
		2026-11-22 10:00  p1      deposit  50 EUR
		2026-11-22 11:00  "p-2"   deposit  50 EUR
	}
	repeat 2 deposit every 1 hour from 2026-11-22 12:00 { player p1  amount 30 EUR }
	advance to 2026-11-23 09:00
	expect outcome 1 player p1 skipped control-group
	expect group p1 control
	expect group "p-2" spins_group
}

test "other" {
	campaign spins_or_cash
	player p1 { currency EUR  zone "Europe/Malta" }
	advance to 2026-11-23 09:00
	expect group p1 control
}
`,
	}
	c := newClient(t, files)
	c.open("rules_test.promo")
	const file = "rules_test.promo"

	got := hoverText(t, c, file, "p1      deposit", 0)
	assert.Contains(t, got, "player p1 { currency EUR  zone \"Europe/Malta\" }")
	assert.Contains(t, got, `A player of test "t"`)

	var locs []protocol.Location
	c.call("textDocument/definition", c.at(file, "p1 skipped", 0), &locs)
	require.Len(t, locs, 1)
	assert.Equal(t, protocol.UInteger(2), locs[0].Range.Start.Line, "the player clause of test t")
	assert.Equal(t, protocol.UInteger(8), locs[0].Range.Start.Character)

	params := c.at(file, "p1 control", 0)
	params["context"] = map[string]any{"includeDeclaration": true}
	c.call("textDocument/references", params, &locs)
	var lines []protocol.UInteger
	for _, l := range locs {
		lines = append(lines, l.Range.Start.Line)
	}
	assert.Equal(t, []protocol.UInteger{2, 4, 7, 10, 12, 13}, lines, "p1 of test t, not of test other")

	params = c.at(file, `"p-2"   deposit`, 0)
	params["context"] = map[string]any{"includeDeclaration": false}
	c.call("textDocument/references", params, &locs)
	assert.Len(t, locs, 2, `"p-2": its row and its group, not its declaration`)

	params = c.at(file, "p1 at", 0)
	params["newName"] = "alice"
	var edit protocol.WorkspaceEdit
	c.call("textDocument/rename", params, &edit)
	edits := edit.Changes[c.uri(file)]
	require.Len(t, edits, 6)
	for _, e := range edits {
		assert.Equal(t, "alice", e.NewText)
	}

	params = c.at(file, "p1 at", 0)
	params["newName"] = "p-1"
	c.call("textDocument/rename", params, &edit)
	for _, e := range edit.Changes[c.uri(file)] {
		assert.Equal(t, `"p-1"`, e.NewText, "not a name: written as a string")
	}

	params = c.at(file, "p1 at", 0)
	params["newName"] = `say "hi" \ é`
	c.call("textDocument/rename", params, &edit)
	for _, e := range edit.Changes[c.uri(file)] {
		assert.Equal(t, `"say \"hi\" \\ é"`, e.NewText, "the language's escapes")
	}

	// No id holds these: strconv.Quote wrote \x01, \t or \u200b, escapes
	// the lexer refuses or an id that no one could type.
	for _, bad := range []string{"p\x01", "p\t1", "p\u200b1", "p\u202e1"} {
		params = c.at(file, "p1 at", 0)
		params["newName"] = bad
		resp := c.request("textDocument/rename", params)
		require.NotNil(t, resp.Error, "%q", bad)
		assert.Contains(t, resp.Error.Message, "cannot be a player's id")
	}

	params = c.at(file, "p1 at", 0)
	params["newName"] = "p-2"
	resp := c.request("textDocument/rename", params)
	require.NotNil(t, resp.Error)
	assert.Contains(t, resp.Error.Message, `p-2 is already a player of test "t"`)
}
