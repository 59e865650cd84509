package vm

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
)

// sumProgram returns a program with rewards that sum, count, take the first
// and the last deposit amount, as points with 4 decimals.
func sumProgram(t *testing.T) (*Program, map[string]*Reward) {
	a := newAsm(t)
	rs := map[string]*Reward{}
	for name, op := range map[string]AggOp{"sum": AggSum, "count": AggCount, "first": AggFirst, "last": AggLast, "min": AggMin} {
		attr := cAmount
		if op == AggCount {
			attr = -1
		}
		rs[name] = a.reward(name, "aggregate 0\ngive", withResult(ResultPoints), withRound(num.Down, 4),
			withAggs(Aggregation{Op: op, Kind: kDeposit, Attr: attr}))
	}
	return a.p, rs
}

func TestPrepareDedupe(t *testing.T) {
	p, rs := sumProgram(t)
	d := prepare(t, p, eurPlayer(
		deposit("d1", 1, "10"),
		deposit("d2", 2, "20"),
		deposit("d1", 3, "1000"), // repeated id: dropped, although it differs
		deposit("d2", 2, "20"),
	))
	assert.Equal(t, 2, d.Rows("deposit"))
	assert.Equal(t, "calculated 30.0000", show(d, run(t, p, rs["sum"], d, Options{})))
	assert.Equal(t, "calculated 2.0000", show(d, run(t, p, rs["count"], d, Options{})))
	assert.Equal(t, -1, d.Rows("nope"))
}

func TestPrepareSortsStably(t *testing.T) {
	p, rs := sumProgram(t)
	d := prepare(t, p, eurPlayer(
		deposit("late", 9, "90"),
		deposit("tie-a", 5, "51"),
		deposit("tie-b", 5, "52"),
		deposit("early", 1, "10"),
		deposit("tie-c", 9, "91"),
	))
	assert.Equal(t, "calculated 10.0000", show(d, run(t, p, rs["first"], d, Options{})))
	assert.Equal(t, "calculated 91.0000", show(d, run(t, p, rs["last"], d, Options{})))
	res := run(t, p, rs["sum"], d, Options{Trace: true})
	assert.Equal(t, []string{"early", "tie-a", "tie-b", "late", "tie-c"}, res.Trace.Aggregations[0].IDs)
}

func TestPrepareRates(t *testing.T) {
	p, rs := sumProgram(t)
	in := eurPlayer(
		deposit("d1", 1, "10.00"),
		Txn{ID: "d2", Kind: "deposit", Time: at(2), Currency: usd, Attrs: map[string]any{"amount": "100.00"}},
		Txn{ID: "d3", Kind: "deposit", Time: at(3), Currency: eur, Attrs: map[string]any{"amount": "1.5"}},
	)
	in.Rates = map[currency.Code]num.Dec{usd: num.MustParse("0.91234567")}
	d := prepare(t, p, in)
	// 10.00 + 100.00 × 0.91234567 + 1.5, exactly.
	assert.Equal(t, "calculated 102.7345", show(d, run(t, p, rs["sum"], d, Options{})))
	res := run(t, p, rs["sum"], d, Options{})
	assert.Equal(t, "102.7345670000", res.Raw.N.String())
}

func TestPrepareColumns(t *testing.T) {
	p, rs := sumProgram(t)
	// A value that does not fit an int64 at the column's scale makes the
	// column decimal; sums stay exact.
	d := prepare(t, p, eurPlayer(
		deposit("d1", 1, "92233720368547758.07"),
		deposit("d2", 2, "0.000000001"),
		deposit("d3", 3, "-1"),
	))
	assert.NotNil(t, d.tables[kDeposit].cols[cAmount].dec)
	assert.Equal(t, "92233720368547757.070000001", run(t, p, rs["sum"], d, Options{}).Raw.N.String())
	assert.Equal(t, "-1", run(t, p, rs["min"], d, Options{}).Raw.N.String())

	// Sums beyond int64 in an int column carry into 128 bits.
	d = prepare(t, p, eurPlayer(
		deposit("d1", 1, "90000000000000000.00"),
		deposit("d2", 2, "90000000000000000.00"),
		deposit("d3", 3, "90000000000000000.01"),
	))
	assert.Nil(t, d.tables[kDeposit].cols[cAmount].dec)
	assert.Equal(t, "270000000000000000.01", run(t, p, rs["sum"], d, Options{}).Raw.N.String())
	d = prepare(t, p, eurPlayer(
		deposit("d1", 1, "-90000000000000000.00"),
		deposit("d2", 2, "-90000000000000000.00"),
		deposit("d3", 3, "90000000000000000.01"),
	))
	assert.Equal(t, "-89999999999999999.99", run(t, p, rs["sum"], d, Options{}).Raw.N.String())
}

