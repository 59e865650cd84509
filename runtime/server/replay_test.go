package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// TestRetryAfterCrash: a server killed after the engine stored a request's
// events and outcomes, before the Idempotency-Key's response was recorded,
// leaves the key running; the client's retry, once the key is stale, is
// handled again, and answers the outcomes the first handling stored: the
// same body, byte for byte, nothing logged twice.
func TestRetryAfterCrash(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name   string
		before []any // sent first, under another key
		body   []any // the request that crashed
		kinds  []string
	}{
		{
			name: "events with outcomes and an overdue inactivity",
			before: []any{reg("reg-p1", "p1", t0), ev("l1", "p1", "login", t0),
				reg("reg-p2", "p2", t0)},
			body: []any{
				ev("l2", "p1", "login", t0.Add(8*day)), // ends 7 days without login: win_back fires, overdue
				ev("d1", "p1", "deposit", t0.Add(8*day+time.Minute), "amount", "50.00", "method", "card"),
				ev("d2", "p2", "deposit", t0.Add(8*day), "amount", "2000.00", "method", "card"),
				ev("b1", "p2", "bet", t0.Add(8*day+time.Minute), "amount", "5.00", "game", "slots"),
			},
			kinds: []string{"inactive", "event", "event", "event"},
		},
		{
			name:   "no outcome at all",
			before: []any{reg("reg-p1", "p1", t0)},
			body:   []any{ev("b1", "p1", "bet", t0.Add(time.Minute), "amount", "5.00", "game", "slots")},
			kinds:  []string{},
		},
		{
			name:   "an event of the request sent before it under another key",
			before: []any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")},
			body: []any{
				ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card"),
				ev("d2", "p1", "deposit", t0.Add(2*time.Minute), "amount", "1500.00", "method", "card"),
			},
			kinds: []string{"event", "event"},
		},
	}
	drivers := []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"SQLite", func(t *testing.T) store.Store { return openStore(t) }},
		{"PostgreSQL", openPostgres},
	}
	for _, drv := range drivers {
		for _, tc := range tests {
			t.Run(drv.name+"/"+tc.name, func(t *testing.T) { retryAfterCrash(t, newHarnessOn(t, drv.open(t)), tc.before, tc.body, tc.kinds) })
		}
	}
}

// retryAfterCrash is one case of TestRetryAfterCrash.
func retryAfterCrash(t *testing.T, h *harness, before, body0 []any, wantKinds []string) {
	t.Helper()
	tc := struct {
		before, body []any
		kinds        []string
	}{before, body0, wantKinds}
	ctx := context.Background()
	require.Equal(t, 200, h.events(tc.before).status)
	b, err := json.Marshal(tc.body)
	require.NoError(t, err)
	body := string(b)
	post := func() response {
		return h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "crash-1"}})
	}
	r1 := post()
	require.Equal(t, 200, r1.status, "%s", r1.raw)
	var kinds []string
	for _, o := range r1.json["outcomes"].([]any) {
		kinds = append(kinds, o.(map[string]any)["trigger"].(map[string]any)["type"].(string))
	}
	if len(tc.kinds) == 0 {
		assert.Empty(t, kinds)
	} else {
		assert.Equal(t, tc.kinds, kinds, "%s", r1.raw)
	}
	logged := len(h.outcomes())

	// The crash: the events and outcomes are stored, the key runs
	// with no response recorded.
	scope := keyID(t, h, server.Operator) + " POST /v1/events"
	_, err = h.st.PruneRequests(ctx, t0.Add(time.Hour)) // the recorded response, gone
	require.NoError(t, err)
	fp := sha256.Sum256([]byte("POST /v1/events?\n" + body))
	_, started, err := h.st.StartRequest(ctx, store.Request{Scope: scope, Key: "crash-1", Fingerprint: fp[:], Started: t0.Add(-time.Hour)}, t0.Add(-2*time.Hour))
	require.NoError(t, err)
	require.True(t, started)

	r2 := post()
	require.Equal(t, 200, r2.status, "%s", r2.raw)
	assert.Empty(t, r2.header.Get("Idempotent-Replayed"), "taken over and handled again")
	assert.Equal(t, string(r1.raw), string(r2.raw), "the retry answers what the first handling stored")
	assert.Len(t, h.outcomes(), logged, "nothing logged twice")

	r3 := post()
	assert.Equal(t, "true", r3.header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(r1.raw), string(r3.raw))
}
