package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

func TestOutcomesFeed(t *testing.T) {
	h := newHarness(t)
	var evs []any
	for _, p := range []string{"p1", "p2", "p3"} {
		evs = append(evs, reg("reg-"+p, p, t0), ev("d-"+p, p, "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card"))
	}
	require.Equal(t, 200, h.events(evs).status)
	tests := []struct {
		query   string
		status  int
		players []string
		next    float64
		msg     string
	}{
		{"", 200, []string{"p1", "p2", "p3"}, 3, ""},
		{"?after=1", 200, []string{"p2", "p3"}, 3, ""},
		{"?after=1&limit=1", 200, []string{"p2"}, 2, ""},
		{"?after=3", 200, nil, 3, ""},
		{"?after=99", 200, nil, 99, ""},
		{"?after=-1", 400, nil, 0, `after="-1": expected an integer from 0`},
		{"?limit=0", 400, nil, 0, `limit="0": expected an integer from 1 to 1000`},
		{"?limit=1001", 400, nil, 0, "from 1 to 1000"},
		{"?limit=ten", 400, nil, 0, "expected an integer"},
		{"?after=1&after=2", 400, nil, 0, `"after" given 2 times`},
		{"?cursor=1", 400, nil, 0, `unknown query parameter "cursor"`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := h.do(call{method: "GET", path: "/v1/outcomes" + tt.query, role: server.Viewer})
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			if tt.status != 200 {
				assert.Equal(t, server.CodeInvalidParameter, r.code())
				assert.Contains(t, r.json["message"], tt.msg)
				return
			}
			var players []string
			for _, o := range r.json["outcomes"].([]any) {
				players = append(players, o.(map[string]any)["player"].(string))
			}
			assert.Equal(t, tt.players, players)
			assert.Equal(t, tt.next, r.json["next"])
		})
	}
}

func TestApprovals(t *testing.T) {
	h := newHarness(t)
	var evs []any
	for _, p := range []string{"p1", "p2", "p3"} {
		evs = append(evs, reg("reg-"+p, p, t0), ev("big-"+p, p, "deposit", t0.Add(time.Minute), "amount", "2000.00", "method", "card"))
	}
	require.Equal(t, 200, h.events(evs).status)
	r := h.do(call{method: "GET", path: "/v1/approvals", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	var waiting []string
	for _, o := range r.json["outcomes"].([]any) {
		m := o.(map[string]any)
		if m["status"] == "waiting" {
			waiting = append(waiting, m["key"].(string))
		}
	}
	require.Len(t, waiting, 3)
	assert.True(t, strings.HasPrefix(waiting[0], "big_deposits/big_deposit_match/p1/"), waiting[0])

	tests := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
		want   string // the outcome's status
	}{
		{"approve", "/v1/approvals/approve", map[string]any{"key": waiting[0]}, 200, "", "issued"},
		{"approve again", "/v1/approvals/approve", map[string]any{"key": waiting[0]}, 409, server.CodeNotWaiting, ""},
		{"reject", "/v1/approvals/reject", map[string]any{"key": waiting[1], "reason": "fraud check"}, 200, "", "rejected"},
		{"reject decided", "/v1/approvals/reject", map[string]any{"key": waiting[1]}, 409, server.CodeNotWaiting, ""},
		{"unknown key", "/v1/approvals/approve", map[string]any{"key": "big_deposits/big_deposit_match/p9/abc"}, 409, server.CodeNotWaiting, ""},
		{"malformed key", "/v1/approvals/approve", map[string]any{"key": "p1"}, 400, server.CodeInvalidParameter, ""},
		{"empty part", "/v1/approvals/approve", map[string]any{"key": "a//p/h"}, 400, server.CodeInvalidParameter, ""},
		{"no key", "/v1/approvals/approve", map[string]any{}, 400, server.CodeInvalidParameter, ""},
		{"a reason to approve", "/v1/approvals/approve", map[string]any{"key": waiting[2], "reason": "x"}, 400, server.CodeInvalidParameter, ""},
		{"unknown field", "/v1/approvals/approve", map[string]any{"key": waiting[2], "note": "x"}, 400, server.CodeInvalidJSON, ""},
		{"key of the wrong type", "/v1/approvals/approve", map[string]any{"key": 7}, 400, server.CodeInvalidJSON, ""},
		{"two objects", "/v1/approvals/approve", `{"key":"a/b/c/d"} {}`, 400, server.CodeInvalidJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.outcomes())
			r := h.do(call{method: "POST", path: tt.path, role: server.Approver, body: tt.body})
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.code())
			if tt.status == 200 {
				assert.Equal(t, tt.want, r.json["status"])
				assert.Len(t, h.outcomes(), before+1)
			} else {
				assert.Len(t, h.outcomes(), before, "nothing logged")
			}
		})
	}
	r = h.do(call{method: "POST", path: "/v1/approvals/recalculate", role: server.Operator})
	require.Equal(t, 200, r.status, "%s", r.raw)
	outs := r.json["outcomes"].([]any)
	require.Len(t, outs, 1, "the one result still waiting")
	assert.Equal(t, waiting[2], outs[0].(map[string]any)["key"])

	r = h.do(call{method: "GET", path: "/v1/approvals?after=0&limit=5", role: server.Approver})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Len(t, r.json["outcomes"], 1)
	// The recalculated result keeps its first calculation, the deposit's
	// time, in calculated; its outcome's at is the recalculation's.
	o := r.json["outcomes"].([]any)[0].(map[string]any)
	assert.Equal(t, t0.Add(time.Minute).Format(time.RFC3339), o["calculated"])
	assert.Equal(t, h.clock.Now().UTC().Format(time.RFC3339), o["at"])
}

