package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestAcceptBonusEventsRepeated: the bonus lifecycle of a Fast Track
// credit through the HTTP API only, as spec/semantics.md's "Bonus
// lifecycle and reporting" states it. Two credits (the second request of
// the first with another Id credits nothing); status events that name the
// bonus by its fasttrack_references and say no time, each sent again a
// minute later with the same content: the repeat is a duplicate (nothing
// changes, counted nowhere), not an event-conflict anomaly, whatever time
// it was received at. The report counts each status once and sums the
// amounts exactly.
func TestAcceptBonusEventsRepeated(t *testing.T) {
	acceptBonusEventsRepeated(t, newHarness(t))
}

// TestAcceptBonusEventsRepeatedPostgres is TestAcceptBonusEventsRepeated
// on PostgreSQL.
func TestAcceptBonusEventsRepeatedPostgres(t *testing.T) {
	acceptBonusEventsRepeated(t, newHarnessOn(t, openPostgres(t)))
}

func acceptBonusEventsRepeated(t *testing.T, h *harness) {
	credit := func(trigger, id, amount string) response {
		body := map[string]any{"user_id": "u1", "bonus_code": "SPINS", "amount": amount, "currency": "EUR"}
		return h.do(call{method: "POST", path: "/v1/fasttrack/bonus/credit", role: server.Operator, headers: ftHeaders("1001", "77", trigger, id), body: body})
	}
	r := credit("th-A", "id-1", "15.50")
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, true, r.json["credited"])
	r = credit("th-A", "id-2", "99.00")
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, false, r.json["credited"], "the same activity, action, user and trigger hash: no second credit")
	assert.Equal(t, "15.50", r.json["bonus"].(map[string]any)["amount"])
	r = credit("th-B", "id-3", "7.25")
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, true, r.json["credited"])

	refs := func(trigger string) map[string]any {
		return map[string]any{"X-Fasttrack-Activityid": "1001", "X-Fasttrack-Actionid": "77", "X-Fasttrack-Triggerhash": trigger}
	}
	events := []any{
		map[string]any{"id": "s1", "player": "u1", "status": "Completed", "amount": "12.345", "currency": "EUR", "fasttrack_references": refs("th-A")},
		map[string]any{"id": "s2", "player": "u1", "status": "Expired", "fasttrack_references": refs("th-B")},
	}
	results := func(r response) []string {
		var out []string
		for _, x := range r.json["results"].([]any) {
			x := x.(map[string]any)
			s := x["result"].(string)
			if a, ok := x["anomaly"]; ok {
				s += " " + a.(string)
			}
			out = append(out, s)
		}
		return out
	}
	r = h.do(call{method: "POST", path: "/v1/bonus-events", role: server.Operator, body: events})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, []string{"applied", "applied"}, results(r))

	h.clock.Set(t0.Add(time.Minute))
	r = h.do(call{method: "POST", path: "/v1/bonus-events", role: server.Operator, body: events})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, []string{"duplicate", "duplicate"}, results(r), "the same events again, received later")
	r = h.do(call{method: "POST", path: "/v1/bonus-events", role: server.Operator, body: []any{events[1], events[1]}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, []string{"duplicate", "duplicate"}, results(r), "twice in one request")

	r = h.do(call{method: "GET", path: "/v1/bonus-anomalies", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Empty(t, r.json["anomalies"], "%s", r.raw)

	r = h.do(call{method: "GET", path: "/v1/reports/bonuses", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, []any{map[string]any{"source": "fasttrack", "campaign": "1001", "currency": "EUR",
		"amount_granted": "22.75", "amount_turned_real": "12.345", "granted": float64(2), "completed": float64(1),
		"forfeited": float64(0), "lost": float64(0), "expired": float64(1), "open": float64(0)}}, r.json["rows"])
}
