package server_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/tracking"
	"github.com/promoc/promoc/runtime/tracking/chart"
)

// TestTrackingReportFormats: GET /v1/reports/tracking?format= answers the
// report as promoc report tracking writes it (--format table, csv, json,
// and --chart as SVG or PNG): the same writers on the same report, each
// with its media type, and a 400 for any other format.
func TestTrackingReportFormats(t *testing.T) {
	h := tracked(t)
	id := h.clickOK("pub=alpha")
	h.clickOK("pub=alpha")
	r := h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, body: map[string]any{"session": id, "kind": "first_deposit", "amount": "10.50", "currency": "EUR"}})
	require.Equal(t, 201, r.status, "%s", r.raw)

	const path = "/v1/reports/tracking?from=2026-11-01&to=2026-11-04"
	r = h.do(call{method: "GET", path: path, role: server.Viewer})
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
			tt.check(t, r.raw)
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
