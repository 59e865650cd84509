package runtime_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

func compileExamples(t testing.TB) *runtime.Program {
	t.Helper()
	prog, err := runtime.Compile(os.DirFS("../examples/dynamic_rewards"))
	require.NoError(t, err)
	return prog
}

func loadInput(t testing.TB, path string) runtime.Input {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	in, err := runtime.DecodeInput(f)
	require.NoError(t, err)
	return in
}

// TestDynamicRewards evaluates every formula of the dynamic-rewards document
// on the example input.
func TestDynamicRewards(t *testing.T) {
	prog := compileExamples(t)
	in := loadInput(t, "../examples/dynamic_rewards/input.json")
	december := in
	december.Now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

	tests := []struct {
		reward   string
		in       runtime.Input
		outcome  runtime.Outcome
		amount   string // as issued, with its scale
		currency string
		template string
		reason   string
		detail   string
		manual   bool
	}{
		// bets 120.00 + 80.50 + 210.25 (b-4 sent twice counts once) - wins 95.00 - 40.00 = 275.75; 5% = 13.7875
		{reward: "gold_quest_cashback", in: in, outcome: runtime.Calculated, amount: "13.79", currency: "EUR"},
		// last full week in Malta: bets 710.75, above 500: 5% = 35.5375
		{reward: "tiered_bets", in: in, outcome: runtime.Calculated, amount: "35.54", currency: "EUR"},
		// deposits 1850.00 - withdrawals 150.00
		{reward: "net_deposit", in: in, outcome: runtime.Calculated, amount: "1700.00", currency: "EUR"},
		{reward: "net_deposit_capped", in: in, outcome: runtime.Calculated, amount: "100.00", currency: "EUR"},
		// last deposit 600.00 is above 500: min(50% of 600, 1000)
		{reward: "tiered_deposit", in: in, outcome: runtime.Calculated, amount: "300.00", currency: "EUR"},
		// October (the last full month in Malta) has no deposits
		{reward: "deposit_count_tiers", in: in, outcome: runtime.Skipped, reason: "skipped", detail: "three deposits or fewer"},
		// November has six deposits: 10% of 1850.00
		{reward: "deposit_count_tiers", in: december, outcome: runtime.Calculated, amount: "185.00", currency: "EUR"},
		// net deposit of the last 7 days: 1200.00 - 150.00 > 100
		{reward: "golden_quest_spins_offer", in: in, outcome: runtime.Calculated, template: "golden_quest_spins"},
		{reward: "login_points", in: in, outcome: runtime.Calculated, amount: "42"},
		{reward: "half_last_deposit", in: in, outcome: runtime.Calculated, amount: "300.00", currency: "EUR", manual: true},
		// no deposit in the last day of December 1st
		{reward: "half_last_deposit", in: december, outcome: runtime.Skipped, reason: "no-matching-transactions", detail: "no deposit transaction matched"},
		{reward: "round_down_3", in: in, outcome: runtime.Calculated, amount: "2.735", currency: "EUR"},
		{reward: "round_up_3", in: in, outcome: runtime.Calculated, amount: "2.735", currency: "EUR"},
		{reward: "round_nearest_3", in: in, outcome: runtime.Calculated, amount: "2.735", currency: "EUR"},
		{reward: "round_down_2", in: in, outcome: runtime.Calculated, amount: "2.73", currency: "EUR"},
		{reward: "round_up_2", in: in, outcome: runtime.Calculated, amount: "2.74", currency: "EUR"},
		{reward: "round_nearest_2", in: in, outcome: runtime.Calculated, amount: "2.74", currency: "EUR"},
		{reward: "round_down_0", in: in, outcome: runtime.Calculated, amount: "2", currency: "EUR"},
		{reward: "round_up_0", in: in, outcome: runtime.Calculated, amount: "3", currency: "EUR"},
		{reward: "round_nearest_0", in: in, outcome: runtime.Calculated, amount: "3", currency: "EUR"},
	}
	for _, tt := range tests {
		t.Run(tt.reward+"@"+tt.in.Now.Format("2006-01-02"), func(t *testing.T) {
			res, err := prog.Evaluate(context.Background(), tt.reward, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.outcome, res.Outcome, "reason %s: %s", res.Reason, res.Detail)
			assert.Equal(t, tt.reason, res.Reason)
			assert.Equal(t, tt.detail, res.Detail)
			if tt.amount != "" {
				assert.Equal(t, tt.amount, res.AmountString())
			}
			assert.Equal(t, tt.currency, res.Currency)
			assert.Equal(t, tt.template, res.Template)
			assert.Equal(t, tt.manual, res.Manual)
		})
	}
}

