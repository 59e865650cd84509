package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// TestAcceptErasureBonuses: erasing a player (GDPR) keeps the player's
// bonuses and their status events under the pseudonym, as
// spec/semantics.md's "Erasure of a player" states it, and nothing kept
// names the player or lets a guess of the player's id be tested. A
// welcome bonus is granted to p1 and completed; a second terminal status
// and a status event of a bonus p1 never had are kept as anomalies, with
// the events as received, naming p1. After DELETE /v1/players/p1 no
// answer about bonuses holds p1, the bonus has the id it has under the
// pseudonym (a bonus's id is a hash of its player among others), and the
// report counts as before.
func TestAcceptErasureBonuses(t *testing.T) {
	acceptErasureBonuses(t, acceptHarness(t))
}

// TestAcceptErasureBonusesPostgres is TestAcceptErasureBonuses on
// PostgreSQL.
func TestAcceptErasureBonusesPostgres(t *testing.T) {
	acceptErasureBonuses(t, acceptHarnessOn(t, openPostgres(t)))
}

func acceptErasureBonuses(t *testing.T, h *harness) {
	r := h.events([]any{reg("r1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	out := r.json["outcomes"].([]any)[0].(map[string]any)
	th := out["trigger_hash"].(string)

	r = h.do(call{method: "GET", path: "/v1/bonuses", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	b := r.json["bonuses"].([]any)[0].(map[string]any)
	old := b["id"].(string)
	assert.Equal(t, store.BonusID("promoc", "welcome", "ten", "p1", th), old)

	refs := map[string]any{"activity_id": "welcome", "action_id": "ten", "trigger_hash": th}
	r = h.do(call{method: "POST", path: "/v1/bonus-events", role: server.Operator, body: []any{
		map[string]any{"id": "s1", "player": "p1", "status": "Completed", "references": refs},
		map[string]any{"id": "s2", "player": "p1", "status": "Expired", "references": refs},
		map[string]any{"id": "s3", "player": "p1", "status": "Lost", "references": map[string]any{"activity_id": "welcome", "action_id": "ten", "trigger_hash": "0123"}},
		map[string]any{"id": "s4", "bonus": old, "status": "Forfeited"},
	}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "GET", path: "/v1/bonus-anomalies", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	require.Len(t, r.json["anomalies"], 3, "%s", r.raw)
	assert.Contains(t, string(r.raw), `"p1"`, "before: the events as received name the player")
	r = h.do(call{method: "GET", path: "/v1/reports/bonuses", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	report := string(r.raw)

	r = h.do(call{method: "DELETE", path: "/v1/players/p1", role: server.Admin})
	require.Equal(t, 200, r.status, "%s", r.raw)
	pseudonym := r.json["pseudonym"].(string)
	assert.Equal(t, float64(1), r.json["pseudonymized"].(map[string]any)["bonuses"])

	id := store.BonusID("promoc", "welcome", "ten", pseudonym, th)
	for _, path := range []string{"/v1/bonuses", "/v1/bonuses/" + id, "/v1/bonus-events", "/v1/bonus-events?bonus=" + id, "/v1/bonus-anomalies", "/v1/reports/bonuses"} {
		r = h.do(call{method: "GET", path: path, role: server.Viewer})
		require.Equal(t, 200, r.status, "%s: %s", path, r.raw)
		assert.NotContains(t, string(r.raw), `"p1"`, "%s names the erased player", path)
		assert.NotContains(t, string(r.raw), old, "%s keeps the id made from the erased player's", path)
	}
	r = h.do(call{method: "GET", path: "/v1/bonuses/" + id, role: server.Viewer})
	got := r.json["bonus"].(map[string]any)
	assert.Equal(t, pseudonym, got["player"], "%s", r.raw)
	assert.Equal(t, "Completed", got["status"], "%s", r.raw)
	assert.Equal(t, id, got["references"].(map[string]any)["id"], "%s", r.raw)
	r = h.do(call{method: "GET", path: "/v1/bonus-anomalies", role: server.Viewer})
	require.Len(t, r.json["anomalies"], 3, "%s", r.raw)
	assert.Equal(t, 2, strings.Count(string(r.raw), pseudonym), "the bodies naming the player name the pseudonym: %s", r.raw)
	r = h.do(call{method: "GET", path: "/v1/bonus-events?bonus=" + id, role: server.Viewer})
	assert.Len(t, r.json["events"], 3, "s1 applied, s2 and s4 kept as anomalies: %s", r.raw)
	r = h.do(call{method: "GET", path: "/v1/reports/bonuses", role: server.Viewer})
	assert.Equal(t, report, string(r.raw), "the report counts as before")
	assert.Equal(t, 404, h.do(call{method: "GET", path: "/v1/bonuses/" + old, role: server.Viewer}).status)
}
