package tracking_test

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestRate(t *testing.T) {
	for _, tc := range []struct {
		conv, clicks int64
		want         string
	}{
		{0, 10, "0.00"}, {1, 3, "33.33"}, {2, 3, "66.67"}, {1, 8, "12.50"}, {1, 800, "0.13"}, {1, 1600, "0.06"},
		{3, 2, "150.00"}, {1, 200000, "0.00"}, {1, 400, "0.25"}, {1, 80000, "0.00"}, {1, 8000, "0.01"},
	} {
		got, ok := tracking.Rate(tc.conv, tc.clicks)
		assert.True(t, ok)
		assert.Equal(t, tc.want, got, "%d / %d", tc.conv, tc.clicks)
	}
	_, ok := tracking.Rate(1, 0)
	assert.False(t, ok, "no click, no rate")
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// sampleReport is a report of two days, one row without money and one in
// two currencies.
func sampleReport() tracking.Report {
	day0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	return tracking.ReportOf(day0, day0.Add(48*time.Hour), []store.ReportRow{
		{Day: day0, Offer: "casino", Publisher: "alpha", Clicks: 8, Unique: 6, Conversions: map[string]int64{"registration": 2, "first_deposit": 1},
			Money: []store.ReportMoney{
				{Currency: "EUR", Payout: dec("60.1"), Revenue: dec("90.00"), Margin: dec("29.9"), Conversions: map[string]int64{"first_deposit": 1}},
				{Currency: "USD", Payout: dec("30.005"), Revenue: dec("0"), Margin: dec("-30.005"), Conversions: map[string]int64{"registration": 1}},
			}}, // and a registration without money
		{Day: day0, Offer: "casino", Publisher: "beta", Clicks: 3, Unique: 2, Unhashed: 1, Conversions: map[string]int64{}}, // unique not known
		{Day: day0.Add(24 * time.Hour), Offer: "spa", Publisher: "alpha", Clicks: 0, Conversions: map[string]int64{"registration": 1},
			Money: []store.ReportMoney{{Currency: "EUR", Payout: dec("25"), Revenue: dec("40"), Margin: dec("15"), Conversions: map[string]int64{"registration": 1}}}},
	})
}

func TestReportWriters(t *testing.T) {
	r := sampleReport()
	for name, write := range map[string]func(*bytes.Buffer) error{
		"report.txt":  func(b *bytes.Buffer) error { return tracking.WriteTable(b, r) },
		"report.csv":  func(b *bytes.Buffer) error { return tracking.WriteCSV(b, r) },
		"report.json": func(b *bytes.Buffer) error { return tracking.WriteJSON(b, r) },
	} {
		var b bytes.Buffer
		require.NoError(t, write(&b))
		golden := filepath.Join("testdata", name)
		if *update {
			require.NoError(t, os.WriteFile(golden, b.Bytes(), 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err)
		assert.Equal(t, string(want), b.String(), name)
	}
	var b bytes.Buffer
	require.NoError(t, tracking.WriteTable(&b, tracking.Report{From: time.Unix(0, 0).UTC(), To: time.Unix(86400, 0).UTC()}))
	assert.Contains(t, b.String(), "no clicks or conversions from 1970-01-01T00:00:00Z to 1970-01-02T00:00:00Z")
}

// TestReportMinorUnits: a report's amounts are written with at least
// their currency's minor units (JPY 0, KWD 3, EUR 2) and every decimal
// they have, as the bonus report and the outcomes write theirs: the sum of
// two payouts of 125 JPY is 250, not 250.00, and 0.9 KWD is 0.900.
func TestReportMinorUnits(t *testing.T) {
	day0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	r := tracking.ReportOf(day0, day0.Add(24*time.Hour), []store.ReportRow{
		{Day: day0, Offer: "casino", Publisher: "alpha", Clicks: 2, Conversions: map[string]int64{"first_deposit": 2},
			Money: []store.ReportMoney{
				{Currency: "EUR", Payout: dec("10.125"), Revenue: dec("12"), Margin: dec("1.875")},
				{Currency: "JPY", Payout: dec("600.30"), Revenue: dec("250"), Margin: dec("-350.3")},
				{Currency: "KWD", Payout: dec("0.9"), Revenue: dec("0.375"), Margin: dec("-0.525")},
			}},
	})
	want := []tracking.ReportMoney{
		{Currency: "EUR", Payout: "10.125", Revenue: "12.00", Margin: "1.875", Conversions: map[string]int64{}},
		{Currency: "JPY", Payout: "600.3", Revenue: "250", Margin: "-350.3", Conversions: map[string]int64{}},
		{Currency: "KWD", Payout: "0.900", Revenue: "0.375", Margin: "-0.525", Conversions: map[string]int64{}},
	}
	require.Len(t, r.Rows, 1)
	assert.Equal(t, want, r.Rows[0].Money)
}

// TestReportSums: the clicks and conversions columns of the CSV add up to
// the report's clicks and conversions, however many currencies a row's
// lines are in: a row's clicks are on its first line only, and each
// conversion on the line of its money's currency (or the line without
// currency), never on two.
func TestReportSums(t *testing.T) {
	r := sampleReport()
	var clicks, conversions int64
	for _, row := range r.Rows {
		clicks += row.Clicks
		for _, n := range row.Conversions {
			conversions += n
		}
	}
	var b bytes.Buffer
	require.NoError(t, tracking.WriteCSV(&b, r))
	recs, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	var gotClicks, gotConversions int64
	for _, rec := range recs[1:] {
		if rec[3] != "" {
			n, err := strconv.ParseInt(rec[3], 10, 64)
			require.NoError(t, err)
			gotClicks += n
		}
		n, err := strconv.ParseInt(rec[5], 10, 64)
		require.NoError(t, err)
		gotConversions += n
	}
	assert.Equal(t, []int64{clicks, conversions}, []int64{gotClicks, gotConversions}, "clicks and conversions summed over the CSV's records")
	assert.Len(t, recs, 1+5, "a header; casino/alpha in EUR, USD and without money; casino/beta; spa/alpha")
}
