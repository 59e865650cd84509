package server

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/tracking"
	"github.com/promoc/promoc/runtime/tracking/chart"
)

func chartReport(clicks int64) tracking.Report {
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	rate := "50.00"
	return tracking.Report{From: day, To: day.Add(24 * time.Hour), Rows: []tracking.ReportRow{{Day: "2026-12-06", Offer: "casino",
		Publisher: "alpha", Clicks: clicks, Conversions: map[string]int64{"registration": 1}, Rate: &rate,
		Money: []tracking.ReportMoney{{Currency: "EUR", Payout: "25.00", Revenue: "40.00", Margin: "15.00"}}}}}
}

// TestCharts: a chart asked again for the same report is the one drawn
// before; another report (a click more) or another format is drawn; the
// last chartsKept are kept; a chart that finds no turn within the wait is
// a 503, and one that waited for a turn the same report's drawing held is
// answered with that drawing.
func TestCharts(t *testing.T) {
	c := newCharts(prometheus.NewRegistry())
	count := func(result string) int {
		var m dto.Metric
		require.NoError(t, c.count.WithLabelValues(result).Write(&m))
		return int(m.GetCounter().GetValue())
	}
	ctx := context.Background()
	want := func(format string, r tracking.Report) []byte {
		var b bytes.Buffer
		_, err := chart.DrawReport(&b, format, r)
		require.NoError(t, err)
		return b.Bytes()
	}

	b, err := c.draw(ctx, "png", chartReport(2))
	require.NoError(t, err)
	assert.Equal(t, want("png", chartReport(2)), b)
	b, err = c.draw(ctx, "png", chartReport(2))
	require.NoError(t, err)
	assert.Equal(t, want("png", chartReport(2)), b)
	assert.Equal(t, []int{1, 1}, []int{count("drawn"), count("kept")})

	b, err = c.draw(ctx, "png", chartReport(3))
	require.NoError(t, err)
	assert.Equal(t, want("png", chartReport(3)), b, "a click more: drawn again")
	b, err = c.draw(ctx, "svg", chartReport(3))
	require.NoError(t, err)
	assert.Equal(t, want("svg", chartReport(3)), b, "another format")
	assert.Equal(t, []int{3, 1}, []int{count("drawn"), count("kept")})

	for n := range int64(chartsKept) {
		_, err := c.draw(ctx, "svg", chartReport(10+n))
		require.NoError(t, err)
	}
	assert.Len(t, c.kept, chartsKept)
	_, err = c.draw(ctx, "svg", chartReport(10+chartsKept-1))
	require.NoError(t, err)
	assert.Equal(t, 1, count("kept")-1, "the last drawn is kept")
	_, err = c.draw(ctx, "png", chartReport(2))
	require.NoError(t, err)
	assert.Equal(t, 3+chartsKept+1, count("drawn"), "the first drawn was dropped")

	// Every turn taken: a 503 after the wait, counted busy.
	c.wait = 20 * time.Millisecond
	c.turn <- struct{}{}
	start := time.Now()
	_, err = c.draw(ctx, "png", chartReport(99))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusServiceUnavailable, e.Status)
	assert.Equal(t, CodeUnavailable, e.Code)
	assert.GreaterOrEqual(t, time.Since(start), c.wait)
	assert.Equal(t, 1, count("busy"))
	// A report kept needs no turn.
	_, err = c.draw(ctx, "png", chartReport(2))
	require.NoError(t, err)

	// A chart waiting for its turn while the same report is drawn gets
	// that drawing.
	c.wait = 5 * time.Second
	done := make(chan []byte)
	go func() {
		b, err := c.draw(ctx, "png", chartReport(100))
		assert.NoError(t, err)
		done <- b
	}()
	time.Sleep(10 * time.Millisecond)
	drawn := count("drawn")
	c.mu.Lock()
	c.kept = append(c.kept, keptChart{key: chartKey(t, "png", chartReport(100)), body: []byte("drawn by the holder")})
	c.mu.Unlock()
	<-c.turn
	assert.Equal(t, "drawn by the holder", string(<-done))
	assert.Equal(t, drawn, count("drawn"))
}

func chartKey(t *testing.T, format string, r tracking.Report) [32]byte {
	k, err := chartKeyOf(format, r)
	require.NoError(t, err)
	return k
}

// TestChartsGone: a request that goes while it waits for its turn stops
// waiting, with its context's error, and is not counted busy.
func TestChartsGone(t *testing.T) {
	c := newCharts(prometheus.NewRegistry())
	c.turn <- struct{}{} // every turn taken
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(10 * time.Millisecond)
		cancel()
	}()
	_, err := c.draw(ctx, "png", chartReport(2))
	require.ErrorIs(t, err, context.Canceled)
	var m dto.Metric
	require.NoError(t, c.count.WithLabelValues("busy").Write(&m))
	assert.Zero(t, m.GetCounter().GetValue())
}
