package runtime_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

const resultRules = `
kind bet { amount: money }
kind win { amount: money }
player { level: number }
template spins "10 Free Spins"

reward net_loss: amount {
	minimum 5 EUR
	give 5% of (sum(bet.amount) - sum(win.amount))
}

reward tiny: amount {
	give 0.1% of sum(bet.amount)
}

reward level_points: points {
	give 10 * player.level
}

reward spins_offer: template {
	check sum(bet.amount) > 100 EUR {
		give spins
	}
	skip "bets of 100 or less"
}
`

// TestResultJSON checks which fields each outcome prints: an amount only when
// calculated, the raw value when the amount itself stopped the reward, and
// the rule set's version always.
func TestResultJSON(t *testing.T) {
	prog, err := runtime.CompileSources([]runtime.Source{{Name: "rules/r.promo", Text: []byte(resultRules)}})
	require.NoError(t, err)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	in := func(level any, bets, wins string) runtime.Input {
		in := runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EUR", Properties: map[string]any{}}}
		if level != nil {
			in.Player.Properties["level"] = level
		}
		for i, a := range []string{bets, wins} {
			if a != "" {
				in.Transactions = append(in.Transactions, runtime.Transaction{
					ID: []string{"b", "w"}[i], Kind: []string{"bet", "win"}[i], Time: now.Add(-time.Hour), Attrs: map[string]any{"amount": a},
				})
			}
		}
		return in
	}
	tests := []struct {
		name, reward string
		in           runtime.Input
		want         map[string]any // the fields besides reward, rule_set_version, kind, manual, at
	}{
		{"calculated", "net_loss", in(nil, "300", "100"), map[string]any{
			"outcome": "calculated", "amount": "10.00", "currency": "EUR", "raw": "10.00"}},
		{"non-positive: no amount, the raw value", "net_loss", in(nil, "100", "150.5"), map[string]any{
			"outcome": "skipped", "reason": "non-positive-amount", "detail": "the amount is zero or negative", "currency": "EUR", "raw": "-2.525"}},
		{"below the minimum", "net_loss", in(nil, "150", "60"), map[string]any{
			"outcome": "skipped", "reason": "below-minimum", "detail": "the amount is below the minimum", "currency": "EUR", "raw": "4.50"}},
		{"rounded to zero", "tiny", in(nil, "4", ""), map[string]any{
			"outcome": "skipped", "reason": "rounded-to-zero", "detail": "the amount rounds to zero", "currency": "EUR", "raw": "0.004"}},
		{"no matching transactions: no raw", "tiny", in(nil, "", ""), map[string]any{
			"outcome": "skipped", "reason": "no-matching-transactions", "detail": "the formula reads transactions and none matched"}},
		{"points", "level_points", in(3, "", ""), map[string]any{
			"outcome": "calculated", "points": "30", "raw": "30", "target": "balance"}},
		{"points skipped", "level_points", in(-1, "", ""), map[string]any{
			"outcome": "skipped", "reason": "non-positive-amount", "detail": "the amount is zero or negative", "raw": "-10", "target": "balance"}},
		{"error outcome: nothing issued", "level_points", in(nil, "", ""), map[string]any{
			"outcome": "error", "reason": "missing-property", "detail": "player property level is missing", "target": "balance"}},
		{"template", "spins_offer", in(nil, "150", ""), map[string]any{
			"outcome": "calculated", "template": "spins", "template_title": "10 Free Spins"}},
		{"template skipped", "spins_offer", in(nil, "50", ""), map[string]any{
			"outcome": "skipped", "reason": "skipped", "detail": "bets of 100 or less"}},
		{"invalid input", "net_loss", runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "XXY"}}, map[string]any{
			"outcome": "error", "reason": "invalid-input"}},
		{"invalid input, points", "level_points", runtime.Input{Player: runtime.Player{ID: "p"}}, map[string]any{
			"outcome": "error", "reason": "invalid-input", "target": "balance"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := prog.Evaluate(context.Background(), tt.reward, tt.in)
			require.NoError(t, err)
			b, err := json.Marshal(res)
			require.NoError(t, err)
			var got map[string]any
			require.NoError(t, json.Unmarshal(b, &got))
			assert.Equal(t, tt.reward, got["reward"])
			assert.Equal(t, prog.Version(), got["rule_set_version"])
			assert.Equal(t, prog.Version(), res.RuleSetVersion)
			for _, k := range []string{"reward", "rule_set_version", "kind", "manual", "at"} {
				delete(got, k)
			}
			if tt.want["reason"] == "invalid-input" {
				assert.NotEmpty(t, got["detail"])
				delete(got, "detail")
			}
			assert.Equal(t, tt.want, got, "%s", b)
			// The Go API agrees with the document.
			if res.Outcome != runtime.Calculated {
				assert.True(t, res.Amount().IsZero(), "Amount of a %s result: %s", res.Outcome, res.Amount())
			}
			raw, hasRaw := tt.want["raw"].(string)
			assert.Equal(t, hasRaw, res.HasRaw())
			if hasRaw {
				assert.True(t, decimal.RequireFromString(raw).Equal(res.Raw()), "Raw() = %s, want %s", res.Raw(), raw)
			}
		})
	}
}