func TestPrepareValues(t *testing.T) {
	a := newAsm(t)
	r := a.reward("levels", "aggregate 0\ngive", withResult(ResultPoints), withAggs(Aggregation{Op: AggSum, Kind: kSpin, Attr: 0}))
	in := eurPlayer(
		Txn{ID: "s1", Kind: "spin", Time: at(1), Attrs: map[string]any{
			"n": json.Number("2.5"), "at": "2026-11-23T10:00:00Z", "took": "90s", "bonus": true, "level": int64(3),
		}},
		Txn{ID: "s2", Kind: "spin", Time: at(2), Attrs: map[string]any{
			"n": decimal.RequireFromString("1.25"), "at": t0, "took": 2 * time.Second, "extra": "ignored",
		}},
		Txn{ID: "s3", Kind: "spin", Time: at(3), Attrs: map[string]any{"n": 4, "at": t0, "took": time.Second}},
	)
	in.Player.Props = map[string]any{"registered": "2020-01-02T03:04:05Z", "verified": false, "undeclared": 1.5}
	d := prepare(t, a.p, in)
	assert.Equal(t, "calculated 8", show(d, run(t, a.p, r, d, Options{})))
	spin := &d.tables[kSpin]
	level := spin.cols[4]
	assert.Equal(t, "3", level.decAt(0).String())
	assert.Equal(t, "1", level.decAt(1).String()) // the schema default
	assert.Equal(t, int64(1), spin.cols[3].ints[0])
	assert.Equal(t, int64(0), spin.cols[3].ints[1]) // a missing bool is false
	assert.Equal(t, int64(90*time.Second), spin.cols[2].ints[0])
	assert.Equal(t, `"10 Free Spins on Golden Quest"`, d.Format(Template(0)))
	assert.Equal(t, "2020-01-02T03:04:05Z", d.Format(d.props[4]))

	// A missing string is "".
	d = prepare(t, a.p, eurPlayer(Txn{ID: "d1", Kind: "deposit", Time: at(1), Attrs: map[string]any{"amount": "1"}}))
	assert.Equal(t, `""`, d.Format(Value{K: KString, I: d.tables[kDeposit].cols[1].ints[0]}))
}

