package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/postgres"
	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// openPostgres opens a store in a schema of its own on the server of
// PROMOC_TEST_POSTGRES, a new one at the newest version, given back at the
// end (pgtest.Fresh): skipped without it, failed in CI.
func openPostgres(t *testing.T) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.Fresh(t, "the server's tests"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// TestPostgres runs the API on PostgreSQL: keys, events with their
// Idempotency-Key, a refused request that stores nothing, approvals and
// budgets.
func TestPostgres(t *testing.T) {
	h := newHarnessOn(t, openPostgres(t))
	post := func(key string, body any) response {
		return h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", key}})
	}
	evs := []any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "2000.00", "method", "card")}
	r := post("pg-1", evs)
	require.Equal(t, 200, r.status, "%s", r.raw)
	outs := r.json["outcomes"].([]any)
	require.Len(t, outs, 2)
	again := post("pg-1", evs)
	assert.Equal(t, string(r.raw), string(again.raw))
	assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
	assert.Equal(t, 422, post("pg-1", evs[:1]).status)

	bad := post("pg-2", []any{ev("d2", "p1", "deposit", t0.Add(2*time.Minute), "amount", "5.00", "method", "card"), ev("d3", "p1", "nope", t0)})
	assert.Equal(t, 422, bad.status)
	assert.Len(t, h.outcomes(), 2, "the refused request stored nothing")

	var key string
	for _, o := range outs {
		if o.(map[string]any)["status"] == "waiting" {
			key = o.(map[string]any)["key"].(string)
		}
	}
	require.NotEmpty(t, key)
	r = h.do(call{method: "POST", path: "/v1/approvals/approve", role: server.Approver, body: map[string]any{"key": key}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "issued", r.json["status"])

	r = h.do(call{method: "PUT", path: "/v1/campaigns/first_deposit_bonus/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "5"}})
	assert.Equal(t, 409, r.status, "%s", r.raw)
	r = h.do(call{method: "PUT", path: "/v1/campaigns/first_deposit_bonus/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "500"}})
	assert.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "GET", path: "/v1/players/p1/state", role: server.Viewer})
	assert.Equal(t, 200, r.status, "%s", r.raw)
}
