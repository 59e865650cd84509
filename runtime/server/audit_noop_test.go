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
