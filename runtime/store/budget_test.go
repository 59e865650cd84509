package store_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"

	"github.com/promoc/promoc/runtime/store"
)

// TestBudgetAmount: a budget's amounts are written with the currency's
// minor units, as outcomes are, or more digits when they have them; the
// store gives them without their scale.
func TestBudgetAmount(t *testing.T) {
	for _, c := range []struct{ currency, amount, want string }{
		{"EUR", "10.1", "10.10"},
		{"EUR", "4", "4.00"},
		{"EUR", "0", "0.00"},
		{"EUR", "10.125", "10.125"},
		{"EUR", "-2.5", "-2.50"},
		{"JPY", "500", "500"},
		{"JPY", "500.5", "500.5"},
		{"KWD", "1.25", "1.250"},
		{"CLF", "3", "3.0000"},
		{"", "120", "120"},
		{"", "12.50", "12.5"},
	} {
		d := decimal.RequireFromString(c.amount)
		assert.Equal(t, c.want, store.Budget{Currency: c.currency}.Amount(d), "%s %s", c.amount, c.currency)
	}
	// The store's scale (more zeros than digits) is not written.
	assert.Equal(t, "10.10", store.Budget{Currency: "EUR"}.Amount(decimal.New(1010000000, -8)))
}
