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
