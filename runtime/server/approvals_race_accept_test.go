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
	"github.com/promoc/promoc/runtime/store"
)

// TestAcceptApprovalsRaceRecalculation: operators approve and reject
// waiting results while others recalculate the queue, all at once
// (spec/semantics.md, The engine: Approval). Each result ends issued,
// rejected or still waiting, once; the budget's posted total is the sum of
// the results issued and its reserved total the sum of those still
// waiting, every account agreeing with its ledger; nothing is paid twice
// and the budget is never exceeded.
func TestAcceptApprovalsRaceRecalculation(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), raceRules)
	approvalsRace(t, h, h)
}

// TestAcceptApprovalsRaceRecalculationPostgres: the same on two servers on
// one PostgreSQL database, the decisions sent to one and the
// recalculations to the other.
func TestAcceptApprovalsRaceRecalculationPostgres(t *testing.T) {
	open := postgresStores(t)
	approvalsRace(t, rulesHarnessOn(t, open(), raceRules), rulesHarnessOn(t, open(), raceRules))
}

// raceRules hold half of each deposit for approval, within 1000 EUR.
const raceRules = `kind deposit {
	amount: money
}

reward half: amount {
	give 50% of last(deposit.amount)
}

automation held {
	trigger on deposit
	budget 1000 EUR
	approval manual

	give half
}
`

// approvalsRace sends the decisions to a and the recalculations to b.
func approvalsRace(t *testing.T, a, b *harness) {
	h := a
	const n = 24
	var evs []any
	for i := range n {
		p := fmt.Sprintf("p%02d", i)
		evs = append(evs, reg("r-"+p, p, t0), ev("d-"+p, p, "deposit", t0.Add(time.Minute), "amount", fmt.Sprintf("%d.01", 10+i)))
	}
	r := h.events(evs)
	require.Equal(t, 200, r.status, "%s", r.raw)
	var keys []string
	for _, o := range r.json["outcomes"].([]any) {
		o := o.(map[string]any)
		require.Equal(t, "waiting", o["status"], "%v", o)
		keys = append(keys, o["key"].(string))
	}
	require.Len(t, keys, n)

	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() {
			path, body := "/v1/approvals/approve", map[string]any{"key": k}
			if i%3 == 2 {
				path, body = "/v1/approvals/reject", map[string]any{"key": k, "reason": "fraud"}
			}
			r := h.do(call{method: "POST", path: path, role: server.Approver, body: body})
			// Each key is decided by one operator: recalculated or not, it
			// waits until then, so the decision is never refused.
			assert.Equal(t, 200, r.status, "%s %s: %s", path, k, r.raw)
		})
		if i%4 == 0 {
			wg.Go(func() {
				r := b.do(call{method: "POST", path: "/v1/approvals/recalculate", role: server.Operator})
				assert.Equal(t, 200, r.status, "%s", r.raw)
			})
		}
	}
	wg.Wait()

	// The last word on each key is in the outcome log.
	last := map[string]store.Outcome{}
	for _, o := range h.outcomes() {
		last[o.Key.String()] = o
	}
	posted, reserved := decimal.Zero, decimal.Zero
	issued := 0
	for _, k := range keys {
		o, ok := last[k]
		require.True(t, ok, "%s has no outcome", k)
		switch o.Status {
		case store.Issued:
			posted = posted.Add(o.Amount)
			issued++
		case store.Waiting:
			reserved = reserved.Add(o.Amount)
		case store.Rejected:
		default:
			t.Errorf("%s ends %s %s", k, o.Status, o.Reason)
		}
	}
	assert.Equal(t, n-n/3, issued, "every approval issued its result once")
	ctx := context.Background()
	bs, err := h.st.Budgets(ctx, "held")
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.True(t, posted.Equal(bs[0].Posted), "posted %s, the issued results %s", bs[0].Posted, posted)
	assert.True(t, reserved.Equal(bs[0].Reserved), "reserved %s, the waiting results %s", bs[0].Reserved, reserved)
	require.NoError(t, h.st.Audit(ctx), "every account agrees with its ledger")
	issuedKeys := map[string]int{}
	for _, o := range h.outcomes() {
		if o.Status == store.Issued {
			issuedKeys[o.Key.String()]++
		}
	}
	for k, c := range issuedKeys {
		assert.Equal(t, 1, c, "%s issued %d times", k, c)
	}
}
