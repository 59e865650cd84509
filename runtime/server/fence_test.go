package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// TestRuleSetSwapFence: a deployment waits for the request in flight,
// which finishes on the version it began with; the deployment is recorded
// only then, and a request that comes while it waits runs on the new
// version: every outcome records the version that decided it, and none
// is stored under the old version after the new one is recorded active.
func TestRuleSetSwapFence(t *testing.T) {
	slow := &slowStore{auditedStore: openStore(t), entered: make(chan struct{}), release: make(chan struct{})}
	rs := slow.auditedStore.(store.RuleSets)
	h := newHarnessOn(t, struct {
		*slowStore
		store.RuleSets
	}{slow, rs})
	v1 := compile(t).Version()
	files := ruleSetFiles(t, "15", "15.00")
	v2 := versionOf(t, files)
	active := func() string {
		d, ok, err := rs.ActiveRuleSet(context.Background())
		require.NoError(t, err)
		if !ok {
			return "none"
		}
		return d.Hash
	}
	require.Equal(t, "none", active(), "the harness records no seed")

	welcome := func(player, key string) chan response {
		c := make(chan response, 1)
		go func() {
			c <- h.do(call{method: "POST", path: "/v1/events", role: server.Operator, headers: []string{"Idempotency-Key", key},
				body: []any{reg("r-"+player, player, t0), ev("d-"+player, player, "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}})
		}()
		return c
	}
	slow.armed.Store(true)
	first := welcome("pa", "fence-a")
	<-slow.entered // pa's events are in the store's Apply, held

	deployed := make(chan response, 1)
	go func() { deployed <- h.deploy(files) }()
	for !h.srv.Swapping() {
		select {
		case r := <-deployed:
			t.Fatalf("the deployment finished with a request in flight: %d %s", r.status, r.raw)
		case <-time.After(time.Millisecond):
		}
	}
	// The deployment waits for pa's request: nothing of it is recorded.
	select {
	case r := <-deployed:
		t.Fatalf("the deployment finished with a request in flight: %s", r.raw)
	case <-time.After(50 * time.Millisecond):
	}
	assert.Equal(t, "none", active(), "the deployment is recorded only once the requests in flight are done")
	// A request that comes now waits for the swap.
	second := welcome("pb", "fence-b")

	close(slow.release)
	ra, rd, rb := <-first, <-deployed, <-second
	require.Equal(t, 200, ra.status, "%s", ra.raw)
	require.Equal(t, 200, rd.status, "%s", rd.raw)
	require.Equal(t, 200, rb.status, "%s", rb.raw)
	assert.Equal(t, v2, active())

	versionOfOutcomes := func(r response) map[string]bool {
		vs := map[string]bool{}
		for _, o := range r.json["outcomes"].([]any) {
			vs[o.(map[string]any)["rule_set_version"].(string)] = true
		}
		return vs
	}
	assert.Equal(t, map[string]bool{v1: true}, versionOfOutcomes(ra), "the request in flight finished on the version it began with")
	assert.Equal(t, map[string]bool{v2: true}, versionOfOutcomes(rb), "the request that came during the swap ran on the new version")
	stored := map[string]map[string]bool{}
	for _, o := range h.outcomes() {
		eo, err := outcomeOf(o)
		require.NoError(t, err)
		if stored[eo.Player] == nil {
			stored[eo.Player] = map[string]bool{}
		}
		stored[eo.Player][eo.RuleSetVersion] = true
	}
	assert.Equal(t, map[string]map[string]bool{"pa": {v1: true}, "pb": {v2: true}}, stored)
}