func TestPrepareErrors(t *testing.T) {
	txn := func(f func(tx *Txn)) Input {
		tx := deposit("d1", 1, "10")
		f(&tx)
		return eurPlayer(deposit("d0", 0, "1"), tx)
	}
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"missing id", txn(func(tx *Txn) { tx.ID = "" }), "transactions[1].id: missing"},
		{"unknown kind", txn(func(tx *Txn) { tx.Kind = "Deposit" }), `transactions[1].kind: unknown kind "Deposit"`},
		{"missing time", txn(func(tx *Txn) { tx.Time = time.Time{} }), "transactions[1].time: missing"},
		{"time out of range", txn(func(tx *Txn) { tx.Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }), "transactions[1].time: out of range: times must lie from 1900-01-01 up to 2200-01-01 (UTC)"},
		{"no rate", txn(func(tx *Txn) { tx.Currency = usd }), "transactions[1]: currency USD differs from the player's EUR and no rate was given"},
		{"missing amount", txn(func(tx *Txn) { delete(tx.Attrs, "amount") }), "transactions[1].amount: missing"},
		{"float amount", txn(func(tx *Txn) { tx.Attrs["amount"] = 10.5 }), `transactions[1].amount: the float 10.5 is not exact: give a decimal string such as "12.50"`},
		{"bad decimal", txn(func(tx *Txn) { tx.Attrs["amount"] = "10,5" }), `transactions[1].amount: invalid number "10,5": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`},
		{"wrong type", txn(func(tx *Txn) { tx.Attrs["method"] = 5 }), "transactions[1].method: want a string, got a number"},
		{"too many digits", txn(func(tx *Txn) { tx.Attrs["amount"] = "0." + zeros(1200) + "1" }), "transactions[1].amount: 1201 digits after the decimal point, more than 1000"},
		{"missing player currency", func() Input { in := eurPlayer(); in.Player.Currency = 0; return in }(), "player.currency: missing: the schema has money values"},
		{"property type", func() Input {
			in := eurPlayer()
			in.Player.Props = map[string]any{"verified": "yes"}
			return in
		}(), "player.properties.verified: want a boolean, got a string"},
		{"property time", func() Input {
			in := eurPlayer()
			in.Player.Props = map[string]any{"registered": "yesterday"}
			return in
		}(), `player.properties.registered: invalid time "yesterday": want RFC 3339, as in 2026-11-23T10:00:00Z`},
		{"rate not positive", func() Input {
			in := eurPlayer()
			in.Rates = map[currency.Code]num.Dec{usd: num.FromInt(0)}
			return in
		}(), "rates.USD: not positive: 0"},
		{"rate of the player's own currency", func() Input {
			in := eurPlayer(deposit("d0", 0, "1"))
			in.Rates = map[currency.Code]num.Dec{eur: num.New(92, 2), usd: num.New(108, 2)}
			return in
		}(), "rates.EUR: EUR is the player's own currency: its rate is 1 or absent, not 0.92 (money in EUR is never converted)"},
		{"now out of range", func() Input { in := eurPlayer(); in.Now = time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC); return in }(), "now: out of range: times must lie from 1900-01-01 up to 2200-01-01 (UTC)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := sumProgram(t)
			_, err := Prepare(p, tt.in)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.want, err.Error(), "Prepare(%s)", tt.name)
		})
	}
	_, err := Prepare(nil, Input{})
	assert.Error(t, err)
	// A rate of exactly 1 for the player's own currency changes nothing.
	p, _ := sumProgram(t)
	for _, one := range []num.Dec{num.New(1, 0), num.New(100, 2)} {
		in := eurPlayer(deposit("d0", 0, "1"))
		in.Rates = map[currency.Code]num.Dec{eur: one}
		_, err = Prepare(p, in)
		assert.NoError(t, err, "a rate of %s", one)
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

func TestPreparePerCurrencyDefault(t *testing.T) {
	a := newAsm(t)
	k := a.table("10 EUR | 12 USD")
	a.p.Props = append(a.p.Props, PropInfo{Name: "bonus_cap", Type: KMoney, HasDefault: true, Default: PerCurrency(int(k))})
	r := a.reward("r", "has_prop bonus_cap\njump_if_false no\nload_prop bonus_cap\ngive\nno:\nskip \"none\"")
	in := eurPlayer()
	in.Player.Currency = usd
	d := prepare(t, a.p, in)
	assert.Equal(t, "calculated 12.00 USD", show(d, run(t, a.p, r, d, Options{})))
	in.Player.Currency = gbp
	d = prepare(t, a.p, in)
	assert.Equal(t, "skipped skipped: none", show(d, run(t, a.p, r, d, Options{})))
}

// TestPrepareServedCurrencies checks the currencies a program serves: a
// player in another currency, or in none, is an input error.
func TestPrepareServedCurrencies(t *testing.T) {
	jpy, _ := currency.Parse("JPY")
	eur, _ := currency.Parse("EUR")
	tests := []struct {
		name   string
		served []currency.Code
		player currency.Code
		want   string // "" when Prepare succeeds
	}{
		{"any currency when none declared", nil, usd, ""},
		{"a served currency", []currency.Code{eur, usd}, usd, ""},
		{"a currency not served", []currency.Code{eur, jpy}, usd, "player.currency: USD is not served: the rule set serves EUR, JPY"},
		{"no currency", []currency.Code{eur}, 0, "player.currency: missing: the schema has money values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := sumProgram(t)
			p.Currencies = tt.served
			in := eurPlayer()
			in.Player.Currency = tt.player
			_, err := Prepare(p, in)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}
