package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// capRules pay 10% of a first deposit within exactly 100 EUR and 50 USD.
const capRules = `kind deposit {
	amount: money
}

reward tenth: amount {
	give 10% of last(deposit.amount)
}

automation welcome {
	trigger on first deposit
	budget 100 EUR | 50 USD

	give tenth
}
`

// TestAcceptBudgetCurrenciesExactCap: 16 players in EUR (100 EUR deposits,
// 10.00 EUR each) and 16 in USD (49.95 USD, 4.995 rounded half away from
// zero to 5.00 each) post their first deposit at once. The budget is
// checked against the rounded amount: ten rewards fill each currency to its
// cap exactly. Whichever currency first finds its budget too small
// suspends the campaign in both, so neither is ever exceeded, every
// issued amount is whole, and each player gets one outcome: issued,
// budget-exhausted or campaign-suspended.
func TestAcceptBudgetCurrenciesExactCap(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), capRules)
	budgetCurrencies(t, h, h)
}

// TestAcceptBudgetCurrenciesExactCapPostgres: the same on two servers on
// one PostgreSQL database.
func TestAcceptBudgetCurrenciesExactCapPostgres(t *testing.T) {
	open := postgresStores(t)
	budgetCurrencies(t, rulesHarnessOn(t, open(), capRules), rulesHarnessOn(t, open(), capRules))
}

func budgetCurrencies(t *testing.T, a, b *harness) {
	const players = 32
	var mu sync.Mutex
	issued := map[string]decimal.Decimal{}
	count := map[string]int{}
	var wg sync.WaitGroup
	for i := range players {
		h := a
		if i%2 == 1 {
			h = b
		}
		wg.Go(func() {
			p := fmt.Sprintf("p%02d", i)
			cur, amount, paid := "EUR", "100.00", "10.00"
			if i%4 >= 2 {
				cur, amount, paid = "USD", "49.95", "5.00"
			}
			player := reg("r-"+p, p, t0)
			player["currency"] = cur
			r := h.events([]any{player, ev("d-"+p, p, "deposit", t0.Add(time.Minute), "amount", amount)})
			if !assert.Equal(t, 200, r.status, "%s", r.raw) {
				return
			}
			outs := r.json["outcomes"].([]any)
			if !assert.Len(t, outs, 1) {
				return
			}
			o := outs[0].(map[string]any)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case o["status"] == "issued":
				assert.Equal(t, paid, o["amount"])
				assert.Equal(t, cur, o["currency"])
				issued[cur] = issued[cur].Add(decimal.RequireFromString(paid))
				count["issued "+cur]++
			case o["reason"] == "budget-exhausted" || o["reason"] == "campaign-suspended":
				count[o["reason"].(string)]++
			default:
				t.Errorf("%s: %v", p, o)
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, count["issued EUR"], 10, "%v", count)
	assert.LessOrEqual(t, count["issued USD"], 10, "%v", count)
	assert.GreaterOrEqual(t, count["budget-exhausted"], 1, "%v", count)
	assert.Equal(t, players, count["issued EUR"]+count["issued USD"]+count["budget-exhausted"]+count["campaign-suspended"], "%v", count)
	if count["issued EUR"] < 10 {
		assert.Equal(t, 10, count["issued USD"], "the USD budget ran out first, at its cap: %v", count)
	} else {
		assert.Equal(t, 10, count["issued EUR"], "%v", count)
	}

	r := a.do(call{method: "GET", path: "/v1/campaigns/welcome", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "suspended", r.json["status"])
	limits := map[string]string{"EUR": "100.00", "USD": "50.00"}
	for _, x := range r.json["budgets"].([]any) {
		bu := x.(map[string]any)
		cur := bu["currency"].(string)
		posted := decimal.RequireFromString(bu["posted"].(string))
		assert.True(t, posted.Equal(issued[cur]), "%s posted %s, issued %s", cur, posted, issued[cur])
		assert.Equal(t, limits[cur], bu["limit"])
		assert.Equal(t, "0.00", bu["reserved"])
	}
	require.NoError(t, a.st.Audit(context.Background()))
}
