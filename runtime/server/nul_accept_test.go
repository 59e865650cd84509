package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestAcceptNULRefused: a NUL character in any text of a request (a JSON
// string's \u0000, a path value's or a parameter's %00), or bytes that are
// not UTF-8, are bad input: 400, and nothing stored. PostgreSQL cannot store it in text, so each of these
// was a 500 there (an event's id or player, a suspension's reason, a
// publisher's name, a bonus event, a Fast Track credit, a confirmation, an
// erasure, a player's state, a bonus), and a property holding one was kept
// on one store and refused by the other. The text "\u0000" (an escaped
// backslash) is no NUL and is taken.
func TestAcceptNULRefused(t *testing.T) {
	testNULRefused(t, rulesHarnessOn(t, openStore(t), offersAcceptRules))
}

// TestAcceptNULRefusedPostgres is TestAcceptNULRefused on PostgreSQL.
func TestAcceptNULRefusedPostgres(t *testing.T) {
	testNULRefused(t, rulesHarnessOn(t, openPostgres(t), offersAcceptRules))
}

func testNULRefused(t *testing.T, h *harness) {
	r := h.events([]any{reg("r1", "p1", t0), ev("l1", "p1", "login", t0.Add(time.Minute))})
	require.Equal(t, 200, r.status, "%s", r.raw)
	before := len(h.outcomes())
	nul := "a\x00b"
	idem := func(k string) []string { return []string{"Idempotency-Key", k} }
	bodies := []call{
		{method: "POST", path: "/v1/events", role: server.Operator, headers: idem("n1"), body: []any{ev("l"+nul, "p1", "login", t0.Add(2*time.Minute))}},
		{method: "POST", path: "/v1/events", role: server.Operator, headers: idem("n2"), body: []any{ev("l9", "p"+nul, "login", t0.Add(2*time.Minute))}},
		{method: "POST", path: "/v1/events", role: server.Operator, headers: idem("n3"), body: []any{map[string]any{"id": "r9", "player": "p1", "kind": "player",
			"time": t0.Add(3 * time.Minute).Format(time.RFC3339), "properties": map[string]any{"name": nul}}}},
		{method: "POST", path: "/v1/campaigns/shop_welcome/suspend", role: server.Operator, body: map[string]any{"reason": nul}},
		{method: "PUT", path: "/v1/publishers/alpha", role: server.Operator, body: map[string]any{"name": nul}},
		{method: "POST", path: "/v1/bonus-events", role: server.Operator, body: map[string]any{"id": nul, "player": "p1", "status": "Completed", "bonus": "x"}},
		{method: "POST", path: "/v1/fasttrack/bonus/credit", role: server.Operator, headers: ftHeaders("1", "2", "th", "id"),
			body: map[string]any{"user_id": nul, "bonus_code": "B", "amount": "1", "currency": "EUR"}},
		{method: "POST", path: "/v1/offers/confirm", role: server.Operator, body: map[string]any{"assignment": nul, "code": "A"}},
	}
	for _, c := range bodies {
		r := h.do(c)
		assert.Equal(t, 400, r.status, "%s %s: %s", c.method, c.path, r.raw)
		assert.Equal(t, server.CodeInvalidJSON, r.code(), "%s %s", c.method, c.path)
	}
	for _, c := range []call{
		{method: "DELETE", path: "/v1/players/p%00x", role: server.Admin},
		{method: "GET", path: "/v1/players/p%00x/state", role: server.Viewer},
		{method: "GET", path: "/v1/bonuses/x%00y", role: server.Viewer},
		{method: "GET", path: "/v1/bonuses?campaign=x%00y", role: server.Viewer},
		// A bad escape in another pair: url.ParseQuery drops that pair and
		// the handler reads campaign all the same.
		{method: "GET", path: "/v1/bonuses?x=%ZZ&campaign=x%00y", role: server.Viewer},
	} {
		r := h.do(c)
		assert.Equal(t, 400, r.status, "%s %s: %s", c.method, c.path, r.raw)
		assert.Equal(t, server.CodeInvalidParameter, r.code(), "%s %s", c.method, c.path)
	}
	// Bytes that are not UTF-8 (JSON is UTF-8 text; encoding/json made
	// them U+FFFD in silence, crediting a player "a\ufffdb"), and in a path,
	// a query or a Fast Track header (a 500 on PostgreSQL).
	for _, c := range []call{
		{method: "POST", path: "/v1/fasttrack/bonus/credit", role: server.Operator, headers: ftHeaders("1", "2", "th", "id"),
			body: "{\"user_id\": \"a\xffb\", \"bonus_code\": \"B\", \"amount\": \"1\", \"currency\": \"EUR\"}"},
		{method: "PUT", path: "/v1/publishers/alpha", role: server.Operator, body: "{\"name\": \"a\xffb\"}"},
	} {
		r := h.do(c)
		assert.Equal(t, 400, r.status, "%s %s: %s", c.method, c.path, r.raw)
		assert.Equal(t, server.CodeInvalidJSON, r.code(), "%s %s", c.method, c.path)
	}
	for _, c := range []call{
		{method: "GET", path: "/v1/players/p%FFx/state", role: server.Viewer},
		{method: "GET", path: "/v1/bonuses?campaign=x%FFy", role: server.Viewer},
		{method: "GET", path: "/v1/bonuses?campaign=x%FFy&x=%ZZ", role: server.Viewer},
		{method: "POST", path: "/v1/fasttrack/bonus/credit", role: server.Operator, headers: ftHeaders("1\xff", "2", "th", "id"),
			body: map[string]any{"user_id": "u", "bonus_code": "B", "amount": "1", "currency": "EUR"}},
	} {
		r := h.do(c)
		assert.Equal(t, 400, r.status, "%s %s: %s", c.method, c.path, r.raw)
		assert.Equal(t, server.CodeInvalidParameter, r.code(), "%s %s", c.method, c.path)
	}
	assert.Len(t, h.outcomes(), before, "nothing handled")
	r = h.do(call{method: "GET", path: "/v1/bonuses", role: server.Viewer})
	assert.Empty(t, r.json["bonuses"], "nothing credited")
	r = h.do(call{method: "GET", path: "/v1/campaigns/shop_welcome", role: server.Viewer})
	assert.Equal(t, "active", r.json["status"], "not suspended")

	// An escaped backslash before u0000 is the text \u0000, no NUL.
	r = h.do(call{method: "PUT", path: "/v1/publishers/beta", role: server.Operator, body: `{"name": "\\u0000 media"}`})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, `\u0000 media`, r.json["name"])
}