func TestCampaigns(t *testing.T) {
	h := newHarness(t)
	const c = "/v1/campaigns/first_deposit_bonus"
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
		check  func(t *testing.T, r response)
	}{
		{"list", "GET", "/v1/campaigns", nil, 200, "", func(t *testing.T, r response) {
			list := r.json["campaigns"].([]any)
			require.Len(t, list, 1)
			assert.Equal(t, map[string]any{"campaign": "first_deposit_bonus", "status": "active",
				"budgets": []any{map[string]any{"currency": "EUR", "limit": "25.00", "posted": "0.00", "reserved": "0.00", "left": "25.00"}}}, list[0])
		}},
		{"one", "GET", c, nil, 200, "", func(t *testing.T, r response) { assert.Equal(t, "active", r.json["status"]) }},
		{"unknown", "GET", "/v1/campaigns/nope", nil, 404, server.CodeNotFound, nil},
		{"suspend with the engine's reason", "POST", c + "/suspend", map[string]any{"reason": "budget-exhausted"}, 422, server.CodeInvalidParameter, func(t *testing.T, r response) {
			assert.Equal(t, map[string]any{"field": "reason"}, r.json["details"])
		}},
		{"suspend", "POST", c + "/suspend", map[string]any{"reason": "audit"}, 200, "", func(t *testing.T, r response) {
			assert.Equal(t, "suspended", r.json["status"])
			assert.Equal(t, "audit", r.json["reason"])
			assert.Equal(t, "2026-11-02T10:00:00Z", r.json["since"])
		}},
		{"suspend unknown", "POST", "/v1/campaigns/nope/suspend", nil, 404, server.CodeNotFound, nil},
		{"suspend with an unknown field", "POST", c + "/suspend", map[string]any{"why": "x"}, 400, server.CodeInvalidJSON, nil},
		{"resume", "POST", c + "/resume", nil, 200, "", func(t *testing.T, r response) {
			assert.Equal(t, "active", r.json["status"])
		}},
		{"budget", "PUT", c + "/budgets/EUR", map[string]any{"limit": "500.00"}, 200, "", func(t *testing.T, r response) {
			assert.Equal(t, "500.00", r.json["budgets"].([]any)[0].(map[string]any)["limit"])
		}},
		{"budget as a JSON number", "PUT", c + "/budgets/USD", `{"limit": 120.50}`, 200, "", func(t *testing.T, r response) {
			assert.Len(t, r.json["budgets"], 2)
		}},
		{"budget of unknown currency", "PUT", c + "/budgets/XXY", map[string]any{"limit": "5"}, 422, server.CodeInvalidAmount, nil},
		{"budget with 9 decimals", "PUT", c + "/budgets/EUR", map[string]any{"limit": "1.000000001"}, 422, server.CodeInvalidAmount, nil},
		{"negative budget", "PUT", c + "/budgets/EUR", map[string]any{"limit": "-1"}, 422, server.CodeInvalidAmount, nil},
		{"budget not a number", "PUT", c + "/budgets/EUR", map[string]any{"limit": "lots"}, 422, server.CodeInvalidAmount, nil},
		{"budget not a string", "PUT", c + "/budgets/EUR", map[string]any{"limit": true}, 400, server.CodeInvalidJSON, nil},
		{"budget without limit", "PUT", c + "/budgets/EUR", map[string]any{}, 400, server.CodeInvalidParameter, nil},
		{"budget of unknown campaign", "PUT", "/v1/campaigns/nope/budgets/EUR", map[string]any{"limit": "5"}, 404, server.CodeNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(call{method: tt.method, path: tt.path, role: server.Operator, body: tt.body})
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.code())
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
	// A budget below what is spent.
	require.Equal(t, 200, h.events([]any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}).status)
	r := h.do(call{method: "PUT", path: c + "/budgets/EUR", role: server.Operator, body: map[string]any{"limit": "5"}})
	assert.Equal(t, 409, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeBudgetBelowSpent, r.code())
}

