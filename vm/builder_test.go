package vm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
)

// randomTxns returns n deposits and bets with times in a small range (many
// ties, many out of order), repeated ids, amounts of varied scales, some
// beyond int64, some in USD.
func randomTxns(rng *rand.Rand, n int, big bool) []Txn {
	amounts := []string{"10", "12.5", "0.001", "-3", "100.00", "7", "1234567.891"}
	if big {
		amounts = append(amounts, "92233720368547758.07")
	}
	games := []string{"Gold Quest", "slots", "Mega", ""}
	txns := make([]Txn, n)
	for i := range txns {
		tx := Txn{ID: fmt.Sprint("t", rng.IntN(n)), Time: at(rng.IntN(20)), Attrs: map[string]any{"amount": amounts[rng.IntN(len(amounts))]}}
		if rng.IntN(2) == 0 {
			tx.Kind = "deposit"
			tx.Attrs["method"] = games[rng.IntN(len(games))]
		} else {
			tx.Kind = "bet"
			tx.Attrs["game"] = games[rng.IntN(len(games))]
		}
		if rng.IntN(5) == 0 {
			tx.Currency = usd
		}
		txns[i] = tx
	}
	return txns
}

// TestBuilderAppendsAsPrepare appends transactions one by one, asking for
// the data now and then, and checks that the data equals what Prepare makes
// of all of them at once: rows, order, ids, every column's representation.
func TestBuilderAppendsAsPrepare(t *testing.T) {
	p, _ := sumProgram(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		n := 1 + rng.IntN(40)
		if round%10 == 0 {
			n = 300 + rng.IntN(300) // beyond the direct probes and the small sort
		}
		checkAppends(t, p, rng, round, randomTxns(rng, n, round%3 == 0))
	}
}

// TestBuilderRisingIDs is TestBuilderAppendsAsPrepare with ids that mostly
// rise, as a host's sequence numbers do, so that the builder's runs of
// rising ids are long: now and then an id goes back (a repeat of an
// earlier one, or a new one below the greatest), ending a run, and the
// ids change length (9 before 10) and share prefixes.
func TestBuilderRisingIDs(t *testing.T) {
	p, _ := sumProgram(t)
	rng := rand.New(rand.NewPCG(5, 8))
	for round := range 200 {
		n := 1 + rng.IntN(60)
		if round%8 == 0 {
			n = 200 + rng.IntN(400)
		}
		txns := randomTxns(rng, n, round%3 == 0)
		next := rng.IntN(20)
		for i := range txns {
			switch r := rng.IntN(100); {
			case i > 0 && r < 3: // a repeat
				txns[i].ID = txns[rng.IntN(i)].ID
			case r < 5: // a new id below the greatest
				txns[i].ID = fmt.Sprint(next+rng.IntN(20)) + "-"
			default:
				next += 1 + rng.IntN(3)
				txns[i].ID = fmt.Sprint(next)
			}
		}
		checkAppends(t, p, rng, round, txns)
	}
}

