package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

// TestPlayerOwnFields: the domain counts a player's currency and time zone
// among the user-state properties rules may read. A player property declared
// as `currency`, `zone` or `id` (a string) is the player's own field when the
// input's properties leave it out, and a property that contradicts the field
// is an input error naming it: a player has one currency, never two.
func TestPlayerOwnFields(t *testing.T) {
	prog, err := runtime.CompileSources([]runtime.Source{{Name: "r.promo", Text: []byte(`
player {
	currency: string
	zone: string
	id: string
	country: string
}

reward by_currency: points {
	check player.currency == "EUR" and player.zone == "Europe/Malta" and player.id == "p-1" {
		give 10
	}
	skip "other"
}
`)}})
	require.NoError(t, err)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	malta := runtime.Player{ID: "p-1", Currency: "EUR", Zone: "Europe/Malta"}
	tests := []struct {
		name           string
		player         runtime.Player
		outcome        runtime.Outcome
		reason, detail string
	}{
		{"from the player's fields", malta, runtime.Calculated, "", ""},
		{"properties that agree", runtime.Player{ID: "p-1", Currency: "EUR", Zone: "Europe/Malta",
			Properties: map[string]any{"currency": "EUR", "zone": "Europe/Malta", "id": "p-1"}}, runtime.Calculated, "", ""},
		{"another currency", runtime.Player{ID: "p-1", Currency: "USD", Zone: "Europe/Malta"}, runtime.Skipped, "skipped", "other"},
		{"a property that contradicts the field", runtime.Player{ID: "p-1", Currency: "EUR", Zone: "Europe/Malta",
			Properties: map[string]any{"currency": "USD"}}, runtime.Error_, "invalid-input",
			`player.properties.currency: "USD" differs from player.currency "EUR"`},
		{"a zone that contradicts the field", runtime.Player{ID: "p-1", Currency: "EUR", Zone: "Europe/Malta",
			Properties: map[string]any{"zone": "Europe/Rome"}}, runtime.Error_, "invalid-input",
			`player.properties.zone: "Europe/Rome" differs from player.zone "Europe/Malta"`},
		{"no zone at all", runtime.Player{ID: "p-1", Currency: "EUR"}, runtime.Error_, "missing-property", "player property zone is missing"},
		{"a property without the field", runtime.Player{ID: "p-1", Currency: "EUR", Properties: map[string]any{"zone": "Europe/Malta"}},
			runtime.Calculated, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := prog.Evaluate(context.Background(), "by_currency", runtime.Input{Now: now, Player: tt.player})
			require.NoError(t, err)
			assert.Equal(t, tt.outcome, res.Outcome)
			assert.Equal(t, tt.reason, res.Reason)
			assert.Equal(t, tt.detail, res.Detail)
		})
	}
}
