package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
)

// exactText writes a host value as the input document does, keeping a
// decimal's scale.
func exactText(v any) any {
	switch v := v.(type) {
	case decimal.Decimal:
		if v.Exponent() < 0 {
			return v.StringFixed(-v.Exponent())
		}
		return v.String()
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	return v
}

// docOf writes in as an input document, with numbers as JSON numbers or
// strings at random, and the top-level keys in a random order (so that the
// transactions come before the player or the rates now and then).
func docOf(rng *rand.Rand, in runtime.Input) []byte {
	val := func(v any) string {
		t := exactText(v)
		s, isStr := t.(string)
		if _, isDec := v.(decimal.Decimal); (isDec || isInt(v)) && isStr && rng.IntN(2) == 0 {
			return s // a JSON number
		}
		b, _ := json.Marshal(t)
		return string(b)
	}
	obj := func(m map[string]string) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		var b strings.Builder
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%q:%s", k, m[k])
		}
		b.WriteString("}")
		return b.String()
	}
	props := map[string]string{}
	for k, v := range in.Player.Properties {
		props[k] = val(v)
	}
	player := map[string]string{"id": val(in.Player.ID), "currency": val(in.Player.Currency), "properties": obj(props)}
	var txs []string
	for _, tx := range in.Transactions {
		m := map[string]string{"id": val(tx.ID), "kind": val(tx.Kind), "time": val(tx.Time)}
		if tx.Currency != "" {
			m["currency"] = val(tx.Currency)
		}
		for k, v := range tx.Attrs {
			m[k] = val(v)
		}
		txs = append(txs, obj(m))
	}
	top := map[string]string{"now": val(in.Now), "player": obj(player), "transactions": "[" + strings.Join(txs, ",\n") + "]"}
	if len(in.Rates) > 0 {
		rates := map[string]string{}
		for k, v := range in.Rates {
			rates[k] = val(v)
		}
		top["rates"] = obj(rates)
	}
	return []byte(obj(top))
}

func isInt(v any) bool {
	switch v.(type) {
	case int, int64:
		return true
	}
	return false
}

// TestInputPathsAgree evaluates generated rule sets on generated inputs
// prepared five ways: Prepare of the Go input; Builder.Decode of the
// document (one builder reused, with Reset), handed out by Prepared and
// by PreparedInto (one Prepared written again for each input); PrepareJSON;
// and the typed
// Builder API, appending the transactions one at a time in a shuffled order
// and evaluating after each. All must give the answer of Prepare.
func TestInputPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	n := 300
	if testing.Short() {
		n = 60
	}
	ctx := context.Background()
	sets := 0
	for i := 0; i < n; i++ {
		g := &gen{r: rng}
		src := g.ruleSet()
		prog, err := runtime.CompileSources([]runtime.Source{{Name: "schema.promo", Text: []byte(diffSchema)}, {Name: "reward.promo", Text: []byte(src)}})
		if err != nil {
			continue
		}
		sets++
		reused := prog.NewBuilder()
		into := new(runtime.Prepared) // written again for each input
		for range 4 {
			in := g.input()
			doc := docOf(rng, in)
			want := prog.Prepare(in)
			require.NoError(t, reused.DecodeBytes(ctx, doc), "document:\n%s", doc)
			ways := map[string]*runtime.Prepared{
				"Builder.Decode":       reused.Prepared(),
				"Builder.PreparedInto": reused.PreparedInto(into),
				"PrepareJSON":          prog.PrepareJSON(ctx, bytes.NewReader(doc)),
			}
			for name, got := range ways {
				for _, r := range prog.Rewards() {
					w, err := prog.EvaluatePrepared(ctx, r, want)
					require.NoError(t, err)
					g, err := prog.EvaluatePrepared(ctx, r, got)
					require.NoError(t, err)
					require.Equal(t, vmResult(w), vmResult(g), "%s, reward %s\n--- source\n%s\n--- document\n%s", name, r, src, doc)
				}
			}
			appendOneByOne(t, prog, in, rng)
		}
	}
	t.Logf("%d rule sets", sets)
}

