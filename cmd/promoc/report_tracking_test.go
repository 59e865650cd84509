package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

// TestReportTrackingAPI: promoc report tracking and a running promoc
// serve's GET /v1/reports/tracking give the same report of one database:
// the same CSV and table bytes, the same JSON report, and the same chart,
// SVG and PNG, as --chart writes to its file.
func TestReportTrackingAPI(t *testing.T) {
	dir := t.TempDir()
	writeServeRules(t, dir)
	db := filepath.Join(dir, "promoc.db")
	cli := func(args ...string) []byte {
		t.Helper()
		var out, errOut bytes.Buffer
		require.Equal(t, 0, run(append(args, "--db", db), nil, &out, &errOut), "promoc %s: %s", strings.Join(args, " "), errOut.String())
		return out.Bytes()
	}
	cli("offers", "add", "casino", "--web-page", "https://casino.example/join")
	cli("publishers", "add", "alpha")
	cli("publishers", "add", "beta")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := openStore(ctx, db, true)
	require.NoError(t, err)
	at := func(s string) time.Time { v, err := time.Parse(time.RFC3339, s); require.NoError(t, err); return v }
	require.NoError(t, st.(store.Tracking).Clicks(ctx, []store.Session{
		{ID: "s1", Offer: "casino", Publisher: "alpha", At: at("2026-12-06T09:00:00Z"), IPHash: []byte("ip1")},
		{ID: "s2", Offer: "casino", Publisher: "alpha", At: at("2026-12-06T10:00:00Z"), IPHash: []byte("ip2")},
		{ID: "s3", Offer: "casino", Publisher: "beta", At: at("2026-12-08T08:00:00Z")},
	}))
	price := func(c *store.Conversion, _ store.ConversionReader) error {
		c.Payout, c.PayoutCurrency = decimal.RequireFromString("30.00"), "EUR"
		c.Revenue, c.RevenueCurrency = decimal.RequireFromString("45.005"), "EUR"
		return nil
	}
	for _, c := range []store.ConversionRequest{
		{Session: "s1", Kind: "registration", At: at("2026-12-06T09:30:00Z"), Window: 24 * time.Hour},
		{Session: "s3", Kind: "first_deposit", At: at("2026-12-08T09:00:00Z"), Window: 24 * time.Hour,
			Amount: decimal.RequireFromString("100.00"), Currency: "EUR"},
	} {
		r, err := st.(store.Tracking).Convert(ctx, []store.ConversionRequest{c}, price)
		require.NoError(t, err)
		require.Empty(t, r[0].Rejected)
	}
	require.NoError(t, st.Close())

	srv := serveInProcess(t, ctx, "serve", filepath.Join(dir, "rules"), "--db", db, "--addr", "127.0.0.1:0", "--tick", "50ms")
	url := srv.url
	srv.drain()
	key := strings.TrimSpace(string(cli("keys", "create", "--role", "viewer")))

	const days = "from=2026-12-06&to=2026-12-09"
	api := func(format string) (string, []byte) {
		t.Helper()
		req, err := http.NewRequest("GET", url+"/v1/reports/tracking?"+days+"&format="+format, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode, "%s", b)
		return resp.Header.Get("Content-Type"), b
	}
	report := []string{"report", "tracking", "--from", "2026-12-06", "--to", "2026-12-09"}
	for _, format := range []string{"csv", "table"} {
		_, body := api(format)
		want := cli(append(report, "--format", format)...)
		assert.Equal(t, string(want), string(body), format)
		assert.Contains(t, string(body), "45.005", format)
	}
	var fromCLI, fromAPI tracking.Report
	require.NoError(t, json.Unmarshal(cli(append(report, "--format", "json")...), &fromCLI))
	_, body := api("json")
	require.NoError(t, json.Unmarshal(body, &fromAPI))
	assert.Equal(t, fromCLI, fromAPI)
	require.Len(t, fromAPI.Rows, 2)
	for _, format := range []string{"svg", "png"} {
		file := filepath.Join(dir, "chart."+format)
		cli(append(report, "--chart", file)...)
		want, err := os.ReadFile(file)
		require.NoError(t, err)
		ctype, body := api(format)
		assert.Equal(t, "image/"+map[string]string{"svg": "svg+xml", "png": "png"}[format], ctype)
		assert.True(t, bytes.Equal(want, body), "%s: the API's chart is --chart's (%d and %d bytes)", format, len(body), len(want))
	}

	srv.stop(t, 10*time.Second)
}