// TestTieredDeposit walks the tier boundaries: "above" is strictly greater.
func TestTieredDeposit(t *testing.T) {
	prog := compileExamples(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		deposit string
		outcome runtime.Outcome
		amount  string
	}{
		{"2500.00", runtime.Calculated, "1000.00"}, // 50% capped by the tier's 1000
		{"2000.02", runtime.Calculated, "1000.00"},
		{"1999.99", runtime.Calculated, "1000.00"}, // 999.995 rounds half away from zero
		{"1999.98", runtime.Calculated, "999.99"},
		{"500.01", runtime.Calculated, "250.01"}, // 250.005 → 250.01
		{"500.00", runtime.Calculated, "150.00"}, // not above 500: 30%
		{"300.01", runtime.Calculated, "90.00"},  // 90.003
		{"300.00", runtime.Calculated, "10.00"},
		{"100.01", runtime.Calculated, "10.00"},
		{"100.00", runtime.Skipped, ""},
		{"0.01", runtime.Skipped, ""},
	}
	for _, tt := range tests {
		t.Run(tt.deposit, func(t *testing.T) {
			in := runtime.Input{
				Now:    now,
				Player: runtime.Player{ID: "p", Currency: "EUR"},
				Transactions: []runtime.Transaction{{
					ID: "d", Kind: "deposit", Time: now.Add(-time.Hour),
					Attrs: map[string]any{"amount": decimal.RequireFromString(tt.deposit)},
				}},
			}
			res, err := prog.Evaluate(context.Background(), "tiered_deposit", in)
			require.NoError(t, err)
			assert.Equal(t, tt.outcome, res.Outcome, res.Detail)
			if tt.amount != "" {
				assert.Equal(t, tt.amount, res.AmountString())
			}
		})
	}
}

func TestEvaluateErrors(t *testing.T) {
	prog := compileExamples(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()

	_, err := prog.Evaluate(ctx, "tiered_deposits", runtime.Input{Now: now})
	var rerr *runtime.Error
	require.True(t, errors.As(err, &rerr))
	assert.Equal(t, `unknown reward "tiered_deposits" (did you mean "tiered_deposit"?)`, err.Error())

	tests := []struct {
		name   string
		in     runtime.Input
		reward string
		reason string
		detail string
	}{
		{
			name:   "missing property",
			reward: "login_points",
			in:     runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EUR"}},
			reason: "missing-property",
		},
		{
			name:   "other currency without a rate",
			reward: "tiered_deposit",
			in: runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EUR"}, Transactions: []runtime.Transaction{
				{ID: "d", Kind: "deposit", Time: now.Add(-time.Hour), Currency: "USD", Attrs: map[string]any{"amount": "600"}},
			}},
			reason: "invalid-input",
			detail: "transactions[0]: currency USD differs from the player's EUR and no rate was given",
		},
		{
			name:   "missing amount",
			reward: "tiered_deposit",
			in: runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EUR"}, Transactions: []runtime.Transaction{
				{ID: "d", Kind: "deposit", Time: now.Add(-time.Hour)},
			}},
			reason: "invalid-input",
			detail: "transactions[0].amount: missing",
		},
		{
			name:   "unknown kind",
			reward: "tiered_deposit",
			in: runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EUR"}, Transactions: []runtime.Transaction{
				{ID: "d", Kind: "deposits", Time: now.Add(-time.Hour), Attrs: map[string]any{"amount": "600"}},
			}},
			reason: "invalid-input",
			detail: `transactions[0].kind: unknown kind "deposits"`,
		},
		{
			name:   "amount in another currency than the per-currency constant",
			reward: "tiered_deposit",
			in: runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "GBP"}, Transactions: []runtime.Transaction{
				{ID: "d", Kind: "deposit", Time: now.Add(-time.Hour), Attrs: map[string]any{"amount": "150"}},
			}},
			reason: "currency-mismatch",
		},
		{
			name:   "player zone missing for a window in player zone",
			reward: "deposit_count_tiers",
			in:     runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: "EUR"}},
			reason: "invalid-window",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := prog.Evaluate(ctx, tt.reward, tt.in)
			require.NoError(t, err)
			assert.Equal(t, runtime.Error_, res.Outcome)
			assert.Equal(t, tt.reason, res.Reason, res.Detail)
			if tt.detail != "" {
				assert.Equal(t, tt.detail, res.Detail)
			}
		})
	}
}

