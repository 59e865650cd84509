package server

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

// reportFormats are the formats of GET /v1/reports/tracking?format=,
// and their media types: those of promoc report tracking --format, and
// its --chart.
var reportFormats = map[string]string{
	"json":  "application/json",
	"table": "text/plain; charset=utf-8",
	"csv":   "text/csv; charset=utf-8",
	"svg":   "image/svg+xml",
	"png":   "image/png",
}

// reportFormatNames are the keys of reportFormats, in the order errors
// name them.
var reportFormatNames = []string{"json", "table", "csv", "svg", "png"}

// acceptedFormat is the format an Accept header asks for, without a
// format parameter: the supported media type of the highest q (the first
// of equals), JSON for */*, for none supported, or without the header.
func acceptedFormat(accept string) string {
	best, bestQ := "json", -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		if q == 0 || q <= bestQ {
			continue
		}
		for _, f := range reportFormatNames {
			if base, _, _ := strings.Cut(reportFormats[f], ";"); base == mt {
				best, bestQ = f, q
			}
		}
		if mt == "*/*" || mt == "application/*" {
			best, bestQ = "json", q
		}
	}
	return best
}

// getTrackingReport is GET /v1/reports/tracking?from=DAY&to=DAY&format=F:
// the report of promoc report tracking (days of [from, to); by default
// the 30 days before today, and today), as JSON (the default), its table,
// its CSV, or its chart as SVG or PNG, written by the CLI's own writers.
// Without format, the Accept header chooses among the same media types.
func (s *Server) getTrackingReport(ctx context.Context, q *request) (int, any, error) {
	p := queryOf(q, "from", "to", "format")
	if p.err != nil {
		return 0, nil, p.err
	}
	format := p.v.Get("format")
	if format == "" {
		format = acceptedFormat(q.Header.Get("Accept"))
	}
	if _, ok := reportFormats[format]; !ok {
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "format=%q: expected %s", format, strings.Join(reportFormatNames, ", ")).
			with("parameter", "format").with("expected", reportFormatNames)
	}
	ts, ok := s.st.(store.Tracking)
	if !ok {
		return 0, nil, errorf(http.StatusNotImplemented, CodeNoTracking, "this server's store keeps no tracking")
	}
	from, to, err := tracking.ReportDays(s.now(), p.v.Get("from"), p.v.Get("to"))
	if de := (*tracking.DaysError)(nil); errors.As(err, &de) {
		if de.Value != "" {
			return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "%s=%q: expected a day such as 2026-12-06", de.Name, de.Value).with("parameter", de.Name)
		}
		return 0, nil, errorf(http.StatusBadRequest, CodeInvalidParameter, "to %s is not after from %s", de.To.Format(time.DateOnly), de.From.Format(time.DateOnly)).with("parameter", "to")
	}
	rows, err := ts.TrackingReport(ctx, from, to)
	if err != nil {
		return 0, nil, err
	}
	r := tracking.ReportOf(from, to, rows)
	vary := http.Header{"Vary": {"Accept"}}
	var b bytes.Buffer
	switch format {
	case "json":
		return http.StatusOK, headered{v: r, header: vary}, nil
	case "table":
		err = tracking.WriteTable(&b, r)
	case "csv":
		err = tracking.WriteCSV(&b, r)
	default:
		// A chart is drawn one at a time, or answered from those drawn
		// last for the same report (tracking_chart.go).
		body, err := s.charts.draw(ctx, format, r)
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusServiceUnavailable {
			return e.Status, headered{v: e, header: http.Header{"Retry-After": {"1"}, "Vary": {"Accept"}}}, nil
		}
		if err != nil {
			return 0, nil, err
		}
		b.Write(body)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rawBody{contentType: reportFormats[format], header: vary, body: b.Bytes()}, nil
}