// appendOneByOne builds the input with the typed API, a transaction at a
// time in a shuffled order, and checks after each that every reward answers
// as on Prepare of the transactions so far, in that order.
func appendOneByOne(t *testing.T, prog *runtime.Program, in runtime.Input, rng *rand.Rand) {
	ctx := context.Background()
	b := prog.NewBuilder()
	require.NoError(t, b.SetNow(in.Now))
	require.NoError(t, b.SetPlayer(in.Player))
	for code, r := range in.Rates {
		require.NoError(t, b.SetRate(code, r))
	}
	txs := append([]runtime.Transaction(nil), in.Transactions...)
	rng.Shuffle(len(txs), func(i, j int) { txs[i], txs[j] = txs[j], txs[i] })
	so := in
	so.Transactions = nil
	for i, tx := range txs {
		kind, err := prog.Kind(tx.Kind)
		require.NoError(t, err)
		b.Begin(kind, tx.ID, tx.Time, tx.Currency)
		names := make([]string, 0, len(tx.Attrs))
		for name := range tx.Attrs {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			a, err := kind.Attr(name)
			require.NoError(t, err)
			switch v := tx.Attrs[name].(type) {
			case decimal.Decimal:
				b.SetDecimal(a, v)
			case string:
				if a.Type() == "string" {
					b.SetString(a, v)
				} else {
					b.SetDecimal(a, decimal.RequireFromString(v))
				}
			case int64:
				b.SetScaled(a, v, 0)
			default:
				t.Fatalf("attribute %s: %T", name, v)
			}
		}
		require.NoError(t, b.Commit())
		so.Transactions = append(so.Transactions, tx)
		if i%7 != 6 && i != len(txs)-1 {
			continue
		}
		got, want := b.Prepared(), prog.Prepare(so)
		for _, r := range prog.Rewards() {
			w, err := prog.EvaluatePrepared(ctx, r, want)
			require.NoError(t, err)
			g, err := prog.EvaluatePrepared(ctx, r, got)
			require.NoError(t, err)
			require.Equal(t, vmResult(w), vmResult(g), "after %d transactions, reward %s", i+1, r)
		}
	}
}