// checkAppends appends txns one by one to a builder, asking for the data
// now and then, and checks that the data equals what Prepare makes of all
// of them at once, and the data of the transactions without their repeats.
func checkAppends(t *testing.T, p *Program, rng *rand.Rand, round int, txns []Txn) {
	t.Helper()
	{
		in := eurPlayer(txns...)
		in.Rates = map[currency.Code]num.Dec{usd: num.MustParse("0.9")}
		want := prepare(t, p, in)
		b, err := NewBuilder(p, false)
		require.NoError(t, err)
		if round%2 == 1 { // a used builder, reset, makes the same data
			require.NoError(t, b.SetPlayer("old", usd, nil))
			b.Begin(kDeposit, "deposit", "old", at(1), 0)
			b.SetString(1, "old method")
			b.SetDec(0, num.MustParse("99999999999999999999"))
			require.NoError(t, b.Commit())
			_, err = b.Data()
			require.NoError(t, err)
			b.Reset()
		}
		require.NoError(t, b.SetPlayer(in.Player.ID, in.Player.Currency, in.Player.Zone))
		require.NoError(t, b.SetNow(in.Now))
		require.NoError(t, b.SetRate(usd, num.MustParse("0.9")))
		var got *Data
		for i, tx := range in.Txns {
			k := b.KindIndex(tx.Kind)
			b.Begin(k, tx.Kind, tx.ID, tx.Time, tx.Currency)
			for name, v := range tx.Attrs {
				b.SetAny(b.AttrIndex(k, name), v)
			}
			require.NoError(t, b.Commit())
			if rng.IntN(4) == 0 || i == len(in.Txns)-1 {
				got, err = b.Data()
				require.NoError(t, err)
			}
		}
		sameData(t, want, got)
		// And both are the data of the input without its repeats: the
		// rows of a kind, first ids only, sorted stably, with the column
		// representation of the values kept.
		seen := map[string]bool{}
		byKind := map[string][]Txn{}
		uniq := in
		uniq.Txns = nil
		for _, tx := range in.Txns {
			if !seen[tx.ID] {
				seen[tx.ID] = true
				byKind[tx.Kind] = append(byKind[tx.Kind], tx)
				uniq.Txns = append(uniq.Txns, tx)
			}
		}
		sameData(t, prepare(t, p, uniq), got)
		for kind, txs := range byKind {
			slices.SortStableFunc(txs, func(a, b Txn) int { return a.Time.Compare(b.Time) })
			var ids []string
			for _, tx := range txs {
				ids = append(ids, tx.ID)
			}
			assert.Equal(t, ids, got.tables[b.KindIndex(kind)].id, "kind %s", kind)
		}
	}
}

// sameData checks that two data hold the same tables, strings compared by
// their text.
func sameData(t *testing.T, want, got *Data) {
	t.Helper()
	require.Equal(t, len(want.tables), len(got.tables))
	for k := range want.tables {
		w, g := &want.tables[k], &got.tables[k]
		require.Equal(t, len(w.id), len(g.id), "kind %d rows", k)
		if len(w.id) > 0 {
			require.Equal(t, w.id, g.id, "kind %d ids", k)
			require.Equal(t, w.time, g.time, "kind %d times", k)
		}
		for c := range w.cols {
			wc, gc := &w.cols[c], &g.cols[c]
			require.Equal(t, wc.dec == nil, gc.dec == nil, "kind %d column %d: decimal", k, c)
			for r := range w.time {
				switch {
				case wc.typ.numeric():
					assert.Equal(t, wc.decAt(r).String(), gc.decAt(r).String(), "kind %d column %d row %d", k, c, r)
				case wc.typ == KString:
					assert.Equal(t, want.str(wc.ints[r]), got.str(gc.ints[r]), "kind %d column %d row %d", k, c, r)
				default:
					assert.Equal(t, wc.ints[r], gc.ints[r], "kind %d column %d row %d", k, c, r)
				}
			}
		}
	}
}

// TestBuilderFailedCommit checks that a transaction that fails leaves the
// builder as it was, and that its id stays free.
func TestBuilderFailedCommit(t *testing.T) {
	p, rs := sumProgram(t)
	b, err := NewBuilder(p, true)
	require.NoError(t, err)
	require.NoError(t, b.SetPlayer("p", eur, time.UTC))
	require.NoError(t, b.SetNow(at(60)))
	b.Begin(kDeposit, "deposit", "d1", at(1), 0)
	b.SetDec(0, num.FromInt(10))
	require.NoError(t, b.Commit())

	b.Begin(kDeposit, "deposit", "d2", at(2), 0)
	b.SetAny(0, "ten")
	assert.EqualError(t, b.Commit(), `transactions[1].amount: invalid number "ten": want digits with an optional "-" and decimal point, as in "12.50", without exponent or "+"`)
	b.Begin(kDeposit, "deposit", "d3", at(3), usd)
	b.SetDec(0, num.FromInt(10))
	assert.EqualError(t, b.Commit(), "transactions[2]: currency USD differs from the player's EUR and no rate was given")
	b.Begin(kDeposit, "deposit", "d2", at(0), 0) // the failed id is free, and earlier than d1
	b.SetDec(0, num.FromInt(5))
	require.NoError(t, b.Commit())

	d, err := b.Data()
	require.NoError(t, err)
	assert.Equal(t, 2, d.Rows("deposit"))
	assert.Equal(t, "calculated 15.0000", show(d, run(t, p, rs["sum"], d, Options{})))
	assert.Equal(t, "calculated 5.0000", show(d, run(t, p, rs["first"], d, Options{})))
}

