package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/promoc/promoc/runtime/tracking"
	"github.com/promoc/promoc/runtime/tracking/chart"
)

// The bounds of the tracking report's charts (GET /v1/reports/tracking?
// format=svg|png): a PNG of a month costs tens of milliseconds of CPU.
const (
	// chartsAtOnce is the charts drawn at the same time, at most.
	chartsAtOnce = 1
	// chartWait is how long a request waits for its turn to draw before
	// it is answered 503 with Retry-After.
	chartWait = 2 * time.Second
	// chartsKept is the charts drawn last that are kept and answered
	// again for the same report.
	chartsKept = 8
)

// charts draws the report's charts, one at a time (chartsAtOnce), and
// keeps the last ones drawn, keyed by the format and the report itself (its
// days and every row, as JSON): a chart asked again for data that did not
// change is not drawn again, and a change of any row, a click or a
// conversion more, is another key. Nothing else is drawn into a chart.
type charts struct {
	turn  chan struct{} // a token per chart drawn at once
	wait  time.Duration
	count *prometheus.CounterVec // result: drawn, kept, busy

	mu   sync.Mutex
	kept []keptChart // the most recent last
}

type keptChart struct {
	key  [sha256.Size]byte
	body []byte
}

func newCharts(reg prometheus.Registerer) *charts {
	c := &charts{turn: make(chan struct{}, chartsAtOnce), wait: chartWait,
		count: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "promoc_report_charts_total",
			Help: "Charts of the tracking report asked for, by result: drawn, kept (answered from the charts drawn last, the same report), busy (answered 503: others were being drawn)."},
			[]string{"result"})}
	reg.MustRegister(c.count)
	return c
}

// errChartBusy answers a chart that could not be drawn in time.
func errChartBusy(wait time.Duration) *Error {
	return errorf(http.StatusServiceUnavailable, CodeUnavailable,
		"other charts are being drawn: no turn within %s; retry later, or ask for format=json, table or csv", wait).with("retry_after", 1)
}

// draw returns the chart of r in format, kept or drawn; errChartBusy when
// no turn came within c.wait.
func (c *charts) draw(ctx context.Context, format string, r tracking.Report) ([]byte, error) {
	key, err := chartKeyOf(format, r)
	if err != nil {
		return nil, err
	}
	if b, ok := c.find(key); ok {
		c.count.WithLabelValues("kept").Inc()
		return b, nil
	}
	timer := time.NewTimer(c.wait)
	defer timer.Stop()
	select {
	case c.turn <- struct{}{}:
	case <-timer.C:
		c.count.WithLabelValues("busy").Inc()
		return nil, errChartBusy(c.wait)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.turn }()
	// Drawn while this one waited?
	if b, ok := c.find(key); ok {
		c.count.WithLabelValues("kept").Inc()
		return b, nil
	}
	var buf bytes.Buffer
	if _, err := chart.DrawReport(&buf, format, r); err != nil {
		return nil, err
	}
	c.count.WithLabelValues("drawn").Inc()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.kept) == chartsKept {
		c.kept = append(c.kept[:0], c.kept[1:]...)
	}
	c.kept = append(c.kept, keptChart{key: key, body: buf.Bytes()})
	return buf.Bytes(), nil
}

// find is a chart kept for key, made the most recent.
func (c *charts) find(key [sha256.Size]byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range c.kept {
		if k.key == key {
			c.kept = append(append(c.kept[:i:i], c.kept[i+1:]...), k)
			return k.body, true
		}
	}
	return nil, false
}

// chartKeyOf is the key of r's chart in format: a hash of the format and
// of r as JSON.
func chartKeyOf(format string, r tracking.Report) ([sha256.Size]byte, error) {
	doc, err := json.Marshal(r)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(append([]byte(format+"\n"), doc...)), nil
}