// TestStrictInput checks that DecodeInput and Builder.Decode accept the
// same documents and report the same errors: exact keys, no repeated key,
// one number syntax for amounts and rates, valid UTF-8, the limits on
// strings and times.
func TestStrictInput(t *testing.T) {
	prog := compileExamples(t)
	const player = `"player": {"id": "p", "currency": "EUR"}`
	const now = `"now": "2026-11-23T10:00:00Z"`
	txn := func(fields string) string {
		return `{` + now + `, ` + player + `, "transactions": [{"id": "d", "kind": "deposit", "time": "2026-11-23T09:00:00Z"` + fields + `}]}`
	}
	tests := []struct {
		name, doc string
		decode    string // the error of DecodeInput, "" for none
		prepared  string // the error of Builder.Decode (and so of DecodeInput then Prepare)
	}{
		{"key case", `{"NOW": "2026-11-23T10:00:00Z"}`, "NOW: unknown field; expected now, player, transactions, anchors or rates", ""},
		{"player key case", `{` + now + `, "player": {"Currency": "EUR"}}`, "player.Currency: unknown field; expected id, currency, zone or properties", ""},
		{"repeated now", `{` + now + `, ` + now + `}`, "now: repeated key", ""},
		{"repeated attribute", txn(`, "amount": "1", "amount": "2"`), "transactions[0].amount: repeated key", ""},
		{"repeated property", `{` + now + `, "player": {"properties": {"vip": 1, "vip": 2}}}`, "player.properties.vip: repeated key", ""},
		{"exponent amount", txn(`, "amount": 1e3`), "", `transactions[0].amount: invalid number "1e3": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`},
		{"exponent amount text", txn(`, "amount": "1E3"`), "", `transactions[0].amount: invalid number "1E3": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`},
		{"plus amount", txn(`, "amount": "+5"`), "", `transactions[0].amount: invalid number "+5": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`},
		{"exponent rate", `{` + now + `, "rates": {"USD": 1e0}}`, `rates.USD: invalid number "1e0": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`, ""},
		{"plus rate", `{` + now + `, "rates": {"USD": "+1.1"}}`, `rates.USD: invalid number "+1.1": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`, ""},
		{"invalid UTF-8", txn(`, "method": "c` + "\xff" + `ard"`), "malformed JSON: invalid UTF-8 in a string", ""},
		{"invalid UTF-8 escaped", txn(`, "method": "\\n` + "\xc3" + `"`), "malformed JSON: invalid UTF-8 in a string", ""},
		{"lone surrogate", txn(`, "method": "\ud800"`), `malformed JSON: invalid UTF-16 surrogate in a \u escape`, ""},
		// A string attribute is bounded by limits.StringBytes, by its type: the
		// decoder knows no types, so the bound is checked when the value goes
		// into its column.
		{"long string", txn(`, "amount": "1", "method": "` + strings.Repeat("x", 1025) + `"`), "", "transactions[0].method: longer than 1024 bytes"},
		{"long string property", `{` + now + `, "player": {"currency": "EUR", "properties": {"country": "` + strings.Repeat("x", 1025) + `"}}}`, "", "player.properties.country: longer than 1024 bytes"},
		// An amount written as a decimal string ("12.50", the form the spec
		// advises for money) has the bounds of the same amount written as a
		// JSON number: limits.Digits characters, not limits.StringBytes.
		{"long decimal text", txn(`, "amount": "1` + strings.Repeat("0", 3999) + `"`), "", ""},
		{"long decimal number", txn(`, "amount": 1` + strings.Repeat("0", 3999)), "", ""},
		{"decimal text too long", txn(`, "amount": "1` + strings.Repeat("0", 4000) + `"`), "", "transactions[0].amount: more than 4000 digits"},
		{"decimal number too long", txn(`, "amount": 1` + strings.Repeat("0", 4000)), "", "transactions[0].amount: more than 4000 digits"},
		{"long decimal property", `{` + now + `, "player": {"currency": "EUR", "properties": {"total_deposits": "1` + strings.Repeat("0", 2000) + `"}}}`, "", ""},
		{"id too long", strings.Replace(txn(`, "amount": "1"`), `"id": "d"`, `"id": "`+strings.Repeat("d", 1025)+`"`, 1), "transactions[0].id: longer than 1024 bytes", ""},
		{"old time", txn(`, "amount": "1"`) + ``, "", ""},
		{"time before the range", strings.Replace(txn(`, "amount": "1"`), "2026-11-23T09", "1899-11-23T09", 1), "transactions[0].time: out of range: times must lie from 1900-01-01 up to 2200-01-01 (UTC)", ""},
		{"now after the range", `{"now": "2200-01-01T00:00:00Z"}`, "now: out of range: times must lie from 1900-01-01 up to 2200-01-01 (UTC)", ""},
		{"attribute type", txn(`, "amount": true`), "", "transactions[0].amount: want a number, got a boolean"},
		{"missing amount", txn(``), "", "transactions[0].amount: missing"},
		{"object attribute", txn(`, "amount": {}`), "transactions[0].amount: must be a string, a number or a boolean", ""},
		{"deep nesting", `{` + now + `, "transactions": [{"id": "d", "x": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}`, "malformed JSON: nested deeper than 64", ""},
		{"leading zero", txn(`, "amount": 012`), "malformed JSON: expected \",\" or \"}\", found \"1\"", ""},
		{"trailing comma", `{` + now + `,}`, `malformed JSON: expected a key, found "}"`, ""},
		{"good", txn(`, "amount": 12.50, "method": "card"`), "", ""},
		// A rate for the player's own currency is 1 or absent: money in it is
		// never converted, so another rate is a mistake, wherever the rates
		// are in the document.
		{"own currency at 1", `{"rates": {"EUR": "1.00", "USD": "0.92"}, ` + txn(`, "amount": "1"`)[1:], "", ""},
		{"own currency rate", `{"rates": {"USD": "0.92", "EUR": "1.08"}, ` + txn(`, "amount": "1"`)[1:], "", "rates.EUR: EUR is the player's own currency: its rate is 1 or absent, not 1.08 (money in EUR is never converted)"},
		{"own currency rate after", strings.TrimSuffix(txn(`, "amount": "1"`), "}") + `, "rates": {"EUR": 2}}`, "", "rates.EUR: EUR is the player's own currency: its rate is 1 or absent, not 2 (money in EUR is never converted)"},
		// A byte order mark, which Windows tools write before UTF-8, is
		// skipped at the start of a document, as at the start of a rule
		// file; anywhere else it is an error.
		{"byte order mark", "\ufeff" + txn(`, "amount": 12.50, "method": "card"`), "", ""},
		{"byte order mark inside", `{"now": "2026-11-23T10:00:00Z",` + "\ufeff" + `}`, `malformed JSON: expected a key, found byte 0xef`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Syntax errors are written "malformed JSON: msg" here; the
			// error says where, as "malformed JSON at line 1, column 9
			// (byte 8): msg".
			same := func(want, got, what string) {
				if msg, ok := strings.CutPrefix(want, "malformed JSON: "); ok {
					assert.Regexp(t, `^malformed JSON at line 1, column \d+ \(byte \d+\): `+regexp.QuoteMeta(msg)+`$`, got, what)
					return
				}
				assert.Equal(t, want, got, what)
			}
			_, err := runtime.DecodeInput(strings.NewReader(tt.doc))
			if tt.decode == "" {
				require.NoError(t, err)
			} else {
				var ie *runtime.InputError
				require.ErrorAs(t, err, &ie)
				same(tt.decode, err.Error(), "DecodeInput")
			}
			b := prog.NewBuilder()
			err = b.Decode(context.Background(), strings.NewReader(tt.doc))
			want := tt.decode
			if want == "" {
				want = tt.prepared
			}
			if want == "" {
				require.NoError(t, err)
				return
			}
			var ie *runtime.InputError
			require.ErrorAs(t, err, &ie)
			same(want, err.Error(), "Builder.Decode")
			res, err := prog.EvaluatePrepared(context.Background(), "tiered_deposit", b.Prepared())
			require.NoError(t, err)
			assert.Equal(t, "invalid-input", res.Reason)
			same(want, res.Detail, "evaluation")
		})
	}
}

