package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/promoc/promoc/runtime/engine"
)

// metrics are the server's Prometheus metrics, on a registry of its own
// (no global state: two servers in one process count apart). The budgets
// are read at scrape time (budgetmetrics.go).
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec   // route, method, code
	latency   *prometheus.HistogramVec // route
	events    *prometheus.CounterVec   // kind
	outcomes  *prometheus.CounterVec   // rule, status, reason
	scheduler *prometheus.CounterVec   // result
	lastRound prometheus.Gauge

	// The children of the vectors counted on every request, resolved
	// once per set of labels (children): a request finds its counters
	// with one map look-up instead of hashing its labels in the vector.
	requestsBy *children[requestLabels, prometheus.Counter]
	latencyBy  *children[string, prometheus.Observer]
	eventsBy   *children[string, prometheus.Counter]
	outcomesBy *children[outcomeLabels, prometheus.Counter]
}

type requestLabels struct {
	route, method string
	status        int
}

type outcomeLabels struct{ rule, status, reason string }

// maxChildren bounds the children a children keeps: labels beyond (a
// client's made-up methods on a known path, say) are found in the vector
// each time, as without it.
const maxChildren = 1024

// children keeps the children of a metric vector by their labels.
type children[K comparable, M any] struct {
	child func(K) M // the vector's child of labels K

	mu sync.RWMutex
	m  map[K]M
}

func newChildren[K comparable, M any](child func(K) M) *children[K, M] {
	return &children[K, M]{child: child, m: map[K]M{}}
}

// get is the child of labels k.
func (c *children[K, M]) get(k K) M {
	c.mu.RLock()
	m, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return m
	}
	m = c.child(k)
	c.mu.Lock()
	if len(c.m) < maxChildren {
		c.m[k] = m
	}
	c.mu.Unlock()
	return m
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_http_requests_total",
			Help: "HTTP requests by route (the pattern, or \"other\"), method and status code."}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "promoc_http_request_duration_seconds",
			Help:    "Time to answer a request, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_events_total",
			Help: "Events accepted by POST /v1/events and handled from Kafka, by kind (a declared kind, or player; a redelivered event counts again; it gives no outcome)."},
			[]string{"kind"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_outcomes_total",
			Help: "Outcomes logged through this server (events, the scheduler, approvals), by rule, status and reason."},
			[]string{"rule", "status", "reason"}),
		scheduler: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_scheduler_rounds_total",
			Help: "Rounds of the scheduler (Engine.Advance), by result: ok or error."}, []string{"result"}),
		lastRound: prometheus.NewGauge(prometheus.GaugeOpts{Name: "promoc_scheduler_last_round_timestamp_seconds",
			Help: "When the scheduler's latest successful round ran, on the server's clock (Unix seconds)."}),
	}
	m.requestsBy = newChildren(func(l requestLabels) prometheus.Counter {
		return m.requests.WithLabelValues(l.route, l.method, strconv.Itoa(l.status))
	})
	m.latencyBy = newChildren(func(route string) prometheus.Observer { return m.latency.WithLabelValues(route) })
	m.eventsBy = newChildren(func(kind string) prometheus.Counter { return m.events.WithLabelValues(kind) })
	m.outcomesBy = newChildren(func(l outcomeLabels) prometheus.Counter {
		return m.outcomes.WithLabelValues(l.rule, l.status, l.reason)
	})
	m.reg.MustRegister(m.requests, m.latency, m.events, m.outcomes, m.scheduler, m.lastRound,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// request counts a request answered.
func (m *metrics) request(route, method string, status int, d time.Duration) {
	m.requestsBy.get(requestLabels{route, method, status}).Inc()
	m.latencyBy.get(route).Observe(d.Seconds())
}

// accepted counts events accepted, by kind.
func (m *metrics) accepted(evs []engine.Event) {
	var (
		kind string
		c    prometheus.Counter
	)
	for _, e := range evs {
		if c == nil || e.Kind != kind {
			kind, c = e.Kind, m.eventsBy.get(e.Kind)
		}
		c.Inc()
	}
}

// logged counts outcomes logged.
func (m *metrics) logged(outs ...engine.Outcome) {
	for _, o := range outs {
		m.outcomesBy.get(outcomeLabels{o.Rule, o.Status, o.Reason}).Inc()
	}
}

// round counts a round of the scheduler.
func (m *metrics) round(now time.Time, err error) {
	if err != nil {
		m.scheduler.WithLabelValues("error").Inc()
		return
	}
	m.scheduler.WithLabelValues("ok").Inc()
	m.lastRound.Set(float64(now.UnixNano()) / 1e9)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
