package lsp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// TestAcceptPastedText: an operator copies a rule from a document or a
// web page, and its typographic quotes, dashes, comparison signs and
// no-break spaces come along. Each is reported where it is, with the plain
// text the language writes, and the quick fix puts that text in its place:
// after the fix the rule is the one written by hand.
func TestAcceptPastedText(t *testing.T) {
	c := newClient(t, workspace)
	c.open("rewards.promo")
	require.Empty(t, c.diagnostics("rewards.promo"))
	for _, tt := range []struct {
		name, from, to, marker, title, message string
	}{
		{"typographic quotes", `"Gold Quest"`, "“Gold Quest”", "“", `Change “Gold Quest” to "Gold Quest"`, `strings are written in straight double quotes: "Gold Quest"`},
		{"low and high quotes", `"Gold Quest"`, "„Gold Quest“", "„", `Change „Gold Quest“ to "Gold Quest"`, `strings are written in straight double quotes: "Gold Quest"`},
		{"an apostrophe between typographic quotes", `"Gold Quest"`, "“Gold’s Quest”", "“", `Change “Gold’s Quest” to "Gold’s Quest"`, `strings are written in straight double quotes: "Gold’s Quest"`},
		{"no-break space", "above 500 EUR", "above 500\u00a0EUR", "\u00a0", "Change \u00a0 to  ", "unexpected U+00A0, a space that is not a plain one, as text copied from a document has: write a plain space"},
		{"greater-or-equal sign", "player.vip_level >= 3", "player.vip_level ≥ 3", "≥", "Change ≥ to >=", `unexpected "≥" (U+2265): write >=`},
		{"minus sign", "give max(1% of bets, 1 EUR)", "give max(1% of bets, 1 EUR) − 0 EUR", "−", "Change − to -", `unexpected "−" (U+2212): write -`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pasted := strings.Replace(workspace["rewards.promo"], tt.from, tt.to, 1)
			c.change("rewards.promo", pasted)
			diags := c.diagnostics("rewards.promo")
			require.Len(t, diags, 1)
			assert.Equal(t, tt.message, diags[0].Message)
			assert.Equal(t, c.pos("rewards.promo", tt.marker, 1, 0), diags[0].Range.Start)
			var actions []protocol.CodeAction
			p := c.at("rewards.promo", tt.marker, 0)
			c.call("textDocument/codeAction", map[string]any{"textDocument": p["textDocument"], "range": map[string]any{"start": p["position"], "end": p["position"]},
				"context": map[string]any{"diagnostics": []any{}}}, &actions)
			require.Len(t, actions, 1)
			assert.Equal(t, tt.title, actions[0].Title)
			fixed := applyEdits(pasted, actions[0].Edit.Changes[c.uri("rewards.promo")])
			want := strings.Replace(workspace["rewards.promo"], tt.from, strings.NewReplacer("“", `"`, "”", `"`, "„", `"`, "\u00a0", " ", "≥", ">=", "−", "-").Replace(tt.to), 1)
			assert.Equal(t, want, fixed)
			c.change("rewards.promo", fixed)
			assert.Empty(t, c.diagnostics("rewards.promo"))
		})
	}
}
