package server_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestAuditResumeActive: resuming an active campaign changes nothing and
// answers the campaign as it is; the audit log, which holds the changes,
// gets no entry for it (it got one with the same state before and after),
// as promoc campaigns resume records none.
func TestAuditResumeActive(t *testing.T) {
	h := newHarness(t)
	const c = "/v1/campaigns/first_deposit_bonus"
	r := h.do(call{method: "POST", path: c + "/resume", role: server.Operator})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "active", r.json["status"])
	require.Equal(t, 200, h.do(call{method: "POST", path: c + "/suspend", role: server.Operator, body: map[string]any{"reason": "audit"}}).status)
	require.Equal(t, 200, h.do(call{method: "POST", path: c + "/resume", role: server.Operator}).status)
	require.Equal(t, 200, h.do(call{method: "POST", path: c + "/resume", role: server.Operator}).status)

	r = h.do(call{method: "GET", path: "/v1/audit", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	var actions []string
	for _, e := range r.json["entries"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	assert.Equal(t, []string{"campaign.suspend", "campaign.resume"}, actions)
}

// TestAuditBudgetSameLimit: setting a budget to the limit it has (1000 is
// 1000.00) changes nothing and answers the campaign as it is; the audit
// log gets no entry for it, as promoc campaigns budget records none.
func TestAuditBudgetSameLimit(t *testing.T) {
	h := newHarness(t)
	const b = "/v1/campaigns/first_deposit_bonus/budgets/EUR"
	for _, limit := range []string{"1000", "1000.00", "1200", "1200"} {
		r := h.do(call{method: "PUT", path: b, role: server.Operator, body: map[string]any{"limit": limit}})
		require.Equal(t, 200, r.status, "%s", r.raw)
	}
	r := h.do(call{method: "GET", path: "/v1/audit", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	var limits []string
	for _, e := range r.json["entries"].([]any) {
		e := e.(map[string]any)
		require.Equal(t, "campaign.budget", e["action"])
		for _, bu := range e["after"].(map[string]any)["budgets"].([]any) {
			if bu := bu.(map[string]any); bu["currency"] == "EUR" {
				limits = append(limits, bu["limit"].(string))
			}
		}
	}
	assert.Equal(t, []string{"1000.00", "1200.00"}, limits)
	r = h.do(call{method: "GET", path: "/v1/campaigns/first_deposit_bonus", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Contains(t, string(r.raw), `"limit":"1200.00"`)
}
