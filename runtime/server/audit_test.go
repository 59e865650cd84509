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
	assert.Equal(t, "25.00", budget["before"].(map[string]any)["budgets"].([]any)[0].(map[string]any)["limit"])
	assert.Equal(t, "40.00", budget["after"].(map[string]any)["budgets"].([]any)[0].(map[string]any)["limit"])

	r = h.do(call{method: "GET", path: "/v1/audit?after=3", role: server.Admin})
	assert.Len(t, r.json["entries"], 1)
	assert.EqualValues(t, 4, r.json["next"])
	for _, role := range []server.Role{server.Viewer, server.Operator, server.Approver} {
		assert.Equal(t, 403, h.do(call{method: "GET", path: "/v1/audit", role: role}).status, role)
	}
}

// unauditedStore writes every change's audit entry without its actor, which
// the store refuses: the append fails inside the change's transaction.
type unauditedStore struct{ auditedStore }

func (u unauditedStore) WithAudit(ctx context.Context, fn func(tx store.Store) (store.AuditEntry, error)) (int64, error) {
	return u.auditedStore.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		e, err := fn(tx)
		e.Actor = ""
		return e, err
	})
}

// TestAuditSameTransaction: a change and its entry are one transaction: a
// change the store refuses leaves no entry, and an entry that cannot be
// written leaves no change (the request fails).
func TestAuditSameTransaction(t *testing.T) {
	h := newHarness(t)
	const c = "/v1/campaigns/first_deposit_bonus"
	r := h.events([]any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "2000.00", "method", "card")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "PUT", path: c + "/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "0.01"}})
	require.Equal(t, 409, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeBudgetBelowSpent, r.code())
	log, err := h.st.AuditLog(context.Background(), 0, 100)
	require.NoError(t, err)
	assert.Empty(t, log, "a refused change has no entry")

	u := newHarnessOn(t, unauditedStore{openStore(t)})
	r = u.do(call{method: "POST", path: c + "/suspend", role: server.Operator, body: map[string]any{"reason": "x"}})
	assert.Equal(t, 500, r.status, "%s", r.raw)
	st, err := u.st.Campaign(context.Background(), "first_deposit_bonus")
	require.NoError(t, err)
	assert.Equal(t, store.Active, st.Status, "the suspension was rolled back with its entry")
	r = u.do(call{method: "PUT", path: c + "/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "40"}})
	assert.Equal(t, 500, r.status, "%s", r.raw)
	bs, err := u.st.Budgets(context.Background(), "first_deposit_bonus")
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.Equal(t, "25", bs[0].Limit.String(), "the new limit was rolled back with its entry")
	log, err = u.st.AuditLog(context.Background(), 0, 100)
	require.NoError(t, err)
	assert.Empty(t, log)
}
