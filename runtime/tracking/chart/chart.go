// Package chart draws the tracking report as a chart, with
// gonum.org/v1/plot: per UTC day, the conversions (all offers and
// publishers) above, and the margin (revenue - payout) of each currency
// below, as SVG or PNG.
//
// The report's amounts are exact decimals; a chart's scale is not. Here,
// and only here, margins become float64, to be drawn.
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
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/promoc/promoc/runtime/tracking"
)

// Day is one day of the chart: the conversions, and the margin per
// currency, exact.
type Day struct {
	Day         time.Time
	Conversions int64
	Margin      map[string]decimal.Decimal
}

// DaysOf sums a report's rows per day, every day from the first of the
// report's rows to the last.
func DaysOf(r tracking.Report) ([]Day, error) {
	by := map[time.Time]*Day{}
	var first, last time.Time
	for _, row := range r.Rows {
		d, err := time.Parse(time.DateOnly, row.Day)
		if err != nil {
			return nil, fmt.Errorf("row of day %q: %w", row.Day, err)
		}
		day := by[d]
		if day == nil {
			day = &Day{Day: d, Margin: map[string]decimal.Decimal{}}
			by[d] = day
		}
		for _, n := range row.Conversions {
			day.Conversions += n
		}
		for _, m := range row.Money {
			v, err := decimal.NewFromString(m.Margin)
			if err != nil {
				return nil, fmt.Errorf("margin %q: %w", m.Margin, err)
			}
			day.Margin[m.Currency] = day.Margin[m.Currency].Add(v)
		}
		if first.IsZero() || d.Before(first) {
			first = d
		}
		if d.After(last) {
			last = d
		}
	}
	var out []Day
	for d := first; !first.IsZero() && !d.After(last); d = d.AddDate(0, 0, 1) {
		if by[d] != nil {
			out = append(out, *by[d])
		} else {
			out = append(out, Day{Day: d, Margin: map[string]decimal.Decimal{}})
		}
	}
	return out, nil
}

// Formats are the formats Draw writes.
var Formats = []string{"svg", "png"}

// Title is the title of a report's chart.
const Title = "Conversions and margin per day"

// DrawReport draws the report r in format (svg or png) on w, as promoc
// report tracking --chart and GET /v1/reports/tracking?format= do: its
// days (see [DaysOf]) under [Title].
func DrawReport(w io.Writer, format string, r tracking.Report) (days int, err error) {
	ds, err := DaysOf(r)
	if err != nil {
		return 0, err
	}
	return len(ds), Draw(w, format, Title, ds)
}

// Draw draws the days in format (svg or png) on w: conversions per day
// above, margin per day and currency below.
func Draw(w io.Writer, format, title string, days []Day) error {
	format = strings.ToLower(format)
	width, height := 8*vg.Inch, 7*vg.Inch
	var c draw.Canvas
	var out io.WriterTo
	switch format {
	case "svg":
		sc := vgsvg.New(width, height)
		c, out = draw.New(sc), sc
	case "png":
		ic := vgimg.New(width, height)
		c, out = draw.New(ic), vgimg.PngCanvas{Canvas: ic}
	default:
		return fmt.Errorf("chart format %q: expected svg or png", format)
	}
	conv := plot.New()
	conv.Title.Text = title
	if len(days) == 0 {
		conv.Title.Text += " (no clicks or conversions)"
	}
	conv.Y.Label.Text = "conversions per day"
	margin := plot.New()
	margin.Y.Label.Text = "margin per day (revenue - payout)"
	margin.X.Label.Text = "day (UTC)"
	for _, p := range []*plot.Plot{conv, margin} {
		p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02"}
		p.Legend.Top, p.Legend.Left = true, true
		p.Add(plotter.NewGrid())
	}
	xys := make(plotter.XYs, len(days))
	curs := map[string]bool{}
	for i, d := range days {
		xys[i] = plotter.XY{X: float64(d.Day.Unix()), Y: float64(d.Conversions)}
		for c := range d.Margin {
			curs[c] = true
		}
	}
	if len(days) > 0 {
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.Color, l.Width = palette[0], vg.Points(1.5)
		conv.Add(l)
		conv.Legend.Add("conversions", l)
	}
	var names []string
	for c := range curs {
		names = append(names, c)
	}
	sort.Strings(names)
	for i, cur := range names {
		xys := make(plotter.XYs, len(days))
		for j, d := range days {
			// The one conversion to float64: a position on the chart.
			y, _ := d.Margin[cur].Float64()
			xys[j] = plotter.XY{X: float64(d.Day.Unix()), Y: y}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		l.Color, l.Width = palette[(i+1)%len(palette)], vg.Points(1.5)
		margin.Add(l)
		margin.Legend.Add("margin "+cur, l)
	}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(4), PadY: vg.Points(8)}
	canvases := plot.Align([][]*plot.Plot{{conv}, {margin}}, tiles, c)
	conv.Draw(canvases[0][0])
	margin.Draw(canvases[1][0])
	_, err := out.WriteTo(w)
	return err
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}