// TestDecodeOrder checks that the transactions may come before the player
// and the rates in the document.
func TestDecodeOrder(t *testing.T) {
	prog := compileExamples(t)
	docs := []string{
		`{"now": "2026-11-23T10:00:00Z", "player": {"currency": "EUR"}, "rates": {"USD": "0.5"}, "transactions": [{"id": "d", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": "1200", "currency": "USD"}]}`,
		`{"transactions": [{"id": "d", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": "1200", "currency": "USD"}], "rates": {"USD": "0.5"}, "player": {"currency": "EUR"}, "now": "2026-11-23T10:00:00Z"}`,
		`{"player": {"currency": "EUR"}, "transactions": [{"id": "d", "kind": "deposit", "time": "2026-11-23T09:00:00Z", "amount": "1200", "currency": "USD"}], "rates": {"USD": "0.5"}, "now": "2026-11-23T10:00:00Z"}`,
	}
	for i, doc := range docs {
		p := prog.PrepareJSON(context.Background(), strings.NewReader(doc))
		res, err := prog.EvaluatePrepared(context.Background(), "tiered_deposit", p)
		require.NoError(t, err)
		assert.Equal(t, "calculated 300.00", string(res.Outcome)+" "+res.AmountString(), "document %d: %s", i, res.Detail)
	}
}

