// Package chart draws the report of bonuses as a chart: per day, the
// cumulated amounts granted and turned real of each campaign and
// currency, one line each, as SVG or PNG, with gonum.org/v1/plot.
//
// The numbers of the report are exact decimals; a chart's scale is not.
// Here, and only here, amounts become float64, to be drawn: [Series]
// keeps the exact cumulated amounts beside the points it draws.
package chart

import (
	"fmt"
	"image/color"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/promoc/promoc/runtime/store"
)

// Point is one day of a series: the amount cumulated up to the end of
// Day, exact.
type Point struct {
	Day    time.Time
	Amount decimal.Decimal
}

// Series is one line of the chart: what a campaign granted, or turned
// real, in one currency, day by day.
type Series struct {
	Name   string // "welcome EUR granted"
	Points []Point
}

// SeriesOf is the lines of days: for each source, campaign and currency,
// the amounts granted and turned real, cumulated, on every day from the
// first day of the report to the last, sorted by name.
func SeriesOf(days []store.BonusDay) []Series {
	type key struct{ source, campaign, currency string }
	type sums struct{ granted, real map[time.Time]decimal.Decimal }
	by := map[key]*sums{}
	var first, last time.Time
	for _, d := range days {
		k := key{d.Source, d.Campaign, d.Currency}
		s := by[k]
		if s == nil {
			s = &sums{granted: map[time.Time]decimal.Decimal{}, real: map[time.Time]decimal.Decimal{}}
			by[k] = s
		}
		s.granted[d.Day] = s.granted[d.Day].Add(d.Granted)
		s.real[d.Day] = s.real[d.Day].Add(d.Real)
		if first.IsZero() || d.Day.Before(first) {
			first = d.Day
		}
		if d.Day.After(last) {
			last = d.Day
		}
	}
	var out []Series
	for k, s := range by {
		name := k.campaign
		if k.source != store.SourcePromoc {
			name = k.source + " " + name
		}
		if k.currency != "" {
			name += " " + k.currency
		}
		for _, what := range []struct {
			suffix string
			m      map[time.Time]decimal.Decimal
		}{{"granted", s.granted}, {"turned real", s.real}} {
			sr := Series{Name: name + " " + what.suffix}
			total := decimal.Zero
			for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
				total = total.Add(what.m[d])
				sr.Points = append(sr.Points, Point{Day: d, Amount: total})
			}
			out = append(out, sr)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Formats are the formats Draw writes.
var Formats = []string{"svg", "png"}

// Draw draws the series as a line chart in format (svg or png) on w.
func Draw(w io.Writer, format string, title string, series []Series) error {
	format = strings.ToLower(format)
	if format != "svg" && format != "png" {
		return fmt.Errorf("chart format %q: expected svg or png", format)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "day (UTC)"
	p.Y.Label.Text = "amount, cumulated"
	p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02"}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	for i, s := range series {
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			// The one conversion to float64: a position on the chart.
			y, _ := pt.Amount.Float64()
			xys[j] = plotter.XY{X: float64(pt.Day.Unix()), Y: y}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("series %s: %w", s.Name, err)
		}
		l.Color = palette[(i/2)%len(palette)]
		l.Width = vg.Points(1.5)
		if strings.HasSuffix(s.Name, "turned real") {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	if len(series) == 0 {
		p.Title.Text = title + " (no bonuses)"
	}
	wt, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, format)
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}

// palette colours a campaign's pair of lines (granted solid, turned real
// dashed) alike.
var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}
