package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// budgetCrashRules: a welcome bonus of 10 EUR on the first deposit within
// a budget of 95 EUR (nine are paid, the tenth finds 5 EUR left and
// suspends the campaign), and 5% of every deposit within 50 EUR.
const budgetCrashRules = `kind deposit {
	amount: money
}

reward ten: amount {
	give 10 EUR
}

automation welcome {
	trigger on first deposit
	budget 95 EUR

	give ten
}

reward five_percent: amount {
	give 5% of last(deposit.amount)
}

automation cashback {
	trigger on deposit
	budget 50 EUR

	give five_percent
}
`

// TestAcceptServeBudgetCrash: budgets through the real binary under
// concurrency and crashes, as DOMAIN's "under any concurrency the issued
// total never exceeds the budget" and the crash-safety guarantee state
// them. Clients send players' deposits with Idempotency-Keys to promoc
// serve on SQLite, which is killed with SIGKILL under load and started
// again, the clients sending again what was not acknowledged. Then every
// deposit has exactly one outcome per rule; welcome issued exactly nine
// bonuses (90 EUR posted of 95) and refused the rest with
// budget-exhausted or campaign-suspended; what each budget has posted is
// the sum of the amounts its rule issued, never above its limit; and every
// 2xx listed exactly the log's outcomes of its events.
func TestAcceptServeBudgetCrash(t *testing.T) {
	const players, clients, kills = 200, 4, 3
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	exe, _ := crashRuleSet(t)
	rules := filepath.Join(t.TempDir(), "rules")
	require.NoError(t, os.MkdirAll(rules, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(rules, "rules.promo"), []byte(budgetCrashRules), 0o644))
	db := filepath.Join(t.TempDir(), "promoc.db")

	ctx := context.Background()
	opSecret := operatorKey(t, db, "budget crash")

	// One request a player: its currency, then three deposits.
	base := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	reqs := make([][]*crashRequest, clients)
	for p := range players {
		player := fmt.Sprintf("p%02d", p)
		evs := []map[string]any{{"id": "reg-" + player, "player": player, "kind": "player", "time": base.Format(time.RFC3339), "currency": "EUR"}}
		r := &crashRequest{key: "k-" + player}
		for i := range 3 {
			id := fmt.Sprintf("d-%s-%d", player, i)
			evs = append(evs, map[string]any{"id": id, "player": player, "kind": "deposit",
				"time": base.Add(time.Duration(p*3+i) * time.Second).Format(time.RFC3339), "amount": fmt.Sprintf("%d.%02d", 10+rng.IntN(90), rng.IntN(100))})
			r.events = append(r.events, id)
		}
		var err error
		r.body, err = json.Marshal(evs)
		require.NoError(t, err)
		reqs[p%clients] = append(reqs[p%clients], r)
	}

	args := []string{"serve", rules, "--db", db, "--addr", "127.0.0.1:0", "--tick", "1h", "--log-format", "text", "--stale-request", "1s", "--lease-ttl", "1s"}
	child := startChild(t, exe, args)
	defer func() {
		if child.cmd.ProcessState == nil {
			child.cmd.Process.Kill()
		}
	}()
	var url atomic.Value
	url.Store(child.url)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range reqs[c] {
				for {
					status, resp, err := postEvents(client, url.Load().(string), opSecret, r)
					if err == nil && status == http.StatusOK {
						r.got = resp.Outcomes
						break
					}
					if err == nil && status != http.StatusConflict && status < 500 {
						t.Errorf("request %s: %d", r.key, status)
						return
					}
					r.failed++
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(time.Duration(5+rand.IntN(20)) * time.Millisecond)
			}
		}()
	}
	underLoad := killUnderLoad(t, &wg, &child, kills, 50, 150, rng, func() *crashChild {
		child := startChild(t, exe, args)
		url.Store(child.url)
		return child
	})
	require.NoError(t, child.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-child.done, "a graceful stop: %s", child.stderr.String())

	st, err := openStore(ctx, db, false)
	require.NoError(t, err)
	defer st.Close()
	log := outcomeLog(t, st)
	type ruleEvent struct{ rule, event string }
	byEvent := map[ruleEvent]int{}
	seqs := map[string][]int64{}
	issued := map[string]decimal.Decimal{}
	count := map[string]map[string]int{"welcome": {}, "cashback": {}}
	for _, o := range log {
		out, err := engine.OutcomeOf(o)
		require.NoError(t, err)
		byEvent[ruleEvent{out.Rule, out.Trigger.Event}]++
		seqs[out.Trigger.Event] = append(seqs[out.Trigger.Event], o.Seq)
		key := out.Status + " " + out.Reason
		count[out.Rule][key]++
		if out.Status == string(store.Issued) {
			issued[out.Rule] = issued[out.Rule].Add(o.Amount)
		}
	}
	firsts := 0
	for _, rs := range reqs {
		for _, r := range rs {
			var want []int64
			for i, id := range r.events {
				assert.Equal(t, 1, byEvent[ruleEvent{"cashback", id}], "event %s: one cashback outcome", id)
				n := byEvent[ruleEvent{"welcome", id}]
				if i == 0 {
					firsts++
					assert.Equal(t, 1, n, "first deposit %s: one welcome outcome", id)
				} else {
					assert.Zero(t, n, "deposit %s is not a first", id)
				}
				want = append(want, seqs[id]...)
			}
			got := make([]int64, len(r.got))
			for i, o := range r.got {
				got[i] = o.Seq
			}
			assert.ElementsMatch(t, want, got, "request %s (%d failed tries): its 2xx lists the log's outcomes of its events", r.key, r.failed)
		}
	}
	assert.Equal(t, players, firsts)
	assert.Equal(t, 9, count["welcome"]["issued "], "%v", count["welcome"])
	assert.Equal(t, players-9, count["welcome"]["skipped budget-exhausted"]+count["welcome"]["skipped campaign-suspended"], "%v", count["welcome"])
	assert.Equal(t, 1, count["welcome"]["skipped budget-exhausted"], "the one that found 5 EUR left: %v", count["welcome"])
	assert.Positive(t, count["cashback"]["skipped budget-exhausted"], "the cashback ran out: %v", count["cashback"])

	for rule, limit := range map[string]string{"welcome": "95", "cashback": "50"} {
		bs, err := st.Budgets(ctx, rule)
		require.NoError(t, err)
		require.Len(t, bs, 1)
		b := bs[0]
		assert.Equal(t, limit, b.Limit.String(), rule)
		assert.True(t, b.Posted.Equal(issued[rule]), "%s: posted %s, issued %s", rule, b.Posted, issued[rule])
		assert.False(t, b.Posted.GreaterThan(b.Limit), "%s: posted %s over the limit %s", rule, b.Posted, b.Limit)
		assert.True(t, b.Reserved.IsZero(), "%s: nothing waits", rule)
		c, err := st.Campaign(ctx, rule)
		require.NoError(t, err)
		assert.Equal(t, store.Suspended, c.Status, "%s suspended itself", rule)
	}
	assert.Equal(t, "90", issued["welcome"].String())
	assert.Positive(t, underLoad, "killed while the clients sent")
	t.Logf("%d players, %d outcomes; killed %d times (%d under load), seed %d; welcome %v, cashback %v, cashback posted %s",
		players, len(log), kills, underLoad, seed, count["welcome"], count["cashback"], issued["cashback"])
}
