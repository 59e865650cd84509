package server

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// TestMetricsChildren: the counters found through the children kept count
// in their vectors as WithLabelValues's would, the same child each time,
// and labels beyond maxChildren (not kept) still count.
func TestMetricsChildren(t *testing.T) {
	m := newMetrics()
	for range 3 {
		m.request("/v1/events", http.MethodPost, 200, time.Millisecond)
	}
	m.request("/v1/events", http.MethodPost, 422, time.Millisecond)
	assert.Equal(t, 3.0, count(t, m.requests.WithLabelValues("/v1/events", "POST", "200")))
	assert.Equal(t, 1.0, count(t, m.requests.WithLabelValues("/v1/events", "POST", "422")))
	var h dto.Metric
	require.NoError(t, m.latency.WithLabelValues("/v1/events").(prometheus.Metric).Write(&h))
	assert.Equal(t, uint64(4), h.GetHistogram().GetSampleCount())

	m.accepted([]engine.Event{{Kind: "bet"}, {Kind: "bet"}, {Kind: "win"}, {Kind: "bet"}})
	assert.Equal(t, 3.0, count(t, m.events.WithLabelValues("bet")))
	assert.Equal(t, 1.0, count(t, m.events.WithLabelValues("win")))

	m.logged(engine.Outcome{Rule: "r", Status: "issued"}, engine.Outcome{Rule: "r", Status: "issued"},
		engine.Outcome{Rule: "r", Status: "skipped", Reason: "budget"})
	assert.Equal(t, 2.0, count(t, m.outcomes.WithLabelValues("r", "issued", "")))
	assert.Equal(t, 1.0, count(t, m.outcomes.WithLabelValues("r", "skipped", "budget")))

	// Made-up methods on a known path: beyond the bound, not kept, still
	// counted.
	for i := range maxChildren + 10 {
		m.request("/v1/events", fmt.Sprintf("M%d", i), 405, time.Millisecond)
	}
	assert.Len(t, m.requestsBy.m, maxChildren)
	last := fmt.Sprintf("M%d", maxChildren+9)
	m.request("/v1/events", last, 405, time.Millisecond)
	assert.Equal(t, 2.0, count(t, m.requests.WithLabelValues("/v1/events", last, "405")))
}

// count is a counter's value.
func count(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	require.NoError(t, c.Write(&m))
	return m.GetCounter().GetValue()
}
