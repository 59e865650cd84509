package server_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// everyRaceRules: a point for every 3 bets, and at most 4 a day.
const everyRaceRules = `kind bet {
	amount: money
}

reward point: points {
	give 1
}

automation every_three {
	trigger every 3 bet

	give point
}

automation capped {
	trigger every 2 bet
	at most 4 rewards per 1 day

	give point
}
`

// TestAcceptEveryTwoServersPostgres: one player's bets sent at once to two
// servers on one PostgreSQL database, each bet its own request (spec/
// semantics.md, The engine: Accumulation, and Pipelining: a change lost to
// another writer is decided again from the stored state). Every bet is
// counted once: 60 bets give exactly 20 points every 3 bets and 30
// batches of 2, of which the daily limit lets exactly 4 through; no
// trigger is given twice.
func TestAcceptEveryTwoServersPostgres(t *testing.T) {
	open := postgresStores(t)
	a, b := rulesHarnessOn(t, open(), everyRaceRules), rulesHarnessOn(t, open(), everyRaceRules)
	r := a.events([]any{reg("r1", "p1", t0)})
	require.Equal(t, 200, r.status, "%s", r.raw)
	const bets = 60
	var wg sync.WaitGroup
	for i := range bets {
		h := a
		if i%2 == 1 {
			h = b
		}
		wg.Go(func() {
			r := h.events([]any{ev(fmt.Sprintf("b%02d", i), "p1", "bet", t0.Add(time.Duration(i+1)*time.Second), "amount", "1.00", "currency", "EUR")})
			assert.Equal(t, 200, r.status, "%s", r.raw)
		})
	}
	wg.Wait()
	count := map[string]map[store.Status]int{}
	keys := map[string]int{}
	for _, o := range a.outcomes() {
		if count[o.Key.Rule] == nil {
			count[o.Key.Rule] = map[store.Status]int{}
		}
		count[o.Key.Rule][o.Status]++
		keys[o.Key.String()]++
	}
	assert.Equal(t, map[store.Status]int{store.Issued: 20}, count["every_three"])
	assert.Equal(t, map[store.Status]int{store.Issued: 4, store.Skipped: 26}, count["capped"])
	for k, n := range keys {
		assert.Equal(t, 1, n, "%s logged %d times", k, n)
	}
}
