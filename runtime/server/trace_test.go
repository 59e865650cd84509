package server_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestTrace: with Config.Trace, a POST /v1/events answered 2xx with an
// Idempotency-Key is traced once, its marks in the order of its phases;
// a request without a key, one refused and another route are not.
func TestTrace(t *testing.T) {
	var mu sync.Mutex
	var got []server.RequestTrace
	h := newHarness(t, func(c *server.Config) {
		c.Trace = func(tr server.RequestTrace) {
			mu.Lock()
			got = append(got, tr)
			mu.Unlock()
		}
	})
	body := []any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(60e9), "amount", "50.00", "method", "card")}
	r := h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "traced"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body})
	require.Equal(t, 400, r.status, "no key")
	r = h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: map[string]any{"id": "x"}, headers: []string{"Idempotency-Key", "refused"}})
	require.Equal(t, 422, r.status, "%s", r.raw)
	h.do(call{method: "GET", path: "/v1/campaigns", role: server.Viewer})

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 1)
	tr := got[0]
	assert.Equal(t, "traced", tr.Key)
	assert.False(t, tr.Start.IsZero())
	assert.Zero(t, tr.KeyStart, "no transaction of its own for the key")
	marks := []struct {
		name string
		at   int64
	}{{"auth", int64(tr.Auth)}, {"body", int64(tr.Body)}, {"decoded", int64(tr.Decoded)}, {"submit", int64(tr.Submit)},
		{"decided", int64(tr.Decided)}, {"written", int64(tr.Written)}, {"answered", int64(tr.Answered)}, {"sent", int64(tr.Sent)}}
	for i, m := range marks {
		assert.Positive(t, m.at, m.name)
		if i > 0 {
			assert.GreaterOrEqual(t, m.at, marks[i-1].at, "%s after %s", m.name, marks[i-1].name)
		}
	}
	assert.Equal(t, 2, tr.Group, "the events of its group")
}
