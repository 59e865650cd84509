package server_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestAcceptBonusRaceTwoServersPostgres: Fast Track credits and the bonus
// system's status events sent at once to two servers on one PostgreSQL
// database (spec/semantics.md, Bonus lifecycle and reporting). The same
// credit to both credits once; for each bonus, Completed and Forfeited
// (two ids) at once apply exactly one terminal status, the other kept as
// terminal-after-terminal; the same event to both is applied once and a
// duplicate once, never an anomaly or an error. The report counts each
// bonus once.
func TestAcceptBonusRaceTwoServersPostgres(t *testing.T) {
	open := postgresStores(t)
	a, b := newHarnessOn(t, open()), newHarnessOn(t, open())
	const n = 12
	hs := []*harness{a, b}
	credited := make([]int, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		for _, h := range hs {
			wg.Go(func() {
				body := map[string]any{"user_id": fmt.Sprintf("u%d", i), "bonus_code": "SPINS", "amount": "10.00", "currency": "EUR"}
				r := h.do(call{method: "POST", path: "/v1/fasttrack/bonus/credit", role: server.Operator,
					headers: ftHeaders("1001", "77", fmt.Sprintf("th-%d", i), "id-"+h.keys[server.Operator][:6]), body: body})
				if !assert.Equal(t, 200, r.status, "%s", r.raw) {
					return
				}
				if r.json["credited"] == true {
					mu.Lock()
					credited[i]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for i, c := range credited {
		assert.Equal(t, 1, c, "credit %d", i)
	}

	refs := func(i int) map[string]any {
		return map[string]any{"X-Fasttrack-Activityid": "1001", "X-Fasttrack-Actionid": "77", "X-Fasttrack-Triggerhash": fmt.Sprintf("th-%d", i)}
	}
	results := map[string][]string{} // event id → results
	for i := range n {
		events := []map[string]any{
			{"id": fmt.Sprintf("c%d", i), "player": fmt.Sprintf("u%d", i), "status": "Completed", "amount": "4.50", "fasttrack_references": refs(i)},
			{"id": fmt.Sprintf("f%d", i), "player": fmt.Sprintf("u%d", i), "status": "Forfeited", "fasttrack_references": refs(i)},
		}
		for _, e := range events {
			for _, h := range hs {
				wg.Go(func() {
					r := h.do(call{method: "POST", path: "/v1/bonus-events", role: server.Operator, body: e})
					if !assert.Equal(t, 200, r.status, "%s", r.raw) {
						return
					}
					x := r.json["results"].([]any)[0].(map[string]any)
					res := x["result"].(string)
					if an, ok := x["anomaly"]; ok {
						res += " " + an.(string)
					}
					mu.Lock()
					results[e["id"].(string)] = append(results[e["id"].(string)], res)
					mu.Unlock()
				})
			}
		}
	}
	wg.Wait()
	completed := 0
	for i := range n {
		c, f := results[fmt.Sprintf("c%d", i)], results[fmt.Sprintf("f%d", i)]
		won, lost := c, f
		if slices.Contains(f, "applied") {
			won, lost = f, c
		} else {
			completed++
		}
		assert.ElementsMatch(t, []string{"applied", "duplicate"}, won, "bonus %d: %v %v", i, c, f)
		assert.ElementsMatch(t, []string{"anomaly terminal-after-terminal", "duplicate"}, lost, "bonus %d: %v %v", i, c, f)
	}
	r := a.do(call{method: "GET", path: "/v1/reports/bonuses", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	rows := r.json["rows"].([]any)
	require.Len(t, rows, 1)
	row := rows[0].(map[string]any)
	assert.Equal(t, float64(n), row["granted"])
	assert.Equal(t, float64(completed), row["completed"])
	assert.Equal(t, float64(n-completed), row["forfeited"])
	assert.Equal(t, float64(0), row["open"])
	assert.Equal(t, fmt.Sprintf("%d.00", 10*n), row["amount_granted"])
}
