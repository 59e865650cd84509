package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestAuditLog: each change made through the API is in the audit log, with
// the key that made it and the state before and after; a refused change
// is not; only admins read it.
func TestAuditLog(t *testing.T) {
	h := newHarness(t)
	const c = "/v1/campaigns/first_deposit_bonus"
	require.Equal(t, 200, h.do(call{method: "POST", path: c + "/suspend", role: server.Operator, body: map[string]any{"reason": "audit"}}).status)
	require.Equal(t, 200, h.do(call{method: "POST", path: c + "/resume", role: server.Admin}).status)
	require.Equal(t, 200, h.do(call{method: "PUT", path: c + "/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "40"}}).status)
	require.Equal(t, 422, h.do(call{method: "PUT", path: c + "/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "-1"}}).status)
	r := h.events([]any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "2000.00", "method", "card")})
	require.Equal(t, 200, r.status)
	var key string
	for _, o := range r.json["outcomes"].([]any) {
		if o.(map[string]any)["status"] == "waiting" {
			key = o.(map[string]any)["key"].(string)
		}
	}
	require.Equal(t, 200, h.do(call{method: "POST", path: "/v1/approvals/reject", role: server.Approver, body: map[string]any{"key": key, "reason": "fraud"}}).status)

	r = h.do(call{method: "GET", path: "/v1/audit", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	entries := r.json["entries"].([]any)
	require.Len(t, entries, 4)
	type brief struct{ actor, action, target, before, after string }
	var got []brief
	for _, e := range entries {
		m := e.(map[string]any)
		b := brief{actor: m["actor"].(string), action: m["action"].(string), target: m["target"].(string)}
		if st, ok := m["before"].(map[string]any); ok {
			b.before, _ = st["status"].(string)
		}
		if st, ok := m["after"].(map[string]any); ok {
			b.after, _ = st["status"].(string)
		}
		got = append(got, b)
	}
	op, admin, appr := keyID(t, h, server.Operator), keyID(t, h, server.Admin), keyID(t, h, server.Approver)
	assert.Equal(t, []brief{
		{op, "campaign.suspend", "first_deposit_bonus", "active", "suspended"},
		{admin, "campaign.resume", "first_deposit_bonus", "suspended", "active"},
		{op, "campaign.budget", "first_deposit_bonus/EUR", "active", "active"},
		{appr, "approval.reject", key, "waiting", "rejected"},
	}, got)
	budget := entries[2].(map[string]any)
	assert.Equal(t, "25", budget["before"].(map[string]any)["budgets"].([]any)[0].(map[string]any)["limit"])
	assert.Equal(t, "40", budget["after"].(map[string]any)["budgets"].([]any)[0].(map[string]any)["limit"])

	r = h.do(call{method: "GET", path: "/v1/audit?after=3", role: server.Admin})
	assert.Len(t, r.json["entries"], 1)
	assert.EqualValues(t, 4, r.json["next"])
	for _, role := range []server.Role{server.Viewer, server.Operator, server.Approver} {
		assert.Equal(t, 403, h.do(call{method: "GET", path: "/v1/audit", role: role}).status, role)
	}
}
