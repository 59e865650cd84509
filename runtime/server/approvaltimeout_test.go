package server_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// The big deposits' matches wait 7 days at most (approval manual within 7
// days): an approval at the instant the 7 days are out is refused, saying
// the result timed out, whether or not the scheduler has run since; a
// nanosecond earlier it is approved.
func TestApprovalTimeout(t *testing.T) {
	src, err := os.ReadFile("testdata/rules/rules.promo")
	require.NoError(t, err)
	rules := strings.Replace(string(src), "trigger on deposit where amount >= 1000 EUR\n\tapproval manual\n",
		"trigger on deposit where amount >= 1000 EUR\n\tapproval manual within 7 days\n", 1)
	require.NotEqual(t, string(src), rules, "the rule set has big_deposits")
	h := rulesHarnessOn(t, openStore(t), rules)

	calc := t0.Add(time.Minute)
	require.Equal(t, 200, h.events([]any{reg("reg-p1", "p1", t0), ev("big-p1", "p1", "deposit", calc, "amount", "2000.00", "method", "card"),
		reg("reg-p2", "p2", t0), ev("big-p2", "p2", "deposit", calc, "amount", "2000.00", "method", "card")}).status)
	r := h.do(call{method: "GET", path: "/v1/approvals", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	var waiting []string
	deadline := calc.Add(7 * 24 * time.Hour).Format(time.RFC3339Nano)
	for _, o := range r.json["outcomes"].([]any) {
		waiting = append(waiting, o.(map[string]any)["key"].(string))
		assert.Equal(t, deadline, o.(map[string]any)["expires"], "GET /v1/approvals says when it times out")
	}
	require.Len(t, waiting, 2)
	r = h.do(call{method: "GET", path: "/v1/outcomes", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	var feed int
	for _, o := range r.json["outcomes"].([]any) {
		if o.(map[string]any)["status"] == "waiting" {
			feed++
			assert.Equal(t, deadline, o.(map[string]any)["expires"], "the outcome feed says when it times out")
		}
	}
	assert.Equal(t, 2, feed)

	h.clock.Set(calc.Add(7*24*time.Hour - time.Nanosecond))
	r = h.do(call{method: "POST", path: "/v1/approvals/approve", role: server.Approver, body: map[string]any{"key": waiting[0]}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "issued", r.json["status"])
	assert.NotContains(t, r.json, "expires", "decided: it no longer times out")

	h.clock.Set(calc.Add(7 * 24 * time.Hour))
	r = h.do(call{method: "POST", path: "/v1/approvals/approve", role: server.Approver, body: map[string]any{"key": waiting[1]}})
	require.Equal(t, 409, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeNotWaiting, r.code())
	assert.Contains(t, string(r.raw), "timed out waiting for approval")
	var timedOut int
	for _, o := range h.outcomes() {
		if o.Reason == store.ReasonTimedOut {
			timedOut++
			assert.Equal(t, store.Rejected, o.Status)
			assert.Equal(t, waiting[1], engine.KeyString(o.Key))
			assert.Equal(t, calc.Add(7*24*time.Hour), o.At)
		}
	}
	assert.Equal(t, 1, timedOut, "the result timed out once")
}
