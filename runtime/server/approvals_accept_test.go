package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestAcceptApprovalMessagesOnce: a result held for approval sends its
// on calculated message with the waiting outcome (spec/semantics.md, The
// engine: Messages). The operator's decision is an outcome of its own, in
// the log, on the feed and on webhooks; it does not list that message
// again, or a host acting on every outcome's messages would tell the
// player twice that the bonus was calculated.
func TestAcceptApprovalMessagesOnce(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), `kind deposit {
	amount: money
}

reward half: amount {
	give 50% of last(deposit.amount)
}

automation held {
	trigger on deposit
	budget 100 EUR
	approval manual

	give half
	on calculated send "bonus_calculated" with amount, currency
}
`)
	r := h.events([]any{
		ev("d1", "p1", "deposit", t0, "amount", "20.00", "currency", "EUR"),
		ev("d2", "p2", "deposit", t0.Add(time.Minute), "amount", "30.00", "currency", "EUR"),
	})
	require.Equal(t, 200, r.status, "%s", r.raw)
	outs := r.json["outcomes"].([]any)
	require.Len(t, outs, 2)
	for _, o := range outs {
		o := o.(map[string]any)
		assert.Equal(t, "waiting", o["status"])
		assert.Equal(t, []any{map[string]any{"name": "bonus_calculated", "values": map[string]any{"amount": o["amount"], "currency": "EUR"}}}, o["messages"])
	}
	k1, k2 := outs[0].(map[string]any)["key"], outs[1].(map[string]any)["key"]

	r = h.do(call{method: "POST", path: "/v1/approvals/approve", role: server.Approver, body: map[string]any{"key": k1}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "issued", r.json["status"])
	assert.Equal(t, "10.00", r.json["amount"])
	assert.Nil(t, r.json["messages"], "the message went with the waiting outcome")
	r = h.do(call{method: "POST", path: "/v1/approvals/reject", role: server.Approver, body: map[string]any{"key": k2, "reason": "fraud"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "rejected", r.json["status"])
	assert.Nil(t, r.json["messages"])

	feed := h.do(call{method: "GET", path: "/v1/outcomes?after=2", role: server.Viewer})
	require.Equal(t, 200, feed.status, "%s", feed.raw)
	got := feed.json["outcomes"].([]any)
	require.Len(t, got, 2)
	for _, o := range got {
		assert.Nil(t, o.(map[string]any)["messages"], "outcome %v", o.(map[string]any)["seq"])
	}

	// The approved result is a bonus whose communication profile is the
	// message sent with it, while it waited.
	r = h.do(call{method: "GET", path: "/v1/bonuses", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	bs := r.json["bonuses"].([]any)
	require.Len(t, bs, 1)
	b := bs[0].(map[string]any)
	assert.Equal(t, "p1", b["player"])
	assert.Equal(t, "10.00", b["amount"])
	assert.Equal(t, "bonus_calculated", b["references"].(map[string]any)["communication_profile_id"])
}
