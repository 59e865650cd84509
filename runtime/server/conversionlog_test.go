package server_test

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// TestConversionRejectedLog: a rejected conversion is logged (issue 14) as
// one warning with its reason and what identifies the report (session,
// offer, kind, advertiser's reference), and nothing secret or personal:
// not the API key, not the client's address, not the player.
func TestConversionRejectedLog(t *testing.T) {
	h := tracked(t)
	id := h.clickOK("pub=alpha")
	r := h.do(call{method: "POST", path: "/v1/conversions", role: server.Operator, headers: []string{"X-Forwarded-For", "203.0.113.9"},
		body: map[string]any{"session": id, "player": "p9-secret-person", "kind": "first_deposit", "ref": "tx-77", "time": "2026-11-01T00:00:00Z"}})
	require.Equal(t, 422, r.status, "%s", r.raw)
	require.Equal(t, "conversion-rejected", r.code())

	var lines []map[string]any
	var raw []string
	sc := bufio.NewScanner(strings.NewReader(h.logs.String()))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "a JSON line: %s", sc.Text())
		if m["msg"] == "conversion rejected" {
			lines, raw = append(lines, m), append(raw, sc.Text())
		}
	}
	require.Len(t, lines, 1, "one line for one rejection")
	l := lines[0]
	assert.Equal(t, "WARN", l["level"])
	assert.Equal(t, "before-click", l["reason"])
	assert.Equal(t, id, l["session"])
	assert.Equal(t, "first_deposit", l["kind"])
	assert.Equal(t, "tx-77", l["ref"])
	for _, secret := range []string{h.keys[server.Operator], "Bearer", "test secret", "192.0.2.1", "203.0.113.9", "p9-secret-person"} {
		assert.NotContains(t, raw[0], secret)
	}
}

// TestTrackingLinkLog: the request log's line of a tracking link, followed
// or refused, names the route and its answer but not the address of the
// person who clicked (spec/semantics.md, Sessions: no personally
// identifying data is kept, the address only as a keyed hash), which the
// line of every other request carries.
func TestTrackingLinkLog(t *testing.T) {
	h := tracked(t)
	h.clickOK("pub=alpha")
	r := h.do(call{method: "GET", path: "/t/casino?pub=nobody"})
	require.Equal(t, 404, r.status, "%s", r.raw)
	// A link under /t/ that is none (a publisher's typo) is followed by a
	// person too: a 404, whose line has no address either.
	for _, typo := range []string{"/t/casino/?pub=alpha", "/t/?pub=alpha", "/t?pub=alpha"} {
		r = h.do(call{method: "GET", path: typo})
		require.Equal(t, 404, r.status, "%s: %s", typo, r.raw)
	}
	h.do(call{method: "GET", path: "/v1/publishers", role: server.Viewer})

	var clicks, others int
	sc := bufio.NewScanner(strings.NewReader(h.logs.String()))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "a JSON line: %s", sc.Text())
		if m["msg"] != "request" {
			continue
		}
		if p := m["path"].(string); p == "/t" || strings.HasPrefix(p, "/t/") {
			clicks++
			assert.NotContains(t, sc.Text(), "192.0.2.1", "the clicker's address")
			assert.NotContains(t, m, "remote")
		} else {
			others++
			assert.Equal(t, "192.0.2.1:1234", m["remote"], "an API client's address is logged")
		}
	}
	assert.Equal(t, 5, clicks, "every click logged")
	assert.Positive(t, others)
}
