package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// untaggedRules reward, on a login, a tenth of the week's deposits.
const untaggedRules = `
kind deposit {
	amount: money
}

kind login {
}

reward deposits_week: amount {
	window last 7 days

	give 10% of sum(deposit.amount)
}

automation login_cash {
	trigger on login

	give deposits_week
}
`

func untaggedEngine(t *testing.T, st store.Store, opts engine.Options) *engine.Engine {
	t.Helper()
	prog, err := program(untaggedRules)
	require.NoError(t, err)
	e, err := engine.New(context.Background(), prog, st, opts)
	require.NoError(t, err)
	return e
}

// untaggedOptions: the default, one player cached (read again from the
// store), and batches pipelined (each decided before those before it are
// written).
var untaggedOptions = map[string]engine.Options{
	"default":   {},
	"cache1":    {CachePlayers: 1, BatchSize: 1},
	"pipelined": {InFlight: 3, BatchSize: 1},
}

// untagged is a deposit sent without a currency: in the player's.
func untagged(id, player string, at time.Time, amount string) engine.Event {
	return ev(id, player, "deposit", at, "amount", amount)
}

// TestUntaggedInCurrencyAtItsTime: a transaction sent without a currency is
// in the player's currency at its time. Its player's currency changed from
// EUR to USD, the EUR deposits are not read as USD: the window holding them
// is in another currency than the player's (invalid-input, the engine takes
// no rates), as when they named EUR, both from the engine's cache and from
// the store; back in EUR, they give the EUR amounts. A redelivery of the
// untagged event is a duplicate, not other content, and so is one naming
// the currency it was recorded in.
func TestUntaggedInCurrencyAtItsTime(t *testing.T) {
	for name, opts := range untaggedOptions {
		t.Run(name, func(t *testing.T) { untaggedAtItsTime(t, opts) })
	}
}

func untaggedAtItsTime(t *testing.T, opts engine.Options) {
	ctx := context.Background()
	st := openStore(t)
	e := untaggedEngine(t, st, opts)
	day0 := utc("2026-11-02T10:00:00Z")
	handle(t, e,
		playerEv("reg", "p", day0, "EUR", "", nil),
		untagged("d1", "p", day0.Add(time.Hour), "100"),
	)
	handle(t, e, untagged("d2", "p", day0.Add(2*time.Hour), "50"))
	assert.Equal(t, []string{"login_cash p issued 15.00 EUR"},
		brief(handle(t, e, ev("l1", "p", "login", day0.Add(3*time.Hour)))), "in EUR, as the player")

	handle(t, e, playerEv("usd", "p", day0.Add(day), "USD", "", nil))
	outs := handle(t, e, ev("l2", "p", "login", day0.Add(day+time.Hour)))
	assert.Equal(t, []string{"login_cash p skipped/invalid-input"}, brief(outs),
		"the EUR deposits are not summed as USD")
	require.Len(t, outs, 1)
	assert.Contains(t, outs[0].Detail, "EUR")

	// From the store: a new engine reads the deposits as recorded.
	e2 := untaggedEngine(t, st, opts)
	assert.Equal(t, []string{"login_cash p skipped/invalid-input"},
		brief(handle(t, e2, ev("l3", "p", "login", day0.Add(day+2*time.Hour)))))

	// A redelivery, to either engine, as sent: a duplicate.
	assert.Empty(t, handle(t, e2, untagged("d1", "p", day0.Add(time.Hour), "100")))
	assert.Empty(t, handle(t, e, untagged("d2", "p", day0.Add(2*time.Hour), "50")))
	// The same id naming EUR, the currency it was recorded in, is the
	// same event (the player is in USD now); naming USD, another.
	tagged := untagged("d1", "p", day0.Add(time.Hour), "100")
	tagged.Currency = "EUR"
	assert.Empty(t, handle(t, e2, tagged))
	tagged.Currency = "USD"
	_, err := e2.Handle(ctx, []engine.Event{tagged})
	var ee *engine.EventError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "id", ee.Field)

	// Back in EUR: the deposits are the EUR amounts they were.
	handle(t, e2, playerEv("eur", "p", day0.Add(day+3*time.Hour), "EUR", "", nil))
	assert.Equal(t, []string{"login_cash p issued 15.00 EUR"},
		brief(handle(t, e2, ev("l4", "p", "login", day0.Add(day+4*time.Hour)))))
}

// TestUntaggedBeforeAnyCurrency: a transaction without a currency of a
// player with none yet is recorded without one, and read in the currency
// the player is then given (by a player event, or the first transaction
// that names one); once the player has one, later untagged transactions
// are recorded in it.
func TestUntaggedBeforeAnyCurrency(t *testing.T) {
	for name, opts := range untaggedOptions {
		t.Run(name, func(t *testing.T) { untaggedBeforeAnyCurrency(t, opts) })
	}
}

func untaggedBeforeAnyCurrency(t *testing.T, opts engine.Options) {
	st := openStore(t)
	e := untaggedEngine(t, st, opts)
	day0 := utc("2026-11-02T10:00:00Z")
	handle(t, e, untagged("d1", "q", day0, "100"))
	handle(t, e, playerEv("reg", "q", day0.Add(time.Hour), "USD", "", nil))
	assert.Equal(t, []string{"login_cash q issued 10.00 USD"},
		brief(handle(t, e, ev("l1", "q", "login", day0.Add(2*time.Hour)))))

	// The first currency named by a transaction.
	handle(t, e, untagged("d1", "r", day0, "100"))
	named := untagged("d2", "r", day0.Add(time.Hour), "20")
	named.Currency = "EUR"
	handle(t, e, named, untagged("d3", "r", day0.Add(2*time.Hour), "30"))
	assert.Equal(t, []string{"login_cash r issued 15.00 EUR"},
		brief(handle(t, untaggedEngine(t, st, opts), ev("l1", "r", "login", day0.Add(3*time.Hour)))))
}

// TestUntaggedPipelined: each event submitted before those before it are
// written; an untagged deposit is in the player's currency as the player
// event decided ahead of it left it.
func TestUntaggedPipelined(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	e := untaggedEngine(t, st, engine.Options{InFlight: 3, BatchSize: 1})
	day0 := utc("2026-11-02T10:00:00Z")
	submit := func(evs ...engine.Event) []string {
		var waits []func() ([]engine.Outcome, error)
		for _, ev := range evs {
			wait, err := e.Submit(ctx, []engine.Event{ev})
			require.NoError(t, err)
			waits = append(waits, wait)
		}
		var got []engine.Outcome
		for _, wait := range waits {
			outs, err := wait()
			require.NoError(t, err)
			got = append(got, outs...)
		}
		return brief(got)
	}
	assert.Equal(t, []string{"login_cash before skipped/invalid-input", "login_cash after issued 10.00 USD"}, submit(
		playerEv("reg", "before", day0, "EUR", "", nil),
		untagged("d1", "before", day0.Add(time.Hour), "100"),
		playerEv("usd", "before", day0.Add(2*time.Hour), "USD", "", nil),
		ev("l1", "before", "login", day0.Add(3*time.Hour)),
		playerEv("reg", "after", day0, "EUR", "", nil),
		playerEv("usd", "after", day0.Add(time.Hour), "USD", "", nil),
		untagged("d1", "after", day0.Add(2*time.Hour), "100"),
		ev("l1", "after", "login", day0.Add(3*time.Hour)),
	))
}