// TestBuilderRepeatInRunFails checks that a failing transaction whose id
// repeats one of a run of rising ids is dropped without an error, as any
// repeat is, while one with a new id reports its error, before and after
// the run ends.
func TestBuilderRepeatInRunFails(t *testing.T) {
	p, rs := sumProgram(t)
	b, err := NewBuilder(p, true)
	require.NoError(t, err)
	require.NoError(t, b.SetPlayer("p", eur, time.UTC))
	require.NoError(t, b.SetNow(at(60)))
	commit := func(id string, amount any) error {
		b.Begin(kDeposit, "deposit", id, at(1), 0)
		b.SetAny(0, amount)
		return b.Commit()
	}
	for _, id := range []string{"8", "9", "10", "11", "100"} {
		require.NoError(t, commit(id, "1"))
	}
	for _, id := range []string{"8", "10", "100"} {
		assert.NoError(t, commit(id, "ten"), id)
	}
	assert.Error(t, commit("12", "ten"))
	require.NoError(t, commit("12", "2"))  // ends the run: 12 is below 100
	assert.NoError(t, commit("9", "ten"))  // in the table now
	assert.NoError(t, commit("12", "ten")) // pending
	assert.Error(t, commit("13", "ten"))
	d, err := b.Data()
	require.NoError(t, err)
	assert.Equal(t, 6, d.Rows("deposit"))
	assert.Equal(t, "calculated 7.0000", show(d, run(t, p, rs["sum"], d, Options{})))
}

// TestBuilderStoresReadColumns checks that a builder for the columns read
// stores the amount the rewards sum and not the method, and still checks
// the method.
func TestBuilderStoresReadColumns(t *testing.T) {
	p, _ := sumProgram(t)
	b, err := NewBuilder(p, true)
	require.NoError(t, err)
	assert.True(t, b.Stored(kDeposit, cAmount))
	assert.False(t, b.Stored(kDeposit, 1))
	require.NoError(t, b.SetPlayer("p", eur, nil))
	b.Begin(kDeposit, "deposit", "d1", at(1), 0)
	b.SetDec(0, num.FromInt(1))
	b.SetBool(1, true)
	assert.EqualError(t, b.Commit(), "transactions[0].method: want a string, got a boolean")
	b.Begin(kDeposit, "deposit", "d1", at(1), 0)
	b.SetDec(0, num.FromInt(1))
	b.SetString(1, "card")
	require.NoError(t, b.Commit())
	d, err := b.Data()
	require.NoError(t, err)
	assert.Empty(t, d.strs, "the method is not interned")
	assert.Equal(t, []int64{0}, d.tables[kDeposit].cols[1].ints)
}

func TestParseNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"}, {"-0.50", "-0.50"}, {"12", "12"}, {"1200.5", "1200.5"},
		{"123456789012345678901234567890.5", "123456789012345678901234567890.5"},
		{"+5", "error"}, {"1e3", "error"}, {"1E3", "error"}, {"01", "error"}, {".5", "error"}, {"5.", "error"},
		{"-", "error"}, {"", "error"}, {" 1", "error"}, {"1,5", "error"}, {"0x10", "error"}, {"--1", "error"},
	}
	for _, tt := range tests {
		d, err := ParseNumber([]byte(tt.in))
		got := "error"
		if err == nil {
			got = d.String()
		}
		assert.Equal(t, tt.want, got, "ParseNumber(%q)", tt.in)
	}
	_, err := ParseNumber([]byte("0." + zeros(1001)))
	assert.EqualError(t, err, "1001 digits after the decimal point, more than 1000")
	_, err = ParseNumber([]byte(zeros(4001)))
	assert.EqualError(t, err, "more than 4000 digits")
}

