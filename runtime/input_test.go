package runtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

// TestDecodeInputErrors checks that every malformed input document is an
// error naming the field.
func TestDecodeInputErrors(t *testing.T) {
	const now = `"now": "2026-11-23T10:00:00Z"`
	tests := []struct {
		name, doc, want string
	}{
		{"empty", ``, "empty input: expected a JSON document"},
		{"two documents", `{` + now + `} {}`, "more than one JSON document in the input"},
		{"unknown field", `{` + now + `, "players": {}}`, "players: unknown field; expected now, player, transactions, anchors or rates"},
		{"missing now", `{}`, "now: missing: expected an RFC 3339 time such as 2026-11-23T10:00:00Z"},
		{"bad now", `{"now": "yesterday"}`, `now: invalid time "yesterday": want RFC 3339, as in 2026-11-23T10:00:00Z`},
		{"unknown anchor", `{` + now + `, "anchors": {"start": "2026-11-01T00:00:00Z"}}`,
			"anchors.start: unknown anchor; expected first_transaction, last_transaction, qualification or entrance"},
		{"bad rate", `{` + now + `, "rates": {"USD": "cheap"}}`, `rates.USD: invalid number "cheap": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`},
		{"object attribute", `{` + now + `, "transactions": [{"id": "t", "kind": "bet", "time": "2026-11-23T09:00:00Z", "game": {}}]}`,
			"transactions[0].game: must be a string, a number or a boolean"},
		{"id not a string", `{` + now + `, "transactions": [{"id": 7}]}`, "transactions[0].id: must be a string, not a number"},
		{"bad transaction time", `{` + now + `, "transactions": [{"id": "t", "time": "monday"}]}`,
			`transactions[0].time: invalid time "monday": want RFC 3339, as in 2026-11-23T10:00:00Z`},
		{"property array", `{` + now + `, "player": {"properties": {"vip_level": [1]}}}`,
			"player.properties.vip_level: must be a string, a number or a boolean"},
		{"wrong type", `{"now": 5}`, "now: must be a string, not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runtime.DecodeInput(strings.NewReader(tt.doc))
			var ie *runtime.InputError
			if assert.ErrorAs(t, err, &ie) {
				assert.Equal(t, tt.want, err.Error())
			}
		})
	}
}

// TestInputConversionErrors checks the input errors found when an input is
// prepared: each is an error outcome, invalid-input, naming the field.
func TestInputConversionErrors(t *testing.T) {
	prog := compileExamples(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	deposit := []runtime.Transaction{{ID: "d", Kind: "deposit", Time: now.Add(-time.Hour), Attrs: map[string]any{"amount": "600"}}}
	playerCurrency := []runtime.PathStep{{Key: "player"}, {Key: "currency"}}
	tests := []struct {
		name   string
		in     runtime.Input
		detail string
		// path is the error's path (Result.Input.Path), nil where none
		// is given.
		path []runtime.PathStep
	}{
		{"missing now", runtime.Input{Player: runtime.Player{Currency: "EUR"}}, "now: missing: the evaluation time is required", nil},
		{"unknown player currency", runtime.Input{Now: now, Player: runtime.Player{Currency: "EURO"}}, `player.currency: unknown currency "EURO"`, playerCurrency},
		{"unknown zone", runtime.Input{Now: now, Player: runtime.Player{Currency: "EUR", Zone: "Mars/Olympus"}}, `player.zone: unknown time zone "Mars/Olympus"`, []runtime.PathStep{{Key: "player"}, {Key: "zone"}}},
		{"unknown rate currency", runtime.Input{Now: now, Player: runtime.Player{Currency: "EUR"}, Rates: map[string]decimal.Decimal{"XYZ": decimal.NewFromInt(1)}},
			"rates.XYZ: unknown currency", nil},
		{"unknown transaction currency", runtime.Input{Now: now, Player: runtime.Player{Currency: "EUR"},
			Transactions: []runtime.Transaction{{ID: "d", Kind: "deposit", Time: now, Currency: "eur"}}},
			`transactions[0].currency: unknown currency "eur"`, []runtime.PathStep{{Key: "transactions"}, {Index: 0}, {Key: "currency"}}},
		{"bad transaction attribute", runtime.Input{Now: now, Player: runtime.Player{Currency: "EUR"},
			Transactions: append(deposit, runtime.Transaction{ID: "e", Kind: "deposit", Time: now, Attrs: map[string]any{"amount": "lots"}})},
			`transactions[1].amount: invalid number "lots": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`,
			[]runtime.PathStep{{Key: "transactions"}, {Index: 1}, {Key: "amount"}}},
		{"no currency", runtime.Input{Now: now, Transactions: deposit}, "player.currency: missing: the schema has money values", playerCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := prog.Evaluate(context.Background(), "tiered_deposit", tt.in)
			require.NoError(t, err)
			assert.Equal(t, runtime.Error_, res.Outcome)
			assert.Equal(t, "invalid-input", res.Reason)
			assert.Equal(t, tt.detail, res.Detail)
			require.NotNil(t, res.Input, "the input error, in the result")
			assert.Equal(t, tt.detail, res.Input.Error())
			assert.Equal(t, tt.path, res.Input.Path)
		})
	}
}
