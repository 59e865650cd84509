package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// erasable sends a player's registration (with properties), a first
// deposit (the welcome bonus, issued) and a big deposit (a match waiting
// for approval), and a login.
func (h *harness) erasable(player string, at time.Time) {
	h.t.Helper()
	r := h.events([]any{reg("r-"+player, player, at), ev("d1-"+player, player, "deposit", at.Add(time.Minute), "amount", "50.00", "method", "card"),
		ev("d2-"+player, player, "deposit", at.Add(2*time.Minute), "amount", "2000.00", "method", "card"),
		ev("l-"+player, player, "login", at.Add(3*time.Minute))})
	require.Equal(h.t, 200, r.status, "%s", r.raw)
}

func TestErasePlayer(t *testing.T) {
	testErasePlayer(t, newHarness(t))
}

func TestErasePlayerPostgres(t *testing.T) {
	testErasePlayer(t, newHarnessOn(t, openPostgres(t)))
}

func testErasePlayer(t *testing.T, h *harness) {
	ctx := context.Background()
	h.erasable("ann", t0)
	h.erasable("bob", t0)
	before := h.do(call{method: "GET", path: "/v1/campaigns/first_deposit_bonus", role: server.Viewer})
	require.Equal(t, 200, before.status)
	require.Contains(t, string(h.do(call{method: "GET", path: "/v1/outcomes", role: server.Viewer}).raw), `"ann"`)

	r := h.do(call{method: "DELETE", path: "/v1/players/ann", role: server.Operator})
	assert.Equal(t, 403, r.status, "an operator may not erase")
	r = h.do(call{method: "DELETE", path: "/v1/players/ann", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	pseudonym := r.json["pseudonym"].(string)
	assert.Regexp(t, `^erased-[0-9a-f]{32}$`, pseudonym)
	assert.NotContains(t, string(r.raw), "ann")
	removed := r.json["removed"].(map[string]any)
	assert.EqualValues(t, 4, removed["events"])
	assert.EqualValues(t, 1, removed["timers"], "win_back's inactivity")
	assert.Positive(t, removed["states"])
	assert.EqualValues(t, 1, r.json["rejected"], "the match waiting for approval")
	assert.EqualValues(t, 3, r.json["pseudonymized"].(map[string]any)["outcomes"], "welcome, match waiting, match rejected")

	// The player is gone: no state, no data, no history.
	r = h.do(call{method: "GET", path: "/v1/players/ann/state", role: server.Viewer})
	assert.Equal(t, 404, r.status, "%s", r.raw)
	hist, err := h.st.History(ctx, "ann", t0.Add(-time.Hour))
	require.NoError(t, err)
	assert.Empty(t, hist)

	// The outcomes are kept, amounts and all, under the pseudonym; nothing
	// in them names the player, their event or their messages' values.
	feed := h.do(call{method: "GET", path: "/v1/outcomes", role: server.Viewer})
	require.Equal(t, 200, feed.status)
	var kept []map[string]any
	for _, o := range feed.json["outcomes"].([]any) {
		o := o.(map[string]any)
		if o["player"] == pseudonym {
			kept = append(kept, o)
			raw := strings.ToLower(string(mustJSON(t, o)))
			for _, leak := range []string{"ann", "europe", "values", `"trace"`, "anchors", `"event":`} {
				assert.NotContains(t, raw, leak, "outcome %v", o["seq"])
			}
		}
		assert.NotEqual(t, "ann", o["player"])
	}
	require.Len(t, kept, 3)
	assert.Equal(t, "10.00", kept[0]["amount"])
	assert.Equal(t, "issued", kept[0]["status"])
	assert.Equal(t, []any{map[string]any{"name": "bonus_issued"}}, kept[0]["messages"], "the message's name, not its values")
	assert.Equal(t, "rejected", kept[2]["status"])
	assert.Equal(t, server.ReasonPlayerErased, kept[2]["reason"])
	assert.Equal(t, "1000.00", kept[2]["amount"])

	// The budget's totals are kept, and agree with the ledger.
	after := h.do(call{method: "GET", path: "/v1/campaigns/first_deposit_bonus", role: server.Viewer})
	assert.Equal(t, before.json["budgets"], after.json["budgets"])
	require.NoError(t, h.st.Audit(ctx))
	waiting := h.do(call{method: "GET", path: "/v1/approvals", role: server.Viewer})
	assert.NotContains(t, string(waiting.raw), pseudonym, "no result of the erased player waits")
	assert.Contains(t, string(waiting.raw), `"bob"`)

	// The erasure is in the audit log under the pseudonym, not the id.
	log, err := h.st.AuditLog(ctx, 0, 100)
	require.NoError(t, err)
	require.NotEmpty(t, log)
	last := log[len(log)-1]
	assert.Equal(t, "player.erase", last.Action)
	assert.Equal(t, pseudonym, last.Target)
	assert.NotContains(t, string(last.Before)+string(last.After), "ann")

	// Later events of the id start a new player: the welcome bonus again
	// (the engine's cache of ann is gone too), the same event ids new.
	r = h.events([]any{reg("r-ann", "ann", t0.Add(time.Hour)), ev("d1-ann", "ann", "deposit", t0.Add(time.Hour+time.Minute), "amount", "50.00", "method", "card")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	var rules []string
	for _, o := range r.json["outcomes"].([]any) {
		rules = append(rules, o.(map[string]any)["rule"].(string)+" "+o.(map[string]any)["status"].(string))
	}
	assert.Contains(t, rules, "first_deposit_bonus skipped", "a new player's first deposit; the budget of 25 EUR had 5 left")

	// Nothing stored under an id: 404, and nothing recorded.
	r = h.do(call{method: "DELETE", path: "/v1/players/nobody", role: server.Admin})
	assert.Equal(t, 404, r.status)
	log2, err := h.st.AuditLog(ctx, 0, 100)
	require.NoError(t, err)
	assert.Len(t, log2, len(log))
}

// TestEraseOtherProcess: a process that cached the player before another
// erased it treats the player's next event as a new player's, before its
// watcher runs (the erased states make its write lose, and it decides
// again from the store).
func TestEraseOtherProcess(t *testing.T) {
	path := t.TempDir() + "/promoc.db"
	a := newHarnessOn(t, openStoreAt(t, path))
	b := newHarnessOn(t, openStoreAt(t, path))
	require.Equal(t, 200, b.events([]any{reg("r1", "ann", t0), ev("l1", "ann", "login", t0.Add(time.Minute))}).status)
	r := a.do(call{method: "DELETE", path: "/v1/players/ann", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	// b's cache says ann is known, with a login; the store says nothing.
	r = b.events(ev("d1", "ann", "deposit", t0.Add(2*time.Minute), "amount", "50.00", "method", "card"))
	require.Equal(t, 200, r.status, "%s", r.raw)
	st, err := b.st.States(context.Background(), "ann")
	require.NoError(t, err)
	for _, s := range st {
		assert.NotContains(t, string(s.Data), "Europe/Malta", "the data of the registration erased stays erased: %s", s.Rule)
	}
	outs := r.json["outcomes"].([]any)
	require.NotEmpty(t, outs)
	assert.Equal(t, "first_deposit_bonus", outs[0].(map[string]any)["rule"])
}

func TestEraseAudit(t *testing.T) { testEraseAudit(t, newHarness(t)) }

func TestEraseAuditPostgres(t *testing.T) { testEraseAudit(t, newHarnessOn(t, openPostgres(t))) }

// testEraseAudit: the audit entries of approvals name the player (the
// result's key, the outcome); the erasure rewrites them to the pseudonym
// in its transaction, and leaves those of other players as they were.
func testEraseAudit(t *testing.T, h *harness) {
	h.erasable("ann", t0)
	h.erasable("bob", t0)
	waiting := map[string]string{} // player → key
	for _, o := range h.do(call{method: "GET", path: "/v1/approvals", role: server.Viewer}).json["outcomes"].([]any) {
		o := o.(map[string]any)
		waiting[o["player"].(string)] = o["key"].(string)
	}
	require.Len(t, waiting, 2)
	r := h.do(call{method: "POST", path: "/v1/approvals/approve", role: server.Approver, body: map[string]any{"key": waiting["ann"]}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "POST", path: "/v1/approvals/reject", role: server.Approver, body: map[string]any{"key": waiting["bob"], "reason": "fraud"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	// A recalculation records the results it decided again: none waits.
	r = h.do(call{method: "POST", path: "/v1/approvals/recalculate", role: server.Operator, body: map[string]any{}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	audit := func() string {
		r := h.do(call{method: "GET", path: "/v1/audit?limit=1000", role: server.Admin})
		require.Equal(t, 200, r.status, "%s", r.raw)
		return string(r.raw)
	}
	before := audit()
	require.Contains(t, before, waiting["ann"])

	r = h.do(call{method: "DELETE", path: "/v1/players/ann", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	pseudonym := r.json["pseudonym"].(string)
	assert.EqualValues(t, 1, r.json["pseudonymized"].(map[string]any)["audit_entries"], "the approval")
	after := audit()
	assert.NotContains(t, after, `"ann"`)
	assert.NotContains(t, after, "/ann/")
	annKey := strings.Replace(waiting["ann"], "/ann/", "/"+pseudonym+"/", 1)
	assert.Contains(t, after, `"target":"`+annKey+`"`, "the approval names the pseudonym")
	assert.Contains(t, after, waiting["bob"], "another player's rejection is kept as it was")
	assert.Contains(t, after, `"player":"bob"`)

	r = h.do(call{method: "DELETE", path: "/v1/players/bob", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.NotContains(t, audit(), `"bob"`)
}
