package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// TestBonusLifecycle: a bonus issued by the rules, its status events by
// the API (one, a batch, a repeat, one out of order, one of an unknown
// bonus), and the report.
func TestBonusLifecycle(t *testing.T) {
	h := newHarness(t)
	r := h.events([]any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card"),
		reg("reg-p2", "p2", t0), ev("d2", "p2", "deposit", t0.Add(time.Minute), "amount", "60.00", "method", "card")})
	require.Equal(t, 200, r.status, "%s", r.raw)

	r = h.do(call{method: "GET", path: "/v1/bonuses", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	bs := r.json["bonuses"].([]any)
	require.Len(t, bs, 2)
	b1 := bs[0].(map[string]any)
	id := b1["id"].(string)
	assert.Equal(t, "first_deposit_bonus", b1["campaign"])
	assert.Equal(t, "10.00", b1["amount"])
	assert.Equal(t, "Created", b1["status"])
	refs := b1["references"].(map[string]any)
	assert.Equal(t, "first_deposit_bonus", refs["activity_id"])
	assert.Equal(t, id, refs["id"])
	assert.NotEmpty(t, refs["trigger_hash"])
	id2 := bs[1].(map[string]any)["id"].(string)

	// One status event: applied; again: a duplicate.
	done := map[string]any{"id": "ev-1", "status": "Completed", "amount": "7.50", "at": "2026-11-02T10:02:00Z"}
	for i, want := range []string{"applied", "duplicate"} {
		r = h.do(call{method: "POST", path: "/v1/bonuses/" + id + "/status", role: server.Operator, body: done})
		require.Equal(t, 200, r.status, "%s", r.raw)
		assert.Equal(t, want, r.json["result"], "delivery %d", i+1)
		assert.Equal(t, "7.50", r.json["bonus"].(map[string]any)["turned_real"])
	}
	// Another terminal status: kept as an anomaly.
	r = h.do(call{method: "POST", path: "/v1/bonuses/" + id + "/status", role: server.Operator, body: map[string]any{"id": "ev-2", "status": "Lost"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "anomaly", r.json["result"])
	assert.Equal(t, store.AnomalyTerminalAgain, r.json["anomaly"])

	// A batch naming bonuses by references: one applied, one unknown.
	r = h.do(call{method: "POST", path: "/v1/bonus-events", role: server.Operator, body: []any{
		map[string]any{"id": "ev-3", "player": "p2", "status": "Expired",
			"references": map[string]any{"activity_id": "first_deposit_bonus", "action_id": refs["action_id"], "trigger_hash": bs[1].(map[string]any)["references"].(map[string]any)["trigger_hash"]}},
		map[string]any{"id": "ev-4", "player": "p9", "status": "Lost", "references": map[string]any{"activity_id": "nope", "action_id": "x", "trigger_hash": "y"}},
	}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	res := r.json["results"].([]any)
	require.Len(t, res, 2)
	assert.Equal(t, "applied", res[0].(map[string]any)["result"])
	assert.Equal(t, "Expired", res[0].(map[string]any)["bonus"].(map[string]any)["status"])
	assert.Equal(t, store.AnomalyUnknownBonus, res[1].(map[string]any)["anomaly"])

	// Bad events: a clear error, nothing applied.
	for _, bad := range []struct {
		body  any
		field string
	}{
		{[]any{map[string]any{"id": "ev-5", "bonus": id2, "status": "Lost"}, map[string]any{"id": "ev-6", "bonus": id2, "status": "won"}}, "[1].status"},
		{[]any{map[string]any{"id": "ev-7", "bonus": id2, "status": "Lost", "extra": 1}}, "[0].extra"},
		{[]any{map[string]any{"bonus": id2, "status": "Lost"}}, "[0].id"},
	} {
		r = h.do(call{method: "POST", path: "/v1/bonus-events", role: server.Operator, body: bad.body})
		assert.Equal(t, 422, r.status, "%s", r.raw)
		assert.Equal(t, server.CodeInvalidBonusEvent, r.code())
		assert.Equal(t, bad.field, r.json["details"].(map[string]any)["field"])
	}
	r = h.do(call{method: "POST", path: "/v1/bonuses/" + id + "/status", role: server.Operator, body: map[string]any{"id": "ev-8", "bonus": id2, "status": "Lost"}})
	assert.Equal(t, 422, r.status, "another bonus than the path's: %s", r.raw)
	r = h.do(call{method: "POST", path: "/v1/bonuses/" + id + "/status", role: server.Viewer, body: done})
	assert.Equal(t, 403, r.status, "a viewer reports no status")

	r = h.do(call{method: "GET", path: "/v1/bonuses/" + id, role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	evs := r.json["events"].([]any)
	require.Len(t, evs, 2)
	assert.Equal(t, "applied", evs[0].(map[string]any)["result"])
	assert.Equal(t, "terminal-after-terminal", evs[1].(map[string]any)["result"])
	r = h.do(call{method: "GET", path: "/v1/bonuses/nope", role: server.Viewer})
	assert.Equal(t, 404, r.status)

	r = h.do(call{method: "GET", path: "/v1/bonus-events?after=1&limit=10", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Len(t, r.json["events"].([]any), 2, "after the first")

	r = h.do(call{method: "GET", path: "/v1/bonus-anomalies", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	var kinds []string
	for _, a := range r.json["anomalies"].([]any) {
		kinds = append(kinds, a.(map[string]any)["event"].(string)+":"+a.(map[string]any)["kind"].(string))
	}
	assert.Equal(t, []string{"ev-2:terminal-after-terminal", "ev-4:unknown-bonus"}, kinds)

	r = h.do(call{method: "GET", path: "/v1/reports/bonuses", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	rows := r.json["rows"].([]any)
	require.Len(t, rows, 1)
	row := rows[0].(map[string]any)
	assert.Equal(t, "20.00", row["amount_granted"])
	assert.Equal(t, "7.50", row["amount_turned_real"])
	assert.Equal(t, []any{2.0, 1.0, 0.0, 0.0, 1.0, 0.0}, []any{row["granted"], row["completed"], row["forfeited"], row["lost"], row["expired"], row["open"]})
	r = h.do(call{method: "GET", path: "/v1/reports/bonuses?campaign=nope", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Empty(t, r.json["rows"])
	r = h.do(call{method: "GET", path: "/v1/reports/bonuses?month=1", role: server.Viewer})
	assert.Equal(t, 400, r.status)
}

// ftHeaders are the headers of a Fast Track credit request.
func ftHeaders(activity, action, trigger, id string) []string {
	return []string{"X-Fasttrack-Activityid", activity, "X-Fasttrack-Actionid", action, "X-Fasttrack-Actiongroupid", "g 7",
		"X-Fasttrack-Actioncommunicationprofileid", "en-GB", "X-Fasttrack-Triggerhash", trigger, "X-Fasttrack-Id", id}
}

// TestFastTrackCredit: promoc credits a bonus at Fast Track's request,
// once per activity, action, user and trigger hash, and echoes the
// request's headers unchanged in every status event of the bonus.
func TestFastTrackCredit(t *testing.T) {
	h := newHarness(t)
	credit := func(headers []string, body any) response {
		return h.do(call{method: "POST", path: "/v1/fasttrack/bonus/credit", role: server.Operator, headers: headers, body: body})
	}
	body := map[string]any{"user_id": "7865312321", "bonus_code": "FREESPINS50", "amount": "25.00", "currency": "EUR", "validity_days": 7}
	r := credit(ftHeaders("1234", "56", "a1B2", "abc-1"), body)
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, true, r.json["credited"])
	b := r.json["bonus"].(map[string]any)
	id := b["id"].(string)
	assert.Equal(t, "fasttrack", b["source"])
	assert.Equal(t, "1234", b["campaign"], "reported per Fast Track activity")
	assert.Equal(t, "FREESPINS50", b["code"])
	want := map[string]any{"X-Fasttrack-Activityid": "1234", "X-Fasttrack-Actionid": "56", "X-Fasttrack-Actiongroupid": "g 7",
		"X-Fasttrack-Actioncommunicationprofileid": "en-GB", "X-Fasttrack-Triggerhash": "a1B2", "X-Fasttrack-Id": "abc-1"}
	assert.Equal(t, want, b["fasttrack_references"], "the headers as received")

	// The same activity, action, user and trigger hash with another Id:
	// acknowledged, not credited again, the first references kept.
	r = credit(ftHeaders("1234", "56", "a1B2", "abc-2"), body)
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, false, r.json["credited"])
	assert.Equal(t, id, r.json["bonus"].(map[string]any)["id"])
	assert.Equal(t, want, r.json["bonus"].(map[string]any)["fasttrack_references"])
	// Another trigger hash is another bonus.
	r = credit(ftHeaders("1234", "56", "zz", "abc-3"), map[string]any{"user_id": "7865312321", "bonus_code": "FREESPINS50"})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, true, r.json["credited"])

	// Missing references: 400, nothing stored.
	for i, hs := range [][]string{
		{"X-Fasttrack-Activityid", "1234", "X-Fasttrack-Actionid", "56", "X-Fasttrack-Id", "x"},
		ftHeaders("", "56", "t", "x"),
	} {
		r = credit(hs, body)
		assert.Equal(t, 400, r.status, "case %d: %s", i, r.raw)
		assert.Equal(t, server.CodeMissingReferences, r.code())
	}
	r = credit(ftHeaders("1234", "56", "t9", "x"), map[string]any{"bonus_code": "X"})
	assert.Equal(t, 400, r.status, "no user: %s", r.raw)
	assert.Equal(t, server.CodeMissingReferences, r.code())
	r = credit(ftHeaders("1234", "56", "t9", "x"), map[string]any{"user_id": "u", "amount": "1e3", "currency": "EUR"})
	assert.Equal(t, 422, r.status, "%s", r.raw)
	r = credit(ftHeaders("1234", "56", "t9", "x"), map[string]any{"user_id": "u", "amount": "10"})
	assert.Equal(t, 422, r.status, "an amount without a currency: %s", r.raw)
	r = h.do(call{method: "GET", path: "/v1/bonuses?campaign=1234", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Len(t, r.json["bonuses"].([]any), 2, "nothing stored by the refused requests")

	// The bonus system reports by Fast Track's references; every status
	// event carries them back unchanged.
	r = h.do(call{method: "POST", path: "/v1/bonus-events", role: server.Operator, body: []any{
		map[string]any{"id": "s1", "player": "7865312321", "status": "Created", "fasttrack_references": want},
		map[string]any{"id": "s2", "player": "7865312321", "status": "Completed", "amount": "25.00", "fasttrack_references": want},
	}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	for _, x := range r.json["results"].([]any) {
		assert.Equal(t, "applied", x.(map[string]any)["result"], "%v", x)
	}
	r = h.do(call{method: "GET", path: fmt.Sprintf("/v1/bonus-events?bonus=%s", id), role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	evs := r.json["events"].([]any)
	require.Len(t, evs, 2)
	for _, e := range evs {
		assert.Equal(t, want, e.(map[string]any)["fasttrack_references"])
		assert.Equal(t, "7865312321", e.(map[string]any)["player"])
	}
	r = h.do(call{method: "GET", path: "/v1/reports/bonuses?campaign=1234", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	rows := r.json["rows"].([]any)
	require.Len(t, rows, 2, "EUR, and the bonus without an amount")
	assert.Equal(t, "fasttrack", rows[1].(map[string]any)["source"])
	assert.Equal(t, "25.00", rows[1].(map[string]any)["amount_turned_real"])
}