// TestParseTime checks the fast reading of RFC 3339 against time.Parse,
// which reads only an upper-case T and Z: RFC 3339 allows them in lower
// case (section 5.6, NOTE), and so does ParseTime.
func TestParseTime(t *testing.T) {
	good := map[string]string{ // the time -> the same time as time.Parse reads it
		"2026-11-23T10:00:00Z":                         "2026-11-23T10:00:00Z",
		"2026-11-23T10:00:00.5Z":                       "2026-11-23T10:00:00.5Z",
		"2026-11-23T10:00:00.123456789Z":               "2026-11-23T10:00:00.123456789Z",
		"2024-02-29T23:59:59+01:00":                    "2024-02-29T23:59:59+01:00",
		"1900-01-01T00:00:00Z":                         "1900-01-01T00:00:00Z",
		"2199-12-31T23:59:59.999999999Z":               "2199-12-31T23:59:59.999999999Z",
		"2026-03-29T01:30:00-05:30":                    "2026-03-29T01:30:00-05:30",
		"2000-02-29T00:00:00Z":                         "2000-02-29T00:00:00Z",
		"2026-11-23T10:00:00.1234567891Z":              "2026-11-23T10:00:00.1234567891Z",
		"2026-03-29t01:00:00z":                         "2026-03-29T01:00:00Z",
		"2026-03-29t01:00:00Z":                         "2026-03-29T01:00:00Z",
		"2026-03-29T01:00:00z":                         "2026-03-29T01:00:00Z",
		"2026-03-29t01:00:00.25z":                      "2026-03-29T01:00:00.25Z",
		"2026-03-29t01:00:00+02:00":                    "2026-03-29T01:00:00+02:00",
		"2026-11-23t10:00:00.1234567891z":              "2026-11-23T10:00:00.1234567891Z",
		"2026-11-23T10:00:00.123456789987654321+01:00": "2026-11-23T10:00:00.123456789987654321+01:00",
		"2026-11-23T10:00:00.5-00:00":                  "2026-11-23T10:00:00.5-00:00",
		"2026-11-23T10:00:00.1234567891+23:59":         "2026-11-23T10:00:00.1234567891+23:59",
	}
	for s, upper := range good {
		want, err := time.Parse(time.RFC3339Nano, upper)
		require.NoError(t, err)
		ns, msg := ParseTime([]byte(s))
		assert.Empty(t, msg, s)
		assert.Equal(t, want.UnixNano(), ns, s)
		assert.Equal(t, upper, UpperTime(s), s)
	}
	bad := map[string]string{
		"2026-02-29T10:00:00Z":       `invalid time "2026-02-29T10:00:00Z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23 10:00:00Z":       `invalid time "2026-11-23 10:00:00Z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23T24:00:00Z":       `invalid time "2026-11-23T24:00:00Z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23T10:00:00":        `invalid time "2026-11-23T10:00:00": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"1899-12-31T23:59:59Z":       timeRangeMsg,
		"2200-01-01T00:00:00Z":       timeRangeMsg,
		"9999-12-31T00:00:00Z":       timeRangeMsg,
		"2199-12-31T23:00:00-01:00":  timeRangeMsg,
		"2000-01-01T0:00:00Z":        `invalid time "2000-01-01T0:00:00Z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23t10:00:00x":       `invalid time "2026-11-23t10:00:00x": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23x10:00:00z":       `invalid time "2026-11-23x10:00:00z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23t10:00:00+01:00z": `invalid time "2026-11-23t10:00:00+01:00z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23t10:00:00.5+01z":  `invalid time "2026-11-23t10:00:00.5+01z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-02-29t10:00:00z":       `invalid time "2026-02-29t10:00:00z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2200-01-01t00:00:00z":       timeRangeMsg,
		// An offset's hour is 00 to 23 and its minute 00 to 59 (RFC 3339,
		// section 5.6), with a fraction too: time.Parse takes them.
		"2026-11-23T10:00:00.5+24:00":          `invalid time "2026-11-23T10:00:00.5+24:00": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23T10:00:00.5-24:00":          `invalid time "2026-11-23T10:00:00.5-24:00": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23T10:00:00.1234567891+01:60": `invalid time "2026-11-23T10:00:00.1234567891+01:60": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23T10:00:00.Z":                `invalid time "2026-11-23T10:00:00.Z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23T10:00:00,5Z":               `invalid time "2026-11-23T10:00:00,5Z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
		"2026-11-23T10:00:60.5Z":               `invalid time "2026-11-23T10:00:60.5Z": want RFC 3339, as in 2026-11-23T10:00:00Z`,
	}
	for s, want := range bad {
		_, msg := ParseTime([]byte(s))
		assert.Equal(t, want, msg, s)
	}
}

