package server_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/tracking"
	"github.com/promoc/promoc/runtime/tracking/chart"
)

// TestTrackingReportFormats: GET /v1/reports/tracking?format= answers the
// report as promoc report tracking writes it (--format table, csv, json,
// and --chart as SVG or PNG): the same writers on the same report, each
// with its media type, and a 400 for any other format; without format,
// as the Accept header asks.
func TestTrackingReportFormats(t *testing.T) {
	h := tracked(t)
	h.twoClicksOneDeposit()

	const path = "/v1/reports/tracking?from=2026-11-01&to=2026-11-04"
	r := h.do(call{method: "GET", path: path, role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	var report tracking.Report
	require.NoError(t, json.Unmarshal(r.raw, &report))
	require.Len(t, report.Rows, 1)
	jsonBody := r.raw

	written := func(write func(io.Writer, tracking.Report) error) []byte {
		var b bytes.Buffer
		require.NoError(t, write(&b, report))
		return b.Bytes()
	}
	drawn := func(format string) []byte {
		var b bytes.Buffer
		days, err := chart.DrawReport(&b, format, report)
		require.NoError(t, err)
		require.Equal(t, 1, days, "the clicks and the conversion are of 2026-11-02")
		return b.Bytes()
	}
	tests := []struct {
		format, contentType string
		check               func(t *testing.T, body []byte)
	}{
		{"", "application/json", func(t *testing.T, body []byte) { assert.Equal(t, string(jsonBody), string(body)) }},
		{"json", "application/json", func(t *testing.T, body []byte) { assert.Equal(t, string(jsonBody), string(body)) }},
		{"table", "text/plain; charset=utf-8", func(t *testing.T, body []byte) {
			assert.Equal(t, string(written(tracking.WriteTable)), string(body))
			assert.Contains(t, string(body), "first_deposit=1")
		}},
		{"csv", "text/csv; charset=utf-8", func(t *testing.T, body []byte) {
			assert.Equal(t, string(written(tracking.WriteCSV)), string(body), "the CLI's --format csv of the same report")
			recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			require.NoError(t, err)
			require.Len(t, recs, 2)
			assert.Equal(t, []string{"day", "offer", "publisher", "clicks", "unique_clicks", "conversions", "conversion_rate", "currency", "payout", "revenue", "margin", "conversions_by_kind"}, recs[0])
			assert.Equal(t, []string{"2026-11-02", "casino", "alpha", "2", "1", "1", "50.00"}, recs[1][:7])
			assert.Equal(t, "first_deposit=1", recs[1][11])
		}},
		{"svg", "image/svg+xml", func(t *testing.T, body []byte) {
			d := xml.NewDecoder(bytes.NewReader(body))
			root := ""
			for {
				tok, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err, "the SVG is XML")
				if se, ok := tok.(xml.StartElement); ok && root == "" {
					root = se.Name.Local
				}
			}
			assert.Equal(t, "svg", root)
			assert.Contains(t, string(body), chart.Title)
			assert.Equal(t, drawn("svg"), body, "the CLI's --chart FILE.svg of the same report")
		}},
		{"png", "image/png", func(t *testing.T, body []byte) {
			require.True(t, bytes.HasPrefix(body, []byte("\x89PNG\r\n\x1a\n")), "PNG magic bytes: % x", body[:min(8, len(body))])
			cfg, err := png.DecodeConfig(bytes.NewReader(body))
			require.NoError(t, err)
			assert.Positive(t, cfg.Width)
			assert.Equal(t, drawn("png"), body, "the CLI's --chart FILE.png of the same report")
		}},
	}
	for _, tt := range tests {
		t.Run("format="+tt.format, func(t *testing.T) {
			p := path
			if tt.format != "" {
				p += "&format=" + tt.format
			}
			r := h.do(call{method: "GET", path: p, role: server.Viewer})
			require.Equal(t, 200, r.status, "%s", r.raw)
			assert.Equal(t, tt.contentType, r.header.Get("Content-Type"))
			assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
			assert.Equal(t, "Accept", r.header.Get("Vary"))
			tt.check(t, r.raw)
		})
	}

	// Without format, the Accept header chooses: the supported type of
	// the highest q, the first of equals; JSON otherwise.
	for _, tt := range []struct{ accept, contentType string }{
		{"text/csv", "text/csv; charset=utf-8"},
		{"image/png", "image/png"},
		{"image/svg+xml;q=0.9, image/png;q=0.5", "image/svg+xml"},
		{"image/svg+xml;q=0.5, image/png;q=0.9", "image/png"},
		{"text/html, text/plain;q=0.8", "text/plain; charset=utf-8"},
		{"text/csv, image/png", "text/csv; charset=utf-8"},
		{"*/*", "application/json"},
		{"*/*, text/csv", "application/json"},
		{"text/csv;q=0.1, */*", "application/json"},
		{"image/png;q=0, text/html", "application/json"},
		{"application/json", "application/json"},
		{"text/html", "application/json"},
		{"image/png;q=high, text/csv", "text/csv; charset=utf-8"},
		{";;;, text/csv", "text/csv; charset=utf-8"},
		{"", "application/json"},
	} {
		t.Run("Accept: "+tt.accept, func(t *testing.T) {
			hdr := []string{"Accept", tt.accept}
			r := h.do(call{method: "GET", path: path, role: server.Viewer, headers: hdr})
			require.Equal(t, 200, r.status, "%s", r.raw)
			assert.Equal(t, tt.contentType, r.header.Get("Content-Type"))
			r2 := h.do(call{method: "GET", path: path + "&format=json", role: server.Viewer, headers: hdr})
			assert.Equal(t, "application/json", r2.header.Get("Content-Type"), "format wins over Accept")
		})
	}

	for _, q := range []string{"&format=xml", "&format=CSV", "&format=", "&format=csv&format=png"} {
		t.Run("refused "+q, func(t *testing.T) {
			r := h.do(call{method: "GET", path: path + q, role: server.Viewer})
			if q == "&format=" {
				assert.Equal(t, 200, r.status, "an empty format is the default: %s", r.raw)
				return
			}
			require.Equal(t, 400, r.status, "%s", r.raw)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			assert.Equal(t, "invalid-parameter", r.code())
			assert.Equal(t, "format", r.json["details"].(map[string]any)["parameter"])
		})
	}
	r = h.do(call{method: "GET", path: path + "&format=xml", role: server.Viewer})
	assert.Equal(t, `format="xml": expected json, table, csv, svg, png`, r.json["message"])
}

// TestTrackingReportDocument: the OpenAPI document's check of the
// report's non-JSON answers is not vacuous: a media type it does not list
// and a CSV that is not CSV are refused.
func TestTrackingReportDocument(t *testing.T) {
	h := newHarness(t)
	req := httptest.NewRequest("GET", "/v1/reports/tracking?format=png", nil)
	for _, tt := range []struct {
		contentType, body string
		ok                bool
	}{
		{"image/png", "\x89PNG\r\n\x1a\n", true},
		{"text/csv; charset=utf-8", "day,offer\n2026-12-06,casino\n", true},
		{"image/gif", "GIF89a", false},
		{"text/csv; charset=utf-8", "day,\"offer\n", false},
	} {
		err := validateResponse(t, h.h, req, 200, http.Header{"Content-Type": {tt.contentType}}, []byte(tt.body))
		if tt.ok {
			assert.NoError(t, err, tt.contentType)
		} else {
			assert.Error(t, err, tt.contentType)
		}
	}
}

// TestTrackingReportChartBusy: a chart that finds no turn to be drawn is
// a 503 unavailable with Retry-After, and is drawn once a turn is free; a
// chart of the same report is then answered without a turn (kept), and
// the table needs none.
func TestTrackingReportChartBusy(t *testing.T) {
	h := tracked(t)
	h.clickOK("pub=alpha")
	const path = "/v1/reports/tracking?from=2026-11-01&to=2026-11-04&format=png"
	release := h.srv.HoldCharts(10 * time.Millisecond)
	r := h.do(call{method: "GET", path: path, role: server.Viewer})
	require.Equal(t, 503, r.status, "%s", r.raw)
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.Equal(t, server.CodeUnavailable, r.code())
	r = h.do(call{method: "GET", path: "/v1/reports/tracking?from=2026-11-01&to=2026-11-04&format=table", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	release()

	r = h.do(call{method: "GET", path: path, role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	first := r.raw
	_, err := png.Decode(bytes.NewReader(first))
	require.NoError(t, err)
	release = h.srv.HoldCharts(10 * time.Millisecond)
	defer release()
	r = h.do(call{method: "GET", path: path, role: server.Viewer})
	require.Equal(t, 200, r.status, "kept: no turn needed: %s", r.raw)
	assert.Equal(t, first, r.raw)
	h.clickOK("pub=alpha")
	r = h.do(call{method: "GET", path: path, role: server.Viewer})
	assert.Equal(t, 503, r.status, "a click more: another report, to be drawn")

	r = h.do(call{method: "GET", path: "/metrics", role: server.Viewer})
	require.Equal(t, 200, r.status)
	for _, line := range []string{`promoc_report_charts_total{result="busy"} 2`, `promoc_report_charts_total{result="drawn"} 1`, `promoc_report_charts_total{result="kept"} 1`} {
		assert.Contains(t, string(r.raw), line)
	}
}

// TestTrackingReportDays: from and to that are not days, or a to not after
// from, are 400 naming the parameter, as promoc report tracking refuses
// --from and --to.
func TestTrackingReportDays(t *testing.T) {
	h := tracked(t)
	for _, tt := range []struct{ query, parameter, message string }{
		{"from=06/11/2026", "from", `from="06/11/2026": expected a day such as 2026-12-06`},
		{"to=2026-11", "to", `to="2026-11": expected a day such as 2026-12-06`},
		{"from=2026-11-07&to=2026-11-07", "to", "to 2026-11-07 is not after from 2026-11-07"},
		{"from=2026-11-08&to=2026-11-07", "to", "to 2026-11-07 is not after from 2026-11-08"},
	} {
		r := h.do(call{method: "GET", path: "/v1/reports/tracking?" + tt.query, role: server.Viewer})
		require.Equal(t, 400, r.status, "%s: %s", tt.query, r.raw)
		assert.Equal(t, "invalid-parameter", r.code(), tt.query)
		assert.Equal(t, tt.parameter, r.json["details"].(map[string]any)["parameter"], tt.query)
		assert.Equal(t, tt.message, r.json["message"], tt.query)
	}
}
