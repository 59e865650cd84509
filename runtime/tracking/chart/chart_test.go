package chart_test

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/tracking"
	"github.com/promoc/promoc/runtime/tracking/chart"
)

func TestDaysOf(t *testing.T) {
	r := tracking.Report{Rows: []tracking.ReportRow{
		{Day: "2026-12-06", Conversions: map[string]int64{"registration": 2, "first_deposit": 1},
			Money: []tracking.ReportMoney{{Currency: "EUR", Margin: "29.90"}, {Currency: "USD", Margin: "-30.005"}}},
		{Day: "2026-12-06", Conversions: map[string]int64{"registration": 1}, Money: []tracking.ReportMoney{{Currency: "EUR", Margin: "0.10"}}},
		{Day: "2026-12-08", Conversions: map[string]int64{"registration": 4}},
	}}
	days, err := chart.DaysOf(r)
	require.NoError(t, err)
	require.Len(t, days, 3, "every day from the first to the last")
	assert.EqualValues(t, 4, days[0].Conversions)
	assert.True(t, decimal.RequireFromString("30").Equal(days[0].Margin["EUR"]), "exact: %s", days[0].Margin["EUR"])
	assert.True(t, decimal.RequireFromString("-30.005").Equal(days[0].Margin["USD"]))
	assert.Equal(t, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), days[1].Day)
	assert.Zero(t, days[1].Conversions, "a day without rows")
	assert.EqualValues(t, 4, days[2].Conversions)

	_, err = chart.DaysOf(tracking.Report{Rows: []tracking.ReportRow{{Day: "06/12/2026"}}})
	assert.Error(t, err)
}

func TestDraw(t *testing.T) {
	days := []chart.Day{
		{Day: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), Conversions: 3, Margin: map[string]decimal.Decimal{"EUR": decimal.RequireFromString("29.9")}},
		{Day: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), Conversions: 5, Margin: map[string]decimal.Decimal{"EUR": decimal.RequireFromString("-3")}},
	}
	var svg bytes.Buffer
	require.NoError(t, chart.Draw(&svg, "svg", "Tracking", days))
	dec := xml.NewDecoder(&svg)
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "well-formed SVG")
	}
	var pngBuf bytes.Buffer
	require.NoError(t, chart.Draw(&pngBuf, "PNG", "Tracking", days))
	img, err := png.Decode(&pngBuf)
	require.NoError(t, err)
	assert.Greater(t, img.Bounds().Dx(), 500)
	require.NoError(t, chart.Draw(io.Discard, "svg", "Tracking", nil), "an empty report draws")
	assert.Error(t, chart.Draw(io.Discard, "gif", "Tracking", days))
}

// TestDrawReport: DrawReport is DaysOf and Draw under Title, what the CLI
// and the server both draw; a report that DaysOf refuses draws nothing.
func TestDrawReport(t *testing.T) {
	r := tracking.Report{Rows: []tracking.ReportRow{
		{Day: "2026-12-06", Conversions: map[string]int64{"registration": 2}, Money: []tracking.ReportMoney{{Currency: "EUR", Margin: "29.90"}}},
		{Day: "2026-12-08", Conversions: map[string]int64{"registration": 1}},
	}}
	for _, format := range chart.Formats {
		var got, want bytes.Buffer
		n, err := chart.DrawReport(&got, format, r)
		require.NoError(t, err)
		assert.Equal(t, 3, n, "every day from the first to the last")
		days, err := chart.DaysOf(r)
		require.NoError(t, err)
		require.NoError(t, chart.Draw(&want, format, chart.Title, days))
		assert.Equal(t, want.Bytes(), got.Bytes(), format)
	}
	var b bytes.Buffer
	_, err := chart.DrawReport(&b, "svg", tracking.Report{Rows: []tracking.ReportRow{{Day: "06/12/2026"}}})
	assert.Error(t, err)
	assert.Zero(t, b.Len(), "nothing half-drawn")
	_, err = chart.DrawReport(io.Discard, "gif", r)
	assert.Error(t, err)
}
