package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

// Acceptance tests of the Go embedding API, as a host service would use it
// (spec/spec.md sections 8, 11 and 12): one Program shared by goroutines,
// exact money in and out, the rule set's version, and the bounds a host
// relies on (its deadline, the step budget).

// acceptRules is the tiered deposit of the dynamic rewards document, with a
// cap, a minimum and a net loss, in EUR, USD and JPY.
const acceptRules = `
currencies EUR, USD, JPY

kind bet { amount: money  game: string }
kind win { amount: money  game: string }
kind deposit { amount: money }

player { vip_level: number default 0 }

reward tiered_deposit: amount {
	cap 1000 EUR | 1100 USD | 150000 JPY
	minimum 5 EUR | 5 USD | 500 JPY

	let deposit = last(deposit.amount)
	tiers deposit {
		above 500 EUR | 550 USD | 75000 JPY: give 50% of deposit
		above 300 EUR | 330 USD | 45000 JPY: give 30% of deposit
		above 100 EUR | 110 USD | 15000 JPY: give 10 EUR | 10 USD | 1500 JPY
		else: skip "deposit of 100 or less"
	}
}

reward cashback: amount {
	window last 7 days

	let rate = if player.vip_level >= 3 then 10% else 5%
	give rate of (sum(bet.amount where game != "roulette") - sum(win.amount where game != "roulette"))
}
`

func acceptProgram(t *testing.T) *runtime.Program {
	t.Helper()
	prog, err := runtime.CompileSources([]runtime.Source{{Name: "rules.promo", Text: []byte(acceptRules)}})
	require.NoError(t, err)
	return prog
}

// acceptInput is player i's input: a currency, a VIP level, a last deposit
// and bets and wins that differ from one player to the next.
func acceptInput(i int) runtime.Input {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	curs := []string{"EUR", "USD", "JPY"}
	cur := curs[i%3]
	scale := int32(2)
	if cur == "JPY" {
		scale = 0
	}
	amt := func(units int64) decimal.Decimal { return decimal.New(units, -scale) }
	in := runtime.Input{
		Now:    now,
		Player: runtime.Player{ID: fmt.Sprintf("p%d", i), Currency: cur, Properties: map[string]any{"vip_level": int64(i % 5)}},
	}
	for j := 0; j < 1+i%7; j++ {
		at := now.Add(-time.Duration(j*13+i%11) * time.Hour)
		in.Transactions = append(in.Transactions,
			runtime.Transaction{ID: fmt.Sprintf("d%d", j), Kind: "deposit", Time: at, Attrs: map[string]any{"amount": amt(int64(i*7919+j*104729) % 2000000)}},
			runtime.Transaction{ID: fmt.Sprintf("b%d", j), Kind: "bet", Time: at, Attrs: map[string]any{"amount": amt(int64(i*31+j*17) * 333), "game": []string{"slots", "roulette"}[j%2]}},
			runtime.Transaction{ID: fmt.Sprintf("w%d", j), Kind: "win", Time: at.Add(time.Minute), Attrs: map[string]any{"amount": amt(int64(i*13+j) * 101), "game": "slots"}},
		)
	}
	return in
}

