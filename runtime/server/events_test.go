package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

func TestEvents(t *testing.T) {
	h := newHarness(t)
	r := h.events([]any{
		reg("reg-p1", "p1", t0),
		ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card"),
	})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.EqualValues(t, 2, r.json["events"])
	outs := r.json["outcomes"].([]any)
	require.Len(t, outs, 1)
	o := outs[0].(map[string]any)
	assert.Equal(t, "first_deposit_bonus", o["rule"])
	assert.Equal(t, "issued", o["status"])
	assert.Equal(t, "10.00", o["amount"])
	assert.Equal(t, "EUR", o["currency"])

	// One event as an object.
	r = h.events(ev("d2", "p1", "deposit", t0.Add(2*time.Minute), "amount", "2000.00", "method", "card"))
	require.Equal(t, 200, r.status, "%s", r.raw)
	outs = r.json["outcomes"].([]any)
	require.Len(t, outs, 1)
	assert.Equal(t, "waiting", outs[0].(map[string]any)["status"])
	assert.Len(t, h.outcomes(), 2)

	// The same event again, under a new Idempotency-Key: the engine's own
	// guarantee, nothing new; the response lists the outcome the event
	// stored, as it was first answered (same seq and key).
	first := outs
	r = h.events(ev("d2", "p1", "deposit", t0.Add(2*time.Minute), "amount", "2000.00", "method", "card"))
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, first, r.json["outcomes"])
	assert.Len(t, h.outcomes(), 2)
}

// TestEventsRefused sends bad requests: each gets its status and error
// code, and none stores anything, its Idempotency-Key included.
func TestEventsRefused(t *testing.T) {
	good := ev("d1", "p1", "deposit", t0, "amount", "50.00", "method", "card")
	many := make([]any, 11)
	for i := range many {
		many[i] = good
	}
	tests := []struct {
		name    string
		body    any
		headers []string
		status  int
		code    string
		msg     string // a part of the message
	}{
		{"malformed JSON", `{"id": "d1", `, nil, 400, server.CodeInvalidJSON, "malformed JSON"},
		{"malformed array", `[{"id": "d1"}, `, nil, 400, server.CodeInvalidJSON, "malformed JSON"},
		{"not an event", `42`, nil, 400, server.CodeInvalidJSON, "expected an event object"},
		{"an array of numbers", `[1]`, nil, 400, server.CodeInvalidJSON, "[0]: expected an event object"},
		{"empty body", ``, nil, 400, server.CodeInvalidJSON, "empty body"},
		{"empty array", `[]`, nil, 400, server.CodeInvalidJSON, "at least one event"},
		{"unknown field", ev("d1", "p1", "deposit", t0, "amount", "50.00", "method", "card", "colour", "red"), nil, 422, server.CodeInvalidEvent, "colour"},
		{"unknown kind", ev("d1", "p1", "withdrawal", t0, "amount", "50.00"), nil, 422, server.CodeInvalidEvent, "withdrawal"},
		{"no player", map[string]any{"id": "d1", "kind": "deposit", "time": t0.Format(time.RFC3339), "amount": "5", "method": "card"}, nil, 422, server.CodeInvalidEvent, "player"},
		{"bad time", ev("d1", "p1", "deposit", t0, "amount", "50.00", "method", "card", "time", "yesterday"), nil, 422, server.CodeInvalidEvent, "time"},
		{"an amount with an exponent", `{"id":"d1","player":"p1","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":1e3,"method":"card"}`, nil, 422, server.CodeInvalidEvent, "amount"},
		{"a good event after a bad one", []any{good, ev("d2", "p1", "nope", t0)}, nil, 422, server.CodeInvalidEvent, "nope"},
		{"too many events", many, nil, 413, server.CodeTooLarge, "11 events in one request: at most 10"},
		{"too large", `{"id":"` + strings.Repeat("x", 5000) + `"}`, nil, 413, server.CodeTooLarge, "4096 bytes"},
		{"wrong content type", good, []string{"Content-Type", "text/plain"}, 415, server.CodeUnsupportedMediaType, "text/plain"},
		{"no content type", good, []string{"Content-Type", ""}, 415, server.CodeUnsupportedMediaType, "expected application/json"},
		{"no Idempotency-Key", good, []string{"Idempotency-Key", ""}, 400, server.CodeMissingIdempotencyKey, "Idempotency-Key"},
		{"an Idempotency-Key too long", good, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, server.CodeInvalidIdempotencyKey, "1 to 255"},
		{"an Idempotency-Key not ASCII", good, []string{"Idempotency-Key", "clé"}, 400, server.CodeInvalidIdempotencyKey, "printable ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *server.Config) { c.MaxEvents, c.MaxBody = 10, 4096 })
			hdr := append([]string{"Idempotency-Key", "the-key"}, tt.headers...)
			r := h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: tt.body, headers: hdr})
			assert.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.code())
			assert.Contains(t, r.json["message"], tt.msg)
			assert.Empty(t, h.outcomes(), "nothing stored")
			// The key was not kept: the good request goes through with it.
			r = h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: good, headers: []string{"Idempotency-Key", "the-key"}})
			assert.Equal(t, 200, r.status, "%s", r.raw)
		})
	}
}

func TestEventErrorDetails(t *testing.T) {
	h := newHarness(t)
	r := h.events([]any{
		ev("d1", "p1", "deposit", t0, "amount", "50.00", "method", "card"),
		ev("d2", "p1", "deposit", t0, "amount", "fifty", "method", "card"),
	})
	require.Equal(t, 422, r.status, "%s", r.raw)
	assert.Equal(t, map[string]any{"index": 1.0, "id": "d2", "field": "amount"}, r.json["details"])
	assert.Equal(t, []string{"code", "details", "message"}, keys(r.json))
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return ks
}
