package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// acceptRules is the rule set of the acceptance tests of the HTTP API: a
// welcome bonus of 10 EUR on a first deposit within a budget of 95 EUR,
// and a spa voucher for a first login while codes last.
const acceptRules = `kind deposit {
	amount: money
}

kind login {}

reward ten: amount {
	give 10 EUR
}

automation welcome {
	trigger on first deposit
	budget 95 EUR

	give ten
}

offer spa {
	reference "spa-2026"
	requires vouchers
}

automation spa_welcome {
	trigger on first login

	give offer spa
}
`

func acceptHarness(t *testing.T) *harness {
	t.Helper()
	return acceptHarnessOn(t, openStore(t))
}

// acceptHarnessOn is acceptHarness on a given store.
func acceptHarnessOn(t *testing.T, st store.Store) *harness {
	t.Helper()
	return rulesHarnessOn(t, st, acceptRules)
}

// postgresStores opens stores on a PostgreSQL schema of the test's own,
// each closed at the test's end: the stores of several servers on one
// database (the test is skipped without PROMOC_TEST_POSTGRES, and fails in
// CI: pgtest.Fresh).
func postgresStores(t *testing.T) (open func() store.Store) {
	t.Helper()
	dsn := pgtest.Fresh(t, "the acceptance tests of the API")
	return func() store.Store {
		st, err := postgres.Open(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	}
}

// rulesHarnessOn is a harness on st running the rule set of one file.
func rulesHarnessOn(t *testing.T, st store.Store, rules string) *harness {
	t.Helper()
	prog, err := runtime.Compile(fstest.MapFS{"rules.promo": {Data: []byte(rules)}})
	require.NoError(t, err)
	return newHarnessOn(t, st, func(c *server.Config) { c.Program = prog })
}

// TestAcceptSkipRaw: a result skipped for its value says how close the
// player came, as promoc eval does: below the minimum of 10 EUR, 10% of a
// 50 EUR deposit keeps raw 5.0 EUR; the skip's message carries the reason.
func TestAcceptSkipRaw(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), `kind deposit {
	amount: money
}

reward match: amount {
	minimum 10 EUR

	give 10% of last(deposit.amount)
}

automation deposits {
	trigger on deposit

	give match
	on skipped send "almost" with reason, currency
}
`)
	r := h.events([]any{reg("r1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	require.Len(t, r.json["outcomes"], 1)
	o := r.json["outcomes"].([]any)[0].(map[string]any)
	assert.Equal(t, "skipped", o["status"])
	assert.Equal(t, "below-minimum", o["reason"])
	assert.Equal(t, "5.0", o["raw"])
	assert.Equal(t, "EUR", o["currency"])
	assert.Nil(t, o["amount"], "nothing issued")
	assert.Equal(t, []any{map[string]any{"name": "almost", "values": map[string]any{"reason": "below-minimum", "currency": "EUR"}}}, o["messages"])
	r = h.do(call{method: "GET", path: "/v1/outcomes", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "5.0", r.json["outcomes"].([]any)[0].(map[string]any)["raw"])
}

// TestAcceptBudgetUnderConcurrency: 40 players post their first deposit at
// once, each request on its own. The budget of 95 EUR pays nine bonuses of
// 10 EUR, never a partial one; every other player is told why
// (budget-exhausted for the one that found 5 EUR left, campaign-suspended
// after), and the campaign is suspended with 5 EUR left.
func TestAcceptBudgetUnderConcurrency(t *testing.T) {
	h := acceptHarness(t)
	acceptBudget(t, h, h)
}

// TestAcceptBudgetTwoServersPostgres: the same, the requests shared by two
// servers on one PostgreSQL database (two engines, two writers): the budget
// still pays exactly nine bonuses and is never exceeded.
func TestAcceptBudgetTwoServersPostgres(t *testing.T) {
	open := postgresStores(t)
	a := acceptHarnessOn(t, open())
	b := acceptHarnessOn(t, open())
	acceptBudget(t, a, b)
}

// acceptBudget posts the first deposits of 40 players at once, the even
// ones to a, the odd ones to b.
func acceptBudget(t *testing.T, a, b *harness) {
	const players = 40
	statuses := make([]string, players)
	var wg sync.WaitGroup
	for i := range players {
		wg.Go(func() {
			p := fmt.Sprintf("p%02d", i)
			h := a
			if i%2 == 1 {
				h = b
			}
			r := h.events([]any{reg("r-"+p, p, t0), ev("d-"+p, p, "deposit", t0.Add(time.Minute), "amount", "50")})
			if !assert.Equal(t, 200, r.status, "%s", r.raw) {
				return
			}
			for _, o := range r.json["outcomes"].([]any) {
				o := o.(map[string]any)
				if o["rule"] == "welcome" {
					s, _ := o["status"].(string)
					if reason, ok := o["reason"].(string); ok {
						s += " " + reason
					}
					if s == "issued" {
						assert.Equal(t, "10.00", o["amount"])
					}
					statuses[i] = s
				}
			}
		})
	}
	wg.Wait()
	count := map[string]int{}
	for _, s := range statuses {
		count[s]++
	}
	assert.Equal(t, 9, count["issued"], "%v", count)
	if a == b {
		assert.Equal(t, 1, count["skipped budget-exhausted"], "%v", count)
		assert.Equal(t, players-10, count["skipped campaign-suspended"], "%v", count)
	} else {
		// Two writers: which refusal a player gets depends on what its
		// engine had seen; every one is refused.
		assert.Equal(t, players-9, count["skipped budget-exhausted"]+count["skipped campaign-suspended"], "%v", count)
	}

	r := a.do(call{method: "GET", path: "/v1/campaigns/welcome", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "suspended", r.json["status"])
	assert.Equal(t, []any{map[string]any{"currency": "EUR", "limit": "95.00", "posted": "90.00", "reserved": "0.00", "left": "5.00"}}, r.json["budgets"])
}

// TestAcceptVouchersUnderConcurrency: 30 players log in for the first time
// at once, for an offer with 12 codes. Twelve get a code, each a different
// one; the others are skipped with vouchers-exhausted and get none. Sent
// again, every event changes nothing: no code is given twice.
func TestAcceptVouchersUnderConcurrency(t *testing.T) {
	h := acceptHarness(t)
	ctx := context.Background()
	codes := make([]string, 12)
	for i := range codes {
		codes[i] = fmt.Sprintf("SPA-%04d", i+1)
	}
	_, err := h.st.ImportVouchers(ctx, "spa-2026", codes, t0)
	require.NoError(t, err)

	const players = 30
	var mu sync.Mutex
	given := map[string]string{} // code → player
	skipped := 0
	var wg sync.WaitGroup
	for i := range players {
		wg.Go(func() {
			p := fmt.Sprintf("p%02d", i)
			r := h.events([]any{reg("r-"+p, p, t0), ev("l-"+p, p, "login", t0.Add(time.Minute))})
			if !assert.Equal(t, 200, r.status, "%s", r.raw) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, o := range r.json["outcomes"].([]any) {
				o := o.(map[string]any)
				switch {
				case o["rule"] != "spa_welcome":
				case o["status"] == "issued":
					code, _ := o["code"].(string)
					assert.Equal(t, "spa-2026", o["offer_reference"], "%v", o)
					assert.NotContains(t, given, code, "a code given twice")
					given[code] = p
				case o["reason"] == "vouchers-exhausted":
					assert.Nil(t, o["code"], "a skipped outcome assigns nothing: %v", o)
					assert.Nil(t, o["assignment"], "a skipped outcome assigns nothing: %v", o)
					skipped++
				default:
					t.Errorf("unexpected outcome %v", o)
				}
			}
		})
	}
	wg.Wait()
	assert.Len(t, given, 12)
	for _, c := range codes {
		assert.Contains(t, given, c)
	}
	assert.Equal(t, players-12, skipped)

	// The same events again, as a host that delivers at least once: each
	// is answered with the outcome it had, the same code; nothing new is
	// logged or assigned.
	before := len(h.outcomes())
	for i := range players {
		p := fmt.Sprintf("p%02d", i)
		r := h.events([]any{reg("r-"+p, p, t0), ev("l-"+p, p, "login", t0.Add(time.Minute))})
		require.Equal(t, 200, r.status, "%s", r.raw)
		for _, o := range r.json["outcomes"].([]any) {
			o := o.(map[string]any)
			if code, ok := o["code"].(string); ok {
				assert.Equal(t, p, given[code], "the code %s was %s's", code, given[code])
			}
		}
	}
	assert.Len(t, h.outcomes(), before)
}

// TestAcceptEventIdempotency: an event id seen before with the same content
// changes nothing (it is answered with the outcomes it had); with other
// content it is refused, naming the event, and nothing of its request is
// stored.
func TestAcceptEventIdempotency(t *testing.T) {
	h := acceptHarness(t)
	r := h.events([]any{reg("r1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	require.Len(t, r.json["outcomes"], 1)
	assert.Equal(t, "issued", r.json["outcomes"].([]any)[0].(map[string]any)["status"])

	first := r.json["outcomes"]
	r = h.events([]any{ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, first, r.json["outcomes"])
	require.Len(t, h.outcomes(), 1)

	before := len(h.outcomes())
	r = h.events([]any{ev("d2", "p1", "deposit", t0.Add(2*time.Minute), "amount", "70"),
		ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "60")})
	assert.Equal(t, 422, r.status, "%s", r.raw)
	assert.Contains(t, r.json["message"], "d1", "%s", r.raw)
	assert.Len(t, h.outcomes(), before)

	r = h.do(call{method: "GET", path: "/v1/campaigns/welcome", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, []any{map[string]any{"currency": "EUR", "limit": "95.00", "posted": "10.00", "reserved": "0.00", "left": "85.00"}}, r.json["budgets"])
}

// TestAcceptAttribution: a conversion goes to the player's last click on
// the offer within the attribution window (30 days, half-open), through
// the links and the API only. Clicks from alpha, then beta; each tied to
// the player by a conversion naming it; a conversion naming only the
// player goes to beta's later click up to 1 ns before its window ends, and
// at the end exactly to no click; a repeat is acknowledged with the first
// and counted once.
func TestAcceptAttribution(t *testing.T) {
	h := tracked(t)
	r := h.do(call{method: "PUT", path: "/v1/publishers/beta", role: server.Operator, body: map[string]any{"name": "Beta"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	sa := h.clickOK("pub=alpha")
	h.clock.Set(t0.Add(time.Hour))
	sb := h.clickOK("pub=beta")
	convert := func(at time.Time, body map[string]any) response {
		h.clock.Set(at)
		body["time"] = at.Format(time.RFC3339Nano)
		return h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: body})
	}
	publisher := func(r response) any { return r.json["conversion"].(map[string]any)["publisher"] }

	r = convert(t0.Add(2*time.Hour), map[string]any{"session": sa, "player": "p1", "kind": "registration"})
	require.Equal(t, 201, r.status, "%s", r.raw)
	assert.Equal(t, "alpha", publisher(r), "beta's session is not the player's yet")
	r = convert(t0.Add(3*time.Hour), map[string]any{"session": sb, "player": "p1", "kind": "first_deposit"})
	require.Equal(t, 201, r.status, "%s", r.raw)
	assert.Equal(t, "beta", publisher(r))

	window := 30 * 24 * time.Hour
	r = convert(t0.Add(time.Hour+window-time.Nanosecond), map[string]any{"player": "p1", "offer": "casino", "kind": "deposit", "ref": "last-ns"})
	require.Equal(t, 201, r.status, "%s", r.raw)
	assert.Equal(t, "beta", publisher(r), "the last click, 1 ns before its window ends")
	assert.Equal(t, sb, r.json["conversion"].(map[string]any)["session"])
	r = convert(t0.Add(time.Hour+window), map[string]any{"player": "p1", "offer": "casino", "kind": "deposit", "ref": "at-end"})
	assert.Equal(t, 422, r.status, "%s", r.raw)
	assert.Equal(t, "no-click", r.json["details"].(map[string]any)["reason"], "%s", r.raw)

	before := len(h.conversions())
	r = convert(t0.Add(time.Hour+window), map[string]any{"session": sb, "player": "p1", "kind": "first_deposit"})
	require.Equal(t, 200, r.status, "a repeat: %s", r.raw)
	assert.Equal(t, "beta", publisher(r))
	assert.Len(t, h.conversions(), before, "counted once")

	r = h.do(call{method: "GET", path: "/v1/reports/tracking?format=json", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	conv := map[string]float64{}
	for _, row := range r.json["rows"].([]any) {
		row := row.(map[string]any)
		for _, n := range row["conversions"].(map[string]any) {
			conv[row["publisher"].(string)] += n.(float64)
		}
	}
	assert.Equal(t, map[string]float64{"alpha": 1, "beta": 2}, conv)
}