func TestConversionRates(t *testing.T) {
	prog := compileExamples(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	in := runtime.Input{
		Now:    now,
		Player: runtime.Player{ID: "p", Currency: "EUR"},
		Rates:  map[string]decimal.Decimal{"USD": decimal.RequireFromString("0.9")},
		Transactions: []runtime.Transaction{
			{ID: "d", Kind: "deposit", Time: now.Add(-time.Hour), Currency: "USD", Attrs: map[string]any{"amount": "700"}},
		},
	}
	res, err := prog.Evaluate(context.Background(), "tiered_deposit", in)
	require.NoError(t, err)
	require.Equal(t, runtime.Calculated, res.Outcome, res.Detail)
	assert.Equal(t, "315.00", res.AmountString()) // 700 USD = 630 EUR, above 500: 50%
}

// TestConcurrentEvaluate evaluates one program from many goroutines; run
// with -race.
func TestConcurrentEvaluate(t *testing.T) {
	prog := compileExamples(t)
	in := loadInput(t, "../examples/dynamic_rewards/input.json")
	prepared := prog.Prepare(in)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				res, err := prog.EvaluatePrepared(context.Background(), "gold_quest_cashback", prepared, runtime.WithTrace())
				if !assert.NoError(t, err) || !assert.Equal(t, "13.79", res.AmountString()) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestTrace(t *testing.T) {
	prog := compileExamples(t)
	in := loadInput(t, "../examples/dynamic_rewards/input.json")
	res, err := prog.Evaluate(context.Background(), "tiered_bets", in, runtime.WithTrace())
	require.NoError(t, err)
	require.NotNil(t, res.Trace)
	require.NotNil(t, res.Trace.Window)
	assert.Equal(t, "2026-11-15T23:00:00Z", res.Trace.Window.Start.UTC().Format(time.RFC3339))
	assert.Equal(t, "2026-11-22T23:00:00Z", res.Trace.Window.End.UTC().Format(time.RFC3339))
	require.Len(t, res.Trace.Branches, 1)
	assert.Equal(t, "above 500 EUR", res.Trace.Branches[0].Label)
	require.Len(t, res.Trace.Lets, 1)
	assert.Equal(t, "bets", res.Trace.Lets[0].Name)
	require.Len(t, res.Trace.Aggregations, 1)
	assert.Equal(t, 4, res.Trace.Aggregations[0].Matched)
	assert.Equal(t, []string{"b-1", "b-2", "b-3", "b-4"}, res.Trace.Aggregations[0].IDs)
}

func TestCompileErrors(t *testing.T) {
	srcs := []runtime.Source{
		{Name: "schema.promo", Text: []byte("kind deposit { amount: money }\n")},
		{Name: "a.promo", Text: []byte("reward a: amount {\n\tgive sum(deposit.amout)\n}\n")},
		{Name: "b.promo", Text: []byte("reward b: amount {\n\ttiers x {\n\t\tabove 5 EUR {\n}\n")},
	}
	_, err := runtime.CompileSources(srcs)
	var rerr *runtime.Error
	require.True(t, errors.As(err, &rerr))
	require.Len(t, rerr.Diagnostics, 2, "%v", rerr.Diagnostics)
	assert.Equal(t, "a.promo", rerr.Diagnostics[0].File)
	assert.Contains(t, rerr.Diagnostics[0].Message, "deposit has no attribute amout (did you mean amount?)")
	assert.Equal(t, "b.promo", rerr.Diagnostics[1].File)
}
