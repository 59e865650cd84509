package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/server"
)

// campaignAcceptRules: a welcome bonus without a budget, and a match with
// one.
const campaignAcceptRules = `kind deposit {
	amount: money
}

reward five: amount {
	give 5 EUR
}

automation welcome {
	trigger on deposit

	give five
}

reward half: amount {
	give 50% of last(deposit.amount)
}

automation match {
	trigger on deposit
	budget 100 EUR

	give half
}
`

// TestAcceptSuspendRuleWithoutBudget: every outcome of a rule carries the
// rule as its campaign, so an operator can suspend an automation rule
// that has no budget (spec/semantics.md, The engine: Budgets), through the
// API as with promoc campaigns suspend: its rewards are then skipped
// campaign-suspended (keeping the amount it would have paid), and paid
// again once it is resumed. A name that is no
// rule is still a 404.
func TestAcceptSuspendRuleWithoutBudget(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), campaignAcceptRules)
	r := h.do(call{method: "POST", path: "/v1/campaigns/welcome/suspend", role: server.Operator, body: map[string]any{"reason": "wrong amount"}})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "suspended", r.json["status"])
	assert.Equal(t, "wrong amount", r.json["reason"])
	r = h.do(call{method: "GET", path: "/v1/campaigns/welcome", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "suspended", r.json["status"])

	r = h.events([]any{ev("d1", "p1", "deposit", t0, "amount", "10.00", "currency", "EUR")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	got := map[string]string{}
	for _, o := range r.json["outcomes"].([]any) {
		o := o.(map[string]any)
		got[o["rule"].(string)] = strings.Join(slices.DeleteFunc([]string{str(o["status"]), str(o["reason"]), str(o["amount"])}, func(s string) bool { return s == "" }), " ")
	}
	assert.Equal(t, map[string]string{"welcome": "skipped campaign-suspended 5.00", "match": "issued 5.00"}, got)

	r = h.do(call{method: "POST", path: "/v1/campaigns/welcome/resume", role: server.Operator})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "active", r.json["status"])
	r = h.events([]any{ev("d2", "p1", "deposit", t0.Add(time.Minute), "amount", "10.00", "currency", "EUR")})
	require.Equal(t, 200, r.status, "%s", r.raw)
	got = map[string]string{}
	for _, o := range r.json["outcomes"].([]any) {
		o := o.(map[string]any)
		got[o["rule"].(string)] = strings.Join(slices.DeleteFunc([]string{str(o["status"]), str(o["reason"]), str(o["amount"])}, func(s string) bool { return s == "" }), " ")
	}
	assert.Equal(t, map[string]string{"welcome": "issued 5.00", "match": "issued 5.00"}, got)

	r = h.do(call{method: "POST", path: "/v1/campaigns/welcom/suspend", role: server.Operator})
	assert.Equal(t, 404, r.status, "%s", r.raw)
	assert.Equal(t, "not-found", r.code())
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// TestAcceptBudgetLimitInput: a budget's limit is an exact decimal, as
// promoc campaigns budget takes it: digits with an optional decimal point.
// An exponent, a sign, blanks or text are 422 invalid-amount naming the
// field limit, and nothing changes; "1e3" is not a thousand. A limit that
// is not a string or a number is 400 invalid-json.
func TestAcceptBudgetLimitInput(t *testing.T) {
	h := rulesHarnessOn(t, openStore(t), campaignAcceptRules)
	for _, limit := range []string{`"1e3"`, `"+200"`, `".5e3"`, `"abc"`, `""`, `"NaN"`, `" 300"`, `"-5"`, `1e3`, `"1.123456789"`} {
		r := h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/EUR", role: server.Operator, body: `{"limit": ` + limit + `}`})
		assert.Equal(t, 422, r.status, "limit %s: %s", limit, r.raw)
		assert.Equal(t, "invalid-amount", r.code(), "limit %s", limit)
		assert.Equal(t, map[string]any{"field": "limit"}, r.json["details"], "limit %s", limit)
	}
	r := h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/EUR", role: server.Operator, body: `{"limit": true}`})
	assert.Equal(t, 400, r.status, "%s", r.raw)
	assert.Equal(t, "invalid-json", r.code())
	r = h.do(call{method: "GET", path: "/v1/campaigns/match", role: server.Viewer})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, "100", r.json["budgets"].([]any)[0].(map[string]any)["limit"], "nothing changed")
	for limit, want := range map[string]string{`"250.50"`: "250.5", `300`: "300", `"0.00000001"`: "0.00000001", `"400.00"`: "400"} {
		r := h.do(call{method: "PUT", path: "/v1/campaigns/match/budgets/EUR", role: server.Operator, body: `{"limit": ` + limit + `}`})
		require.Equal(t, 200, r.status, "limit %s: %s", limit, r.raw)
		assert.Equal(t, want, r.json["budgets"].([]any)[0].(map[string]any)["limit"], "limit %s", limit)
	}
}
