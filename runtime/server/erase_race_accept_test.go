package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// TestAcceptEraseRacesApprovalsPostgres: an admin erases a player (GDPR)
// on one server while approvers decide the player's waiting results on
// another, on one PostgreSQL database (spec/semantics.md, Erasure of a
// player: the waiting results are rejected with reason player-erased). The
// erasure succeeds whatever it races; each result ends issued (approved
// before the erasure) or rejected, once; none is left waiting, and the
// budget holds exactly the amounts issued.
func TestAcceptEraseRacesApprovalsPostgres(t *testing.T) {
	open := postgresStores(t)
	for round := range 3 {
		a, b := rulesHarnessOn(t, open(), raceRules), rulesHarnessOn(t, open(), raceRules)
		p := fmt.Sprintf("p%d", round)
		evs := []any{reg("r-"+p, p, t0)}
		for i := range 16 {
			evs = append(evs, ev(fmt.Sprintf("d%d-%s", i, p), p, "deposit", t0.Add(time.Duration(i+1)*time.Minute), "amount", "2.00"))
		}
		r := a.events(evs)
		require.Equal(t, 200, r.status, "%s", r.raw)
		var keys []string
		for _, o := range r.json["outcomes"].([]any) {
			keys = append(keys, o.(map[string]any)["key"].(string))
		}
		require.Len(t, keys, 16)
		var wg sync.WaitGroup
		for _, k := range keys {
			wg.Go(func() {
				r := a.do(call{method: "POST", path: "/v1/approvals/approve", role: server.Approver, body: map[string]any{"key": k}})
				assert.Contains(t, []int{200, 409}, r.status, "%s", r.raw)
			})
		}
		var erased response
		wg.Go(func() {
			time.Sleep(time.Duration(round) * 2 * time.Millisecond)
			erased = b.do(call{method: "DELETE", path: "/v1/players/" + p, role: server.Admin})
		})
		wg.Wait()
		require.Equal(t, 200, erased.status, "round %d: the erasure fails when it races approvals: %s", round, erased.raw)
		pseudonym := erased.json["pseudonym"].(string)
		last := map[string]store.Outcome{}
		for _, o := range a.outcomes() {
			if o.Key.Player == pseudonym {
				last[o.Key.Rule+"/"+o.Key.TriggerHash] = o
			}
		}
		require.Len(t, last, 16)
		issued := 0
		for _, o := range last {
			switch {
			case o.Status == store.Issued:
				issued++
			case o.Status == store.Rejected && o.Reason == "player-erased":
			default:
				t.Errorf("round %d: %s ends %s %s", round, o.Key, o.Status, o.Reason)
			}
		}
		assert.Equal(t, float64(16-issued), erased.json["rejected"], "round %d", round)
		r = a.do(call{method: "GET", path: "/v1/approvals", role: server.Viewer})
		require.Equal(t, 200, r.status, "%s", r.raw)
		waiting, _ := r.json["outcomes"].([]any)
		for _, w := range waiting {
			t.Errorf("round %d: still waiting: %v", round, w)
		}
		require.NoError(t, a.st.Audit(context.Background()))
	}
}
