package server_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
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
		`promoc_events_total{kind="deposit"} 1`,
		`promoc_events_total{kind="player"} 1`,
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

// TestMetricsBudgets: the budget left and the limit of each campaign, per
// currency, as GET /v1/campaigns answers them at the moment of the scrape;
// a store that fails to read them costs those metrics only.
func TestMetricsBudgets(t *testing.T) {
	st := &budgetFailStore{auditedStore: openStore(t)}
	h := newHarnessOn(t, st)
	scrape := func() string {
		r := h.do(call{method: "GET", path: "/metrics", role: server.Viewer})
		require.Equal(t, 200, r.status, "%s", r.raw)
		return string(r.raw)
	}
	text := scrape()
	assert.Contains(t, text, `promoc_campaign_budget_left{campaign="first_deposit_bonus",currency="EUR"} 25`)
	assert.Contains(t, text, `promoc_campaign_budget_limit{campaign="first_deposit_bonus",currency="EUR"} 25`)
	assert.Contains(t, text, `promoc_campaign_budgets_omitted 0`)

	// A bonus posted, and a budget in a second currency: read again at the
	// next scrape.
	r := h.do(call{method: "POST", path: "/v1/events", role: server.Operator, headers: []string{"Idempotency-Key", "b1"},
		body: []any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "100.00", "method", "card")}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "PUT", path: "/v1/campaigns/first_deposit_bonus/budgets/USD", role: server.Operator, body: map[string]any{"limit": "120.50"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	r = h.do(call{method: "GET", path: "/v1/campaigns/first_deposit_bonus", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	text = scrape()
	for _, b := range r.json["budgets"].([]any) {
		b := b.(map[string]any)
		// The API writes the currency's minor units (80.00), the gauge a float (80).
		left := fmt.Sprintf(`promoc_campaign_budget_left{campaign="first_deposit_bonus",currency=%q} %s`, b["currency"], decimal.RequireFromString(b["left"].(string)))
		assert.Contains(t, text, left)
	}
	assert.Contains(t, text, `promoc_campaign_budget_left{campaign="first_deposit_bonus",currency="USD"} 120.5`)
	assert.NotContains(t, text, `promoc_campaign_budget_left{campaign="first_deposit_bonus",currency="EUR"} 25`, "the bonus is posted")

	st.fail.Store(true)
	text = scrape()
	assert.NotContains(t, text, "promoc_campaign_budget_left")
	assert.Contains(t, text, `promoc_events_total{kind="deposit"} 1`)
}

// budgetFailStore fails to read budgets once armed.
type budgetFailStore struct {
	auditedStore
	fail atomic.Bool
}

func (s *budgetFailStore) Budgets(ctx context.Context, campaign string) ([]store.Budget, error) {
	if s.fail.Load() {
		return nil, errors.New("budgets: disk on fire")
	}
	return s.auditedStore.Budgets(ctx, campaign)
}
