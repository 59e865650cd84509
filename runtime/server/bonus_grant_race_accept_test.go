package server_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// grantRaceRules pay 1 EUR for each deposit.
const grantRaceRules = `kind deposit {
	amount: money
}

reward one: amount {
	give 1 EUR
}

automation each {
	trigger on deposit

	give one
}
`

// TestAcceptBonusGrantsTwoServersPostgres: rewards are issued on two
// servers on one PostgreSQL database while clients read the bonuses and
// the report from both (spec/semantics.md, Bonus lifecycle: the bonuses
// of the outcome log are taken from a cursor kept in the transaction of
// the grants, so that nothing is granted twice). Every read answers 200,
// and in the end every issued outcome is exactly one bonus.
func TestAcceptBonusGrantsTwoServersPostgres(t *testing.T) {
	open := postgresStores(t)
	a, b := rulesHarnessOn(t, open(), grantRaceRules), rulesHarnessOn(t, open(), grantRaceRules)
	hs := []*harness{a, b}
	const players = 30
	var wg sync.WaitGroup
	for i := range players {
		h := hs[i%2]
		p := fmt.Sprintf("p%02d", i)
		wg.Go(func() {
			r := h.events([]any{reg("r-"+p, p, t0), ev("d1-"+p, p, "deposit", t0.Add(time.Minute), "amount", "5.00"),
				ev("d2-"+p, p, "deposit", t0.Add(2*time.Minute), "amount", "5.00")})
			assert.Equal(t, 200, r.status, "%s", r.raw)
		})
		wg.Go(func() {
			for _, path := range []string{"/v1/bonuses?limit=1000", "/v1/reports/bonuses"} {
				r := hs[(i+1)%2].do(call{method: "GET", path: path, role: server.Viewer})
				assert.Equal(t, 200, r.status, "%s: %s", path, r.raw)
			}
		})
	}
	wg.Wait()
	r := a.do(call{method: "GET", path: "/v1/reports/bonuses", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	rows := r.json["rows"].([]any)
	require.Len(t, rows, 1)
	row := rows[0].(map[string]any)
	assert.Equal(t, float64(2*players), row["granted"])
	assert.Equal(t, fmt.Sprintf("%d.00", 2*players), row["amount_granted"])
	r = b.do(call{method: "GET", path: "/v1/bonuses?limit=1000", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Len(t, r.json["bonuses"], 2*players)
}