// TestIDSetCollisions checks the id set when different ids share a hash,
// and across growth.
func TestIDSetCollisions(t *testing.T) {
	var s idSet
	var ids []string
	for i := range 1000 {
		id := fmt.Sprint("id", i)
		h := uint64(i % 7) // many ids per hash, and the hash 0
		require.False(t, s.find(h, id, ids), id)
		ids = append(ids, id)
		s.insert(h, int32(i))
	}
	for i := range 1000 {
		assert.True(t, s.find(uint64(i%7), fmt.Sprint("id", i), ids))
		assert.False(t, s.find(uint64(i%7), fmt.Sprint("other", i), ids))
	}
	s.reset()
	assert.False(t, s.find(1, "id1", ids))
}

// TestDataContext checks that a done context stops Prepare and Data, and
// that the builder is then as it was: the data made after is complete.
func TestDataContext(t *testing.T) {
	p, rs := sumProgram(t)
	rng := rand.New(rand.NewPCG(3, 3))
	in := eurPlayer(randomTxns(rng, 2000, false)...)
	in.Rates = map[currency.Code]num.Dec{usd: num.MustParse("0.9")}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := PrepareContext(ctx, p, in, true)
	assert.ErrorIs(t, err, context.Canceled)

	b, err := NewBuilder(p, false)
	require.NoError(t, err)
	require.NoError(t, b.SetPlayer("p1", eur, time.UTC))
	require.NoError(t, b.SetNow(in.Now))
	require.NoError(t, b.SetRate(usd, num.MustParse("0.9")))
	for _, tx := range in.Txns {
		k := b.KindIndex(tx.Kind)
		b.Begin(k, tx.Kind, tx.ID, tx.Time, tx.Currency)
		for name, v := range tx.Attrs {
			b.SetAny(b.AttrIndex(k, name), v)
		}
		require.NoError(t, b.Commit())
	}
	_, err = b.DataContext(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	got, err := b.Data()
	require.NoError(t, err)
	want := prepare(t, p, in)
	sameData(t, want, got)
	assert.Equal(t, show(want, run(t, p, rs["sum"], want, Options{})), show(got, run(t, p, rs["sum"], got, Options{})))
}

// TestBuilderTransactionLimit checks that a builder takes at most
// limits.Transactions transactions (a smaller bound here) and keeps what it
// has; a repeated id at the limit is dropped as any repeat is.
func TestBuilderTransactionLimit(t *testing.T) {
	p, _ := sumProgram(t)
	b, err := NewBuilder(p, true)
	require.NoError(t, err)
	b.maxTxns = 3
	require.NoError(t, b.SetPlayer("p", eur, nil))
	for i, id := range []string{"d0", "d1", "d2", "d0", "d3", "d1"} {
		b.Begin(kDeposit, "deposit", id, at(i), 0)
		b.SetDec(0, num.FromInt(1))
		err := b.Commit()
		if id != "d3" {
			require.NoError(t, err, id) // a repeat, even at the limit, is dropped without an error
		} else {
			assert.EqualError(t, err, "transactions: more than 3 transactions")
		}
	}
	d, err := b.Data()
	require.NoError(t, err)
	assert.Equal(t, 3, d.Rows("deposit"))
}

// TestBuilderErrorsDoNotLinger checks that what was wrong with a
// transaction is forgotten by the next, whatever their kinds' columns, and
// that a transaction with every column set and one with a default left
// unset both commit.
func TestBuilderErrorsDoNotLinger(t *testing.T) {
	p, _ := sumProgram(t)
	b, err := NewBuilder(p, false)
	require.NoError(t, err)
	require.NoError(t, b.SetPlayer("p", eur, time.UTC))
	spin := func(id string, bonus func()) {
		b.Begin(kSpin, "spin", id, at(1), 0)
		b.SetDec(0, num.FromInt(3))
		b.SetTime(1, at(2))
		b.SetDuration(2, time.Second)
		bonus()
	}
	spin("s1", func() { b.SetString(3, "yes") })
	assert.EqualError(t, b.Commit(), "transactions[0].bonus: want a boolean, got a string")
	b.Begin(kWithdrawal, "withdrawal", "w1", at(1), 0)
	b.SetDec(0, num.FromInt(5))
	require.NoError(t, b.Commit())
	spin("s1", func() { b.SetBool(3, true) }) // level left to its default
	require.NoError(t, b.Commit())
	spin("s2", func() { b.SetBool(3, false); b.SetDec(4, num.FromInt(2)) })
	require.NoError(t, b.Commit())
	b.SetDec(0, num.FromInt(7)) // no transaction open: ignored
	assert.EqualError(t, b.Commit(), "vm: Commit without Begin")
	d, err := b.Data()
	require.NoError(t, err)
	assert.Equal(t, 2, d.Rows("spin"))
	assert.Equal(t, []int64{1, 2}, d.tables[kSpin].cols[4].ints)
	assert.Equal(t, []int64{1, 0}, d.tables[kSpin].cols[3].ints)
}

// TestBuilderInternsThroughTheCache sets strings that share a slot of the
// recent strings (same length, first and last bytes) and the empty string,
// alternately, and checks that each keeps one id.
func TestBuilderInternsThroughTheCache(t *testing.T) {
	p, _ := sumProgram(t)
	b, err := NewBuilder(p, false)
	require.NoError(t, err)
	require.NoError(t, b.SetPlayer("p", eur, time.UTC))
	var rs recentStrings
	require.Equal(t, rs.slot("cab"), rs.slot("cub"), "the test needs strings of one slot")
	methods := []string{"cab", "cub", "", "cab", "cub", "cub", "", "cab"}
	for i, m := range methods {
		b.Begin(kDeposit, "deposit", fmt.Sprint("d", i), at(i), 0)
		b.SetDec(0, num.FromInt(1))
		b.SetString(1, m)
		require.NoError(t, b.Commit())
	}
	d, err := b.Data()
	require.NoError(t, err)
	for i, id := range d.tables[kDeposit].cols[1].ints {
		assert.Equal(t, methods[i], d.str(id), "row %d", i)
	}
}

// TestSetPropWhole: a property of type count takes a whole number only,
// given as text or as a Value ("3.0" is 3); a fraction is an input error
// naming the property.
func TestSetPropWhole(t *testing.T) {
	p := testSchema()
	p.Props = append(p.Props, PropInfo{Name: "logins", Type: KNumber, Whole: true})
	b, err := NewBuilder(p, false)
	require.NoError(t, err)
	i := b.PropIndex("logins")
	require.GreaterOrEqual(t, i, 0)
	assert.NoError(t, b.SetProp(i, "3.0"))
	assert.NoError(t, b.SetPropValue(i, Number(num.New(30, 1))))
	assert.EqualError(t, b.SetProp(i, "2.5"), "player.properties.logins: a count is a whole number, not 2.5")
	assert.EqualError(t, b.SetPropValue(i, Number(num.New(25, 1))), "player.properties.logins: a count is a whole number, not 2.5")
	// A number property takes a fraction.
	assert.NoError(t, b.SetPropValue(b.PropIndex("vip_level"), Number(num.New(25, 1))))
}
