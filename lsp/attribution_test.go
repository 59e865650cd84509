package lsp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	protocol "github.com/tliron/glsp/protocol_3_16"
)

// The workspace of the tests of attribution declarations: the offers of
// offersWorkspace, and a file of attributions, one for every offer, one
// for an offer of the rule set and one for an offer only the database
// holds.
var attributionWorkspace = map[string]string{
	"schema.promo":  offersWorkspace["schema.promo"],
	"rewards.promo": offersWorkspace["rewards.promo"],
	"offers.promo":  offersWorkspace["offers.promo"],
	"attribution.promo": `attribution last click within 30 days
attribution last click within 7 days for offer "SPA-2026"
attribution last click within 12 hours for offer "POKER"
`,
}

func TestAttributionHover(t *testing.T) {
	c := newClient(t, attributionWorkspace)
	c.open("offers.promo")
	c.open("attribution.promo")
	require.Empty(t, c.diagnostics("attribution.promo"))
	tests := []struct {
		name, marker string
		want, not    []string
	}{
		{"every offer", "attribution last click within 30", []string{"```promo\nattribution last click within 30 days\n```",
			"A conversion of every offer without an attribution of its own goes to the player's last click on the offer within 30 days",
			"[t, t + 30 days)", "one exactly 30 days after the click is not attributed",
			"Offers with a window of their own: `\"SPA-2026\"` (168h0m0s), `\"POKER\"` (12h0m0s).",
			"An **attribution** declaration gives the window"}, nil},
		{"the window's words", "within 30", []string{"within 30 days"}, nil},
		{"an offer of the rule set", `"SPA-2026"`, []string{"A conversion of the offer with reference `\"SPA-2026\"`", "within 7 days",
			"That is the offer `spa_day` of this rule set."}, []string{"Offers with a window"}},
		{"its duration", "7 days", []string{"[t, t + 7 days)"}, nil},
		{"an offer of the database", "for offer \"POKER", []string{"within 12 hours", "No offer of this rule set has this reference"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hoverText(t, c, "attribution.promo", tt.marker, 0)
			for _, w := range tt.want {
				assert.Contains(t, got, w, "hover(%q)", tt.marker)
			}
			for _, w := range tt.not {
				assert.NotContains(t, got, w, "hover(%q)", tt.marker)
			}
		})
	}
}

func TestAttributionCompletion(t *testing.T) {
	tests := []completionCase{
		{"a declaration", "|", []string{"attribution last click within", "payout", "offer"}, nil},
		{"after attribution", "attribution |", []string{"last click within"}, []string{"kind", "offer"}},
		{"after last", "attribution last |", []string{"click within"}, []string{"days"}},
		{"after click", "attribution last click |", []string{"within"}, nil},
		{"a unit", "attribution last click within 30 |", []string{"days", "hours"}, []string{"EUR"}},
		{"after the window", "attribution last click within 30 days |", []string{"for offer"}, nil},
		{"after for", "attribution last click within 30 days for |", []string{"offer"}, []string{"for offer"}},
		{"the offers' references", "attribution last click within 30 days for offer |", []string{`"SPA-2026"`, `"NEWS"`}, []string{"spa_day", "cashback"}},
		{"after another declaration", "attribution last click within 30 days\nattribution last |", []string{"click within"}, nil},
		{"after a reward", "reward r {\n\tgive 1 EUR\n}\n\nattribution |", []string{"last click within"}, []string{"give"}},
		{"a declaration after one", "attribution last click within 30 days for offer \"NEWS\"\n|", []string{"attribution last click within", "reward"}, nil},
	}
	c := newClient(t, attributionWorkspace)
	c.open("offers.promo")
	c.diagnostics("offers.promo")
	testCompletions(t, c, tests)
}

func TestAttributionOutline(t *testing.T) {
	c := newClient(t, attributionWorkspace)
	c.open("attribution.promo")
	var syms []protocol.DocumentSymbol
	c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": c.uri("attribution.promo")}}, &syms)
	require.Len(t, syms, 3)
	var got []string
	for _, s := range syms {
		got = append(got, s.Name+" | "+*s.Detail)
	}
	assert.Equal(t, []string{"attribution: every offer | last click within 30 days", `attribution: offer "SPA-2026" | last click within 7 days`,
		`attribution: offer "POKER" | last click within 12 hours`}, got)
	assert.Equal(t, protocol.UInteger(1), syms[1].Range.Start.Line)
}
