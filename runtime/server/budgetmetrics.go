package server

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The bounds of a scrape of the budgets: the campaigns it reads (each one
// read of the store; more are counted in promoc_campaign_budgets_omitted),
// and the time it may take.
const (
	budgetMetricsCampaigns = 1000
	budgetMetricsTimeout   = 5 * time.Second
)

// budgetCollector exports each campaign's budget, per currency, as GET
// /v1/campaigns reads it, at scrape time: the gauges are never stale and
// cost nothing between scrapes. A gauge is a float64, an approximation of
// the exact decimal the API answers; it is for dashboards and alerts, and
// nothing reads it back.
type budgetCollector struct {
	s                    *Server
	left, limit, omitted *prometheus.Desc
}

func newBudgetCollector(s *Server) *budgetCollector {
	return &budgetCollector{
		s: s,
		left: prometheus.NewDesc("promoc_campaign_budget_left",
			"What a campaign's budget can still reserve (limit - posted - reserved), by campaign and currency, read from the store at scrape time (exact in GET /v1/campaigns).",
			[]string{"campaign", "currency"}, nil),
		limit: prometheus.NewDesc("promoc_campaign_budget_limit",
			"A campaign's budget limit, by campaign and currency, read from the store at scrape time (exact in GET /v1/campaigns).",
			[]string{"campaign", "currency"}, nil),
		omitted: prometheus.NewDesc("promoc_campaign_budgets_omitted",
			"Campaigns whose budgets a scrape did not read: those after the first "+strconv.Itoa(budgetMetricsCampaigns)+" by name.", nil, nil),
	}
}

func (c *budgetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.left
	ch <- c.limit
	ch <- c.omitted
}

// Collect reads the campaigns of the running rules and of the store, then
// the budgets of each (at most budgetMetricsCampaigns of them, within
// budgetMetricsTimeout). A failed read is reported as an invalid metric:
// the handler answers the other metrics and logs it.
func (c *budgetCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), budgetMetricsTimeout)
	defer cancel()
	names, err := c.s.campaignNames(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.left, err)
		return
	}
	omitted := max(len(names)-budgetMetricsCampaigns, 0)
	names = names[:len(names)-omitted]
	ch <- prometheus.MustNewConstMetric(c.omitted, prometheus.GaugeValue, float64(omitted))
	for _, name := range names {
		bs, err := c.s.st.Budgets(ctx, name)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.left, err)
			return
		}
		for _, b := range bs {
			ch <- prometheus.MustNewConstMetric(c.left, prometheus.GaugeValue, b.Left().InexactFloat64(), name, b.Currency)
			ch <- prometheus.MustNewConstMetric(c.limit, prometheus.GaugeValue, b.Limit.InexactFloat64(), name, b.Currency)
		}
	}
}