func TestPlayerState(t *testing.T) {
	h := newHarness(t)
	require.Equal(t, 200, h.events([]any{reg("reg-p1", "p1", t0), ev("d1", "p1", "deposit", t0.Add(time.Minute), "amount", "50.00", "method", "card")}).status)
	r := h.do(call{method: "GET", path: "/v1/players/p1/state", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "p1", r.json["player"])
	assert.Equal(t, "EUR", r.json["currency"])
	assert.Equal(t, "Europe/Malta", r.json["zone"])
	assert.Contains(t, r.json["rules"], "first_deposit_bonus")

	r = h.do(call{method: "GET", path: "/v1/players/nobody/state", role: server.Viewer})
	assert.Equal(t, 404, r.status, "%s", r.raw)
	assert.Equal(t, server.CodeNotFound, r.code())
	r = h.do(call{method: "GET", path: "/v1/players/p1/state?x=1", role: server.Viewer})
	assert.Equal(t, 400, r.status, "%s", r.raw)
}

func TestEval(t *testing.T) {
	h := newHarness(t)
	input := `{"now": "2026-11-23T10:00:00Z", "player": {"id": "p1", "currency": "EUR", "properties": {"country": "MT"}},
		"transactions": [{"id": "d1", "kind": "deposit", "time": "2026-11-20T10:00:00Z", "amount": "2000.00", "method": "card"}]}`
	tests := []struct {
		name   string
		query  string
		body   string
		status int
		code   string
		check  func(t *testing.T, r response)
	}{
		{"calculated", "?reward=big_deposit_match", input, 200, "", func(t *testing.T, r response) {
			assert.Equal(t, "calculated", r.json["outcome"])
			assert.Equal(t, "1000.00", r.json["amount"])
			assert.NotContains(t, r.json, "trace")
		}},
		{"with the trace", "?reward=big_deposit_match&trace=true", input, 200, "", func(t *testing.T, r response) {
			assert.Contains(t, r.json, "trace")
		}},
		{"no reward", "", input, 400, server.CodeInvalidParameter, nil},
		{"unknown reward", "?reward=big_deposit", input, 404, server.CodeNotFound, func(t *testing.T, r response) {
			assert.Contains(t, r.json["message"], "big_deposit_match")
		}},
		{"bad trace", "?reward=welcome_ten&trace=yes", input, 400, server.CodeInvalidParameter, nil},
		{"invalid input", "?reward=welcome_ten", `{"now": "later"}`, 422, server.CodeInvalidInput, func(t *testing.T, r response) {
			assert.Contains(t, r.json["message"], "now")
			assert.Equal(t, "error", r.json["details"].(map[string]any)["result"].(map[string]any)["outcome"])
		}},
		{"malformed input", "?reward=welcome_ten", `{"now": `, 422, server.CodeInvalidInput, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(call{method: "POST", path: "/v1/eval" + tt.query, role: server.Viewer, body: tt.body})
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.code())
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
	assert.Empty(t, h.outcomes(), "evaluation stores nothing")
}

func TestHealthAndUnknownPaths(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		method, path string
		status       int
		code         string
		allow        string
	}{
		{"GET", "/healthz", 200, "", ""},
		{"GET", "/readyz", 200, "", ""},
		{"HEAD", "/healthz", 200, "", ""},
		{"GET", "/v1/nothing", 404, server.CodeNotFound, ""},
		{"GET", "/", 404, server.CodeNotFound, ""},
		{"DELETE", "/v1/events", 405, server.CodeMethodNotAllowed, "POST"},
		{"GET", "/v1/events", 405, server.CodeMethodNotAllowed, "POST"},
		{"POST", "/v1/outcomes", 405, server.CodeMethodNotAllowed, "GET"},
		{"GET", "/v1/campaigns/x/budgets/EUR", 405, server.CodeMethodNotAllowed, "PUT"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := h.do(call{method: tt.method, path: tt.path})
			assert.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.code())
			assert.Equal(t, tt.allow, r.header.Get("Allow"))
			if tt.method != "HEAD" {
				assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			}
		})
	}
}

// TestNoSecretInLogs: the log has a line per request naming the key by
// its id; no secret, header or body shows.
func TestNoSecretInLogs(t *testing.T) {
	h := newHarness(t)
	h.events(ev("d1", "p1", "deposit", t0, "amount", "50.00", "method", "card"))
	h.do(call{method: "GET", path: "/v1/outcomes", key: "promoc_wrong_secret-guess"})
	h.do(call{method: "GET", path: "/v1/outcomes", role: server.Viewer})
	logs := h.logs.String()
	// Less the line of GET /v1/openapi.json, which the harness sends
	// through the first handler that checks a response (this test's when
	// it runs alone).
	assert.Equal(t, 3, strings.Count(logs, `"msg":"request"`)-strings.Count(logs, `"path":"/v1/openapi.json"`), logs)
	assert.Contains(t, logs, `"key":"`+keyID(t, h, server.Operator)+`"`)
	for role, secret := range h.keys {
		assert.NotContains(t, logs, secret, role)
		assert.NotContains(t, logs, secret[len(secret)-43:], role)
	}
	assert.NotContains(t, logs, "secret-guess")
	assert.NotContains(t, logs, "Bearer")
	assert.NotContains(t, logs, "50.00", "no body")
}