// TestPrepareHonoursContext checks that a cancelled or expired context
// stops Prepare and the decoder, and the evaluation says so.
func TestPrepareHonoursContext(t *testing.T) {
	prog := compileExamples(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	in := runtime.Input{Now: now, Player: runtime.Player{Currency: "EUR"}}
	for i := range 5000 {
		in.Transactions = append(in.Transactions, runtime.Transaction{ID: strconv.Itoa(i), Kind: "deposit", Time: now.Add(-time.Hour), Attrs: map[string]any{"amount": "1"}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := prog.Evaluate(ctx, "tiered_deposit", in)
	require.NoError(t, err)
	assert.Equal(t, "error cancelled context canceled", string(res.Outcome)+" "+res.Reason+" "+res.Detail)
	res, err = prog.EvaluatePrepared(context.Background(), "tiered_deposit", prog.PrepareContext(ctx, in))
	require.NoError(t, err)
	assert.Equal(t, "cancelled", res.Reason)

	dctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	doc := docOf(rand.New(rand.NewPCG(1, 1)), in)
	res, err = prog.EvaluatePrepared(context.Background(), "tiered_deposit", prog.PrepareJSON(dctx, bytes.NewReader(doc)))
	require.NoError(t, err)
	assert.Equal(t, "error cancelled context deadline exceeded", string(res.Outcome)+" "+res.Reason+" "+res.Detail)
}

// TestZeroProgram checks that a Program not made by Compile is an error,
// not a panic.
func TestZeroProgram(t *testing.T) {
	ctx := context.Background()
	for _, p := range []*runtime.Program{nil, {}} {
		_, err := p.Evaluate(ctx, "r", runtime.Input{})
		assert.EqualError(t, err, "runtime: a Program not made by Compile")
		_, err = p.EvaluatePrepared(ctx, "r", p.Prepare(runtime.Input{}))
		assert.Error(t, err)
		_, err = p.Reward("r")
		assert.Error(t, err)
		b := p.NewBuilder()
		assert.Error(t, b.Decode(ctx, strings.NewReader(`{}`)))
		_, err = p.Kind("bet")
		assert.Error(t, err)
	}
	var r *runtime.Reward
	_, err := r.Evaluate(ctx, nil)
	assert.Error(t, err)
}

// TestBuilderSetterErrors checks what each typed setter reports at Commit
// when the attribute or the value is wrong, and that the first problem of
// a transaction is the one reported.
func TestBuilderSetterErrors(t *testing.T) {
	prog := compileExamples(t)
	other := compileExamples(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	kind := func(p *runtime.Program, name string) runtime.Kind {
		k, err := p.Kind(name)
		require.NoError(t, err)
		return k
	}
	attr := func(k runtime.Kind, name string) runtime.Attr {
		a, err := k.Attr(name)
		require.NoError(t, err)
		return a
	}
	deposit, bet := kind(prog, "deposit"), kind(prog, "bet")
	amount, method := attr(deposit, "amount"), attr(deposit, "method")
	otherDeposit := kind(other, "deposit")
	otherAmount := attr(otherDeposit, "amount")
	tests := []struct {
		name string
		kind runtime.Kind
		cur  string
		set  func(b *runtime.Builder)
		want string
	}{
		{"fine", deposit, "", func(b *runtime.Builder) { b.SetScaled(amount, 1250, 2); b.SetString(method, "card") }, ""},
		{"long string", deposit, "", func(b *runtime.Builder) { b.SetScaled(amount, 1, 0); b.SetString(method, strings.Repeat("x", 1025)) },
			"transactions[1].method: longer than 1024 bytes"},
		{"negative scale", deposit, "", func(b *runtime.Builder) { b.SetScaled(amount, 1, -1) }, "transactions[2].amount: scale out of range: -1"},
		{"scale too large", deposit, "", func(b *runtime.Builder) { b.SetScaled(amount, 1, 1001) }, "transactions[3].amount: scale out of range: 1001"},
		{"number into a string", deposit, "", func(b *runtime.Builder) { b.SetScaled(amount, 1, 0); b.SetScaled(method, 1, 0) },
			"transactions[4].method: want a string, got a number"},
		{"string into money", deposit, "", func(b *runtime.Builder) { b.SetString(amount, "1") }, "transactions[5].amount: want a number, got a string"},
		{"bool into money", deposit, "", func(b *runtime.Builder) { b.SetBool(amount, true) }, "transactions[6].amount: want a number, got a boolean"},
		{"attribute of another kind", bet, "", func(b *runtime.Builder) { b.SetString(method, "card") },
			"transactions[7]: attribute method is not an attribute of the transaction's kind"},
		{"attribute of another program", deposit, "", func(b *runtime.Builder) { b.SetScaled(otherAmount, 1, 0) },
			"transactions[8]: attribute amount is not an attribute of the transaction's kind"},
		{"kind of another program", otherDeposit, "", func(b *runtime.Builder) { b.SetScaled(otherAmount, 1, 0) },
			"transactions[9]: a kind of another program"},
		{"bad currency first", deposit, "XXX", func(b *runtime.Builder) { b.SetString(amount, "1") }, `transactions[10].currency: unknown currency "XXX"`},
		{"the first misplaced attribute", bet, "", func(b *runtime.Builder) { b.SetString(method, "card"); b.SetScaled(otherAmount, 1, 0) },
			"transactions[11]: attribute method is not an attribute of the transaction's kind"},
		{"misplaced before a bad value", deposit, "", func(b *runtime.Builder) { b.SetString(amount, "1"); b.SetScaled(otherAmount, 1, 0) },
			"transactions[12]: attribute amount is not an attribute of the transaction's kind"},
	}
	b := prog.NewBuilder()
	require.NoError(t, b.SetNow(now))
	require.NoError(t, b.SetPlayer(runtime.Player{Currency: "EUR"}))
	for i, tt := range tests {
		b.Begin(tt.kind, fmt.Sprint("t", i), now.Add(-time.Hour), tt.cur)
		tt.set(b)
		if tt.want == "" {
			assert.NoError(t, b.Commit(), tt.name)
		} else {
			assert.EqualError(t, b.Commit(), tt.want, tt.name)
		}
	}
	b.SetString(method, "after the commit") // no transaction open: ignored
	res, err := prog.EvaluatePrepared(context.Background(), "tiered_deposit", b.Prepared())
	require.NoError(t, err)
	assert.Equal(t, "skipped", string(res.Outcome), res.Detail) // 12.50: below every tier
}

// TestBuilderMisuse checks the typed API's errors: an attribute of another
// kind, an unknown currency, a failed commit that keeps the rest.
func TestBuilderMisuse(t *testing.T) {
	prog := compileExamples(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	deposit, err := prog.Kind("deposit")
	require.NoError(t, err)
	amount, err := deposit.Attr("amount")
	require.NoError(t, err)
	bet, err := prog.Kind("bet")
	require.NoError(t, err)
	_, err = deposit.Attr("colour")
	assert.EqualError(t, err, `kind deposit has no attribute "colour"`)
	_, err = prog.Kind("Deposit")
	assert.EqualError(t, err, `unknown kind "Deposit"`)

	b := prog.NewBuilder()
	require.NoError(t, b.SetNow(now))
	require.NoError(t, b.SetPlayer(runtime.Player{Currency: "EUR", Zone: "Europe/Malta"}))
	b.Begin(deposit, "d1", now.Add(-time.Hour), "")
	b.SetScaled(amount, 120000, 2)
	require.NoError(t, b.Commit())
	b.Begin(bet, "b1", now.Add(-time.Hour), "")
	b.SetScaled(amount, 100, 0)
	assert.EqualError(t, b.Commit(), "transactions[1]: attribute amount is not an attribute of the transaction's kind")
	b.Begin(deposit, "d2", now.Add(-time.Minute), "XXX")
	b.SetScaled(amount, 100, 0)
	assert.EqualError(t, b.Commit(), `transactions[2].currency: unknown currency "XXX"`)
	// Each input is evaluated from Prepared and from one Prepared that
	// PreparedInto writes again: valid, invalid, then valid after Reset.
	into := new(runtime.Prepared)
	eval := func() []runtime.Result {
		var out []runtime.Result
		for _, in := range []*runtime.Prepared{b.Prepared(), b.PreparedInto(into)} {
			res, err := prog.EvaluatePrepared(context.Background(), "tiered_deposit", in)
			require.NoError(t, err)
			out = append(out, res)
		}
		return out
	}
	for _, res := range eval() {
		assert.Equal(t, "calculated 600.00", string(res.Outcome)+" "+res.AmountString())
	}

	assert.Error(t, b.SetPlayer(runtime.Player{Currency: "EUR", Zone: "Mars/Olympus"}))
	for _, res := range eval() {
		assert.Equal(t, `invalid-input player.zone: unknown time zone "Mars/Olympus"`, res.Reason+" "+res.Detail)
	}
	b.Reset()
	require.NoError(t, b.SetNow(now))
	require.NoError(t, b.SetPlayer(runtime.Player{Currency: "EUR"}))
	for _, res := range eval() {
		assert.Equal(t, "skipped no-matching-transactions", string(res.Outcome)+" "+res.Reason)
	}
	assert.Same(t, into, b.PreparedInto(into))
}
