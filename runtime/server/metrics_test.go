package server_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestMetrics: requests by route and status, events, outcomes by rule,
// status and reason; a replayed request counts as a request only.
func TestMetrics(t *testing.T) {
	h := newHarness(t)
	body := []any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "2000.00", "method", "card")}
	for range 2 {
		r := h.do(call{method: "POST", path: "/v1/events", role: server.Operator, body: body, headers: []string{"Idempotency-Key", "m1"}})
		require.Equal(t, 200, r.status, "%s", r.raw)
	}
	h.do(call{method: "GET", path: "/v1/nothing"})
	h.do(call{method: "GET", path: "/v1/outcomes"})
	h.do(call{method: "DELETE", path: "/v1/events"})
	r := h.do(call{method: "GET", path: "/metrics", role: server.Viewer})
	require.Equal(t, 200, r.status)
	assert.Contains(t, r.header.Get("Content-Type"), "text/plain")
	text := string(r.raw)
	for _, want := range []string{
		`promoc_http_requests_total{code="200",method="POST",route="/v1/events"} 2`,
		`promoc_http_requests_total{code="404",method="GET",route="other"} 1`,
		`promoc_http_requests_total{code="401",method="GET",route="/v1/outcomes"} 1`,
		`promoc_http_requests_total{code="405",method="DELETE",route="/v1/events"} 1`,
		`promoc_http_request_duration_seconds_count{route="/v1/events"} 3`, // the 405 too
		`promoc_events_total 2`,
		`promoc_outcomes_total{reason="",rule="big_deposits",status="waiting"} 1`,
		`promoc_outcomes_total{reason="",rule="first_deposit_bonus",status="issued"} 1`,
		`go_goroutines `,
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "promoc_scheduler_rounds_total{", "no round without Serve")
	r = h.do(call{method: "GET", path: "/metrics"})
	assert.Equal(t, 401, r.status, "a key is needed")
}