// TestAcceptConcurrentEvaluations: a Program is shared by many goroutines,
// and each evaluation gives exactly what it gives alone: the same result
// document, byte for byte, trace included.
func TestAcceptConcurrentEvaluations(t *testing.T) {
	prog := acceptProgram(t)
	ctx := context.Background()
	const players = 60
	want := map[string][]byte{}
	key := func(r string, i int) string { return fmt.Sprintf("%s/%d", r, i) }
	outcomes := map[runtime.Outcome]int{}
	for i := 0; i < players; i++ {
		for _, r := range prog.Rewards() {
			res, err := prog.Evaluate(ctx, r, acceptInput(i), runtime.WithTrace())
			require.NoError(t, err)
			outcomes[res.Outcome]++
			doc, err := json.Marshal(res)
			require.NoError(t, err)
			want[key(r, i)] = doc
		}
	}
	assert.Positive(t, outcomes[runtime.Calculated], "some are calculated")
	assert.Positive(t, outcomes[runtime.Skipped], "some are skipped")

	var wg sync.WaitGroup
	errs := make(chan string, 8*players)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := 0; n < players; n++ {
				i := (n*7 + g*13) % players
				for _, r := range prog.Rewards() {
					res, err := prog.Evaluate(ctx, r, acceptInput(i), runtime.WithTrace())
					if err != nil {
						errs <- err.Error()
						return
					}
					doc, _ := json.Marshal(res)
					if string(doc) != string(want[key(r, i)]) {
						errs <- fmt.Sprintf("%s: got %s, alone %s", key(r, i), doc, want[key(r, i)])
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestAcceptExactMoney: money goes in and out as decimals, never floats. A
// float property is refused, naming it; the amount of a result is an exact
// decimal at the currency's minor units, and raw keeps every digit.
func TestAcceptExactMoney(t *testing.T) {
	prog := acceptProgram(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	dep := func(cur, amount string) runtime.Input {
		return runtime.Input{Now: now, Player: runtime.Player{ID: "p", Currency: cur},
			Transactions: []runtime.Transaction{{ID: "d", Kind: "deposit", Time: now.Add(-time.Hour), Attrs: map[string]any{"amount": amount}}}}
	}
	tests := []struct {
		cur, deposit      string
		outcome           runtime.Outcome
		amount, raw, text string
	}{
		{"EUR", "500.01", runtime.Calculated, "250.01", "250.005", "250.01"}, // a tie, away from zero
		{"EUR", "500", runtime.Calculated, "150", "150", "150.00"},           // exactly 500 is not above 500
		{"EUR", "2000.02", runtime.Calculated, "1000", "1000.01", "1000.00"}, // capped
		{"JPY", "75001", runtime.Calculated, "37501", "37500.5", "37501"},    // JPY has no decimals
		{"USD", "110", runtime.Skipped, "0", "", "0"},                        // 110 is not above 110: nothing issued
		{"USD", "110.01", runtime.Calculated, "10", "10", "10.00"},
	}
	for _, tt := range tests {
		t.Run(tt.cur+" "+tt.deposit, func(t *testing.T) {
			res, err := prog.Evaluate(ctx, "tiered_deposit", dep(tt.cur, tt.deposit))
			require.NoError(t, err)
			require.Equal(t, tt.outcome, res.Outcome, res.Detail)
			assert.True(t, decimal.RequireFromString(tt.amount).Equal(res.Amount()), "amount %s", res.Amount())
			assert.Equal(t, tt.text, res.AmountString())
			if tt.raw != "" {
				assert.True(t, decimal.RequireFromString(tt.raw).Equal(res.Raw()), "raw %s", res.Raw())
			}
		})
	}

	in := dep("EUR", "600")
	in.Player.Properties = map[string]any{"vip_level": 3.0}
	res, err := prog.Evaluate(ctx, "cashback", in)
	require.NoError(t, err)
	assert.Equal(t, runtime.Error_, res.Outcome)
	assert.Equal(t, "invalid-input", res.Reason)
	assert.Contains(t, res.Detail, "player.properties.vip_level: the float 3 is not exact")

	in = dep("GBP", "600")
	res, err = prog.Evaluate(ctx, "tiered_deposit", in)
	require.NoError(t, err)
	assert.Equal(t, "invalid-input", res.Reason)
	assert.Equal(t, "player.currency: GBP is not served: the rule set serves EUR, USD, JPY", res.Detail)
}

// TestAcceptVersion: the version is a hash of the rule files' names and
// bytes, whatever their order or their directory, without the test files;
// any byte changes it.
func TestAcceptVersion(t *testing.T) {
	a := runtime.Source{Name: "a.promo", Text: []byte("kind deposit { amount: money }\n")}
	b := runtime.Source{Name: "b.promo", Text: []byte("reward r: amount {\n\tgive 10% of last(deposit.amount)\n}\n")}
	compile := func(srcs ...runtime.Source) string {
		p, err := runtime.CompileSources(srcs)
		require.NoError(t, err)
		return p.Version()
	}
	v := compile(a, b)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, v)
	assert.Equal(t, v, compile(b, a), "the order of the files")
	elsewhere := b
	elsewhere.Name = "/srv/promo/rules/b.promo"
	assert.Equal(t, v, compile(a, elsewhere), "the directory of the files")

	fs1, err := runtime.Compile(fstest.MapFS{"a.promo": {Data: a.Text}, "b.promo": {Data: b.Text},
		"b_test.promo": {Data: []byte("test \"t\" {\n\treward r\n\tnow 2026-11-23 10:00\n\tplayer { currency EUR }\n\n\texpect skipped no-matching-transactions\n}\n")}})
	require.NoError(t, err)
	assert.Equal(t, v, fs1.Version(), "the test files are not part of the rule set")

	changed := b
	changed.Text = []byte("reward r: amount {\n\tgive 10% of last(deposit.amount) \n}\n")
	assert.NotEqual(t, v, compile(a, changed), "a blank more")
	renamed := b
	renamed.Name = "c.promo"
	assert.NotEqual(t, v, compile(a, renamed), "another file name")
}

// TestAcceptHostBounds: a host's deadline or cancellation ends an
// evaluation with the error outcome cancelled, and the step budget with
// step-budget-exhausted: never a hang, never a Go error for the host to
// tell apart from bad rules.
func TestAcceptHostBounds(t *testing.T) {
	prog := acceptProgram(t)
	in := acceptInput(5)
	for i := 0; i < 200000; i++ {
		in.Transactions = append(in.Transactions, runtime.Transaction{ID: fmt.Sprintf("x%d", i), Kind: "bet", Time: in.Now.Add(-time.Duration(i) * time.Second),
			Attrs: map[string]any{"amount": decimal.New(int64(i%1000), -2), "game": fmt.Sprintf("g%d", i%3)}})
	}
	prepared := prog.Prepare(in)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := prog.EvaluatePrepared(ctx, "cashback", prepared)
	require.NoError(t, err)
	assert.Equal(t, runtime.Error_, res.Outcome)
	assert.Equal(t, "cancelled", res.Reason)

	small, err := runtime.CompileSources([]runtime.Source{{Name: "rules.promo", Text: []byte(acceptRules)}}, runtime.WithMaxSteps(1000))
	require.NoError(t, err)
	res, err = small.Evaluate(context.Background(), "cashback", in)
	require.NoError(t, err)
	assert.Equal(t, runtime.Error_, res.Outcome)
	assert.Equal(t, "step-budget-exhausted", res.Reason)

	res, err = prog.EvaluatePrepared(context.Background(), "cashback", prepared)
	require.NoError(t, err)
	assert.Equal(t, runtime.Calculated, res.Outcome, "the default budget takes 200,000 bets: %s", res.Detail)
}

// TestAcceptByteOrderMark: a document or a JSON Lines file saved by a
// Windows tool starts with a UTF-8 byte order mark, which is skipped there
// (as at the start of a rule file) and refused anywhere else.
func TestAcceptByteOrderMark(t *testing.T) {
	const bom = "\ufeff"
	txs, err := runtime.DecodeTransactions(strings.NewReader(bom + `{"id": "a", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": "600"}` + "\n" +
		`{"id": "b", "kind": "deposit", "time": "2026-11-23T09:30:00Z", "amount": "500.01"}` + "\n"))
	require.NoError(t, err)
	require.Len(t, txs, 2)

	prog := acceptProgram(t)
	doc := bom + `{"player": {"id": "p", "currency": "EUR"}, "now": "2026-11-23T10:00:00Z", "transactions": []}`
	in, err := runtime.DecodeInput(strings.NewReader(doc))
	require.NoError(t, err)
	in.Transactions = txs
	res, err := prog.Evaluate(context.Background(), "tiered_deposit", in)
	require.NoError(t, err)
	assert.Equal(t, "250.01", res.AmountString())

	res, err = prog.EvaluatePrepared(context.Background(), "tiered_deposit", prog.PrepareJSON(context.Background(), strings.NewReader(doc)))
	require.NoError(t, err)
	assert.Equal(t, "no-matching-transactions", res.Reason)

	// At the start of the file only: one at the start of another line is
	// malformed JSON, as promoc run takes it.
	_, err = runtime.DecodeTransactions(strings.NewReader(`{"id": "a", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": "600"}` + "\n" +
		bom + `{"id": "b", "kind": "deposit", "time": "2026-11-23T09:30:00Z", "amount": "500.01"}` + "\n"))
	assert.ErrorContains(t, err, "line 2: malformed JSON")

	_, err = runtime.DecodeTransactions(strings.NewReader(`{"id": "a", "kind": "deposit",` + bom + ` "time": "2026-11-23T09:00:00Z", "amount": "600"}` + "\n"))
	assert.ErrorContains(t, err, "line 1: malformed JSON")
}

// TestDecodeTransactionLines: the line of each transaction, as
// DecodeTransactions counts them for its errors: from 1, blank lines
// (spaces, a carriage return) counted and skipped, a byte order mark at the
// start not a line of its own.
func TestDecodeTransactionLines(t *testing.T) {
	const tx = `{"id": "%s", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": "600"}`
	src := "\ufeff" + fmt.Sprintf(tx, "a") + "\r\n\n   \r\n" + fmt.Sprintf(tx, "b") + "\n\t\n" + fmt.Sprintf(tx, "c")
	txs, lines, err := runtime.DecodeTransactionLines(strings.NewReader(src))
	require.NoError(t, err)
	require.Len(t, txs, 3)
	assert.Equal(t, []int{1, 4, 6}, lines)
	_, lines, err = runtime.DecodeTransactionLines(strings.NewReader(src + "\n\n{"))
	assert.ErrorContains(t, err, "line 8: ")
	assert.Nil(t, lines)
}
