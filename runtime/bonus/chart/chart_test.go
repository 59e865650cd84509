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

	"github.com/promoc/promoc/runtime/bonus/chart"
	"github.com/promoc/promoc/runtime/store"
)

var day0 = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func days() []store.BonusDay {
	return []store.BonusDay{
		{Source: "promoc", Campaign: "welcome", Currency: "EUR", Day: day0, Granted: dec("0.1"), Real: dec("0")},
		{Source: "promoc", Campaign: "welcome", Currency: "EUR", Day: day0.AddDate(0, 0, 2), Granted: dec("0.2"), Real: dec("0.1")},
		{Source: "fasttrack", Campaign: "1234", Currency: "USD", Day: day0.AddDate(0, 0, 1), Granted: dec("25"), Real: dec("5")},
	}
}

func TestSeriesOf(t *testing.T) {
	ss := chart.SeriesOf(days())
	var got []string
	for _, s := range ss {
		line := s.Name + ":"
		for _, p := range s.Points {
			line += " " + p.Day.Format("01-02") + "=" + p.Amount.String()
		}
		got = append(got, line)
	}
	assert.Equal(t, []string{
		"fasttrack 1234 USD granted: 12-06=0 12-07=25 12-08=25",
		"fasttrack 1234 USD turned real: 12-06=0 12-07=5 12-08=5",
		"welcome EUR granted: 12-06=0.1 12-07=0.1 12-08=0.3",
		"welcome EUR turned real: 12-06=0 12-07=0 12-08=0.1",
	}, got, "cumulated exactly, every day from the first to the last")
	assert.Empty(t, chart.SeriesOf(nil))
}

// texts are the text elements of an SVG document; it fails unless the
// document is well-formed XML with an svg root.
func texts(t *testing.T, doc []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var out []string
	root := ""
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "well-formed SVG")
		switch x := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = x.Name.Local
			}
			inText = x.Name.Local == "text"
		case xml.CharData:
			if inText {
				out = append(out, string(x))
			}
		case xml.EndElement:
			inText = false
		}
	}
	require.Equal(t, "svg", root)
	return out
}

func TestDrawSVG(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, chart.Draw(&b, "svg", "Bonuses", chart.SeriesOf(days())))
	got := texts(t, b.Bytes())
	for _, want := range []string{"Bonuses", "welcome EUR granted", "welcome EUR turned real", "fasttrack 1234 USD granted",
		"fasttrack 1234 USD turned real", "2026-12-07", "day (UTC)"} {
		assert.Contains(t, got, want, "the chart's title, legend and axis")
	}
	assert.GreaterOrEqual(t, bytes.Count(b.Bytes(), []byte("stroke-dasharray")), 2, "the two turned-real lines are dashed")
}

func TestDrawPNG(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, chart.Draw(&b, "PNG", "Bonuses", chart.SeriesOf(days())))
	img, err := png.Decode(&b)
	require.NoError(t, err, "a valid PNG")
	assert.Greater(t, img.Bounds().Dx(), 500)
	assert.Greater(t, img.Bounds().Dy(), 300)
	b.Reset()
	require.NoError(t, chart.Draw(&b, "png", "Bonuses", nil), "no bonuses: an empty chart")
	_, err = png.Decode(&b)
	require.NoError(t, err)
	assert.ErrorContains(t, chart.Draw(&b, "gif", "Bonuses", nil), `chart format "gif": expected svg or png`)
}
